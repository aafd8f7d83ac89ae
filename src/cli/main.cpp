// langoost: the command-line entry point. `langoost FILE` is `langoost run
// FILE`; everything after the script name belongs to the script.
#include <CLI/CLI.hpp>
#include <set>

#include "cli/Commands.h"

using namespace langoost;

int main(int argc, char** argv) {
    static const std::set<std::string> commands = {"run", "disasm", "check", "version"};
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && !args[0].empty() && args[0][0] != '-' && !commands.count(args[0]))
        args.insert(args.begin(), "run");
    if (args.empty()) args.push_back("--help");

    CLI::App app{"Langoost: a bytecode-compiled scripting language"};
    app.name("langoost");
    app.set_version_flag("--version", std::string("langoost ") + LANGOOST_VERSION);
    app.require_subcommand(1);

    std::string runFile;
    auto* run = app.add_subcommand("run", "Compile and run a script: langoost run FILE [ARGS...]");
    run->add_option("file", runFile, "Script to run")->required();
    run->allow_extras();

    std::string disasmFile;
    auto* disasm = app.add_subcommand("disasm", "Print the bytecode of a script and all its functions");
    disasm->add_option("file", disasmFile, "Script to disassemble")->required();

    std::vector<std::string> checkFiles;
    auto* check = app.add_subcommand("check", "Compile only; report every diagnostic");
    check->add_option("files", checkFiles, "Scripts to check")->required();

    app.add_subcommand("version", "Print version and build information");

    // Script arguments are passed through untouched, flags included.
    std::vector<std::string> scriptArgs;
    if (args.size() >= 2 && args[0] == "run" && args[1] != "--help" && args[1] != "-h") {
        scriptArgs.assign(args.begin() + 2, args.end());
        args.resize(2);
    }
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }

    if (*run) return runCommand(runFile, scriptArgs);
    if (*disasm) return disasmCommand(disasmFile);
    if (*check) return checkCommand(checkFiles);
    std::printf("langoost %s (C++20, %s dispatch)\n", LANGOOST_VERSION,
#ifdef LANGOOST_COMPUTED_GOTO
                "computed-goto"
#else
                "switch"
#endif
    );
    return kExitOk;
}
