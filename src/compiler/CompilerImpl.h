// CompilerImpl: the compiler's private state shared by the statement and
// expression halves (CompileStatements.cpp, CompileExpressions.cpp).
#pragma once
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "bytecode/MathFunction.h"
#include "compiler/Compiler.h"
#include "compiler/FunctionState.h"

namespace langoost {

class CompilerImpl {
  public:
    CompilerImpl(const SourceFile& file, Diagnostics& diags, const CompileOptions& options);
    std::unique_ptr<CompiledModule> compile(const Program& program);

  private:
    friend struct StatementCompiler;
    const SourceFile& file_;
    Diagnostics& diags_;
    const CompileOptions& options_;
    std::unique_ptr<CompiledModule> module_;
    FunctionState* fs_ = nullptr;
    // An import failed whose module already reported its errors: this
    // module fails too, without a second message.
    bool importFailed_ = false;
    std::unordered_map<std::string, uint32_t> globals_;
    std::unordered_map<std::string, uint32_t> builtins_;
    // `import name` bindings: the specifier and the module's exports, so a
    // misspelt `strings.uper` is a compile error, not a run-time one.
    struct ImportedModule {
        std::string spec;
        std::vector<std::string> exports;
    };
    std::unordered_map<std::string, ImportedModule> moduleExports_;
    std::string currentClass_;
    // Module-level lets that read as constants (ConstantGlobals.cpp).
    std::unordered_map<std::string, Value> constantGlobals_;
    // Names that surely mean the standard math module or one of its
    // MathFunctions (ConstantGlobals.cpp): calls through them are MathCall.
    std::unordered_set<std::string> stableMathModule_;
    std::unordered_map<std::string, MathFunction> stableMathFunctions_;
    // Module-level lets kept in top-level frame slots (TopLevelLocals.cpp),
    // and each one's (slot, global) once declared.
    static constexpr size_t kMaxTopLevelLocals = 200;
    std::unordered_set<std::string> topLevelLocals_;
    std::vector<std::pair<uint32_t, uint32_t>> topLevelLocalSlots_;
    // The next Invoke's cache slot hint: numbered from a hash of the path,
    // so sites of different modules seldom share a slot.
    uint32_t nextInvokeSlot_ = 0;

    void error(SourceLocation at, const std::string& message, std::string hint = {});
    // Every name `at` this point could mean: locals and captured names
    // innermost first, then globals, then builtins (for "did you mean").
    std::vector<std::string> namesInScope();
    // "did you mean 'x'?" for a misspelt name, or "".
    std::string nameHint(const std::string& name);

    // ---- declarations (CompileStatements.cpp) ----
    void declareGlobals(const Program& program);
    void hoistDeclarations(const Program& program);
    void findConstantGlobals(const Program& program);
    // The value of constant global `name` when no local or parameter shadows it here.
    bool constantGlobal(const std::string& name, Value& out);
    // A local or parameter named `name` is in scope here.
    bool shadowed(const std::string& name);
    // The math function a call compiles to (one argument, through a stable
    // math import, not shadowed), else none.
    std::optional<MathFunction> mathCall(const CallExpr& e);
    bool isTopLevel() const;
    // ---- top-level locals (TopLevelLocals.cpp) ----
    void findTopLevelLocals(const Program& program);
    // Declares top-level `let name` as a slot of the top-level frame when
    // it qualifies (its value is on the stack); false leaves it a global.
    bool declareTopLevelLocal(const std::string& name, SourceLocation at);
    // Copies every such slot to its global (before the top-level code returns).
    void writeBackTopLevelLocals();
    // Declares `name` as a local (inside functions and blocks) or binds the
    // value on top of the stack to its global; the value must be on the stack.
    void defineVariable(const std::string& name, SourceLocation at);
    std::unique_ptr<FunctionProto> compileFunction(const FunctionDecl& decl, const std::string& displayName,
                                                   bool named);
    void emitClosure(std::unique_ptr<FunctionProto> proto, const FunctionState& child, SourceLocation at);

    // ---- statements ----
    void statement(const Stmt& s);
    void block(const BlockStmt& b);
    void statements(const StmtList& list);
    void letStatement(const LetStmt& s);
    void assignStatement(const AssignStmt& s);
    bool incrementLocal(const AssignStmt& s);
    bool addToLocal(const std::string& name, const AssignStmt& s);
    bool setIndexLocals(const IndexExpr& target, const Expr& value);
    bool setLocalField(const MemberExpr& target, const Expr& value);
    bool updateLocalField(const MemberExpr& target, Opcode op, const AssignStmt& s);
    bool localFieldTarget(const MemberExpr& target, const Expr& value, uint32_t& slot, uint32_t& name);
    static bool mayCall(const Expr& e);
    void ifStatement(const IfStmt& s);
    void whileStatement(const WhileStmt& s);
    void forStatement(const ForInStmt& s);
    bool forRange(const ForInStmt& s);
    void loopBody(const ForInStmt& s, size_t iterSlot, Opcode nextOp);
    void breakOrContinue(const Stmt& s);
    void returnStatement(const ReturnStmt& s);
    void emitTypeCheck(const TypeRef& type, int slot, bool eachElement, SourceLocation at);
    void emitReturn(SourceLocation at);
    void tryStatement(const TryStmt& s);
    void classStatement(const ClassStmt& s);
    void interfaceStatement(const InterfaceStmt& s);
    void importStatement(const ImportStmt& s);
    void functionStatement(const FunctionStmt& s);
    // Runs the finally blocks (and pops handlers) of try blocks deeper than
    // `downTo`, innermost first, as a jump out of them requires.
    void unwindTries(size_t downTo, SourceLocation at);

    // ---- expressions (CompileExpressions.cpp) ----
    void expression(const Expr& e);
    // Compiles a condition; returns a jump to patch that is taken when false.
    int64_t comparedConstant(const BinaryExpr& b);
    size_t condition(const Expr& e);
    // Compiles e as a branch: falls through when e is truthy, else takes one
    // of the jumps appended to elseJumps. `&&` and `||` become jump chains
    // (no bool is materialised); everything else is one condition().
    void branchUnless(const Expr& e, std::vector<size_t>& elseJumps);
    static bool isBoolean(const Expr& e);
    static const Expr* nilTested(const BinaryExpr& b);
    void loopWhile(const Expr& e, size_t target);
    void loadName(const std::string& name, SourceLocation at);
    // Records the source names of an operation's operands (FunctionProto::
    // operandNames) when at least one is a name or a field chain.
    void noteOperands(SourceLocation at, const Expr* first, const Expr* second,
                      OperandNames::Kind kind = OperandNames::Operator);
    // `m.x` where `m` is an `import m` binding: `x` must be one of its exports.
    void checkModuleMember(const MemberExpr& m);
    void storeName(const std::string& name, SourceLocation at);
    void emitInt(int64_t value, SourceLocation at);
    void binary(const BinaryExpr& e);
    bool stringChain(const BinaryExpr& e);
    void logical(const BinaryExpr& e);
    bool localsOperation(const BinaryExpr& e);
    bool localConstantOperation(const BinaryExpr& e);
    // Both expressions name locals whose slots fit a PAIR operand: their slots.
    bool localPair(const Expr& first, const Expr& second, uint32_t& a, uint32_t& b);
    void call(const CallExpr& e);
    void objectLiteral(const ObjectExpr& e);
    bool foldConstant(const Expr& e, Value& out);
};

} // namespace langoost
