// Shared by the libFuzzer targets that drive standard-library natives
// directly (json, regex, url, form): one VM for the whole fuzzing process,
// with small limits, and a call of a module function by name. Script
// errors raised by the natives (ScriptThrow) are normal outcomes.
#pragma once
#include <cstdio>
#include <initializer_list>
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

} // namespace langoost::fuzz
