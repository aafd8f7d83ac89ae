// Calls: how each kind of callable is entered — closures get a new frame
// (with arity and variadic handling), natives run in place, bound methods
// restore their receiver; method calls look up fields first, then the
// class chain, then the built-in methods of arrays and objects.
#include <cstring>

#include "common/Suggest.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"
#include "vm/ObjectMethods.h"
#include "vm/VM.h"

namespace langoost {

void VM::stackOverflow() {
    raise("StackOverflowError", "maximum call depth exceeded (" + std::to_string(frames_.size()) + " frames)");
}

bool VM::callClosure(ClosureObject* c, Value* slot, uint32_t argc) {
    const FunctionProto* p = c->proto;
    if (p->variadic) {
        uint32_t fixed = p->arity - 1;
        if (argc < fixed)
            raise("ArityError", p->name + " expects at least " + std::to_string(fixed) + " argument" +
                                    (fixed == 1 ? "" : "s") + ", got " + std::to_string(argc));
        uint32_t extra = argc - fixed;
        ArrayObject* rest = heap_.newArray(extra);
        if (extra) std::memcpy(static_cast<void*>(rest->data()), slot + 1 + fixed, sizeof(Value) * extra);
        slot[1 + fixed] = Value::object(rest);
        sp_ = slot + 2 + fixed;
    } else if (argc != p->arity) {
        raise("ArityError", p->name + " expects " + std::to_string(p->arity) + " argument" +
                                (p->arity == 1 ? "" : "s") + ", got " + std::to_string(argc));
    }
    if (!frames_.hasRoom() || !stackFits(slot + p->maxStack + 1)) stackOverflow();
    pushFrame(c, slot);
    return true;
}

namespace {

// Out of line: the arity checks of callNative and callStringMethod are then
// a compare each, and their calls need no frame for building a message.
[[noreturn, gnu::cold, gnu::noinline]] void arityError(VM& vm, const char* what, const char* name, int min, int max,
                                                       uint32_t argc) {
    std::string expected = min == max ? std::to_string(min)
                           : max < 0  ? "at least " + std::to_string(min)
                                      : std::to_string(min) + " to " + std::to_string(max);
    vm.raise("ArityError", std::string(what) + name + " expects " + expected + " argument" +
                               (max == 1 && min == 1 ? "" : "s") + ", got " + std::to_string(argc));
}

} // namespace

bool VM::callNative(NativeObject* n, Value self, Value* slot, uint32_t argc) {
    if (int(argc) < n->minArgs || (n->maxArgs >= 0 && int(argc) > n->maxArgs)) [[unlikely]]
        arityError(*this, "", n->name, n->minArgs, n->maxArgs, argc);
    Value result = n->fn(*this, self, slot + 1, int(argc));
    slot[0] = result;
    sp_ = slot + 1;
    return false;
}

// `s.split(",")`: the receiver is the native's first argument, and the
// arity message counts what the caller wrote (the arguments after the dot).
bool VM::callStringMethod(NativeObject* n, Value* slot, uint32_t argc) {
    int given = int(argc) + 1;
    if (given < n->minArgs || (n->maxArgs >= 0 && given > n->maxArgs)) [[unlikely]]
        arityError(*this, "string method ", n->name, n->minArgs - 1, n->maxArgs - 1, argc);
    Value result = n->fn(*this, Value(), slot, given);
    slot[0] = result;
    sp_ = slot + 1;
    return false;
}

bool VM::callValue(Value callee, Value* slot, uint32_t argc) {
    if (callee.isObj()) {
        switch (callee.asObj()->type) {
        case ObjType::Closure: return callClosure(callee.as<ClosureObject>(), slot, argc);
        case ObjType::Native: return callNative(callee.as<NativeObject>(), Value(), slot, argc);
        case ObjType::BoundMethod: {
            auto* b = callee.as<BoundMethodObject>();
            slot[0] = b->receiver;
            if (b->method.isObjType(ObjType::Native))
                return callNative(b->method.as<NativeObject>(), b->receiver, slot, argc);
            return callClosure(b->method.as<ClosureObject>(), slot, argc);
        }
        case ObjType::Class:
            raise("TypeError", "cannot call class " + std::string(callee.as<ClassObject>()->name->view()) +
                                   " (create instances with " + std::string(callee.as<ClassObject>()->name->view()) +
                                   "{...})");
        default: break;
        }
    }
    // Named after the call site when the compiler recorded its callee (`cfg.port()`).
    const OperandNames* site = siteOperandNames(OperandNames::Call);
    if (site && !site->first.empty())
        raise("TypeError", "cannot call '" + site->first + "', a value of type " + typeName(callee));
    raise("TypeError", std::string("cannot call a value of type ") + typeName(callee));
}

ClosureObject* VM::findMethod(ClassObject* c, StringObject* name) {
    if (!c || !c->mayHaveMethod(name)) return nullptr; // surely no such method in the chain
    for (; c; c = c->parent)
        if (Value* m = mapFind(c->methods, name)) return m->as<ClosureObject>();
    return nullptr;
}

namespace {

// The keys of a map (fields, methods), as "did you mean" candidates.
std::vector<std::string> keyNames(MapObject* map) {
    std::vector<std::string> names;
    for (const StringObject* key : mapSortedKeys(map)) names.emplace_back(key->view());
    return names;
}

} // namespace

ClosureObject* VM::directMethod(Value* slot, uint32_t argc, StringObject* name, const Instruction* site,
                                uint32_t slotHint) {
    if (!slot->isObjType(ObjType::Map)) return nullptr;
    ClassObject* c = slot->as<MapObject>()->klass;
    if (!c || c->fieldShadowsMethod) return nullptr;
    ClosureObject* method = findMethod(c, name);
    if (!method) return nullptr;
    const FunctionProto* p = method->proto;
    if (argc != p->arity || p->variadic) return nullptr;
    if (!ownInvokeCache_) {
        ownInvokeCache_ = std::make_unique<InvokeCacheEntry[]>(kInvokeCacheSize);
        invokeCache_ = ownInvokeCache_.get();
    }
    InvokeCacheEntry& first = invokeSiteEntry(slotHint);
    (first.site == site && first.klass != c ? invokeSiteClassEntry(slotHint, c) : first) = {
        site, c, method, method->code, p->constants.data(), method->module->globals.data(), p->maxStack + 1};
    if (!frames_.hasRoom() || !stackFits(slot + p->maxStack + 1)) return nullptr;
    return method;
}

bool VM::invoke(Value* slot, uint32_t argc, StringObject* name) {
    Value receiver = slot[0];
    if (receiver.isObj()) {
        switch (receiver.asObj()->type) {
        case ObjType::Map: {
            auto* m = receiver.as<MapObject>();
            // No instance of this class has a field named like a method: look in the class first.
            if (m->klass && !m->klass->fieldShadowsMethod)
                if (ClosureObject* method = findMethod(m->klass, name)) return callClosure(method, slot, argc);
            if (Value* field = mapFind(m, name)) {
                slot[0] = *field;
                return callValue(*field, slot, argc);
            }
            if (m->klass) {
                if (ClosureObject* method = findMethod(m->klass, name)) return callClosure(method, slot, argc);
                std::vector<std::string> members = keyNames(m);
                for (ClassObject* c = m->klass; c; c = c->parent) {
                    std::vector<std::string> methods = keyNames(c->methods);
                    members.insert(members.end(), methods.begin(), methods.end());
                }
                raise("TypeError", std::string(m->klass->name->view()) + " has no field or method '" +
                                       std::string(name->view()) + "'" + didYouMean(name->view(), members));
            }
            if (NativeObject* method = objectMethod(name)) return callNative(method, receiver, slot, argc);
            std::vector<std::string> members = keyNames(m);
            for (const char* method : {"keys", "values", "has"}) members.push_back(method);
            raise("TypeError", "cannot call '" + std::string(name->view()) + "': the object has no such field" +
                                   didYouMean(name->view(), members));
        }
        case ObjType::Array:
            if (NativeObject* method = arrayMethodObject(name)) return callNative(method, receiver, slot, argc);
            raise("TypeError", "array has no method '" + std::string(name->view()) + "'");
        case ObjType::String:
            if (NativeObject* method = stringMethod(config_.modules, name)) return callStringMethod(method, slot, argc);
            raise("TypeError", "string has no method '" + std::string(name->view()) + "'");
        case ObjType::Module: { // `math.sqrt(x)`: an export found at its slot hint skips getField
            auto* module = receiver.as<ModuleObject>();
            Value* exported = module->exports ? mapFindAtHint(module->exports, name) : nullptr;
            Value member = exported ? *exported : getField(receiver, name);
            slot[0] = member;
            if (member.isObjType(ObjType::Native)) return callNative(member.as<NativeObject>(), Value(), slot, argc);
            return callValue(member, slot, argc);
        }
        default: break;
        }
    }
    // `cfg.db.connect()` with cfg.db missing: name the receiver, `cfg.db`.
    std::string receiverName;
    const OperandNames* site = siteOperandNames(OperandNames::Call);
    std::string suffix = "." + std::string(name->view());
    if (site && site->first.size() > suffix.size() && site->first.ends_with(suffix))
        receiverName = " ('" + site->first.substr(0, site->first.size() - suffix.size()) + "' is " + typeName(receiver) + ")";
    raise("TypeError", "cannot call method '" + std::string(name->view()) + "' on a value of type " + typeName(receiver) +
                           receiverName);
}

bool VM::superInvoke(Value* slot, uint32_t argc, StringObject* name, ClassObject* owner) {
    ClassObject* parent = owner ? owner->parent : nullptr;
    ClosureObject* method = parent ? findMethod(parent, name) : nullptr;
    if (!method)
        raise("TypeError", "no superclass method '" + std::string(name->view()) + "'" +
                               (owner ? " above class " + std::string(owner->name->view()) : ""));
    return callClosure(method, slot, argc);
}

Value VM::call(Value callee, std::span<const Value> args) {
    if (nativeDepth_ >= config_.maxNativeDepth) stackOverflow();
    Value* slot = sp_;
    if (!stackFits(slot + args.size() + 2)) stackOverflow();
    *sp_++ = callee;
    for (const Value& a : args) *sp_++ = a;
    // Not callable: said here, before callValue would name the native's call site.
    bool callable = callee.isObjType(ObjType::Closure) || callee.isObjType(ObjType::Native) ||
                    callee.isObjType(ObjType::BoundMethod) || callee.isObjType(ObjType::Class);
    if (!callable) {
        sp_ = slot;
        raise("TypeError", std::string("cannot call a value of type ") + typeName(callee));
    }
    ++nativeDepth_;
    size_t stop = frames_.size();
    try {
        Value result = callValue(callee, slot, uint32_t(args.size())) ? run(stop) : slot[0];
        sp_ = slot;
        --nativeDepth_;
        return result;
    } catch (...) {
        unwindTo(stop, slot);
        --nativeDepth_;
        throw;
    }
}

void VM::unwindTo(size_t frameCount, Value* slot) {
    closeUpvalues(slot);
    sp_ = slot;
    frames_.resize(frameCount);
    while (!handlers_.empty() && handlers_.back().frameCount > frameCount) handlers_.pop_back();
}

ModuleObject* VM::instantiate(std::shared_ptr<const CompiledModule> compiled) {
    ModuleObject* module = heap_.newModule(internConstant(compiled->path));
    module->compiled = std::move(compiled);
    module->globals.resize(module->compiled->globalNames.size());
    modules_.push_back(module);
    if (config_.traps) config_.traps->instantiated(module->compiled);
    return module;
}

Instruction VM::trapHit(const Instruction* at) {
    if (!config_.traps) raise("InternalError", "a Trap instruction with no code traps installed");
    Instruction original = config_.traps->hit(*this, *frames_.back().closure->proto, at);
    // Running a Trap in its own place would loop for ever.
    if (decodeOpcode(original) == Opcode::Trap) raise("InternalError", "code traps gave back a Trap instruction");
    return original;
}

Value VM::runTopLevel(ModuleObject* module, const FunctionProto* mainProto) {
    if (nativeDepth_ >= config_.maxNativeDepth) stackOverflow();
    ClosureObject* main = heap_.newClosure(mainProto, module);
    Value* slot = sp_;
    *sp_++ = Value::object(main);
    size_t stop = frames_.size();
    ++nativeDepth_;
    try {
        callClosure(main, slot, 0);
        Value result = run(stop);
        sp_ = slot;
        --nativeDepth_;
        return result;
    } catch (...) {
        unwindTo(stop, slot);
        --nativeDepth_;
        throw;
    }
}

ModuleObject* VM::runMain(std::shared_ptr<const CompiledModule> compiled) {
    ModuleObject* module = instantiate(compiled);
    runTopLevel(module, compiled->main.get());
    return module;
}

Value VM::runInModule(ModuleObject* module, std::shared_ptr<const CompiledModule> code) {
    if (code->globalNames.size() > module->globals.size()) {
        module->globals.resize(code->globalNames.size());
        dropInvokeCache(); // entries point into the old globals
    }
    if (module->compiled) module->earlier.push_back(module->compiled);
    module->compiled = code;
    return runTopLevel(module, code->main.get());
}

Value VM::moduleGlobal(const ModuleObject* module, std::string_view name) const {
    if (!module->compiled) return Value();
    const auto& names = module->compiled->globalNames;
    for (size_t i = 0; i < names.size() && i < module->globals.size(); ++i)
        if (names[i] == name) return module->globals[i];
    return Value();
}

} // namespace langoost
