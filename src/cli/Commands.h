// Commands: the implementation of each `langoost` subcommand. Each returns
// the process exit status: 0 ok, 1 runtime error, 2 usage, 65 compile error.
#pragma once
#include <string>
#include <vector>

namespace langoost {

constexpr int kExitOk = 0;
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCompileError = 65;

int runCommand(const std::string& path, const std::vector<std::string>& args);
int disasmCommand(const std::string& path);
int checkCommand(const std::vector<std::string>& paths);

} // namespace langoost
