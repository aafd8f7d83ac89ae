// The `assert` module (for `langoost test`): eq with deep equality, ne, ok,
// throws, fail. Failures raise AssertionError with messages such as
// `expected 3, got 4`; the error's stack points at the test's line.
#include "stdlib/Stdlib.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

// Structural equality: numbers by value (1 == 1.0), strings by bytes,
// arrays element-wise, objects and instances key by key (instances also
// need the same class); anything else by identity. Depth-limited so cyclic
// values end in an error instead of a crash.
// A value is equal to itself (shared sub-values are not walked twice), and
// the time limit is checked as the walk goes: two equal but separately
// built DAGs can still take time exponential in their size.
bool deepEqual(VM& vm, Value a, Value b, int depth) {
    if (depth > 200) vm.raise("ValueError", "assert: values are nested too deeply (or cyclic) to compare");
    static thread_local uint32_t visits = 0;
    if ((++visits & 0xfff) == 0) vm.checkDeadline();
    if (a.isObj() && a.identical(b)) return true;
    if (a.isObjType(ObjType::Array) && b.isObjType(ObjType::Array)) {
        auto* x = a.as<ArrayObject>();
        auto* y = b.as<ArrayObject>();
        if (x->length != y->length) return false;
        for (uint32_t i = 0; i < x->length; ++i)
            if (!deepEqual(vm, x->at(i), y->at(i), depth + 1)) return false;
        return true;
    }
    if (a.isObjType(ObjType::Map) && b.isObjType(ObjType::Map)) {
        auto* x = a.as<MapObject>();
        auto* y = b.as<MapObject>();
        if (x->klass != y->klass || x->count != y->count) return false;
        for (StringObject* k : mapSortedKeys(x)) {
            Value* other = mapFind(y, k);
            if (!other || !deepEqual(vm, *mapFind(x, k), *other, depth + 1)) return false;
        }
        return true;
    }
    return vm.equals(a, b);
}

// A value as the failure message shows it: strings quoted, containers as JSON.
std::string show(VM& vm, Value v) {
    std::string out;
    vm.appendString(out, v, v.isString() || v.isObj() ? 1 : 0);
    return out;
}

std::string withMessage(VM& vm, Value* args, int argc, int index, const std::string& text) {
    if (index < argc && !args[index].isNil()) return vm.toString(args[index]) + ": " + text;
    return text;
}

Value assert_eq(VM& vm, Value, Value* args, int argc) {
    if (!deepEqual(vm, args[0], args[1], 0))
        vm.raise("AssertionError",
                 withMessage(vm, args, argc, 2, "expected " + show(vm, args[1]) + ", got " + show(vm, args[0])));
    return Value();
}

Value assert_ne(VM& vm, Value, Value* args, int argc) {
    if (deepEqual(vm, args[0], args[1], 0))
        vm.raise("AssertionError", withMessage(vm, args, argc, 2, "expected a value other than " + show(vm, args[1])));
    return Value();
}

Value assert_ok(VM& vm, Value, Value* args, int argc) {
    if (!args[0].truthy())
        vm.raise("AssertionError", withMessage(vm, args, argc, 1, "expected a true value, got " + show(vm, args[0])));
    return Value();
}

Value assert_fail(VM& vm, Value, Value* args, int argc) {
    vm.raise("AssertionError", argc > 0 ? vm.toString(args[0]) : "failed");
}

std::string kindOf(VM& vm, Value error) {
    if (error.isObjType(ObjType::Map))
        if (Value* k = mapFind(error.as<MapObject>(), "kind"); k && k->isString()) return std::string(k->as<StringObject>()->view());
    (void)vm;
    return "";
}

// throws(fn, kind?) → the thrown value; AssertionError when fn returns
// normally or throws another kind.
Value assert_throws(VM& vm, Value, Value* args, int argc) {
    Value thrown;
    bool threw = false;
    try {
        vm.call(args[0], {});
    } catch (ScriptThrow&) {
        thrown = vm.exception();
        threw = true;
    }
    if (!threw) vm.raise("AssertionError", "expected an error to be thrown, but the function returned");
    if (argc > 1 && !args[1].isNil()) {
        std::string want = vm.toString(args[1]);
        std::string got = kindOf(vm, thrown);
        if (got != want)
            vm.raise("AssertionError", "expected a " + want + " to be thrown, got " + (got.empty() ? show(vm, thrown) : got));
    }
    return thrown;
}

} // namespace

const NativeModuleDef& assertModule() {
    static const NativeModuleDef def = {
        "assert",
        {
            {"eq", assert_eq, 2, 3},
            {"ne", assert_ne, 2, 3},
            {"ok", assert_ok, 1, 2},
            {"fail", assert_fail, 0, 1},
            {"throws", assert_throws, 1, 2},
        },
        {},
    };
    return def;
}

} // namespace langoost
