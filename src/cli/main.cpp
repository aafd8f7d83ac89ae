// langoost: the command-line entry point. `langoost FILE` is `langoost run
// FILE`; everything after the script name belongs to the script. `langoost`
// alone starts the REPL. A first word close to a command is a usage error
// with a suggestion.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>

#include "cli/Commands.h"
#include "cli/FormatCommand.h"
#include "tools/debug/DebugAdapter.h"
#include "tools/lsp/LanguageServer.h"

using namespace langoost;

namespace {

// Numeric flags are unsigned, and CLI11 reads "-1" into an unsigned option
// as 2^64-1 (which then meant "time is up at once" or "no heap limit"):
// a leading minus is a usage error instead.
const CLI::Validator kNonNegative(
    [](std::string& text) -> std::string {
        size_t first = text.find_first_not_of(" \t");
        if (first != std::string::npos && text[first] == '-') return "must not be negative, got " + text;
        return {};
    },
    "", "NON-NEGATIVE");

// Time limits above this many milliseconds (24.8 days) mean no limit: no
// deadline arithmetic (steady_clock::now() + ms, poll's int timeout) can
// overflow. A script limit of 0 is already "none"; connection timeouts keep
// this value, which poll() takes as it is.
constexpr uint64_t kMaxTimeLimitMs = INT32_MAX;
uint64_t scriptTimeLimit(uint64_t ms) { return ms > kMaxTimeLimitMs ? 0 : ms; }
uint64_t connectionTimeLimit(uint64_t ms) { return std::min(ms, kMaxTimeLimitMs); }

const std::set<std::string> kCommands = {"run",   "disasm",  "check",   "fmt",     "test", "repl", "serve",
                                         "version", "install", "compile", "build", "init", "help", "lsp", "debug"};

// Edit distance counting a swap of two neighbours as one edit (optimal
// string alignment), for "did you mean".
size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

// The command `word` is most likely a misspelling of, or "" when none is
// close (at most two edits, fewer than the word's length).
std::string closestCommand(const std::string& word) {
    std::string best;
    size_t bestDistance = 3;
    for (const std::string& command : kCommands) {
        size_t d = editDistance(word, command);
        if (d < bestDistance && d < word.size()) {
            best = command;
            bestDistance = d;
        }
    }
    return best;
}

// A first argument that is neither a command nor a file, but a word close
// to a command (`langoost tset`): a usage error with a suggestion, rather
// than "cannot read 'tset'".
bool looksLikeMistypedCommand(const std::string& word, std::string& suggestion) {
    if (word.find_first_not_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos) return false;
    std::error_code ec;
    if (std::filesystem::exists(word, ec)) return false;
    suggestion = closestCommand(word);
    return !suggestion.empty();
}

} // namespace

