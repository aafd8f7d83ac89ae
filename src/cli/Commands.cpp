#include "cli/Commands.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "bytecode/Disassembler.h"
#include "common/FileReplace.h"
#include "compiler/Compiler.h"
#include "modules/ModuleLoader.h"
#include "server/Http2Module.h"
#include "server/ServerModule.h"

#include <filesystem>
#include "stdlib/Stdlib.h"
#include "tools/Profiler.h"

namespace langoost {
namespace {

// Compiles a file and everything it imports, printing diagnostics; null
// on any error. `status` gets the exit status to use on failure.
std::shared_ptr<const CompiledModule> compileFile(ModuleLoader& loader, const std::string& path, int& status) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec) || !readWholeFile(path)) {
        std::fprintf(stderr, "error: cannot read '%s'\n", path.c_str());
        status = kExitUsage;
        return nullptr;
    }
    Diagnostics diags;
    auto module = loader.loadEntry(path, diags);
    if (!module) {
        std::fputs(diags.format(useColour(stderr)).c_str(), stderr);
        status = kExitCompileError;
    }
    return module;
}

// `run --profile OUT`: the folded stacks into OUT, the top functions on stderr.
bool writeProfile(Profiler& profiler, const std::string& out) {
    profiler.stop();
    std::string error;
    if (!replaceFile(out, profiler.folded(), std::nullopt, error)) {
        std::fprintf(stderr, "error: cannot write the profile to '%s': %s\n", out.c_str(), error.c_str());
        return false;
    }
    std::fputs(profiler.topTable().c_str(), stderr);
    std::fprintf(stderr, "folded stacks written to %s\n", out.c_str());
    return true;
}

} // namespace

std::optional<std::string> readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return buf.str();
}

std::shared_ptr<ModuleLoader> makeModuleLoader() {
    std::vector<NativeModuleInfo> natives;
    for (const NativeModuleDef* def : standardModules()) natives.push_back({def->name, nativeModuleExports(*def)});
    natives.push_back({serverModule().name, nativeModuleExports(serverModule())});
    natives.push_back({http2Module().name, nativeModuleExports(http2Module())});
    return std::make_shared<ModuleLoader>(builtinNames(), std::move(natives));
}

RuntimeConfig makeRuntime(std::shared_ptr<ModuleProvider> loader, std::vector<std::string> args) {
    RuntimeConfig config = standardRuntime(std::move(args));
    config.modules.push_back(&serverModule());
    config.modules.push_back(&http2Module());
    config.moduleProvider = std::move(loader);
    return config;
}

int serveCommand(const ServerOptions& options) {
    auto loader = makeModuleLoader();
    return runServer(options, loader, makeRuntime(loader, {}));
}

int runCommand(const std::string& path, const std::vector<std::string>& args, const RunLimits& limits) {
    int status = kExitOk;
    auto loader = makeModuleLoader();
    auto module = compileFile(*loader, path, status);
    if (!module) return status;
    if (const char* roundTrip = std::getenv("LANGOOST_ROUNDTRIP"); roundTrip && *roundTrip && *roundTrip != '0')
        return runRoundTrip(module, *loader, args, limits);
    return runProgram(module, loader, args, limits);
}

int runSourceCommand(const std::string& code, const std::string& name, const std::vector<std::string>& args,
                     const RunLimits& limits) {
    auto loader = makeModuleLoader();
    std::error_code ec;
    std::filesystem::path cwd = std::filesystem::current_path(ec);
    Diagnostics diags;
    auto module = loader->loadSource(SourceFile(name, code), ec ? std::filesystem::path(".") : cwd, diags, {});
    if (!module) {
        std::fputs(diags.format().c_str(), stderr);
        return kExitCompileError;
    }
    return runProgram(module, loader, args, limits);
}

int runStdinCommand(const std::vector<std::string>& args, const RunLimits& limits) {
    std::ostringstream text;
    text << std::cin.rdbuf();
    if (std::cin.bad()) {
        std::fputs("error: cannot read the program from stdin\n", stderr);
        return kExitUsage;
    }
    // The script's own io.readLine()/io.stdin() then see end of input.
    return runSourceCommand(text.str(), "<stdin>", args, limits);
}

int runProgram(std::shared_ptr<const CompiledModule> module, std::shared_ptr<ModuleProvider> provider,
               const std::vector<std::string>& args, const RunLimits& limits) {
    RuntimeConfig config = makeRuntime(std::move(provider), args);
    config.maxHeapBytes = limits.maxHeapBytes;
    if (limits.maxFrames) config.maxFrames = limits.maxFrames;
    config.maxSteps = limits.maxSteps;
    config.timeoutMs = limits.timeoutMs;
    config.maxOutputBytes = limits.maxOutputBytes;
    VM vm(config);
    int result = kExitOk;
    std::optional<Profiler> profiler;
    if (!limits.profileOut.empty()) {
        std::string error;
        if (!profiler.emplace(vm).start(error)) {
            std::fprintf(stderr, "error: --profile: %s\n", error.c_str());
            return kExitUsage;
        }
    }
    try {
        vm.runMain(module);
    } catch (ScriptThrow&) {
        vm.flush();
        std::fputs(vm.describeUncaught(useColour(stderr)).c_str(), stderr);
        result = kExitRuntimeError;
    } catch (ExitRequest& e) {
        result = e.code;
    } catch (Terminated& t) {
        vm.flush();
        std::fprintf(stderr, "terminated: %s\n", t.message.c_str());
        result = kExitRuntimeError;
    } catch (std::bad_alloc&) {
        vm.flush();
        std::fputs("fatal: out of memory\n", stderr);
        result = kExitRuntimeError;
    }
    vm.flush();
    if (profiler && !writeProfile(*profiler, limits.profileOut) && result == kExitOk) result = kExitRuntimeError;
    // The main thread decides the exit status; threads still running end
    // with the process (as in Go), without tearing the isolate down under them.
    if (vm.isolate().busy()) {
        std::fflush(stderr);
        std::_Exit(result);
    }
    return result;
}

int disasmCommand(const std::string& path) {
    int status = kExitOk;
    auto loader = makeModuleLoader();
    auto module = compileFile(*loader, path, status);
    if (!module) return status;
    std::fputs(disassemble(*module).c_str(), stdout);
    return kExitOk;
}

int checkCommand(const std::vector<std::string>& paths) {
    int worst = kExitOk;
    auto loader = makeModuleLoader();
    for (const auto& arg : paths) {
        std::error_code ec;
        std::vector<std::string> files = goostFiles(arg);
        if (files.empty() && std::filesystem::is_directory(arg, ec))
            std::fprintf(stderr, "warning: no .goost files under '%s'\n", arg.c_str());
        for (const auto& path : files) {
            int status = kExitOk;
            if (!compileFile(*loader, path, status)) worst = std::max(worst, status);
        }
    }
    return worst;
}

} // namespace langoost
