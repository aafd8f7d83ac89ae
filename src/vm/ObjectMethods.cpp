#include "vm/ObjectMethods.h"

#include <mutex>

#include "vm/ArrayOps.h"
#include "vm/MapOps.h"

namespace langoost {
namespace {

Value object_keys(VM& vm, Value self, Value*, int) {
    auto* m = self.as<MapObject>();
    const auto& keys = mapSortedKeys(m);
    ArrayObject* out = vm.heap().newArray(uint32_t(keys.size()));
    for (size_t i = 0; i < keys.size(); ++i) out->at(uint32_t(i)) = Value::object(keys[i]);
    return Value::object(out);
}

Value object_values(VM& vm, Value self, Value*, int) {
    auto* m = self.as<MapObject>();
    const auto& keys = mapSortedKeys(m);
    ArrayObject* out = vm.heap().newArray(uint32_t(keys.size()));
    for (size_t i = 0; i < keys.size(); ++i) out->at(uint32_t(i)) = *mapFind(m, keys[i]);
    return Value::object(out);
}

Value object_has(VM& vm, Value self, Value* args, int) {
    auto* m = self.as<MapObject>();
    if (args[0].isString()) return Value::boolean(mapFind(m, args[0].as<StringObject>()) != nullptr);
    return Value::boolean(mapFind(m, vm.toString(args[0])) != nullptr);
}

} // namespace

NativeObject* makePermanentNative(const NativeDef& def) {
    auto* n = new NativeObject();
    n->permanent = true;
    n->fn = def.fn;
    n->name = def.name;
    n->minArgs = def.minArgs;
    n->maxArgs = def.maxArgs;
    return n;
}

NativeObject* permanentNative(const NativeDef& def) {
    static std::mutex& mutex = *new std::mutex;
    static auto& cache = *new std::unordered_map<NativeFn, NativeObject*>;
    std::lock_guard lock(mutex);
    NativeObject*& n = cache[def.fn];
    if (!n) n = makePermanentNative(def);
    return n;
}

NativeObject* objectMethod(const StringObject* name) {
    static const NativeDef defs[] = {
        {"keys", object_keys, 0, 0},
        {"values", object_values, 0, 0},
        {"has", object_has, 1, 1},
    };
    static const auto& table = makeMethodTable(defs);
    auto it = table.find(name->view());
    return it == table.end() ? nullptr : it->second;
}

} // namespace langoost

namespace langoost {

NativeObject* stringMethod(const std::vector<const NativeModuleDef*>& modules, const StringObject* name) {
    // Built once from the first runtime's "strings" module (one definition per process).
    static const auto& table = [&]() -> const std::unordered_map<std::string_view, NativeObject*>& {
        auto* methods = new std::unordered_map<std::string_view, NativeObject*>;
        for (const NativeModuleDef* def : modules) {
            if (def->name != "strings") continue;
            for (const NativeDef& fn : def->functions)
                if (std::string_view(fn.name) != "join" && std::string_view(fn.name) != "fromBytes")
                    methods->emplace(fn.name, permanentNative(fn));
        }
        return *methods;
    }();
    auto it = table.find(name->view());
    return it == table.end() ? nullptr : it->second;
}

} // namespace langoost
