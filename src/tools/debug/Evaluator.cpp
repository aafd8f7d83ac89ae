#include "tools/debug/Evaluator.h"

#include <algorithm>

#include "compiler/Compiler.h"
#include "vm/MapOps.h"

namespace langoost::debug {

namespace {

size_t currentPc(const CallFrame& frame) {
    size_t pc = frame.ip ? size_t(frame.ip - frame.closure->proto->code.data()) : 0;
    return pc > 0 ? pc - 1 : 0;
}

void addOrShadow(std::vector<NamedSlot>& out, NamedSlot slot) {
    auto same = std::find_if(out.begin(), out.end(), [&](const NamedSlot& s) { return s.name == slot.name; });
    if (same != out.end()) out.erase(same);
    out.push_back(std::move(slot));
}

std::string errorText(VM& vm) {
    Value e = vm.exception();
    if (e.isObjType(ObjType::Map)) {
        Value* kind = mapFind(e.as<MapObject>(), "kind");
        Value* message = mapFind(e.as<MapObject>(), "message");
        if (kind && message) return vm.toString(*kind) + ": " + vm.toString(*message);
    }
    return "uncaught exception: " + vm.toString(e);
}

// `self` cannot name a parameter: it is passed as kSelfParam, and the
// expression's uses of it (whole words outside strings and comments) are renamed.
constexpr const char* kSelfParam = "self__";

std::string renameSelf(const std::string& e) {
    std::string out;
    for (size_t i = 0; i < e.size();) {
        char c = e[i];
        if (c == '"') { // a string literal, escapes included
            size_t j = i + 1;
            while (j < e.size() && e[j] != '"') j += e[j] == '\\' ? 2 : 1;
            out.append(e, i, std::min(j + 1, e.size()) - i);
            i = j + 1;
        } else if (c == '/' && i + 1 < e.size() && e[i + 1] == '/') {
            out.append(e, i, std::string::npos);
            break;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t j = i;
            while (j < e.size() && (std::isalnum(static_cast<unsigned char>(e[j])) || e[j] == '_')) ++j;
            std::string word = e.substr(i, j - i);
            out += word == "self" ? kSelfParam : word;
            i = j;
        } else {
            out += c;
            ++i;
        }
    }
    return out;
}

} // namespace

bool isUserName(const std::string& name) {
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::vector<NamedSlot> frameLocals(const CallFrame& frame) {
    const FunctionProto* proto = frame.closure->proto;
    size_t pc = currentPc(frame);
    std::vector<NamedSlot> out;
    for (const LocalName& local : proto->localNames)
        if (local.startPc <= pc && pc < local.endPc && isUserName(local.name))
            addOrShadow(out, {local.name, frame.base + local.slot});
    return out;
}

std::vector<NamedSlot> frameUpvalues(const CallFrame& frame) {
    const FunctionProto* proto = frame.closure->proto;
    std::vector<NamedSlot> out;
    for (size_t i = 0; i < proto->upvalueNames.size() && i < frame.closure->upvalueCount; ++i)
        if (isUserName(proto->upvalueNames[i]) && frame.closure->upvalues[i])
            addOrShadow(out, {proto->upvalueNames[i], frame.closure->upvalues[i]->location});
    return out;
}

std::optional<Value> Evaluator::evaluate(VM& vm, size_t frameIndex, const std::string& expression, std::string& error) {
    const CallFrame& frame = vm.frames()[frameIndex];
    ModuleObject* module = frame.closure->module;
    if (!module->compiled) {
        error = "this frame has no module to evaluate in";
        return std::nullopt;
    }
    // Upvalues first, locals after: a local shadows an upvalue of its name.
    std::vector<NamedSlot> names = frameUpvalues(frame);
    for (auto& local : frameLocals(frame)) addOrShadow(names, local);
    std::string params;
    for (const auto& n : names) params += (params.empty() ? "" : ", ") + (n.name == "self" ? kSelfParam : n.name);
    // A newline before the closing parenthesis: a trailing // comment in
    // the expression cannot swallow it.
    std::string source = "(fn(" + params + ") {\nreturn (" + renameSelf(expression) + "\n)\n})\n";
    CompileOptions options;
    options.builtinNames = module->compiled->builtinNames;
    options.predeclaredGlobals = module->compiled->globalNames;
    options.replMode = true;
    Diagnostics diags;
    std::shared_ptr<const CompiledModule> code = compileSource(SourceFile("<evaluate>", source), diags, options);
    if (!code) {
        error = diags.errors().empty() ? "cannot compile the expression" : diags.errors().front().message;
        return std::nullopt;
    }
    if (code->globalNames.size() > module->globals.size()) {
        error = "an expression cannot declare names";
        return std::nullopt;
    }
    compiled_.push_back(code);
    std::vector<Value> args;
    for (const auto& n : names) args.push_back(*n.location);
    VM::PendingException saved = vm.pendingException();
    TempRoot keepException(vm, saved.value);
    std::optional<Value> result;
    try {
        ClosureObject* main = vm.heap().newClosure(code->main.get(), module);
        Value function = vm.call(Value::object(main), {});
        TempRoot keepFunction(vm, function);
        result = vm.call(function, args);
    } catch (ScriptThrow&) {
        error = errorText(vm);
    } catch (ExitRequest&) {
        error = "the expression called exit()";
    }
    vm.restoreException(std::move(saved));
    return result;
}

} // namespace langoost::debug
