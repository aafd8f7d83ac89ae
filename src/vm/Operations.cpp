// Operations: the out-of-line slow paths of the interpreter — mixed-type
// arithmetic, string concatenation, field and index access on every type,
// `is`, iteration sources, literals and imports. The hot int/float cases
// stay inline in Interpreter.cpp.
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <malloc.h>

#include "common/Suggest.h"
#include "vm/ArrayOps.h"
#include "vm/MapOps.h"
#include "vm/ObjectMethods.h"
#include "vm/VM.h"

#include "bytecode/FunctionProto.h"

namespace langoost {
namespace {

const char* opSymbol(Opcode op) {
    switch (op) {
    case Opcode::Add: return "+";
    case Opcode::Sub: return "-";
    case Opcode::Mul: return "*";
    case Opcode::Div: return "/";
    case Opcode::Mod: return "%";
    case Opcode::BitAnd: return "&";
    case Opcode::BitOr: return "|";
    case Opcode::BitXor: return "^";
    case Opcode::Shl: return "<<";
    case Opcode::Shr: return ">>";
    case Opcode::Neg: return "-";
    case Opcode::BitNot: return "~";
    default: return "?";
    }
}

} // namespace

// The text `+` appends for `v`: a string's bytes, an int's digits (in
// `digits`), else toString (in `scratch`).
std::string_view VM::concatOperandText(Value v, std::string& scratch, char (&digits)[24]) {
    if (v.isInt()) return {digits, size_t(std::to_chars(digits, digits + sizeof digits, v.asInt()).ptr - digits)};
    return scratch = toString(v);
}

Value VM::concat(Value a, Value b) {
    std::string leftText, rightText;
    char leftDigits[24], rightDigits[24];
    std::string_view l = concatOperand(a, leftText, leftDigits);
    std::string_view r = concatOperand(b, rightText, rightDigits);
    if (l.size() + r.size() > kMaxStringLength) raise("ValueError", "string would exceed the maximum length");
    checkAllocation(l.size() + r.size());
    StringObject* s = heap_.newStringUninitialized(l.size() + r.size());
    if (!l.empty()) std::memcpy(s->chars, l.data(), l.size());
    if (!r.empty()) std::memcpy(s->chars + l.size(), r.data(), r.size());
    Heap::finishString(s);
    return Value::object(s);
}

// A chain's intermediate string is only ever on the stack, so the next `+`
// of the same chain may append to it in place while its allocation has
// room. It is marked in slotHint (a map-slot hint, meaningless for a string
// that is no map key); the chain's last `+` clears the mark.
namespace {
constexpr uint32_t kGrowingString = 0xFFFFFFFF;
// Room reserved per operand still to come: most appended pieces (numbers,
// separators, short words) fit, and a longer one just takes a new allocation.
constexpr size_t kSparePerOperand = 24;
} // namespace

Value VM::concatInChain(Value a, Value b, uint32_t operandsToCome) {
    if (!a.isString() && !b.isString()) return arithmetic(Opcode::Add, a, b);
    std::string rightText;
    char rightDigits[24];
    std::string_view r = concatOperand(b, rightText, rightDigits);
    if (a.isString() && a.as<StringObject>()->slotHint == kGrowingString) {
        StringObject* s = a.as<StringObject>();
        size_t length = size_t(s->length) + r.size();
        if (length <= kMaxStringLength && StringObject::allocationSize(length) <= ::malloc_usable_size(s)) {
            checkAllocation(r.size());
            if (!r.empty()) std::memcpy(s->chars + s->length, r.data(), r.size());
            s->length = uint32_t(length);
            s->chars[length] = '\0';
            heap_.accountExtra(ptrdiff_t(r.size()));
            if (operandsToCome == 0) s->slotHint = 0;
            return a;
        }
    }
    std::string leftText;
    char leftDigits[24];
    std::string_view l = concatOperand(a, leftText, leftDigits);
    if (l.size() + r.size() > kMaxStringLength) raise("ValueError", "string would exceed the maximum length");
    checkAllocation(l.size() + r.size());
    size_t spare = operandsToCome * kSparePerOperand;
    StringObject* s = heap_.newStringUninitialized(l.size() + r.size(), spare);
    if (!l.empty()) std::memcpy(s->chars, l.data(), l.size());
    if (!r.empty()) std::memcpy(s->chars + l.size(), r.data(), r.size());
    if (operandsToCome > 0) s->slotHint = kGrowingString;
    return Value::object(s);
}

Value VM::arithmetic(Opcode op, Value a, Value b) {
    if (op == Opcode::Add && (a.isString() || b.isString())) return concat(a, b);
    if (a.isInt() && b.isInt()) {
        int64_t x = a.asInt(), y = b.asInt();
        auto u = [](int64_t v) { return uint64_t(v); };
        switch (op) {
        case Opcode::Add: return Value::integer(int64_t(u(x) + u(y)));
        case Opcode::Sub: return Value::integer(int64_t(u(x) - u(y)));
        case Opcode::Mul: return Value::integer(int64_t(u(x) * u(y)));
        case Opcode::Div:
            if (y == 0) raise("ZeroDivisionError", "integer division by zero");
            if (y == -1) return Value::integer(int64_t(0 - u(x)));
            return Value::integer(x / y);
        case Opcode::Mod:
            if (y == 0) raise("ZeroDivisionError", "integer modulo by zero");
            if (y == -1) return Value::integer(0);
            return Value::integer(x % y);
        case Opcode::BitAnd: return Value::integer(x & y);
        case Opcode::BitOr: return Value::integer(x | y);
        case Opcode::BitXor: return Value::integer(x ^ y);
        case Opcode::Shl:
            if (y < 0) raise("ValueError", "negative shift count " + std::to_string(y));
            return Value::integer(y >= 64 ? 0 : int64_t(u(x) << y));
        case Opcode::Shr:
            if (y < 0) raise("ValueError", "negative shift count " + std::to_string(y));
            return Value::integer(y >= 64 ? (x < 0 ? -1 : 0) : x >> y);
        default: break;
        }
    } else if (a.isNumber() && b.isNumber()) {
        double x = a.asNumber(), y = b.asNumber();
        switch (op) {
        case Opcode::Add: return Value::number(x + y);
        case Opcode::Sub: return Value::number(x - y);
        case Opcode::Mul: return Value::number(x * y);
        case Opcode::Div: return Value::number(x / y);
        case Opcode::Mod: return Value::number(std::fmod(x, y));
        default: break;
        }
    }
    raise("TypeError", std::string("unsupported operand types for ") + opSymbol(op) + ": " + typeName(a) + " and " +
                           typeName(b) + operandClause(a, &b));
}

Value VM::unary(Opcode op, Value a) {
    if (op == Opcode::Neg) {
        if (a.isInt()) return Value::integer(int64_t(0 - uint64_t(a.asInt())));
        if (a.isFloat()) return Value::number(-a.asFloat());
    } else if (op == Opcode::BitNot && a.isInt()) {
        return Value::integer(~a.asInt());
    }
    raise("TypeError", std::string("unsupported operand type for unary ") + opSymbol(op) + ": " + typeName(a) +
                           operandClause(a, nullptr));
}

Value VM::methodAsField(Value obj, StringObject* name) {
    ClassObject* klass = obj.as<MapObject>()->klass;
    ClosureObject* method = klass ? findMethod(klass, name) : nullptr;
    return method ? Value::object(heap_.newBoundMethod(obj, Value::object(method))) : Value();
}

Value VM::getField(Value obj, StringObject* name) {
    if (obj.isObj()) {
        switch (obj.asObj()->type) {
        case ObjType::Map: {
            if (Value* v = mapFind(obj.as<MapObject>(), name)) return *v;
            return methodAsField(obj, name);
        }
        case ObjType::Module: {
            auto* m = obj.as<ModuleObject>();
            if (m->exports) {
                if (Value* v = mapFind(m->exports, name)) return *v;
            } else if (m->compiled) {
                const auto& names = m->compiled->globalNames;
                for (size_t i = 0; i < names.size(); ++i)
                    if (names[i] == name->view()) return m->globals[i];
            }
            // A declared member whose value is void (server.request outside a request).
            for (const auto& [def, module] : nativeModules_)
                if (module == m)
                    for (const auto& [member, value] : def->values)
                        if (member == name->view()) return Value();
            std::vector<std::string> members;
            if (m->exports)
                for (const StringObject* key : mapSortedKeys(m->exports)) members.emplace_back(key->view());
            else if (m->compiled)
                members = m->compiled->globalNames;
            raise("ImportError", "module '" + std::string(m->name->view()) + "' has no member '" +
                                     std::string(name->view()) + "'" + didYouMean(name->view(), members));
        }
        case ObjType::Array:
            if (NativeObject* method = arrayMethodObject(name))
                return Value::object(heap_.newBoundMethod(obj, Value::object(method)));
            raise("TypeError", "array has no field '" + std::string(name->view()) + "'");
        default: break;
        }
    }
    raise("TypeError", "cannot read field '" + std::string(name->view()) + "' of a value of type " + typeName(obj));
}

Value VM::getFieldAtSite(const Value& obj, StringObject* name, const uint32_t* site) {
    if (!obj.isObjType(ObjType::Map)) return getField(obj, name);
    auto* m = obj.as<MapObject>();
    if (Value* v = mapFindForSite(m, name, site)) return *v;
    // Absent: nil, unless the name may be one of the class's methods.
    if (!m->klass || !m->klass->mayHaveMethod(name)) return Value();
    return methodAsField(obj, name);
}

void VM::setFieldAtSite(const Value& obj, StringObject* name, const Value& v, const uint32_t* site) {
    if (obj.isObjType(ObjType::Map)) {
        auto* m = obj.as<MapObject>();
        // The interpreter has just missed the site's slot. A key already in the
        // table (with a value or nil) is written in place: no growth.
        Value* slot = mapFindForSite(m, name, site);
        if (slot && mapOverwrite(heap_, m, name, *slot, v)) return;
    }
    setField(obj, name, v);
}

void VM::storeIntoMarkedMap(MapObject* map, Value* slot, const Value& v) {
    mapWriteBarrier(heap_, map, slot, v);
    *slot = v;
}

void VM::storeIntoMarkedArray(ArrayObject* a, uint32_t index, const Value& v) {
    heap_.writeBarrier(a, index, v);
    a->at(index) = v;
}

void VM::setField(Value obj, StringObject* name, Value v) {
    if (obj.isObjType(ObjType::Map)) {
        mapSet(heap_, obj.as<MapObject>(), name, v);
        return;
    }
    raise("TypeError", "cannot set field '" + std::string(name->view()) + "' on a value of type " + typeName(obj));
}

// An int index within 0..length-1, else TypeError / IndexError.
uint32_t VM::checkedIndex(Value key, uint32_t length, const char* what) {
    if (!key.isInt()) raise("TypeError", std::string(what) + " index must be an int, got " + typeName(key));
    int64_t i = key.asInt();
    if (i < 0 || i >= length)
        raise("IndexError", "index " + std::to_string(i) + " out of range for " + what + " of length " +
                                std::to_string(length));
    return uint32_t(i);
}

Value VM::getIndex(Value obj, Value key) {
    if (obj.isObjType(ObjType::Array)) {
        auto* a = obj.as<ArrayObject>();
        return a->at(checkedIndex(key, a->length, "array"));
    }
    if (obj.isObjType(ObjType::Map)) {
        auto* m = obj.as<MapObject>();
        Value* v = key.isString() ? mapFind(m, key.as<StringObject>()) : mapFind(m, toString(key));
        return v ? *v : Value();
    }
    if (obj.isString()) {
        auto* s = obj.as<StringObject>();
        return Value::integer(static_cast<unsigned char>(s->chars[checkedIndex(key, s->length, "string")]));
    }
    if (obj.isObjType(ObjType::Module) && key.isString()) return getField(obj, key.as<StringObject>());
    raise("TypeError", std::string("cannot index a value of type ") + typeName(obj));
}

void VM::setIndex(Value obj, Value key, Value v) {
    if (obj.isObjType(ObjType::Array)) {
        auto* a = obj.as<ArrayObject>();
        uint32_t i = checkedIndex(key, a->length, "array");
        arrayEnsureUnique(*this, a);
        a->at(i) = v;
        return;
    }
    if (obj.isObjType(ObjType::Map)) {
        StringObject* k = key.isString() ? key.as<StringObject>() : newString(toString(key));
        mapSet(heap_, obj.as<MapObject>(), k, v);
        return;
    }
    if (obj.isString()) raise("TypeError", "strings are immutable: cannot assign to s[i]");
    raise("TypeError", std::string("cannot index-assign a value of type ") + typeName(obj));
}

bool VM::isA(Value v, Value type) {
    if (type.isObjType(ObjType::Class)) {
        if (!v.isObjType(ObjType::Map)) return false;
        for (ClassObject* c = v.as<MapObject>()->klass; c; c = c->parent)
            if (c == type.as<ClassObject>()) return true;
        return false;
    }
    if (type.isObjType(ObjType::Interface)) {
        if (!v.isObjType(ObjType::Map) || !v.as<MapObject>()->klass) return false;
        for (StringObject* m : type.as<InterfaceObject>()->methods)
            if (!findMethod(v.as<MapObject>()->klass, m)) return false;
        return true;
    }
    raise("TypeError", std::string("the right side of 'is' must be a class or interface, got ") + typeName(type));
}

namespace {

bool isCallable(Value v) {
    return v.isObjType(ObjType::Closure) || v.isObjType(ObjType::Native) || v.isObjType(ObjType::BoundMethod);
}

} // namespace

// One value against one annotation (language.md §3 "Type annotations").
// `float` turns an int into a float in place.
static bool matchesType(VM& vm, Value& v, TypeKind kind, Value classValue) {
    switch (kind) {
    case TypeKind::Any:
    case TypeKind::Void: return true;
    case TypeKind::Int: return v.isInt();
    case TypeKind::Float:
        if (v.isInt()) v = Value::number(double(v.asInt()));
        return v.isFloat();
    case TypeKind::String: return v.isString();
    case TypeKind::Bool: return v.isBool();
    case TypeKind::Object: return v.isNil() || v.isObjType(ObjType::Map) || isCallable(v);
    case TypeKind::Array: return v.isNil() || v.isObjType(ObjType::Array);
    case TypeKind::Class: return v.isNil() || vm.isA(v, classValue);
    }
    return false;
}

void VM::checkType(Value& v, uint32_t code, Value classValue, const FunctionProto* fn, int slot) {
    TypeKind kind = TypeKind(code & kTypeKindMask);
    if (kind == TypeKind::Class && !classValue.isObjType(ObjType::Class) && !classValue.isObjType(ObjType::Interface))
        raise("TypeError", fn->name + ": the annotation does not name a class or interface (got " +
                               typeName(classValue) + ")");
    std::string expected = kind == TypeKind::Class
                               ? std::string(classValue.isObjType(ObjType::Class)
                                                 ? classValue.as<ClassObject>()->name->view()
                                                 : classValue.as<InterfaceObject>()->name->view())
                               : typeKindName(kind);
    auto describe = [&](Value actual) {
        if (actual.isObjType(ObjType::Map) && actual.as<MapObject>()->klass)
            return std::string(actual.as<MapObject>()->klass->name->view());
        return std::string(typeName(actual));
    };
    auto where = [&]() {
        if (slot < 0) return fn->name + ": return value";
        size_t i = size_t(slot - 1);
        return fn->name + ": parameter '" + (i < fn->paramNames.size() ? fn->paramNames[i] : "?") + "'";
    };
    if (code & kTypeEachElement) {
        if (!v.isObjType(ObjType::Array)) return;
        auto* a = v.as<ArrayObject>();
        for (uint32_t i = 0; i < a->length; ++i)
            if (!matchesType(*this, a->at(i), kind, classValue) || (a->at(i).isNil() && kind != TypeKind::Object &&
                                                                   kind != TypeKind::Array && kind != TypeKind::Class))
                raise("TypeError", where() + " element " + std::to_string(i) + " expects " + expected + ", got " +
                                       describe(a->at(i)));
        return;
    }
    if (!matchesType(*this, v, kind, classValue)) raise("TypeError", where() + " expects " + expected + ", got " + describe(v));
}

Value VM::iterationSource(Value v) {
    if (v.isObjType(ObjType::Array) || v.isString() || v.isObjType(ObjType::Range)) return v;
    if (v.isObjType(ObjType::Map)) {
        const auto& keys = mapSortedKeys(v.as<MapObject>());
        ArrayObject* snapshot = heap_.newArray(uint32_t(keys.size()));
        for (size_t i = 0; i < keys.size(); ++i) snapshot->at(uint32_t(i)) = Value::object(keys[i]);
        return Value::object(snapshot);
    }
    raise("TypeError", std::string("cannot iterate over a value of type ") + typeName(v));
}

Value VM::makeObject(Value* pairs, uint32_t n, ClassObject* klass) {
    MapObject* m = heap_.newMap(n);
    m->klass = klass;
    if (n) mapReserve(heap_, m, n);
    for (uint32_t i = 0; i < n; ++i) {
        if (pairs[2 * i + 1].isNil()) mapDeclare(heap_, m, pairs[2 * i].as<StringObject>());
        else mapSet(heap_, m, pairs[2 * i].as<StringObject>(), pairs[2 * i + 1]);
    }
    return Value::object(m);
}

Value VM::makeInterface(Value* items, uint32_t n) {
    InterfaceObject* iface = heap_.newInterface(items[0].as<StringObject>());
    for (uint32_t i = 1; i <= n; ++i) iface->methods.push_back(items[i].as<StringObject>());
    return Value::object(iface);
}

void VM::checkRange(Value* slots) {
    for (int i = 0; i < 3; ++i)
        if (!slots[i].isInt()) raise("TypeError", std::string("range arguments must be ints, got ") + typeName(slots[i]));
    if (slots[2].asInt() == 0) raise("ValueError", "range step must not be zero");
}

Value VM::importModule(StringObject* spec) {
    if (!spec->view().empty() && spec->view()[0] == '/') {
        for (ModuleObject* m : modules_)
            if (m->compiled && m->compiled->key == spec->view()) return Value::object(m);
        std::shared_ptr<const CompiledModule> compiled =
            config_.moduleProvider ? config_.moduleProvider->compiledModule(spec->view()) : nullptr;
        if (!compiled) raise("ImportError", "module '" + std::string(spec->view()) + "' is not loaded");
        ModuleObject* module = instantiate(compiled);
        runTopLevel(module, compiled->main.get());
        return Value::object(module);
    }
    for (auto& [def, module] : nativeModules_)
        if (def->name == spec->view()) return Value::object(module);
    for (const NativeModuleDef* def : config_.modules) {
        if (def->name != spec->view()) continue;
        auto build = [this](const NativeModuleDef& d, auto& self) -> ModuleObject* {
            ModuleObject* m = heap_.newModule(internConstant(d.name));
            TempRoot root(*this, Value::object(m));
            m->exports = heap_.newMap();
            for (const NativeDef& f : d.functions)
                mapSet(heap_, m->exports, internConstant(f.name), Value::object(permanentNative(f)));
            for (const NativeModuleDef& ns : d.namespaces)
                mapSet(heap_, m->exports, internConstant(ns.name), Value::object(self(ns, self)));
            for (const auto& [name, value] : d.values) mapSet(heap_, m->exports, internConstant(name), value);
            return m;
        };
        ModuleObject* module = build(*def, build);
        nativeModules_.emplace_back(def, module);
        if (def->onImport) def->onImport(*this, module->exports);
        return Value::object(module);
    }
    raise("ImportError", "cannot find module '" + std::string(spec->view()) + "'");
}

} // namespace langoost
