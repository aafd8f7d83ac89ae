// The `runtime` module: `runtime.core`, the process-wide key-value store
// (src/store/CoreStore.h). Values cross into the store as canonical JSON
// (json.stringify's compact writer) and come back through json.parse, so
// nothing of one isolate's heap is shared. Calls to a backend that may
// block (file, Redis) run in a BlockingSection: every argument is copied
// out before, every result built after.
#include <optional>

#include "stdlib/DataArgs.h"
#include "stdlib/Stdlib.h"
#include "store/CoreStore.h"
#include "vm/ArrayOps.h"

namespace langoost {
namespace {

// Runs op(store) — outside the isolate lock unless the store is known not
// to block — and turns a CoreError into a script error of its kind.
template <class Op> auto withCore(VM& vm, Op op) {
    using Result = decltype(op(std::declval<CoreStore&>()));
    std::optional<Result> result;
    std::optional<CoreError> error;
    auto run = [&] {
        try {
            result.emplace(op(processCore()));
        } catch (const CoreError& e) {
            error.emplace(e);
        } catch (const std::exception& e) {
            error.emplace("IOError", std::string("runtime.core: ") + e.what());
        }
    };
    CoreStore* open = processCoreIfOpen();
    if (open && !open->mayBlock()) {
        run();
    } else if (open && open->waitsThroughParking()) {
        { // Redis: a request parks on the connection's socket itself
            BlockingSection io(vm);
            run();
        }
        vm.afterIo(); // a time limit or a cancelled request comes first
    } else {
        vm.blocking(run); // a helper thread does it while a request is parked
    }
    if (error) vm.raise(error->kind, error->what());
    return std::move(*result);
}

std::string keyArg(VM& vm, const char* fn, Value* args, int argc) { return std::string(argString(vm, fn, args, argc, 0)); }

Value core_get(VM& vm, Value, Value* args, int argc) {
    std::string key = keyArg(vm, "runtime.core.get", args, argc);
    std::optional<std::string> json = withCore(vm, [&](CoreStore& s) { return s.get(key); });
    return json ? jsonParse(vm, *json) : Value();
}

Value core_set(VM& vm, Value, Value* args, int argc) {
    std::string key = keyArg(vm, "runtime.core.set", args, argc);
    std::string json = jsonStringify(vm, args[1], 0, "runtime.core.set");
    int64_t ttlMs = argc > 2 && !args[2].isNil() ? argInt(vm, "runtime.core.set", args, argc, 2) : 0;
    withCore(vm, [&](CoreStore& s) {
        s.set(key, json, ttlMs);
        return true;
    });
    return Value();
}

Value core_delete(VM& vm, Value, Value* args, int argc) {
    std::string key = keyArg(vm, "runtime.core.delete", args, argc);
    return Value::boolean(withCore(vm, [&](CoreStore& s) { return s.remove(key); }));
}

Value core_incr(VM& vm, Value, Value* args, int argc) {
    std::string key = keyArg(vm, "runtime.core.incr", args, argc);
    int64_t by = argc > 1 && !args[1].isNil() ? argInt(vm, "runtime.core.incr", args, argc, 1) : 1;
    return Value::integer(withCore(vm, [&](CoreStore& s) { return s.incr(key, by); }));
}

Value core_cas(VM& vm, Value, Value* args, int argc) {
    std::string key = keyArg(vm, "runtime.core.cas", args, argc);
    std::optional<std::string> expected;
    if (!args[1].isNil()) expected = jsonStringify(vm, args[1], 0, "runtime.core.cas");
    std::string json = jsonStringify(vm, args[2], 0, "runtime.core.cas");
    return Value::boolean(withCore(vm, [&](CoreStore& s) {
        return s.cas(key, expected ? std::optional<std::string_view>(*expected) : std::nullopt, json);
    }));
}

Value core_keys(VM& vm, Value, Value* args, int argc) {
    std::string prefix = argc > 0 && !args[0].isNil() ? std::string(argString(vm, "runtime.core.keys", args, argc, 0)) : "";
    std::vector<std::string> keys = withCore(vm, [&](CoreStore& s) { return s.keys(prefix); });
    if (keys.size() > kMaxArrayLength) vm.raise("ValueError", "runtime.core.keys: too many keys for one array");
    ArrayObject* out = vm.heap().newArray(0, uint32_t(keys.size()));
    for (const std::string& k : keys) arrayPush(vm, out, vm.stringValue(k));
    return Value::object(out);
}

} // namespace

const NativeModuleDef& runtimeModule() {
    static const NativeModuleDef def = {
        "runtime",
        {},
        {
            {"core",
             {{"get", core_get, 1, 1},
              {"set", core_set, 2, 3},
              {"delete", core_delete, 1, 1},
              {"incr", core_incr, 1, 2},
              {"cas", core_cas, 3, 3},
              {"keys", core_keys, 0, 1}},
             {}},
        },
    };
    return def;
}

} // namespace langoost
