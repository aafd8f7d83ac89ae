// Evaluator: runs an expression typed in the debugger in the context of a
// stopped frame. The real compiler compiles it as the body of a function
// whose parameters are the frame's visible locals and upvalues, against
// the frame's module globals; the VM then calls that function with the
// frame's current values. So everything an expression can say works:
// names, field and index access, arithmetic, calls. Assignments to locals
// change the copy only; assignments to globals and fields are real.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vm/VM.h"

namespace langoost::debug {

// A frame's visible named values: innermost declaration of each name.
struct NamedSlot {
    std::string name;
    Value* location;
};
// Locals in scope at the frame's current instruction, in declaration order.
std::vector<NamedSlot> frameLocals(const CallFrame& frame);
std::vector<NamedSlot> frameUpvalues(const CallFrame& frame);
// Whether `name` is an identifier (compiler-internal slots are not).
bool isUserName(const std::string& name);

class Evaluator {
  public:
    // The value of `expression` in frames[frameIndex] of `vm`, or nullopt
    // with a message in `error`. Runs on the stopped program's thread.
    std::optional<Value> evaluate(VM& vm, size_t frameIndex, const std::string& expression, std::string& error);

  private:
    // Compiled expressions stay alive: closures made from them may outlive the stop.
    std::vector<std::shared_ptr<const CompiledModule>> compiled_;
};

} // namespace langoost::debug
