// Constant globals: module-level `let`s that hold the same number for the
// whole life of every reader, so reads compile to the number itself (an
// immediate operand, an int compare-and-branch) instead of LoadGlobal.
// `let STATE_HELD = 4` qualifies when
//  - its initializer folds to a number (foldConstant, which may use the
//    constant globals declared before it),
//  - no assignment anywhere in the module targets a name spelled like it
//    (conservative: a shadowing local's assignment also disqualifies), and
//  - no user code can run before it is set: every top-level statement
//    before it is a declaration (fn, class, interface, import; imports
//    cannot call back, cycles are compile errors) or a `let` whose
//    initializer folds.
// Never in the REPL, where a later line may redeclare any name. The global
// keeps its slot and value (exports, other modules' reads).
//
// Stable math imports, by the same rule: `import math` (a bare name always
// means the standard module, and imports run before any code) or `import
// { sqrt } from "math"`, the binding never assigned. A one-argument call of
// one of math's MathFunctions through it compiles to MathCall.
#include "compiler/CompilerImpl.h"

namespace langoost {
namespace {

void collectAssigned(const StmtList& list, std::unordered_set<std::string>& out);

void collectAssigned(const Expr* e, std::unordered_set<std::string>& out) {
    if (!e) return;
    switch (e->kind) {
    case ExprKind::Unary: collectAssigned(static_cast<const UnaryExpr*>(e)->operand.get(), out); break;
    case ExprKind::Binary:
    case ExprKind::Logical: {
        auto* b = static_cast<const BinaryExpr*>(e);
        collectAssigned(b->left.get(), out);
        collectAssigned(b->right.get(), out);
        break;
    }
    case ExprKind::Is: collectAssigned(static_cast<const IsExpr*>(e)->value.get(), out); break;
    case ExprKind::Call: {
        auto* c = static_cast<const CallExpr*>(e);
        collectAssigned(c->callee.get(), out);
        for (const auto& a : c->args) collectAssigned(a.get(), out);
        break;
    }
    case ExprKind::Member: collectAssigned(static_cast<const MemberExpr*>(e)->object.get(), out); break;
    case ExprKind::Index: {
        auto* ix = static_cast<const IndexExpr*>(e);
        collectAssigned(ix->object.get(), out);
        collectAssigned(ix->index.get(), out);
        break;
    }
    case ExprKind::Array:
        for (const auto& x : static_cast<const ArrayExpr*>(e)->elements) collectAssigned(x.get(), out);
        break;
    case ExprKind::Object:
    case ExprKind::Struct:
        for (const auto& entry : static_cast<const ObjectExpr*>(e)->entries) collectAssigned(entry.value.get(), out);
        break;
    case ExprKind::Function: collectAssigned(static_cast<const FunctionExpr*>(e)->decl->body, out); break;
    default: break;
    }
}

void collectAssigned(const Stmt* s, std::unordered_set<std::string>& out) {
    if (!s) return;
    switch (s->kind) {
    case StmtKind::Let: collectAssigned(static_cast<const LetStmt*>(s)->init.get(), out); break;
    case StmtKind::Assign: {
        auto* a = static_cast<const AssignStmt*>(s);
        if (a->target->kind == ExprKind::Identifier) out.insert(static_cast<const IdentifierExpr&>(*a->target).name);
        else collectAssigned(a->target.get(), out);
        collectAssigned(a->value.get(), out);
        break;
    }
    case StmtKind::Expression: collectAssigned(static_cast<const ExprStmt*>(s)->expr.get(), out); break;
    case StmtKind::If: {
        auto* i = static_cast<const IfStmt*>(s);
        collectAssigned(i->condition.get(), out);
        collectAssigned(i->thenBlock.get(), out);
        collectAssigned(i->elseBranch.get(), out);
        break;
    }
    case StmtKind::While: {
        auto* w = static_cast<const WhileStmt*>(s);
        collectAssigned(w->condition.get(), out);
        collectAssigned(w->body.get(), out);
        break;
    }
    case StmtKind::ForIn: {
        auto* f = static_cast<const ForInStmt*>(s);
        collectAssigned(f->iterable.get(), out);
        collectAssigned(f->body.get(), out);
        break;
    }
    case StmtKind::Return: collectAssigned(static_cast<const ReturnStmt*>(s)->value.get(), out); break;
    case StmtKind::Throw: collectAssigned(static_cast<const ThrowStmt*>(s)->value.get(), out); break;
    case StmtKind::Try: {
        auto* t = static_cast<const TryStmt*>(s);
        collectAssigned(t->body.get(), out);
        collectAssigned(t->catchBody.get(), out);
        collectAssigned(t->finallyBody.get(), out);
        break;
    }
    case StmtKind::Block: collectAssigned(static_cast<const BlockStmt*>(s)->body, out); break;
    case StmtKind::Function: collectAssigned(static_cast<const FunctionStmt*>(s)->decl->body, out); break;
    case StmtKind::Class:
        for (const auto& m : static_cast<const ClassStmt*>(s)->methods) collectAssigned(m->body, out);
        break;
    default: break;
    }
}

void collectAssigned(const StmtList& list, std::unordered_set<std::string>& out) {
    for (const auto& s : list) collectAssigned(s.get(), out);
}

} // namespace

void CompilerImpl::findConstantGlobals(const Program& program) {
    if (options_.replMode) return;
    std::unordered_set<std::string> assigned;
    collectAssigned(program.body, assigned);
    for (const auto& s : program.body) {
        if (s->kind != StmtKind::Import) continue;
        auto& import = static_cast<const ImportStmt&>(*s);
        if (import.spec != "math") continue;
        if (import.names.empty() && !assigned.count(import.binding)) stableMathModule_.insert(import.binding);
        for (const auto& [name, at] : import.names)
            if (auto f = mathFunctionNamed(name); f && !assigned.count(name)) stableMathFunctions_.emplace(name, *f);
    }
    for (const auto& s : program.body) {
        if (s->kind == StmtKind::Function || s->kind == StmtKind::Class || s->kind == StmtKind::Interface ||
            s->kind == StmtKind::Import)
            continue;
        if (s->kind != StmtKind::Let) break;
        auto& let = static_cast<const LetStmt&>(*s);
        Value v;
        if (!let.init) continue; // `let x` runs no code, but x is nil until assigned
        if (!foldConstant(*let.init, v)) break;
        if (!assigned.count(let.name)) constantGlobals_.emplace(let.name, v);
    }
}

bool CompilerImpl::constantGlobal(const std::string& name, Value& out) {
    auto it = constantGlobals_.find(name);
    if (it == constantGlobals_.end() || shadowed(name)) return false;
    out = it->second;
    return true;
}

bool CompilerImpl::shadowed(const std::string& name) {
    for (FunctionState* f = fs_; f; f = f->enclosing())
        if (f->resolveLocal(name) >= 0) return true;
    return false;
}

std::optional<MathFunction> CompilerImpl::mathCall(const CallExpr& e) {
    if (e.args.size() != 1) return std::nullopt;
    if (e.callee->kind == ExprKind::Identifier) {
        const std::string& name = static_cast<const IdentifierExpr&>(*e.callee).name;
        auto it = stableMathFunctions_.find(name);
        if (it == stableMathFunctions_.end() || shadowed(name)) return std::nullopt;
        return it->second;
    }
    if (e.callee->kind != ExprKind::Member) return std::nullopt;
    auto& m = static_cast<const MemberExpr&>(*e.callee);
    if (m.object->kind != ExprKind::Identifier) return std::nullopt;
    const std::string& module = static_cast<const IdentifierExpr&>(*m.object).name;
    if (!stableMathModule_.count(module) || shadowed(module)) return std::nullopt;
    return mathFunctionNamed(m.name);
}

} // namespace langoost
