// FunctionState: the compiler's bookkeeping for the function being emitted —
// its locals (each a fixed frame slot), upvalues, the modelled stack depth
// (to compute max stack), and the loops and try blocks that break, continue
// and return must unwind through.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "bytecode/FunctionProto.h"
#include "syntax/Ast.h"

namespace langoost {

struct Local {
    std::string name;
    int depth = 0;
    uint32_t slot = 0;
    bool captured = false;
    SourceLocation location; // where it was declared (0:0 for implicit slots)
    uint32_t debugIndex = 0; // its entry in the proto's localNames
};

struct UpvalueRef {
    std::string name;
    bool fromLocal = false; // captures a local of the enclosing function
    uint32_t index = 0;     // that local's slot, or the enclosing function's upvalue index
};

struct LoopContext {
    size_t continueLocals = 0; // locals alive at the loop head (hidden iterator slots included)
    size_t tryDepth = 0;       // try blocks open when the loop began
    size_t continueTarget = 0; // code index that `continue` jumps back to
    std::vector<size_t> breakJumps;
    std::vector<size_t> continueJumps; // forward continues (rotated for-in loops)
    bool forwardContinue = false;
};

struct TryContext {
    const BlockStmt* finallyBody = nullptr;
    bool handlerActive = false; // a TryBegin handler is installed for this region
};

class FunctionState {
  public:
    FunctionState(FunctionProto* proto, FunctionState* enclosing) : proto_(proto), enclosing_(enclosing) {}

    FunctionProto* proto() { return proto_; }
    FunctionState* enclosing() { return enclosing_; }

    // ---- emission ----
    size_t emit(Opcode op, uint32_t a, SourceLocation at);
    size_t emitSigned(Opcode op, int32_t a, SourceLocation at);
    void emitWord(uint32_t word, SourceLocation at);
    // GetField / SetField with its inline-cache word.
    size_t emitField(Opcode op, uint32_t name, SourceLocation at);
    // SetLocalField: slot and name as a PAIR, then the cache word.
    void emitLocalField(Opcode op, uint32_t slot, uint32_t name, SourceLocation at);
    size_t emitJump(Opcode op, SourceLocation at);
    // After the last instruction: a `Jump` whose target is a `Return`,
    // `ReturnNil` or `ReturnLocal` becomes that return (the jump at the end
    // of `a || b` in `return a || b`, an if-branch before a return). Not in
    // functions with `try`, where a return must pass the handlers' ends.
    void threadJumpsToReturns();
    // Points the jump at index `jump` to the current end of code. Returns
    // false when the distance does not fit the 24-bit operand.
    bool patchJump(size_t jump);
    bool patchWordJump(size_t word); // the second word of an ITER instruction
    bool emitLoop(size_t target, SourceLocation at);
    size_t codeSize() const { return proto_->code.size(); }
    // Set when a jump, constant or slot index did not fit its operand.
    bool overflowed() const { return overflowed_; }
    // The current position as a jump target: peephole fusion never
    // merges an instruction at a label into the one before it.
    size_t label() {
        lastLabel_ = proto_->code.size();
        return lastLabel_;
    }

    // ---- the modelled stack ----
    void adjustStack(int delta);
    int stackDepth() const { return depth_; }
    void setStackDepth(int d) { depth_ = d; }

    // ---- constants ----
    uint32_t addConstant(Value v);
    uint32_t stringConstant(const std::string& s);

    // ---- scopes and locals ----
    void beginScope() { ++scopeDepth_; }
    int scopeDepth() const { return scopeDepth_; }
    // Declares a local at the current top of the stack (its value is already there).
    Local& declareLocal(const std::string& name);
    // Declares a local in a specific slot (slot 0, parameters).
    void declareLocalAt(const std::string& name, uint32_t slot);
    Local* findLocalInScope(const std::string& name);
    int resolveLocal(const std::string& name);
    int resolveUpvalue(const std::string& name);
    // Read and mark (`captured`) locals; add and drop them only through
    // declareLocal*/popLocalsTo/endScope, which keep localsByName_ in step.
    std::vector<Local>& locals() { return locals_; }
    // Pops locals down to `keep`, emitting CloseUpvals/PopN; with
    // `forget`, also drops them from the compile-time scope.
    void popLocalsTo(size_t keep, SourceLocation at, bool forget);
    void endScope(SourceLocation at);
    // Where popLocalsTo last emitted its Pop/PopN.
    size_t lastPop() const { return lastPop_; }
    // When the code is that Pop/PopN at `popAt` and then nothing but one
    // XxLoopLocals loop test (no jump lands on the test), drops the pop and
    // makes the test an XxLoopLocalsPop, which pops before it compares.
    bool foldPopIntoLoopTest(size_t popAt);

    std::vector<LoopContext> loops;
    std::vector<TryContext> tries;
    std::vector<UpvalueRef> upvalues;
    bool isMethod = false;
    // A closure may capture its locals (true for the top level and any
    // function whose body defines functions): see FunctionDecl.
    bool mayHaveClosures = true;
    TypeRef returnType; // the function's return annotation, if any

  private:
    int addUpvalue(const std::string& name, bool fromLocal, uint32_t index);
    // Drops locals_[keep..] from the compile-time scope.
    void forgetLocalsFrom(size_t keep);

    FunctionProto* proto_;
    FunctionState* enclosing_;
    std::vector<Local> locals_;
    // Name -> indexes into locals_ of the locals with that name, innermost
    // last: declaring and resolving a local is O(1), not a scan of them all.
    std::unordered_map<std::string, std::vector<uint32_t>> localsByName_;
    int scopeDepth_ = 0;
    int depth_ = 0;
    size_t lastLabel_ = 0;
    bool overflowed_ = false;
    size_t lastInstruction_ = SIZE_MAX;
    // Where the last GetLocalField was made (a GetField right after it
    // turns it into GetLocalFieldChain, a one-value branch into LocalField<branch>).
    size_t lastLocalField_ = SIZE_MAX;
    size_t lastPop_ = SIZE_MAX;
    std::unordered_map<std::string, uint32_t> stringConstants_;
    std::unordered_map<int64_t, uint32_t> intConstants_;
    std::unordered_map<uint64_t, uint32_t> floatConstants_;
};

} // namespace langoost
