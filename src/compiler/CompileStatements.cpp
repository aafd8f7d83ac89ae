// Statement compilation: declarations, control flow, loops, try/finally.
// Invariant: between statements the modelled stack depth equals the number
// of live local slots, so a `let` finds its value exactly in its slot.
#include <algorithm>
#include <optional>
#include <set>

#include "compiler/CompilerImpl.h"
#include "common/Suggest.h"

namespace langoost {

bool CompilerImpl::isTopLevel() const { return fs_->enclosing() == nullptr && fs_->scopeDepth() == 0; }

void CompilerImpl::declareGlobals(const Program& program) {
    std::unordered_map<std::string, SourceLocation> seen;
    for (const auto& name : options_.predeclaredGlobals) {
        globals_[name] = uint32_t(module_->globalNames.size());
        module_->globalNames.push_back(name);
    }
    auto declare = [&](const std::string& name, SourceLocation at) {
        if (options_.replMode && globals_.count(name)) return; // REPL: redefinition reuses the slot
        auto [it, fresh] = seen.emplace(name, at);
        if (!fresh) {
            error(at, "'" + name + "' is already declared at " + std::to_string(it->second.line) + ":" +
                          std::to_string(it->second.column));
            return;
        }
        uint32_t slot = uint32_t(module_->globalNames.size());
        globals_[name] = slot;
        module_->globalNames.push_back(name);
    };
    for (const auto& s : program.body) {
        switch (s->kind) {
        case StmtKind::Let: declare(static_cast<const LetStmt&>(*s).name, s->location); break;
        case StmtKind::Function: {
            auto& f = static_cast<const FunctionStmt&>(*s);
            declare(f.decl->name, f.decl->location);
            break;
        }
        case StmtKind::Class: declare(static_cast<const ClassStmt&>(*s).name, s->location); break;
        case StmtKind::Interface: declare(static_cast<const InterfaceStmt&>(*s).name, s->location); break;
        case StmtKind::Import: {
            auto& imp = static_cast<const ImportStmt&>(*s);
            if (imp.names.empty()) declare(imp.binding, s->location);
            for (const auto& [name, at] : imp.names) declare(name, at);
            break;
        }
        default: break;
        }
    }
}

// Top-level imports, interfaces, classes (parents first) and functions are
// bound before any other top-level code runs.
void CompilerImpl::hoistDeclarations(const Program& program) {
    for (const auto& s : program.body)
        if (s->kind == StmtKind::Import) importStatement(static_cast<const ImportStmt&>(*s));
    for (const auto& s : program.body)
        if (s->kind == StmtKind::Interface) interfaceStatement(static_cast<const InterfaceStmt&>(*s));
    std::vector<const ClassStmt*> pending;
    std::set<std::string> pendingNames;
    for (const auto& s : program.body)
        if (s->kind == StmtKind::Class) {
            pending.push_back(static_cast<const ClassStmt*>(s.get()));
            pendingNames.insert(pending.back()->name);
        }
    while (!pending.empty()) {
        bool progress = false;
        for (auto it = pending.begin(); it != pending.end();) {
            const ClassStmt* c = *it;
            bool waits = c->superclass && c->superclass->kind == ExprKind::Identifier &&
                         pendingNames.count(static_cast<const IdentifierExpr&>(*c->superclass).name) &&
                         static_cast<const IdentifierExpr&>(*c->superclass).name != c->name;
            if (waits) {
                ++it;
                continue;
            }
            classStatement(*c);
            pendingNames.erase(c->name);
            it = pending.erase(it);
            progress = true;
        }
        if (!progress) {
            error(pending.front()->location, "class inheritance cycle involving '" + pending.front()->name + "'");
            break;
        }
    }
    for (const auto& s : program.body)
        if (s->kind == StmtKind::Function) functionStatement(static_cast<const FunctionStmt&>(*s));
}

void CompilerImpl::defineVariable(const std::string& name, SourceLocation at) {
    if (isTopLevel()) {
        fs_->emit(Opcode::StoreGlobal, globals_.at(name), at);
        return;
    }
    if (Local* existing = fs_->findLocalInScope(name)) {
        std::string where;
        if (existing->location.line != 0)
            where = " (at " + std::to_string(existing->location.line) + ":" +
                    std::to_string(existing->location.column) + ")";
        error(at, "'" + name + "' is already declared in this scope" + where);
    }
    fs_->declareLocal(name).location = at;
}

void CompilerImpl::emitClosure(std::unique_ptr<FunctionProto> proto, const FunctionState& child, SourceLocation at) {
    uint32_t index = uint32_t(fs_->proto()->protos.size());
    fs_->proto()->protos.push_back(std::move(proto));
    fs_->emit(Opcode::Closure, index, at);
    for (const auto& up : child.upvalues) fs_->emitWord(up.fromLocal ? (up.index | kCaptureLocalBit) : up.index, at);
}

// Compiles a function body into a new proto and emits the Closure that creates it.
std::unique_ptr<FunctionProto> CompilerImpl::compileFunction(const FunctionDecl& decl, const std::string& displayName,
                                                             bool named) {
    auto proto = std::make_unique<FunctionProto>();
    proto->name = displayName;
    proto->path = file_.path();
    proto->location = decl.location;
    proto->arity = uint32_t(decl.params.size());
    proto->variadic = decl.variadic;
    proto->named = named;
    proto->isMethod = decl.isMethod;
    proto->returnType = {decl.returnType.name, decl.returnType.isArray};
    FunctionState state(proto.get(), fs_);
    state.isMethod = decl.isMethod;
    state.mayHaveClosures = decl.hasNestedFunctions;
    state.adjustStack(1);
    state.declareLocalAt(decl.isMethod ? "self" : "", 0);
    for (size_t i = 0; i < decl.params.size(); ++i) {
        state.adjustStack(1);
        state.declareLocalAt(decl.params[i].name, uint32_t(i + 1));
        proto->paramNames.push_back(decl.params[i].name);
        proto->paramTypes.push_back({decl.params[i].type.name, decl.params[i].type.isArray});
    }
    state.beginScope();
    FunctionState* saved = fs_;
    fs_ = &state;
    state.returnType = decl.returnType;
    for (size_t i = 0; i < decl.params.size(); ++i)
        if (decl.params[i].type.present())
            emitTypeCheck(decl.params[i].type, int(i + 1), decl.variadic && i + 1 == decl.params.size(),
                          decl.params[i].location);
    statements(decl.body);
    if (state.returnType.present()) {
        fs_->emit(Opcode::Nil, 0, decl.endLocation);
        emitReturn(decl.endLocation);
    } else {
        fs_->emit(Opcode::ReturnNil, 0, decl.endLocation);
    }
    if (state.overflowed()) error(decl.location, "function '" + displayName + "' is too large to compile");
    state.threadJumpsToReturns();
    fs_ = saved;
    emitClosure(std::move(proto), state, decl.location);
    return nullptr;
}

void CompilerImpl::statements(const StmtList& list) {
    for (const auto& s : list) statement(*s);
}

void CompilerImpl::block(const BlockStmt& b) {
    fs_->beginScope();
    statements(b.body);
    fs_->endScope(b.endLocation);
}

void CompilerImpl::statement(const Stmt& s) {
    switch (s.kind) {
    case StmtKind::Let: letStatement(static_cast<const LetStmt&>(s)); break;
    case StmtKind::Assign: assignStatement(static_cast<const AssignStmt&>(s)); break;
    case StmtKind::Expression:
        expression(*static_cast<const ExprStmt&>(s).expr);
        fs_->emit(Opcode::Pop, 0, s.location);
        break;
    case StmtKind::If: ifStatement(static_cast<const IfStmt&>(s)); break;
    case StmtKind::While: whileStatement(static_cast<const WhileStmt&>(s)); break;
    case StmtKind::ForIn: forStatement(static_cast<const ForInStmt&>(s)); break;
    case StmtKind::Break:
    case StmtKind::Continue: breakOrContinue(s); break;
    case StmtKind::Return: returnStatement(static_cast<const ReturnStmt&>(s)); break;
    case StmtKind::Throw:
        expression(*static_cast<const ThrowStmt&>(s).value);
        fs_->emit(Opcode::Throw, 0, s.location);
        break;
    case StmtKind::Try: tryStatement(static_cast<const TryStmt&>(s)); break;
    case StmtKind::Block: block(static_cast<const BlockStmt&>(s)); break;
    case StmtKind::Function: functionStatement(static_cast<const FunctionStmt&>(s)); break;
    case StmtKind::Class: classStatement(static_cast<const ClassStmt&>(s)); break;
    case StmtKind::Interface: interfaceStatement(static_cast<const InterfaceStmt&>(s)); break;
    case StmtKind::Import:
        if (isTopLevel()) importStatement(static_cast<const ImportStmt&>(s));
        else error(s.location, "'import' is only allowed at the top level of a file");
        break;
    }
}

void CompilerImpl::letStatement(const LetStmt& s) {
    if (s.init) expression(*s.init);
    else fs_->emit(Opcode::Nil, 0, s.location);
    if (isTopLevel() && declareTopLevelLocal(s.name, s.location)) return;
    defineVariable(s.name, s.location);
}

void CompilerImpl::functionStatement(const FunctionStmt& s) {
    const FunctionDecl& decl = *s.decl;
    if (isTopLevel()) {
        compileFunction(decl, decl.name, true);
        fs_->emit(Opcode::StoreGlobal, globals_.at(decl.name), decl.location);
        return;
    }
    // A local function: declare the slot first so the body can recurse.
    fs_->emit(Opcode::Nil, 0, decl.location);
    defineVariable(decl.name, decl.location);
    uint32_t slot = fs_->locals().back().slot;
    compileFunction(decl, decl.name, true);
    fs_->emit(Opcode::StoreLocal, slot, decl.location);
}

void CompilerImpl::assignStatement(const AssignStmt& s) {
    Opcode op = Opcode::Nop;
    switch (s.op) {
    case TokenKind::PlusAssign: op = Opcode::Add; break;
    case TokenKind::MinusAssign: op = Opcode::Sub; break;
    case TokenKind::StarAssign: op = Opcode::Mul; break;
    case TokenKind::SlashAssign: op = Opcode::Div; break;
    case TokenKind::PercentAssign: op = Opcode::Mod; break;
    default: break;
    }
    const Expr& target = *s.target;
    if (op != Opcode::Nop) noteOperands(s.location, &target, s.value.get());
    if (incrementLocal(s)) return;
    if (target.kind == ExprKind::Identifier) {
        const std::string& name = static_cast<const IdentifierExpr&>(target).name;
        if (addToLocal(name, s)) return;
        if (op != Opcode::Nop) {
            loadName(name, target.location);
            expression(*s.value);
            fs_->emit(op, 0, s.location);
        } else {
            expression(*s.value);
        }
        storeName(name, target.location);
    } else if (target.kind == ExprKind::Member) {
        auto& m = static_cast<const MemberExpr&>(target);
        if (op == Opcode::Nop ? setLocalField(m, *s.value) : updateLocalField(m, op, s)) return;
        uint32_t name = fs_->stringConstant(m.name);
        expression(*m.object);
        if (op != Opcode::Nop) {
            fs_->emit(Opcode::Dup, 0, m.location);
            fs_->emitField(Opcode::GetField, name, m.location);
            expression(*s.value);
            fs_->emit(op, 0, s.location);
        } else {
            expression(*s.value);
        }
        fs_->emitField(Opcode::SetField, name, m.location);
    } else {
        auto& ix = static_cast<const IndexExpr&>(target);
        if (op == Opcode::Nop && setIndexLocals(ix, *s.value)) return;
        expression(*ix.object);
        expression(*ix.index);
        if (op != Opcode::Nop) {
            fs_->emit(Opcode::Dup2, 0, ix.location);
            fs_->emit(Opcode::GetIndex, 0, ix.location);
            expression(*s.value);
            fs_->emit(op, 0, s.location);
        } else {
            expression(*s.value);
        }
        fs_->emit(Opcode::SetIndex, 0, ix.location);
    }
}

// `x = x + e` / `x += e` (and `-`) on a local, where e makes no calls (so
// it cannot change x before the operation reads it), become e; AddToLocal x
// (SubFromLocal x).
bool CompilerImpl::addToLocal(const std::string& name, const AssignStmt& s) {
    const Expr* operand = nullptr;
    bool subtract = false;
    if (s.op == TokenKind::PlusAssign || s.op == TokenKind::MinusAssign) {
        operand = s.value.get();
        subtract = s.op == TokenKind::MinusAssign;
    } else if (s.op == TokenKind::Assign && s.value->kind == ExprKind::Binary) {
        auto& b = static_cast<const BinaryExpr&>(*s.value);
        if ((b.op == TokenKind::Plus || b.op == TokenKind::Minus) && b.left->kind == ExprKind::Identifier &&
            static_cast<const IdentifierExpr&>(*b.left).name == name) {
            operand = b.right.get();
            subtract = b.op == TokenKind::Minus;
        }
    }
    // The operand is evaluated before the local is read: a call in it could
    // change the local only through a closure that captured it.
    if (!operand || (mayCall(*operand) && fs_->mayHaveClosures)) return false;
    int rev = fs_->resolveLocal(name);
    if (rev < 0) return false;
    uint32_t slot = fs_->locals()[fs_->locals().size() - 1 - size_t(rev)].slot;
    expression(*operand);
    fs_->emit(subtract ? Opcode::SubFromLocal : Opcode::AddToLocal, slot, s.location);
    return true;
}

// `a[i] = e` with locals a and i, where e makes no calls (so it cannot
// change a or i): e; SetIndexLocals a i, or SetIndexLocalsK a i k when e
// is a literal or a folded constant (`composite[j] = true`).
bool CompilerImpl::setIndexLocals(const IndexExpr& target, const Expr& value) {
    uint32_t sa, si;
    if (mayCall(value) || !localPair(*target.object, *target.index, sa, si)) return false;
    Value k;
    bool literal = true;
    if (value.kind == ExprKind::Nil) k = Value();
    else if (value.kind == ExprKind::True || value.kind == ExprKind::False) k = Value::boolean(value.kind == ExprKind::True);
    else literal = value.kind != ExprKind::String && foldConstant(value, k);
    if (literal || value.kind == ExprKind::String) {
        uint32_t constant = literal ? fs_->addConstant(k)
                                    : fs_->stringConstant(static_cast<const LiteralExpr&>(value).stringValue);
        fs_->emit(Opcode::SetIndexLocalsK, encodePair(sa, int32_t(si)), target.location);
        fs_->emitWord(constant, target.location);
        return true;
    }
    expression(value);
    fs_->emit(Opcode::SetIndexLocals, encodePair(sa, int32_t(si)), target.location);
    return true;
}

// `self.f = e`, or `o.f = e` with a local o where e makes no calls (so it
// cannot change o; `self` is never reassigned): e; SetLocalField o f.
bool CompilerImpl::setLocalField(const MemberExpr& target, const Expr& value) {
    uint32_t slot, name;
    if (!localFieldTarget(target, value, slot, name)) return false;
    expression(value);
    fs_->emitLocalField(Opcode::SetLocalField, slot, name, target.location);
    return true;
}

// `self.f op= e`, or `o.f op= e` on a local o under the same rule, read and
// written in place like `o.f = o.f op e`: GetLocalField o f; e; op;
// SetLocalField o f (no Dup of the object; AddInt/SubInt for a small int e).
bool CompilerImpl::updateLocalField(const MemberExpr& target, Opcode op, const AssignStmt& s) {
    uint32_t slot, name;
    if (!localFieldTarget(target, *s.value, slot, name)) return false;
    fs_->emit(Opcode::LoadLocal, slot, target.object->location);
    fs_->emitField(Opcode::GetField, name, target.location);
    Value k;
    if ((op == Opcode::Add || op == Opcode::Sub) && foldConstant(*s.value, k) && k.isInt() &&
        k.asInt() >= kMinSignedOperand + 1 && k.asInt() <= kMaxSignedOperand) {
        fs_->emitSigned(op == Opcode::Add ? Opcode::AddInt : Opcode::SubInt, int32_t(k.asInt()), s.location);
    } else {
        expression(*s.value);
        fs_->emit(op, 0, s.location);
    }
    fs_->emitLocalField(Opcode::SetLocalField, slot, name, target.location);
    return true;
}

// The local slot and name constant of `self.f` / `o.f` as a store target
// while `value` is evaluated (see setLocalField), if both fit a PAIR.
bool CompilerImpl::localFieldTarget(const MemberExpr& target, const Expr& value, uint32_t& slot, uint32_t& name) {
    std::string object;
    if (target.object->kind == ExprKind::Self) object = "self";
    else if (target.object->kind == ExprKind::Identifier && !mayCall(value))
        object = static_cast<const IdentifierExpr&>(*target.object).name;
    else return false;
    int rev = fs_->resolveLocal(object);
    if (rev < 0) return false;
    slot = fs_->locals()[fs_->locals().size() - 1 - size_t(rev)].slot;
    name = fs_->stringConstant(target.name);
    return slot <= kMaxPairField && name <= kMaxPairField;
}

// Whether evaluating e may run user code (and so assign variables).
bool CompilerImpl::mayCall(const Expr& e) {
    switch (e.kind) {
    case ExprKind::Nil: case ExprKind::True: case ExprKind::False: case ExprKind::Int: case ExprKind::Float:
    case ExprKind::String: case ExprKind::Identifier: case ExprKind::Self: return false;
    case ExprKind::Unary: return mayCall(*static_cast<const UnaryExpr&>(e).operand);
    case ExprKind::Binary:
    case ExprKind::Logical: {
        auto& b = static_cast<const BinaryExpr&>(e);
        return mayCall(*b.left) || mayCall(*b.right);
    }
    case ExprKind::Index: {
        auto& ix = static_cast<const IndexExpr&>(e);
        return mayCall(*ix.object) || mayCall(*ix.index);
    }
    case ExprKind::Member: return mayCall(*static_cast<const MemberExpr&>(e).object);
    default: return true;
    }
}

// `x += k`, `x -= k`, `x = x + k`, `x = x - k` on a local with a small int
// literal k become one IncLocal.
bool CompilerImpl::incrementLocal(const AssignStmt& s) {
    if (s.target->kind != ExprKind::Identifier) return false;
    const std::string& name = static_cast<const IdentifierExpr&>(*s.target).name;
    const Expr* amount = nullptr;
    bool negate = false;
    if (s.op == TokenKind::PlusAssign || s.op == TokenKind::MinusAssign) {
        amount = s.value.get();
        negate = s.op == TokenKind::MinusAssign;
    } else if (s.op == TokenKind::Assign && s.value->kind == ExprKind::Binary) {
        auto& b = static_cast<const BinaryExpr&>(*s.value);
        if ((b.op != TokenKind::Plus && b.op != TokenKind::Minus) || b.left->kind != ExprKind::Identifier ||
            static_cast<const IdentifierExpr&>(*b.left).name != name)
            return false;
        amount = b.right.get();
        negate = b.op == TokenKind::Minus;
    }
    Value k;
    if (!amount || !foldConstant(*amount, k) || !k.isInt()) return false;
    int64_t delta = k.asInt();
    if (delta < -2048 || delta > 2047) return false;
    int rev = fs_->resolveLocal(name);
    if (rev < 0) return false;
    uint32_t slot = fs_->locals()[fs_->locals().size() - 1 - size_t(rev)].slot;
    if (slot > kMaxPairField) return false;
    fs_->emit(negate ? Opcode::DecLocal : Opcode::IncLocal, encodePair(slot, int32_t(delta)), s.location);
    return true;
}

void CompilerImpl::ifStatement(const IfStmt& s) {
    std::vector<size_t> elseJumps;
    branchUnless(*s.condition, elseJumps);
    block(*s.thenBlock);
    if (s.elseBranch) {
        size_t endJump = fs_->emitJump(Opcode::Jump, s.location);
        for (size_t j : elseJumps) fs_->patchJump(j);
        statement(*s.elseBranch);
        fs_->patchJump(endJump);
    } else {
        for (size_t j : elseJumps) fs_->patchJump(j);
    }
}

// Rotated: `Jump test; body: ...; test: <cond> XxLoop body`, so each
// iteration runs one fused test-and-jump instead of a test plus a Loop.
// `while a < b` (any compare) on two locals is inverted instead:
// `XxJumpLocals a b exit; body: ...; XxLoopLocals a b body`. Nothing then
// jumps to the bottom test from outside the body, so when the body ends by
// popping its own locals and has no `continue`, the test pops them itself
// (XxLoopLocalsPop: one dispatch less per iteration).
void CompilerImpl::whileStatement(const WhileStmt& s) {
    uint32_t a, b;
    bool inverted = s.condition->kind == ExprKind::Binary && isBoolean(*s.condition) &&
                    localPair(*static_cast<const BinaryExpr&>(*s.condition).left,
                              *static_cast<const BinaryExpr&>(*s.condition).right, a, b);
    std::vector<size_t> exits;
    size_t entry = SIZE_MAX;
    if (inverted) branchUnless(*s.condition, exits);
    else entry = fs_->emitJump(Opcode::Jump, s.location);
    size_t bodyStart = fs_->label();
    fs_->loops.push_back({fs_->locals().size(), fs_->tries.size(), 0, {}, {}, true});
    block(*s.body);
    size_t popAt = fs_->lastPop();
    bool continues = !fs_->loops.back().continueJumps.empty();
    for (size_t j : fs_->loops.back().continueJumps) fs_->patchJump(j);
    if (!inverted) fs_->patchJump(entry);
    loopWhile(*s.condition, bodyStart);
    if (inverted && !continues) fs_->foldPopIntoLoopTest(popAt);
    fs_->label();
    for (size_t j : fs_->loops.back().breakJumps) fs_->patchJump(j);
    for (size_t j : exits) fs_->patchJump(j);
    fs_->loops.pop_back();
}

// The loop is rotated so each iteration costs one dispatch for the loop
// itself: `Jump step; body: ...; step: StepOp slots, body`. StepOp stores
// the next item straight into the loop variable's slot and jumps back, or
// falls through when the loop is done. A captured loop variable is closed
// at the end of each iteration, so closures see that iteration's value.
void CompilerImpl::loopBody(const ForInStmt& s, size_t iterSlot, Opcode stepOp) {
    fs_->beginScope();
    fs_->emit(Opcode::Nil, 0, s.location);
    Local& var = fs_->declareLocal(s.variable);
    uint32_t varSlot = var.slot;
    size_t varIndex = fs_->locals().size() - 1;
    size_t entry = fs_->emitJump(Opcode::Jump, s.location);
    size_t bodyStart = fs_->label();
    fs_->loops.push_back({fs_->locals().size(), fs_->tries.size(), 0, {}, {}, true});
    block(*s.body);
    for (size_t j : fs_->loops.back().continueJumps) fs_->patchJump(j);
    fs_->label();
    if (fs_->locals()[varIndex].captured) fs_->emit(Opcode::CloseUpvals, varSlot, s.location);
    fs_->patchJump(entry);
    size_t step = fs_->emit(stepOp, uint32_t(iterSlot), s.location);
    int64_t back = int64_t(bodyStart) - int64_t(step) - 2;
    fs_->emitWord(uint32_t(int32_t(back)), s.location);
    fs_->label();
    for (size_t j : fs_->loops.back().breakJumps) fs_->patchJump(j);
    fs_->loops.pop_back();
    fs_->endScope(s.location);
}

// `for i in range(...)` with the builtin range compiles to a counting loop
// that allocates nothing.
bool CompilerImpl::forRange(const ForInStmt& s) {
    if (s.iterable->kind != ExprKind::Call) return false;
    auto& c = static_cast<const CallExpr&>(*s.iterable);
    if (c.callee->kind != ExprKind::Identifier || c.args.empty() || c.args.size() > 3) return false;
    const std::string& name = static_cast<const IdentifierExpr&>(*c.callee).name;
    if (name != "range" || fs_->resolveLocal(name) >= 0 || globals_.count(name) || !builtins_.count(name))
        return false;
    for (FunctionState* f = fs_->enclosing(); f; f = f->enclosing())
        if (f->resolveLocal(name) >= 0) return false;
    fs_->beginScope();
    size_t slot = size_t(fs_->stackDepth());
    if (c.args.size() == 1) fs_->emit(Opcode::Int, 0, c.location);
    for (const auto& a : c.args) expression(*a);
    if (c.args.size() < 3) fs_->emit(Opcode::Int, 1, c.location);
    fs_->emit(Opcode::RangeInit, 0, c.location);
    fs_->declareLocalAt("(counter)", uint32_t(slot));
    fs_->declareLocalAt("(end)", uint32_t(slot + 1));
    fs_->declareLocalAt("(step)", uint32_t(slot + 2));
    loopBody(s, slot, Opcode::RangeLoop);
    fs_->endScope(s.location);
    return true;
}

void CompilerImpl::forStatement(const ForInStmt& s) {
    if (forRange(s)) return;
    fs_->beginScope();
    size_t slot = size_t(fs_->stackDepth());
    expression(*s.iterable);
    fs_->emit(Opcode::IterInit, 0, s.iterable->location);
    fs_->declareLocalAt("(iterable)", uint32_t(slot));
    fs_->declareLocalAt("(cursor)", uint32_t(slot + 1));
    loopBody(s, slot, Opcode::IterLoop);
    fs_->endScope(s.location);
}

void CompilerImpl::unwindTries(size_t downTo, SourceLocation at) {
    for (size_t i = fs_->tries.size(); i-- > downTo;) {
        TryContext ctx = fs_->tries[i];
        if (ctx.handlerActive) fs_->emit(Opcode::TryEnd, 0, at);
        if (ctx.finallyBody) {
            std::vector<TryContext> saved(fs_->tries.begin() + long(i), fs_->tries.end());
            fs_->tries.resize(i);
            block(*ctx.finallyBody);
            fs_->tries.insert(fs_->tries.end(), saved.begin(), saved.end());
        }
    }
}

void CompilerImpl::breakOrContinue(const Stmt& s) {
    if (fs_->loops.empty()) {
        error(s.location, s.kind == StmtKind::Break ? "'break' outside a loop" : "'continue' outside a loop");
        return;
    }
    LoopContext& loop = fs_->loops.back();
    size_t tryDepth = loop.tryDepth, keep = loop.continueLocals, target = loop.continueTarget;
    unwindTries(tryDepth, s.location);
    fs_->popLocalsTo(keep, s.location, false);
    if (s.kind == StmtKind::Continue && loop.forwardContinue) {
        size_t j = fs_->emitJump(Opcode::Jump, s.location);
        fs_->loops.back().continueJumps.push_back(j);
    } else if (s.kind == StmtKind::Continue) {
        fs_->emitLoop(target, s.location);
    } else {
        size_t j = fs_->emitJump(Opcode::Jump, s.location);
        fs_->loops.back().breakJumps.push_back(j);
    }
}

// Type codes for the builtin annotation names; Class means "look the name up".
static TypeKind typeKindOf(const std::string& name) {
    if (name == "int") return TypeKind::Int;
    if (name == "float") return TypeKind::Float;
    if (name == "string") return TypeKind::String;
    if (name == "bool") return TypeKind::Bool;
    if (name == "object") return TypeKind::Object;
    if (name == "array") return TypeKind::Array;
    if (name == "any") return TypeKind::Any;
    if (name == "void") return TypeKind::Void;
    return TypeKind::Class;
}

// Emits the check of parameter `slot` (or, with slot < 0, of the value on
// top of the stack before a return) against an annotation.
void CompilerImpl::emitTypeCheck(const TypeRef& type, int slot, bool eachElement, SourceLocation at) {
    TypeKind kind = type.isArray ? TypeKind::Array : typeKindOf(type.name);
    if (kind == TypeKind::Any || (kind == TypeKind::Void && slot >= 0)) return;
    uint32_t flags = eachElement ? kTypeEachElement : 0;
    if (kind != TypeKind::Class) {
        if (slot >= 0) fs_->emit(Opcode::CheckParam, encodePair(uint32_t(slot), int32_t(uint32_t(kind) | flags)), at);
        else if (kind != TypeKind::Void) fs_->emit(Opcode::CheckReturn, uint32_t(kind), at);
        return;
    }
    // A class or interface name, possibly dotted (`mod.Shape`): load it.
    size_t start = 0, dot = type.name.find('.');
    std::string head = type.name.substr(0, dot);
    if (fs_->resolveLocal(head) < 0 && fs_->resolveUpvalue(head) < 0 && !globals_.count(head)) {
        error(type.location, "unknown type '" + type.name +
                                 "' (expected int, float, string, bool, object, array, any, void, T[], or a class "
                                 "or interface name)");
        return;
    }
    loadName(head, at);
    while (dot != std::string::npos) {
        start = dot + 1;
        dot = type.name.find('.', start);
        fs_->emitField(Opcode::GetField, fs_->stringConstant(type.name.substr(start, dot - start)), at);
    }
    if (slot >= 0) fs_->emit(Opcode::CheckParamClass, encodePair(uint32_t(slot), int32_t(flags)), at);
    else fs_->emit(Opcode::CheckReturnClass, 0, at);
}

// Return of the value on top of the stack, checked against the function's
// return annotation when it has one.
void CompilerImpl::emitReturn(SourceLocation at) {
    if (fs_->returnType.present()) {
        TypeKind kind = fs_->returnType.isArray ? TypeKind::Array : typeKindOf(fs_->returnType.name);
        if (kind == TypeKind::Void) {
            // `: void` promises nothing is returned; a value is allowed but dropped.
        } else {
            emitTypeCheck(fs_->returnType, -1, false, at);
        }
    }
    fs_->emit(Opcode::Return, 0, at);
    fs_->adjustStack(-1);
}

void CompilerImpl::returnStatement(const ReturnStmt& s) {
    if (fs_->tries.empty()) {
        if (s.value) {
            expression(*s.value);
            emitReturn(s.location);
        } else if (fs_->returnType.present()) {
            fs_->emit(Opcode::Nil, 0, s.location);
            emitReturn(s.location);
        } else {
            fs_->emit(Opcode::ReturnNil, 0, s.location);
        }
        return;
    }
    // Keep the value in a hidden local while the finally blocks run.
    if (s.value) expression(*s.value);
    else fs_->emit(Opcode::Nil, 0, s.location);
    fs_->beginScope();
    uint32_t slot = fs_->declareLocal("(return)").slot;
    unwindTries(0, s.location);
    fs_->emit(Opcode::LoadLocal, slot, s.location);
    emitReturn(s.location);
    fs_->endScope(s.location);
}

// try B catch e C finally F compiles to:
//   TryBegin h1; B; TryEnd; F; Jump end
//   h1: [e] TryBegin h2; C; TryEnd; pop e; F; Jump end
//   h2: [e, x] store x in e's slot; F; Rethrow x
//   end:
void CompilerImpl::tryStatement(const TryStmt& s) {
    const BlockStmt* fin = s.finallyBody.get();
    int base = fs_->stackDepth();
    std::vector<size_t> toEnd;
    size_t handler = fs_->emitJump(Opcode::TryBegin, s.location);
    fs_->tries.push_back({fin, true});
    block(*s.body);
    fs_->tries.pop_back();
    fs_->emit(Opcode::TryEnd, 0, s.location);
    if (fin) block(*fin);
    toEnd.push_back(fs_->emitJump(Opcode::Jump, s.location));

    fs_->patchJump(handler);
    fs_->setStackDepth(base);
    fs_->adjustStack(1); // the thrown value
    if (s.catchBody) {
        fs_->beginScope();
        fs_->declareLocal(s.catchName);
        size_t handler2 = 0;
        if (fin) {
            handler2 = fs_->emitJump(Opcode::TryBegin, s.catchLocation);
            fs_->tries.push_back({fin, true});
        }
        block(*s.catchBody);
        if (fin) {
            fs_->tries.pop_back();
            fs_->emit(Opcode::TryEnd, 0, s.location);
        }
        fs_->endScope(s.location);
        if (fin) {
            block(*fin);
            toEnd.push_back(fs_->emitJump(Opcode::Jump, s.location));
            fs_->patchJump(handler2);
            fs_->setStackDepth(base);
            fs_->adjustStack(2); // stale catch variable + the new thrown value
            fs_->emit(Opcode::StoreLocal, uint32_t(base), fin->location);
            fs_->beginScope();
            fs_->declareLocalAt("(exception)", uint32_t(base));
            block(*fin);
            fs_->emit(Opcode::LoadLocal, uint32_t(base), fin->location);
            fs_->emit(Opcode::Rethrow, 0, fin->location);
            fs_->endScope(s.location);
        }
    } else {
        fs_->beginScope();
        fs_->declareLocalAt("(exception)", uint32_t(base));
        block(*fin);
        fs_->emit(Opcode::LoadLocal, uint32_t(base), fin->location);
        fs_->emit(Opcode::Rethrow, 0, fin->location);
        fs_->endScope(s.location);
    }
    for (size_t j : toEnd) fs_->patchJump(j);
    fs_->setStackDepth(base);
}

void CompilerImpl::classStatement(const ClassStmt& s) {
    fs_->emit(Opcode::Class, fs_->stringConstant(s.name), s.location);
    if (s.superclass) {
        // Longer cycles are found while hoisting (hoistDeclarations).
        if (s.superclass->kind == ExprKind::Identifier &&
            static_cast<const IdentifierExpr&>(*s.superclass).name == s.name)
            error(s.superclass->location, "class '" + s.name + "' cannot extend itself");
        expression(*s.superclass);
        fs_->emit(Opcode::Inherit, 0, s.superclass->location);
    }
    std::string savedClass = currentClass_;
    currentClass_ = s.name;
    std::unordered_map<std::string, SourceLocation> seen;
    for (const auto& m : s.methods) {
        auto [first, fresh] = seen.emplace(m->name, m->location);
        if (!fresh)
            error(m->location, "method '" + m->name + "' is already defined at " +
                                   std::to_string(first->second.line) + ":" + std::to_string(first->second.column));
        compileFunction(*m, s.name + "." + m->name, true);
        fs_->emit(Opcode::Method, fs_->stringConstant(m->name), m->location);
    }
    currentClass_ = savedClass;
    defineVariable(s.name, s.location);
}

void CompilerImpl::interfaceStatement(const InterfaceStmt& s) {
    fs_->emit(Opcode::Const, fs_->stringConstant(s.name), s.location);
    for (const auto& m : s.methods) fs_->emit(Opcode::Const, fs_->stringConstant(m.name), m.location);
    fs_->emit(Opcode::Interface, uint32_t(s.methods.size()), s.location);
    fs_->adjustStack(-int(s.methods.size()));
    defineVariable(s.name, s.location);
}

void CompilerImpl::importStatement(const ImportStmt& s) {
    std::string key = s.spec;
    std::optional<ImportedModule> imported;
    if (options_.resolveImport) {
        ImportResolution r = options_.resolveImport(s.spec, s.location);
        if (!r.ok && r.reported) {
            importFailed_ = true;
        } else if (!r.ok) {
            error(s.location, r.error, r.hint);
        } else {
            key = r.key;
            for (const auto& [name, at] : s.names) {
                if (std::find(r.exports.begin(), r.exports.end(), name) != r.exports.end()) continue;
                std::string match = closestName(name, r.exports);
                error(at, "module \"" + s.spec + "\" has no top-level '" + name + "'",
                      match.empty() ? std::string() : "did you mean '" + match + "'?");
            }
            if (s.names.empty()) imported = ImportedModule{s.spec, std::move(r.exports)};
        }
    }
    fs_->emit(Opcode::Import, fs_->stringConstant(key), s.location);
    if (s.names.empty()) {
        defineVariable(s.binding, s.location);
        if (imported) moduleExports_[s.binding] = std::move(*imported);
        return;
    }
    for (const auto& [name, at] : s.names) {
        fs_->emit(Opcode::Dup, 0, at);
        fs_->emitField(Opcode::GetField, fs_->stringConstant(name), at);
        defineVariable(name, at);
    }
    fs_->emit(Opcode::Pop, 0, s.location);
}

} // namespace langoost
