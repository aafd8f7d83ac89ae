// CodePatches: the debugger's Trap words in the code of the program's
// modules. An instruction is patched while a breakpoint sits on it or while
// a step is under way (then the first instruction of every line run in
// every function is); the original word is kept here and handed back to
// the VM on each hit, so a breakpoint stays in place after it fires.
// Not synchronized: the DebugSession's mutex guards every call.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bytecode/FunctionProto.h"

namespace langoost::debug {

struct BreakpointRequest {
    uint32_t line = 0;
    std::string condition; // empty: always
};

struct PlacedBreakpoint {
    int id = 0;
    bool verified = false;
    uint32_t line = 0;   // where it landed (the requested line when unverified)
    std::string message; // why it is unverified
};

class CodePatches {
  public:
    struct Patch {
        Instruction original;
        int breakpointId = 0; // 0: none here
        std::string condition;
        bool step = false; // a line start, trapped while stepping
    };

    // A module the program loaded (its code may now be patched); returns
    // the breakpoints that were waiting for its file and now landed.
    std::vector<PlacedBreakpoint> addModule(const std::shared_ptr<const CompiledModule>& module);
    // Replaces the breakpoints of one file (a canonical path).
    std::vector<PlacedBreakpoint> setBreakpoints(const std::string& path, const std::vector<BreakpointRequest>& requests);
    // Traps every line start (on) or takes those traps away again (off).
    void setStepping(bool on);
    // The patch at `at`, or null.
    const Patch* find(const Instruction* at) const;

  private:
    struct Module {
        std::shared_ptr<const CompiledModule> compiled;
        // line -> the first instruction of each run of that line, in every function
        std::map<uint32_t, std::vector<const Instruction*>> lineStarts;
    };
    struct FileBreakpoints {
        std::vector<BreakpointRequest> requests;
        std::vector<int> ids;
    };
    PlacedBreakpoint place(Module& module, const BreakpointRequest& request, int id);
    void patch(const Instruction* at, int breakpointId, const std::string& condition, bool step);
    void unpatch(const Instruction* at, bool breakpoint, bool step);

    std::unordered_map<std::string, Module> modules_; // by canonical path
    std::unordered_map<std::string, FileBreakpoints> files_;
    std::unordered_map<const Instruction*, Patch> patches_;
    bool stepping_ = false;
    int nextId_ = 1;
};

} // namespace langoost::debug
