// libFuzzer target: compile arbitrary bytes and, when they compile, run the
// program in a fresh VM. Uncaught script errors and exit() are normal
// outcomes; crashes and sanitizer reports are bugs (usually in src/vm or
// src/stdlib).
//
// Every run has small limits — a step budget (calls plus loop iterations),
// a heap cap, a call-depth cap and a wall-clock timeout — so loops,
// runaway recursion and memory bombs end as catchable errors.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "compiler/Compiler.h"
#include "stdlib/Stdlib.h"
#include "vm/VM.h"

using namespace langoost;

namespace {

constexpr size_t kMaxRunSize = 2048;

// Standard modules a fuzzed program may import: pure computation only,
// nothing that touches files, processes or the network.
bool isSafeModule(const std::string& name) {
    static const char* const safe[] = {"strings", "math", "json", "regex", "time"};
    for (const char* s : safe)
        if (name == s) return true;
    return false;
}

RuntimeConfig fuzzRuntime() {
    RuntimeConfig config = standardRuntime();
    std::vector<const NativeModuleDef*> modules;
    for (const NativeModuleDef* m : config.modules)
        if (isSafeModule(m->name)) modules.push_back(m);
    config.modules = std::move(modules);
    config.maxFrames = 2000;
    config.maxSteps = 200'000;
    config.maxHeapBytes = 64u << 20;
    config.timeoutMs = 2000;
    config.maxOutputBytes = 1u << 20;
    return config;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Scripts print; libFuzzer reports on stderr, so stdout can go.
    if (!std::freopen("/dev/null", "w", stdout)) return 1;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > kMaxRunSize) return -1; // reject: keep it out of the corpus
    static const CompileOptions options{builtinNames()};
    static const RuntimeConfig config = fuzzRuntime();
    SourceFile file("fuzz.goost", std::string(reinterpret_cast<const char*>(data), size));
    Diagnostics diags;
    std::shared_ptr<CompiledModule> module = compileSource(file, diags, options);
    if (!module) return 0;
    VM vm(config);
    try {
        vm.runMain(module);
    } catch (ScriptThrow&) {
        (void)vm.describeUncaught();
    } catch (ExitRequest&) {
    } catch (Terminated&) {
    } catch (std::bad_alloc&) {
    }
    vm.flush();
    return 0;
}
