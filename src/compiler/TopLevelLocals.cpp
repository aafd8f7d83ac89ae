// Top-level locals: module-level `let`s that no function of the module
// names live in a slot of the top-level frame while the top-level code
// runs, so a loop written at top level gets the fused local instructions
// a loop in a function gets (Lua keeps top-level `local`s in registers
// the same way). A `let x` qualifies when
//  - no function, method or fn literal of the module names x as a free
//    identifier or type (conservative: a name bound outside the function
//    itself, a top-level block's local included, counts as free), so no
//    code that can run during or after the top-level code reads or writes
//    the global behind its back,
//  - it is not a constant global (those fold to their value anyway),
//  - the top-level code has no `return` (which would leave early), and
//  - this is not the REPL, where a later line may redeclare or read it.
// Other modules see every global only after the top-level code is done
// (imports cannot form cycles) and the server, the test runner and
// module namespaces read globals by name only after it has run: the
// compiler copies each slot back to its global before the top-level code
// returns (writeBackTopLevelLocals), so exports keep their values.
#include "compiler/CompilerImpl.h"

namespace langoost {
namespace {

// The names functions use without binding them themselves.
class FreeNamesInFunctions {
  public:
    explicit FreeNamesInFunctions(std::unordered_set<std::string>& out) : out_(out) {}

    void statements(const StmtList& list) {
        for (const auto& s : list) statement(s.get());
    }

    bool sawTopLevelReturn = false;

  private:
    std::unordered_set<std::string>& out_;
    std::vector<std::unordered_set<std::string>> scopes_;
    int functionDepth_ = 0;

    void use(const std::string& name) {
        if (functionDepth_ == 0) return;
        for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
            if (it->count(name)) return;
        out_.insert(name);
    }
    void useType(const TypeRef& t) {
        if (t.present()) use(t.name.substr(0, t.name.find('.')));
    }
    void bind(const std::string& name) {
        if (!scopes_.empty()) scopes_.back().insert(name);
    }

    void function(const FunctionDecl& decl) {
        auto outer = std::move(scopes_);
        scopes_.clear();
        ++functionDepth_;
        for (const auto& p : decl.params) useType(p.type);
        useType(decl.returnType);
        scopes_.emplace_back();
        for (const auto& p : decl.params) bind(p.name);
        statements(decl.body);
        --functionDepth_;
        scopes_ = std::move(outer);
    }

    void block(const Stmt* b, const std::string& bound = "") {
        if (!b) return;
        scopes_.emplace_back();
        if (!bound.empty()) bind(bound);
        if (b->kind == StmtKind::Block) statements(static_cast<const BlockStmt*>(b)->body);
        else statement(b);
        scopes_.pop_back();
    }

    void expression(const Expr* e) {
        if (!e) return;
        switch (e->kind) {
        case ExprKind::Identifier: use(static_cast<const IdentifierExpr*>(e)->name); break;
        case ExprKind::Unary: expression(static_cast<const UnaryExpr*>(e)->operand.get()); break;
        case ExprKind::Binary:
        case ExprKind::Logical: {
            auto* b = static_cast<const BinaryExpr*>(e);
            expression(b->left.get());
            expression(b->right.get());
            break;
        }
        case ExprKind::Is: {
            auto* is = static_cast<const IsExpr*>(e);
            expression(is->value.get());
            expression(is->type.get());
            break;
        }
        case ExprKind::Call: {
            auto* c = static_cast<const CallExpr*>(e);
            expression(c->callee.get());
            for (const auto& a : c->args) expression(a.get());
            break;
        }
        case ExprKind::Member: expression(static_cast<const MemberExpr*>(e)->object.get()); break;
        case ExprKind::Index: {
            auto* ix = static_cast<const IndexExpr*>(e);
            expression(ix->object.get());
            expression(ix->index.get());
            break;
        }
        case ExprKind::Array:
            for (const auto& x : static_cast<const ArrayExpr*>(e)->elements) expression(x.get());
            break;
        case ExprKind::Object:
        case ExprKind::Struct: {
            auto* o = static_cast<const ObjectExpr*>(e);
            expression(o->type.get());
            for (const auto& entry : o->entries) expression(entry.value.get());
            break;
        }
        case ExprKind::Function: function(*static_cast<const FunctionExpr*>(e)->decl); break;
        default: break;
        }
    }