int main(int argc, char** argv) {
    if (std::optional<int> status = runEmbeddedProgram(argc, argv)) return *status;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && !args[0].empty() && args[0][0] != '-' && !kCommands.count(args[0])) {
        if (std::string suggestion; looksLikeMistypedCommand(args[0], suggestion)) {
            std::fprintf(stderr,
                         "error: unknown command '%s' (did you mean '%s'?)\n"
                         "  `langoost help` lists the commands; `langoost FILE` runs a script\n",
                         args[0].c_str(), suggestion.c_str());
            return kExitUsage;
        }
        args.insert(args.begin(), "run");
    }
    if (!args.empty() && (args[0] == "-e" || args[0] == "--eval" || args[0] == "-")) args.insert(args.begin(), "run");
    if (args.empty()) args.push_back("repl");
    // The common case, `langoost [run] FILE [ARGS...]` without limit flags,
    // skips building the parser for every command (~0.1 ms of start-up).
    if (args.size() >= 2 && args[0] == "run" && !args[1].empty() && args[1][0] != '-')
        return runCommand(args[1], std::vector<std::string>(args.begin() + 2, args.end()), RunLimits{});

    CLI::App app{"Langoost: a bytecode-compiled scripting language"};
    app.name("langoost");
    app.set_version_flag("--version", std::string("langoost ") + LANGOOST_VERSION);
    app.require_subcommand(1);

    std::string runFile;
    std::optional<std::string> runCode;
    RunLimits limits;
    auto* run = app.add_subcommand("run", "Compile and run a script: langoost run [LIMITS] (FILE | - | -e CODE) [ARGS...]");
    run->add_option("file", runFile, "Script to run ('-': read the program from stdin)");
    run->add_option("-e,--eval", runCode, "Run CODE (the program text) instead of a file")->type_name("CODE");
    run->add_option("--max-heap", limits.maxHeapBytes, "Heap limit in bytes (MemoryError when exceeded)")
        ->check(kNonNegative);
    run->add_option("--max-depth", limits.maxFrames, "Call depth limit (StackOverflowError)")->check(kNonNegative);
    run->add_option("--max-steps", limits.maxSteps, "Step budget: calls plus loop iterations (LimitError)")
        ->check(kNonNegative);
    run->add_option("--timeout", limits.timeoutMs, "Wall-clock limit in milliseconds (TimeoutError)")
        ->check(kNonNegative);
    run->add_option("--max-output", limits.maxOutputBytes, "Output limit in bytes (LimitError)")->check(kNonNegative);
    run->add_option("--profile", limits.profileOut, "Sample the run; write folded stacks (flame graphs) to OUT, top functions to stderr")
        ->type_name("OUT");
    run->allow_extras();

    std::string disasmFile;
    auto* disasm = app.add_subcommand("disasm", "Print the bytecode of a script and all its functions");
    disasm->add_option("file", disasmFile, "Script to disassemble")->required();

    std::vector<std::string> checkFiles;
    auto* check = app.add_subcommand("check", "Compile only; report every diagnostic");
    check->add_option("paths", checkFiles, "Scripts, or directories (every *.goost below)")->required();

    TestOptions testOptions;
    auto* test = app.add_subcommand("test", "Run every top-level fn test_*() in *_test.goost files under each PATH");
    test->add_option("paths", testOptions.paths, "Files or directories to search (default: .)");
    test->add_option("--filter", testOptions.filter, "Only run tests whose name contains SUBSTR")->type_name("SUBSTR");
    test->add_flag("--json", testOptions.json, "Print a machine-readable JSON report instead");
    test->add_flag("--coverage", testOptions.coverage, "Line coverage of the files the tests load (lcov; not *_test.goost)");
    test->add_option("--coverage-out", testOptions.coverageOut, "Where --coverage writes its lcov file")
        ->capture_default_str()->type_name("FILE");

    auto* repl = app.add_subcommand("repl", "Interactive REPL (also: langoost with no arguments)");

    ServerOptions serve;
    uint64_t maxMemoryMb = serve.limits.maxMemoryBytes >> 20;
    auto* serveCmd = app.add_subcommand("serve", "Serve HTTP: every request runs a script in a fresh isolate");
    serveCmd->add_option("target", serve.target, "A script (runs for every request) or a directory (routed)")->required();
    serveCmd->add_option("--host", serve.host, "Address to listen on")->capture_default_str();
    serveCmd->add_option("--port", serve.port, "Port to listen on (0: any free port)")->capture_default_str()
        ->check(kNonNegative);
    serveCmd->add_option("--workers", serve.workers, "Worker threads (default: one per core)")->check(kNonNegative);
    serveCmd->add_option("--core", serve.core, "runtime.core backend: file:PATH or redis://HOST:PORT/DB (default: embedded)");
    serveCmd->add_option("--db-pool", serve.dbPool, "sql: connections per database URL, shared by all requests")
        ->capture_default_str()->check(CLI::Range(1u, 10000u));
    serveCmd->add_option("--access-log", serve.accessLog, "Log one line per request to FILE ('-': stdout)")->type_name("FILE");
    serveCmd->add_flag("--dev", serve.dev, "Show error details and stack traces in 500 responses");
    serveCmd->add_option("--timeout-ms", serve.limits.timeoutMs, "Per-request time limit (503 when exceeded)")->capture_default_str()
        ->check(kNonNegative);
    serveCmd->add_option("--max-memory-mb", maxMemoryMb, "Per-request heap limit (503 when exceeded)")->capture_default_str()
        ->check(kNonNegative);
    serveCmd->add_option("--max-body-bytes", serve.maxBodyBytes, "Request body limit (413 when exceeded)")->capture_default_str()
        ->check(kNonNegative);
    serveCmd->add_option("--max-output-bytes", serve.limits.maxOutputBytes, "Response body limit for scripts (500 when exceeded)")
        ->capture_default_str()->check(kNonNegative);
    serveCmd->add_option("--max-header-bytes", serve.maxHeaderBytes, "Request line + headers limit (431 when exceeded)")
        ->capture_default_str()->check(kNonNegative);
    serveCmd->add_option("--header-timeout-ms", serve.headerTimeoutMs, "Time allowed to send the request headers (408)")
        ->capture_default_str()->check(kNonNegative);
    serveCmd->add_option("--body-timeout-ms", serve.bodyTimeoutMs, "Time allowed to send the whole request body, from the end of the headers (408)")
        ->capture_default_str()->check(kNonNegative);
    serveCmd->add_option("--idle-timeout-ms", serve.idleTimeoutMs, "Keep-alive idle / stalled transfer limit")->capture_default_str()
        ->check(kNonNegative);
    serveCmd->add_option("--grace-ms", serve.graceMs, "On SIGTERM/SIGINT, time given to in-flight requests")->capture_default_str()
        ->check(kNonNegative);
    serveCmd->add_option("--max-connections", serve.maxConnections, "Open connections per worker (503 beyond)")
        ->capture_default_str()->check(kNonNegative);
    serveCmd->add_option("--max-streams", serve.maxStreams, "Concurrent long-lived requests: SSE, WebSocket (503 beyond)")
        ->capture_default_str()->check(kNonNegative);
    serveCmd->add_option("--max-waiting", serve.maxWaiting, "Requests parked in waits, per process (503 beyond)")
        ->capture_default_str()->check(kNonNegative);
    serveCmd->add_flag("--h2c", serve.h2c, "Also serve cleartext HTTP/2 (prior knowledge, or Upgrade: h2c) on the port");
    serveCmd->add_option("--tls-cert", serve.tlsCert, "TLS certificate chain (PEM); with --tls-key: HTTPS, h2 or http/1.1 by ALPN")
        ->type_name("FILE");
    serveCmd->add_option("--tls-key", serve.tlsKey, "TLS private key (PEM)")->type_name("FILE");

    std::string installDir = ".";
    auto* install = app.add_subcommand("install", "Fetch the dependencies in langoost.json into goost_modules/");
    install->add_option("--dir", installDir, "Directory holding langoost.json")->capture_default_str();

    std::string compileFile, compileOutput;
    auto* compile = app.add_subcommand("compile", "Make a standalone executable: the runtime plus the compiled program");
    compile->add_option("file", compileFile, "Script to compile")->required();
    compile->add_option("-o,--output", compileOutput, "Executable to write")->required();

    std::string buildDir;
    auto* build = app.add_subcommand("build", "Build DIR/build/: the standalone binary, run.sh and .env");
    build->add_option("dir", buildDir, "App directory (langoost.json main, else main.goost)")->required();

    FormatOptions formatOptions;
    auto* fmt = app.add_subcommand("fmt", "Reformat source files in the canonical style (in place)");
    fmt->add_option("paths", formatOptions.paths, "Files or directories (every *.goost below); '-': stdin to stdout")
        ->required();
    fmt->add_flag("--check", formatOptions.check, "Write nothing; list the files that would change, exit 1 if any");
    fmt->add_flag("--stdout", formatOptions.toStdout, "Print the formatted text instead of rewriting the files");

    auto* lsp = app.add_subcommand("lsp", "Language Server Protocol server on stdin/stdout (for editors)");

    std::string debugFile;
    auto* debugCmd = app.add_subcommand("debug", "Debug Adapter Protocol server on stdin/stdout (for editors)");
    debugCmd->add_option("file", debugFile, "Script to debug (default: the launch request's `program`)");

    app.add_subcommand("version", "Print version and build information");

    std::string initDir = ".";
    auto* init = app.add_subcommand("init", "Start a project in DIR: langoost.json, main.goost, a test, .gitignore");
    init->add_option("dir", initDir, "Directory (created when missing; default: the current one)");

    std::string helpTopic;
    auto* help = app.add_subcommand("help", "Describe the commands, or one command: langoost help CMD");
    help->add_option("command", helpTopic, "Command to describe");

    // Script arguments (everything after the script name) are passed
    // through untouched, flags included; limit flags come before the name.
    std::vector<std::string> scriptArgs;
    if (args.size() >= 3 && args[0] == "debug" && !args[1].starts_with("-")) {
        scriptArgs.assign(args.begin() + 2, args.end());
        args.resize(2);
    }
    if (args.size() >= 2 && args[0] == "run") {
        static const std::set<std::string> valued = {"--max-heap", "--max-depth", "--max-steps", "--timeout",
                                                     "--max-output", "--profile"};
        size_t i = 1;
        while (i < args.size() && args[i].starts_with("--") && args[i] != "--help" && !args[i].starts_with("--eval")) {
            bool inlineValue = args[i].find('=') != std::string::npos;
            i += (!inlineValue && valued.count(args[i])) ? 2 : 1;
        }
        // `-e CODE` takes the place of the file name.
        size_t program = i < args.size() && (args[i] == "-e" || args[i] == "--eval") ? i + 1 : i;
        if (i < args.size() && args[i].starts_with("--eval=")) program = i;
        if (program < args.size() && args[i] != "--help" && args[i] != "-h") {
            scriptArgs.assign(args.begin() + long(program) + 1, args.end());
            args.resize(program + 1);
        }
    }
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }

    limits.timeoutMs = scriptTimeLimit(limits.timeoutMs);
    if (*run) {
        if (runCode && !runFile.empty()) {
            std::fputs("error: run takes a FILE or -e CODE, not both\n", stderr);
            return kExitUsage;
        }
        if (runCode) return runSourceCommand(*runCode, "<eval>", scriptArgs, limits);
        if (runFile == "-") return runStdinCommand(scriptArgs, limits);
        if (runFile.empty()) {
            std::fputs("error: run needs a FILE, '-' (the program from stdin) or -e CODE\n"
                       "  `langoost run --help` for details\n", stderr);
            return kExitUsage;
        }
        return runCommand(runFile, scriptArgs, limits);
    }
    if (*help) {
        if (helpTopic.empty()) { // app.help() would describe `help` itself, the parsed subcommand
            std::fputs(app.get_formatter()->make_help(&app, "langoost", CLI::AppFormatMode::Normal).c_str(), stdout);
            return kExitOk;
        }
        for (CLI::App* sub : app.get_subcommands({})) {
            if (sub->get_name() == helpTopic) {
                std::fputs(sub->help("langoost").c_str(), stdout);
                return kExitOk;
            }
        }
        std::string suggestion = closestCommand(helpTopic);
        std::fprintf(stderr, "error: unknown command '%s'%s\n", helpTopic.c_str(),
                     suggestion.empty() ? "" : (" (did you mean '" + suggestion + "'?)").c_str());
        return kExitUsage;
    }
    if (*init) return initCommand(initDir);
    if (*disasm) return disasmCommand(disasmFile);
    if (*check) return checkCommand(checkFiles);
    if (*test) {
        if (test->count("--coverage-out")) testOptions.coverage = true;
        return testCommand(testOptions);
    }
    if (*repl) return replCommand();
    if (*fmt) return fmtCommand(formatOptions);
    if (*install) return installCommand(installDir);
    if (*compile) return compileCommand(compileFile, compileOutput);
    if (*build) return buildCommand(buildDir);
    if (*lsp) return lsp::runLanguageServer(makeModuleLoader(), stdin, stdout);
    if (*debugCmd) {
        auto loader = makeModuleLoader();
        auto runtime = [loader](std::vector<std::string> programArgs) { return makeRuntime(loader, std::move(programArgs)); };
        return debug::runDebugAdapter({loader, runtime, debugFile, scriptArgs});
    }
    if (*serveCmd) {
        // Megabytes past 2^44 do not fit in bytes: as large as "no limit" (0).
        serve.limits.maxMemoryBytes = maxMemoryMb > (UINT64_MAX >> 20) ? 0 : maxMemoryMb << 20;
        serve.limits.timeoutMs = scriptTimeLimit(serve.limits.timeoutMs);
        serve.headerTimeoutMs = connectionTimeLimit(serve.headerTimeoutMs);
        serve.idleTimeoutMs = connectionTimeLimit(serve.idleTimeoutMs);
        serve.graceMs = connectionTimeLimit(serve.graceMs);
        return serveCommand(serve);
    }
    std::printf("langoost %s (C++20, %s dispatch)\n", LANGOOST_VERSION,
#ifdef LANGOOST_COMPUTED_GOTO
                "computed-goto"
#else
                "switch"
#endif
    );
    return kExitOk;
}
