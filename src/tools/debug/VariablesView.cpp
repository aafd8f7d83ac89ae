#include "tools/debug/VariablesView.h"

#include <set>

#include "vm/MapOps.h"

namespace langoost::debug {

using nlohmann::json;

namespace {

SourceLocation frameLocation(const CallFrame& f) {
    const FunctionProto* p = f.closure->proto;
    size_t pc = f.ip ? size_t(f.ip - p->code.data()) : 0;
    return pc > 0 && pc - 1 < p->locations.size() ? p->locations[pc - 1] : p->location;
}

std::string sourcePath(const CallFrame& f) {
    const ModuleObject* m = f.closure->module;
    if (m->compiled && !m->compiled->key.empty()) return m->compiled->key;
    return f.closure->proto->path;
}

bool expandable(Value v) {
    if (!v.isObj()) return false;
    switch (v.asObj()->type) {
    case ObjType::Array: return v.as<ArrayObject>()->length > 0;
    case ObjType::Map: return v.as<MapObject>()->count > 0;
    case ObjType::Module: return v.as<ModuleObject>()->exports || v.as<ModuleObject>()->compiled;
    default: return false;
    }
}

} // namespace

int VariablesView::reference(VM& vm, Kind kind, size_t frame, Value value) {
    if (!rootedIn_) {
        rootedIn_ = &vm;
        rootsBase_ = vm.tempRoots.size();
    }
    if (kind == Kind::Value) vm.tempRoots.push_back(value);
    handles_.push_back({kind, frame, value});
    return int(handles_.size());
}

void VariablesView::release(VM& vm) {
    if (rootedIn_ == &vm) vm.tempRoots.resize(rootsBase_);
    rootedIn_ = nullptr;
    handles_.clear();
}

std::string VariablesView::summary(VM& vm, Value v) {
    if (!v.isObj()) return vm.toString(v);
    switch (v.asObj()->type) {
    case ObjType::String: {
        std::string text;
        vm.appendString(text, v, 1); // quoted, as inside an array
        return text;
    }
    case ObjType::Array: return "array(" + std::to_string(v.as<ArrayObject>()->length) + ")";
    case ObjType::Map: {
        const MapObject* m = v.as<MapObject>();
        std::string fields = std::to_string(m->count) + (m->count == 1 ? " field" : " fields");
        return m->klass ? std::string(m->klass->name->view()) + " {" + fields + "}" : "{" + fields + "}";
    }
    case ObjType::Module: return "module " + std::string(v.as<ModuleObject>()->name->view());
    case ObjType::Closure: return std::string(vm.typeName(v)) + " " + v.as<ClosureObject>()->proto->name;
    default: return vm.toString(v);
    }
}

json VariablesView::variable(VM& vm, const std::string& name, Value v) {
    return {{"name", name},
            {"value", summary(vm, v)},
            {"type", vm.typeName(v)},
            {"variablesReference", expandable(v) ? reference(vm, Kind::Value, 0, v) : 0}};
}

json VariablesView::stackTrace(VM& vm) {
    json frames = json::array();
    const FrameStack& stack = vm.frames();
    for (size_t i = stack.size(); i-- > 0;) {
        const CallFrame& f = stack[i];
        SourceLocation at = frameLocation(f);
        std::string path = sourcePath(f);
        const std::string& fn = f.closure->proto->name;
        frames.push_back({{"id", int(i + 1)},
                          {"name", fn == "<main>" ? "<module>" : fn},
                          {"source", {{"path", path}, {"name", path.substr(path.find_last_of('/') + 1)}}},
                          {"line", at.line},
                          {"column", at.column ? at.column : 1}});
    }
    return frames;
}

json VariablesView::scopes(VM& vm, int frameId) {
    json out = json::array();
    if (!frameValid(vm, frameId)) return out;
    size_t frame = size_t(frameId - 1);
    const CallFrame& f = vm.frames()[frame];
    out.push_back({{"name", "Locals"}, {"presentationHint", "locals"}, {"expensive", false},
                   {"variablesReference", reference(vm, Kind::Locals, frame, Value())}});
    if (!frameUpvalues(f).empty())
        out.push_back({{"name", "Closure"}, {"expensive", false},
                       {"variablesReference", reference(vm, Kind::Closure, frame, Value())}});
    out.push_back({{"name", "Globals"}, {"expensive", false},
                   {"variablesReference", reference(vm, Kind::Globals, frame, Value())}});
    return out;
}

json VariablesView::variables(VM& vm, int ref) {
    json out = json::array();
    if (ref < 1 || size_t(ref) > handles_.size()) return out;
    Handle h = handles_[size_t(ref - 1)];
    if (h.kind != Kind::Value && h.frame >= vm.frames().size()) return out;
    switch (h.kind) {
    case Kind::Locals:
        for (const auto& n : frameLocals(vm.frames()[h.frame])) out.push_back(variable(vm, n.name, *n.location));
        break;
    case Kind::Closure:
        for (const auto& n : frameUpvalues(vm.frames()[h.frame])) out.push_back(variable(vm, n.name, *n.location));
        break;
    case Kind::Globals: {
        // Top-level names that only the top level uses live in its frame
        // (Locals of <module>), not in their global slots.
        const ModuleObject* m = vm.frames()[h.frame].closure->module;
        if (!m->compiled) break;
        std::set<std::string> topLevelLocals;
        for (const LocalName& l : m->compiled->main->localNames) topLevelLocals.insert(l.name);
        const auto& names = m->compiled->globalNames;
        for (size_t i = 0; i < names.size() && i < m->globals.size(); ++i)
            if (isUserName(names[i]) && !topLevelLocals.contains(names[i]))
                out.push_back(variable(vm, names[i], m->globals[i]));
        break;
    }
    case Kind::Value: {
        Value v = h.value;
        if (v.isObjType(ObjType::Array)) {
            const ArrayObject* a = v.as<ArrayObject>();
            for (uint32_t i = 0; i < a->length; ++i) out.push_back(variable(vm, "[" + std::to_string(i) + "]", a->at(i)));
        } else if (v.isObjType(ObjType::Map)) {
            MapObject* m = v.as<MapObject>();
            std::vector<StringObject*> keys = mapSortedKeys(m); // a copy: variable() may allocate
            for (StringObject* key : keys)
                if (Value* field = mapFind(m, key)) out.push_back(variable(vm, std::string(key->view()), *field));
        } else if (v.isObjType(ObjType::Module)) {
            const ModuleObject* m = v.as<ModuleObject>();
            if (m->exports) return variables(vm, reference(vm, Kind::Value, 0, Value::object(m->exports)));
            const auto& names = m->compiled->globalNames;
            for (size_t i = 0; i < names.size() && i < m->globals.size(); ++i)
                if (isUserName(names[i])) out.push_back(variable(vm, names[i], m->globals[i]));
        }
        break;
    }
    }
    return out;
}

json VariablesView::evaluate(VM& vm, int frameId, const std::string& expression, std::string& error) {
    if (frameId == 0) frameId = int(vm.frames().size());
    if (!frameValid(vm, frameId)) {
        error = "no such frame";
        return {};
    }
    std::optional<Value> v = evaluator_.evaluate(vm, size_t(frameId - 1), expression, error);
    if (!v) return {};
    json var = variable(vm, expression, *v);
    return {{"result", var["value"]}, {"type", var["type"]}, {"variablesReference", var["variablesReference"]}};
}

bool VariablesView::condition(VM& vm, const std::string& expression, std::string& error) {
    std::optional<Value> v = evaluator_.evaluate(vm, vm.frames().size() - 1, expression, error);
    return v && v->truthy();
}

} // namespace langoost::debug
