// VariablesView: what the client sees of a stopped program — stack frames,
// their scopes (locals, closure, module globals) and the values inside,
// expanded level by level through numbered references. The references and
// the values behind them (kept alive as the VM's temporary roots) last
// until the program resumes: release() then drops them.
// Every call runs on the stopped program's thread (DebugSession::inspect).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/debug/Evaluator.h"

namespace langoost::debug {

class VariablesView {
  public:
    // DAP StackFrame objects, innermost first; a frame's id is its index in
    // the VM's frame stack plus one.
    nlohmann::json stackTrace(VM& vm);
    nlohmann::json scopes(VM& vm, int frameId);
    nlohmann::json variables(VM& vm, int reference);
    // An EvaluateResponse body, or an error message in `error`. frameId 0:
    // the innermost frame.
    nlohmann::json evaluate(VM& vm, int frameId, const std::string& expression, std::string& error);
    // A breakpoint condition in the innermost frame.
    bool condition(VM& vm, const std::string& expression, std::string& error);
    void release(VM& vm);

  private:
    enum class Kind { Locals, Closure, Globals, Value };
    struct Handle {
        Kind kind;
        size_t frame;
        Value value;
    };
    int reference(VM& vm, Kind kind, size_t frame, Value value);
    nlohmann::json variable(VM& vm, const std::string& name, Value v);
    std::string summary(VM& vm, Value v);
    bool frameValid(VM& vm, int frameId) const { return frameId >= 1 && size_t(frameId) <= vm.frames().size(); }

    std::vector<Handle> handles_;
    VM* rootedIn_ = nullptr;
    size_t rootsBase_ = 0;
    Evaluator evaluator_;
};

} // namespace langoost::debug
