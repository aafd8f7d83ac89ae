#include "cli/Commands.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "bytecode/Disassembler.h"
#include "compiler/Compiler.h"
#include "stdlib/Stdlib.h"

namespace langoost {
namespace {

std::optional<std::string> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return buf.str();
}

// Compiles a file, printing diagnostics; null on any error. `status` gets
// the exit status to use on failure.
std::unique_ptr<CompiledModule> compileFile(const std::string& path, int& status) {
    auto text = readFile(path);
    if (!text) {
        std::fprintf(stderr, "error: cannot read '%s'\n", path.c_str());
        status = kExitUsage;
        return nullptr;
    }
    SourceFile file(path, std::move(*text));
    Diagnostics diags;
    CompileOptions options{builtinNames()};
    auto module = compileSource(file, diags, options);
    if (!module) {
        std::fputs(diags.format().c_str(), stderr);
        status = kExitCompileError;
    }
    return module;
}

} // namespace

int runCommand(const std::string& path, const std::vector<std::string>& args) {
    int status = kExitOk;
    std::shared_ptr<CompiledModule> module = compileFile(path, status);
    if (!module) return status;
    VM vm(standardRuntime(args));
    try {
        vm.runMain(module);
        vm.flush();
        return kExitOk;
    } catch (ScriptThrow&) {
        vm.flush();
        std::fputs(vm.describeUncaught().c_str(), stderr);
        return kExitRuntimeError;
    } catch (ExitRequest& e) {
        vm.flush();
        return e.code;
    } catch (std::bad_alloc&) {
        vm.flush();
        std::fputs("fatal: out of memory\n", stderr);
        return kExitRuntimeError;
    }
}

int disasmCommand(const std::string& path) {
    int status = kExitOk;
    auto module = compileFile(path, status);
    if (!module) return status;
    std::fputs(disassemble(*module).c_str(), stdout);
    return kExitOk;
}

int checkCommand(const std::vector<std::string>& paths) {
    int worst = kExitOk;
    for (const auto& path : paths) {
        int status = kExitOk;
        if (!compileFile(path, status)) worst = std::max(worst, status);
    }
    return worst;
}

} // namespace langoost
