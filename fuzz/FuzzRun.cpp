// libFuzzer target: compile arbitrary bytes and, when they compile, run the
// program in a fresh VM. Uncaught script errors and exit() are normal
// outcomes; crashes and sanitizer reports are bugs (usually in src/vm or
// src/stdlib).
//
// There is no instruction budget yet, so only inputs that cannot loop are
// run: under 2 KB and without a `while` or `for` token. Recursion is bounded
// by a small maxFrames, but fan-out recursion (f calling itself twice) can
// still run for a very long time; see README.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "compiler/Compiler.h"
#include "stdlib/Stdlib.h"
#include "syntax/Lexer.h"
#include "vm/VM.h"

using namespace langoost;

namespace {

constexpr size_t kMaxRunSize = 2048;

// True when the source has a `while` or `for` keyword token. Uses the lexer
// so that `"for"` in a string or `format` as a name do not count.
bool mayLoop(const SourceFile& file) {
    for (const Token& t : tokenize(file))
        if (t.kind == TokenKind::KwWhile || t.kind == TokenKind::KwFor) return true;
    return false;
}

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
    if (mayLoop(file)) return -1;
    Diagnostics diags;
    std::shared_ptr<CompiledModule> module = compileSource(file, diags, options);
    if (!module) return 0;
    VM vm(config);
    try {
        vm.runMain(module);
    } catch (ScriptThrow&) {
        (void)vm.describeUncaught();
    } catch (ExitRequest&) {
    } catch (std::bad_alloc&) {
    }
    vm.flush();
    return 0;
}
