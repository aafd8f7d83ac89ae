// Shared by the libFuzzer targets that drive standard-library natives
// directly (json, regex, url, form): one VM for the whole fuzzing process,
// with small limits, and a call of a module function by name. Script
// errors raised by the natives (ScriptThrow) are normal outcomes.
#pragma once
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <vector>
#include <string_view>

#include "stdlib/Stdlib.h"
#include "vm/VM.h"

namespace langoost::fuzz {

inline VM& fuzzVM() {
    static VM* vm = [] {
        RuntimeConfig config = standardRuntime();
        config.maxHeapBytes = 256u << 20;
        config.maxFrames = 2000;
        return new VM(config);
    }();
    return *vm;
}

// Calls module.function(args...) with string arguments; false when it raised.
inline bool callNative(std::string_view module, std::string_view function, std::initializer_list<std::string_view> args) {
    VM& vm = fuzzVM();
    const NativeModuleDef* def = nullptr;
    for (const NativeModuleDef* m : standardModules())
        if (m->name == module) def = m;
    if (!def) std::abort();
    for (const NativeDef& f : def->functions) {
        if (function != f.name) continue;
        Value values[4];
        int n = 0;
        for (std::string_view a : args) values[n++] = vm.stringValue(a);
        std::vector<Value>& roots = vm.tempRoots;
        size_t mark = roots.size();
        for (int i = 0; i < n; ++i) roots.push_back(values[i]);
        bool ok = true;
        try {
            f.fn(vm, Value(), values, n);
        } catch (ScriptThrow&) {
            ok = false;
        }
        roots.resize(mark);
        // No bytecode runs here, so no safe point ever collects: do it now
        // and then, or garbage piles up until libFuzzer's RSS limit.
        static unsigned calls = 0;
        if (++calls % 64 == 0) vm.isolate().collectGarbage();
        return ok;
    }
    std::abort();
}

// A native by dotted module path ("encode.base64") and name; aborts when absent.
inline NativeFn findNative(std::string_view path, std::string_view function) {
    const std::vector<NativeModuleDef>* level = nullptr;
    const NativeModuleDef* def = nullptr;
    size_t dot = path.find('.');
    for (const NativeModuleDef* m : standardModules())
        if (m->name == path.substr(0, dot)) def = m;
    while (def && dot != std::string_view::npos) {
        path.remove_prefix(dot + 1);
        dot = path.find('.');
        level = &def->namespaces;
        def = nullptr;
        for (const NativeModuleDef& m : *level)
            if (m.name == path.substr(0, dot)) def = &m;
    }
    if (def)
        for (const NativeDef& f : def->functions)
            if (function == f.name) return f.fn;
    std::abort();
}

// Calls a native with `args` (rooted for the call); nullopt when it raised.
inline std::optional<Value> callValue(NativeFn fn, std::initializer_list<Value> args) {
    VM& vm = fuzzVM();
    Value values[4];
    int n = 0;
    std::vector<Value>& roots = vm.tempRoots;
    size_t mark = roots.size();
    for (Value a : args) roots.push_back(values[n++] = a);
    std::optional<Value> result;
    try {
        result = fn(vm, Value(), values, n);
    } catch (ScriptThrow&) {
    }
    roots.resize(mark);
    return result;
}

// Collects now and then: no bytecode runs, so no safe point ever does.
inline void collectSometimes() {
    static unsigned calls = 0;
    if (++calls % 64 == 0) fuzzVM().isolate().collectGarbage();
}

} // namespace langoost::fuzz
