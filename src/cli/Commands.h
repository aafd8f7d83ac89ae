// Commands: the implementation of each `langoost` subcommand. Each returns
// the process exit status: 0 ok, 1 runtime error, 2 usage, 65 compile error.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "modules/ModuleLoader.h"

namespace langoost {

// A loader knowing every builtin and standard module, and a runtime using it.
std::shared_ptr<ModuleLoader> makeModuleLoader();
RuntimeConfig makeRuntime(std::shared_ptr<ModuleLoader> loader, std::vector<std::string> args);

constexpr int kExitOk = 0;
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCompileError = 65;

int runCommand(const std::string& path, const std::vector<std::string>& args);
int disasmCommand(const std::string& path);
int checkCommand(const std::vector<std::string>& paths);

} // namespace langoost