    void statement(const Stmt* s) {
        if (!s) return;
        switch (s->kind) {
        case StmtKind::Let: {
            auto* let = static_cast<const LetStmt*>(s);
            expression(let->init.get());
            useType(let->type);
            bind(let->name); // after its initializer, as the compiler declares it
            break;
        }
        case StmtKind::Assign: {
            auto* a = static_cast<const AssignStmt*>(s);
            expression(a->target.get());
            expression(a->value.get());
            break;
        }
        case StmtKind::Expression: expression(static_cast<const ExprStmt*>(s)->expr.get()); break;
        case StmtKind::If: {
            auto* i = static_cast<const IfStmt*>(s);
            expression(i->condition.get());
            block(i->thenBlock.get());
            block(i->elseBranch.get());
            break;
        }
        case StmtKind::While: {
            auto* w = static_cast<const WhileStmt*>(s);
            expression(w->condition.get());
            block(w->body.get());
            break;
        }
        case StmtKind::ForIn: {
            auto* f = static_cast<const ForInStmt*>(s);
            expression(f->iterable.get());
            block(f->body.get(), f->variable);
            break;
        }
        case StmtKind::Return:
            if (functionDepth_ == 0) sawTopLevelReturn = true;
            expression(static_cast<const ReturnStmt*>(s)->value.get());
            break;
        case StmtKind::Throw: expression(static_cast<const ThrowStmt*>(s)->value.get()); break;
        case StmtKind::Try: {
            auto* t = static_cast<const TryStmt*>(s);
            block(t->body.get());
            block(t->catchBody.get(), t->catchName);
            block(t->finallyBody.get());
            break;
        }
        case StmtKind::Block: block(s); break;
        case StmtKind::Function: {
            auto* f = static_cast<const FunctionStmt*>(s);
            function(*f->decl);
            bind(f->decl->name); // after its body: a recursive call counts as free (conservative)
            break;
        }
        case StmtKind::Class: {
            auto* c = static_cast<const ClassStmt*>(s);
            expression(c->superclass.get());
            for (const auto& m : c->methods) function(*m);
            bind(c->name);
            break;
        }
        default: break;
        }
    }
};

} // namespace

void CompilerImpl::findTopLevelLocals(const Program& program) {
    if (options_.replMode) return;
    std::unordered_set<std::string> usedByFunctions;
    FreeNamesInFunctions walker(usedByFunctions);
    walker.statements(program.body);
    if (walker.sawTopLevelReturn) return;
    for (const auto& s : program.body) {
        if (s->kind != StmtKind::Let) continue;
        const std::string& name = static_cast<const LetStmt&>(*s).name;
        if (usedByFunctions.count(name) || constantGlobals_.count(name)) continue;
        if (topLevelLocals_.size() >= kMaxTopLevelLocals) break;
        topLevelLocals_.insert(name);
    }
}

bool CompilerImpl::declareTopLevelLocal(const std::string& name, SourceLocation at) {
    if (!topLevelLocals_.count(name) || fs_->findLocalInScope(name)) return false;
    Local& local = fs_->declareLocal(name);
    local.location = at;
    topLevelLocalSlots_.emplace_back(local.slot, globals_.at(name));
    return true;
}

void CompilerImpl::writeBackTopLevelLocals() {
    for (const auto& [slot, global] : topLevelLocalSlots_) {
        fs_->emit(Opcode::LoadLocal, slot, {0, 0});
        fs_->emit(Opcode::StoreGlobal, global, {0, 0});
    }
}

} // namespace langoost
