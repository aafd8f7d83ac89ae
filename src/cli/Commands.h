// Commands: the implementation of each `langoost` subcommand. Each returns
// the process exit status: 0 ok, 1 runtime error, 2 usage, 65 compile error.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/ModuleLoader.h"
#include "server/ServerOptions.h"

namespace langoost {

// A loader knowing every builtin and standard module, and a runtime using it.
std::shared_ptr<ModuleLoader> makeModuleLoader();
RuntimeConfig makeRuntime(std::shared_ptr<ModuleProvider> loader, std::vector<std::string> args);
// A whole file's bytes, or nullopt when it cannot be read.
std::optional<std::string> readWholeFile(const std::string& path);

constexpr int kExitOk = 0;
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCompileError = 65;

// Limits for `langoost run` (0 = none; see RuntimeConfig).
struct RunLimits {
    uint64_t maxHeapBytes = 0;
    uint32_t maxFrames = 0;
    uint64_t maxSteps = 0;
    uint64_t timeoutMs = 0;
    uint64_t maxOutputBytes = 0;
    // Not a limit: `run --profile OUT` samples the run into OUT (folded stacks).
    std::string profileOut;
};

int runCommand(const std::string& path, const std::vector<std::string>& args, const RunLimits& limits = {});
// `run -e CODE` and `run -`: program text that is not a file, shown in
// diagnostics as `name`; relative imports resolve against the working directory.
int runSourceCommand(const std::string& code, const std::string& name, const std::vector<std::string>& args,
                     const RunLimits& limits);
int runStdinCommand(const std::vector<std::string>& args, const RunLimits& limits);
// Runs a compiled program whose imports `provider` serves (run, standalone binaries).
int runProgram(std::shared_ptr<const CompiledModule> module, std::shared_ptr<ModuleProvider> provider,
               const std::vector<std::string>& args, const RunLimits& limits = {});

// Standalone programs (StandaloneCommands.cpp). LANGOOST_ROUNDTRIP=1 makes
// `run` serialize and reload the compiled program before running it.
int runRoundTrip(std::shared_ptr<const CompiledModule> module, ModuleLoader& loader,
                 const std::vector<std::string>& args, const RunLimits& limits);
// When this executable carries a compiled program (langoost compile), runs
// it with every argument and returns its status; nullopt otherwise.
std::optional<int> runEmbeddedProgram(int argc, char** argv);
int compileCommand(const std::string& path, const std::string& output);
int buildCommand(const std::string& dir);
// A directory without an entry file is a site for `serve` when it holds a
// .goost file (outside DIR/build); `build` then packages it (SiteBuild.cpp).
bool isServedSite(const std::string& dir);
int buildSiteCommand(const std::string& dir, const std::string& name);

// `langoost install [--dir DIR]` (PackageCommands.cpp).
int installCommand(const std::string& dir);
int disasmCommand(const std::string& path);
// Files and directories (every .goost file below, sorted).
int checkCommand(const std::vector<std::string>& paths);
// `langoost init [DIR]` (InitCommand.cpp).
int initCommand(const std::string& dir);
// The .goost files named by `path`: the file itself, or every one below a
// directory (sorted; hidden directories and goost_modules/ are skipped).
std::vector<std::string> goostFiles(const std::string& path);
// `langoost serve TARGET [options]` (src/server).
int serveCommand(const ServerOptions& options);

// `langoost test [PATH...] [--filter SUBSTR] [--json]` (TestRunner.cpp).
struct TestOptions {
    std::vector<std::string> paths; // empty: "."
    std::string filter;             // only tests whose name contains this
    bool json = false;
    bool coverage = false;                          // line coverage of the files the tests load
    std::string coverageOut = "coverage/lcov.info"; // where its lcov tracefile goes
};
int testCommand(const TestOptions& options);

// `langoost` / `langoost repl` (Repl.cpp).
int replCommand();
// Net depth of ( [ { in REPL input, outside strings and comments; sets
// *inComment when a block comment is still open. Exposed for tests.
int openBrackets(std::string_view text, bool* inComment);

} // namespace langoost
