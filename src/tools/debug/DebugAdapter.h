// DebugAdapter: `langoost debug` — a Debug Adapter Protocol server on
// stdio. The adapter thread reads requests and answers them; the program
// runs on a thread of its own under a DebugSession (its CodeTraps), and
// everything that reads program state is handed to that thread while it
// is stopped. One DAP thread (id 1) stands for the program: a stop in a
// thread started with thread.core shows that thread's stack.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "modules/ModuleLoader.h"
#include "vm/VM.h"

namespace langoost::debug {

struct DebugTarget {
    std::shared_ptr<ModuleLoader> loader;
    // The runtime for the program's script arguments (the CLI's own setup).
    std::function<RuntimeConfig(std::vector<std::string> args)> runtime;
    // From the command line; a launch request's `program`/`args` override them.
    std::string program;
    std::vector<std::string> args;
};

// Serves one debug session on the process's stdin/stdout; returns the exit
// status of `langoost debug` (it ends the process itself on disconnect).
int runDebugAdapter(DebugTarget target);

} // namespace langoost::debug
