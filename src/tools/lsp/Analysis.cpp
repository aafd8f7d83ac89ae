#include "tools/lsp/Analysis.h"

#include <algorithm>
#include <set>

namespace langoost::lsp {

namespace {

bool before(SourceLocation a, SourceLocation b) { return a.line < b.line || (a.line == b.line && a.column < b.column); }
bool notAfter(SourceLocation a, SourceLocation b) { return !before(b, a); }

bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string typeText(const TypeRef& t) { return t.present() ? ": " + t.text() : ""; }

std::string signature(const FunctionDecl& d) {
    std::string s = "fn " + (d.name.empty() ? std::string("fn") : d.name) + "(";
    for (size_t i = 0; i < d.params.size(); ++i) {
        if (i) s += ", ";
        if (d.variadic && i + 1 == d.params.size()) s += "...";
        s += d.params[i].name + typeText(d.params[i].type);
    }
    return s + ")" + typeText(d.returnType);
}

} // namespace

struct Analysis::Walker {
    Analysis& a;
    const SourceFile& file;
    int scope = 0;
    struct PendingMember {
        size_t reference;
        int classSymbol;
    };
    std::vector<PendingMember> pending;

    // Where `name` is written on or after `from` (the parser records some
    // declarations at their keyword); `from` itself when not found nearby.
    SourceLocation nameAt(SourceLocation from, const std::string& name) {
        for (uint32_t line = from.line; line > 0 && line < from.line + 3; ++line) {
            std::string_view text = file.lineText(line);
            size_t pos = line == from.line && from.column > 0 ? from.column - 1 : 0;
            while ((pos = text.find(name, pos)) != std::string_view::npos) {
                bool startOk = pos == 0 || !isNameChar(text[pos - 1]);
                bool endOk = pos + name.size() >= text.size() || !isNameChar(text[pos + name.size()]);
                if (startOk && endOk) return {line, uint32_t(pos + 1)};
                pos += name.size();
            }
        }
        return from;
    }

    std::string docAbove(uint32_t line) {
        std::vector<std::string> lines;
        for (uint32_t l = line; l > 1; --l) {
            std::string_view t = file.lineText(l - 1);
            size_t first = t.find_first_not_of(" \t");
            if (first == std::string_view::npos || t.substr(first, 2) != "//") break;
            std::string_view body = t.substr(first + 2);
            if (!body.empty() && body[0] == ' ') body.remove_prefix(1);
            lines.emplace_back(body);
        }
        std::string doc;
        for (auto it = lines.rbegin(); it != lines.rend(); ++it) doc += (doc.empty() ? "" : "\n") + *it;
        return doc;
    }

    int declare(const std::string& name, SymbolKind kind, SourceLocation at, std::string detail) {
        Symbol s;
        s.name = name;
        s.kind = kind;
        s.at = at;
        s.detail = std::move(detail);
        s.scope = scope;
        if (kind != SymbolKind::Parameter) s.doc = docAbove(at.line);
        a.symbols_.push_back(std::move(s));
        int index = int(a.symbols_.size() - 1);
        a.scopes_[size_t(scope)].symbols.push_back(index);
        return index;
    }

    int resolve(const std::string& name) const {
        for (int s = scope; s >= 0; s = a.scopes_[size_t(s)].parent) {
            const auto& syms = a.scopes_[size_t(s)].symbols;
            for (auto it = syms.rbegin(); it != syms.rend(); ++it)
                if (a.symbols_[size_t(*it)].name == name) return *it;
        }
        return -1;
    }

    void pushScope(SourceLocation begin, SourceLocation end, int classSymbol = -1) {
        Scope s;
        s.parent = scope;
        s.begin = begin;
        s.end = end.line ? end : SourceLocation{UINT32_MAX, 0};
        s.classSymbol = classSymbol >= 0 ? classSymbol : a.scopes_[size_t(scope)].classSymbol;
        a.scopes_.push_back(s);
        scope = int(a.scopes_.size() - 1);
    }
    void popScope() { scope = a.scopes_[size_t(scope)].parent; }

    void reference(SourceLocation at, const std::string& name, int symbol) {
        if (symbol >= 0) a.references_.push_back(Reference{at, uint32_t(name.size()), symbol, -1, {}});
    }

    // ---- declarations of the top level, visible from everywhere in the file ----
    void predeclare(const StmtList& body) {
        for (const auto& st : body) {
            switch (st->kind) {
            case StmtKind::Let: {
                auto& s = static_cast<const LetStmt&>(*st);
                declare(s.name, SymbolKind::Global, s.location, "let " + s.name + typeText(s.type));
                break;
            }
            case StmtKind::Function: {
                auto& d = *static_cast<const FunctionStmt&>(*st).decl;
                int i = declare(d.name, SymbolKind::Function, d.location, signature(d));
                a.symbols_[size_t(i)].end = d.endLocation;
                break;
            }
            case StmtKind::Class: {
                auto& c = static_cast<const ClassStmt&>(*st);
                int i = declare(c.name, SymbolKind::Class, c.location, "class " + c.name);
                if (c.superclass && c.superclass->kind == ExprKind::Identifier) {
                    a.symbols_[size_t(i)].superName = static_cast<const IdentifierExpr&>(*c.superclass).name;
                    a.symbols_[size_t(i)].detail += " extends " + a.symbols_[size_t(i)].superName;
                }
                break;
            }
            case StmtKind::Interface: {
                auto& s = static_cast<const InterfaceStmt&>(*st);
                declare(s.name, SymbolKind::Interface, s.location, "interface " + s.name);
                break;
            }
            case StmtKind::Import: {
                auto& s = static_cast<const ImportStmt&>(*st);
                if (s.names.empty()) {
                    int i = declare(s.binding, SymbolKind::Import, nameAt({s.location.line, s.location.column + 6}, s.binding),
                                    "import " + s.binding);
                    a.symbols_[size_t(i)].importSpec = s.spec;
                } else {
                    for (const auto& [name, at] : s.names) {
                        int i = declare(name, SymbolKind::Import, at, "import { " + name + " } from \"" + s.spec + "\"");
                        a.symbols_[size_t(i)].importSpec = s.spec;
                        a.symbols_[size_t(i)].importName = name;
                    }
                }
                break;
            }
            default: break;
            }
        }
    }

    int topLevelSymbol(const std::string& name, SourceLocation at) {
        for (int i : a.scopes_[0].symbols)
            if (a.symbols_[size_t(i)].name == name && a.symbols_[size_t(i)].at.line == at.line) return i;
        return -1;
    }

    // ---- statements ----
    void block(const StmtList& body, SourceLocation begin, SourceLocation end) {
        pushScope(begin, end);
        statements(body);
        popScope();
    }
    void statements(const StmtList& body) {
        for (const auto& st : body) statement(*st);
    }

    void statement(const Stmt& st) {
        switch (st.kind) {
        case StmtKind::Let: {
            auto& s = static_cast<const LetStmt&>(st);
            if (s.init) expression(*s.init);
            int i = scope == 0 ? topLevelSymbol(s.name, s.location) : -1;
            if (i < 0) i = declare(s.name, SymbolKind::Local, s.location, "let " + s.name + typeText(s.type));
            // The class is known for `Name{...}` (and `Name(...)`: a function named like a class is rare).
            const Expr* type = !s.init                             ? nullptr
                               : s.init->kind == ExprKind::Struct ? static_cast<const ObjectExpr&>(*s.init).type.get()
                               : s.init->kind == ExprKind::Call   ? static_cast<const CallExpr&>(*s.init).callee.get()
                                                                  : nullptr;
            if (type) {
                if (type->kind == ExprKind::Identifier) {
                    int c = resolve(static_cast<const IdentifierExpr&>(*type).name);
                    if (c >= 0 && a.symbols_[size_t(c)].kind == SymbolKind::Class)
                        a.symbols_[size_t(i)].knownClass = a.symbols_[size_t(c)].name;
                    if (c >= 0 && a.symbols_[size_t(c)].kind == SymbolKind::Import && !a.symbols_[size_t(c)].importName.empty()) {
                        a.symbols_[size_t(i)].knownClass = a.symbols_[size_t(c)].importName;
                        a.symbols_[size_t(i)].classImport = c;
                    }
                }
            }
            break;
        }
        case StmtKind::Assign: {
            auto& s = static_cast<const AssignStmt&>(st);
            expression(*s.value);
            if (s.target->kind == ExprKind::Member) {
                auto& m = static_cast<const MemberExpr&>(*s.target);
                int klass = a.scopes_[size_t(scope)].classSymbol;
                if (m.object->kind == ExprKind::Self && klass >= 0 && !hasMember(klass, m.name)) {
                    declareField(klass, m.name, nameAt(m.location, m.name));
                    break;
                }
            }
            expression(*s.target);
            break;
        }
        case StmtKind::Expression: expression(*static_cast<const ExprStmt&>(st).expr); break;
        case StmtKind::If: {
            auto& s = static_cast<const IfStmt&>(st);
            expression(*s.condition);
            if (s.thenBlock) block(s.thenBlock->body, s.thenBlock->location, s.thenBlock->endLocation);
            if (s.elseBranch) statement(*s.elseBranch);
            break;
        }
        case StmtKind::While: {
            auto& s = static_cast<const WhileStmt&>(st);
            expression(*s.condition);
            if (s.body) block(s.body->body, s.body->location, s.body->endLocation);
            break;
        }
        case StmtKind::ForIn: {
            auto& s = static_cast<const ForInStmt&>(st);
            expression(*s.iterable);
            if (!s.body) break;
            pushScope(s.location, s.body->endLocation);
            declare(s.variable, SymbolKind::Local, s.variableLocation, "let " + s.variable);
            statements(s.body->body);
            popScope();
            break;
        }
        case StmtKind::Return: {
            auto& s = static_cast<const ReturnStmt&>(st);
            if (s.value) expression(*s.value);
            break;
        }
        case StmtKind::Throw: expression(*static_cast<const ThrowStmt&>(st).value); break;
        case StmtKind::Try: {
            auto& s = static_cast<const TryStmt&>(st);
            if (s.body) block(s.body->body, s.body->location, s.body->endLocation);
            if (s.catchBody) {
                pushScope(s.catchLocation, s.catchBody->endLocation);
                if (!s.catchName.empty()) declare(s.catchName, SymbolKind::Local, s.catchLocation, "let " + s.catchName);
                statements(s.catchBody->body);
                popScope();
            }
            if (s.finallyBody) block(s.finallyBody->body, s.finallyBody->location, s.finallyBody->endLocation);
            break;
        }
        case StmtKind::Block: {
            auto& s = static_cast<const BlockStmt&>(st);
            block(s.body, s.location, s.endLocation);
            break;
        }
        case StmtKind::Function: {
            auto& d = *static_cast<const FunctionStmt&>(st).decl;
            int i = scope == 0 ? topLevelSymbol(d.name, d.location) : -1;
            if (i < 0) {
                i = declare(d.name, SymbolKind::Function, d.location, signature(d));
                a.symbols_[size_t(i)].end = d.endLocation;
            }
            function(d, -1);
            break;
        }
        case StmtKind::Class: {
            auto& c = static_cast<const ClassStmt&>(st);
            int klass = scope == 0 ? topLevelSymbol(c.name, c.location) : -1;
            if (klass < 0) klass = declare(c.name, SymbolKind::Class, c.location, "class " + c.name);
            if (c.superclass) expression(*c.superclass);
            SourceLocation end{};
            for (const auto& m : c.methods) {
                int saved = scope;
                scope = a.symbols_[size_t(klass)].scope;
                int i = declare(m->name, SymbolKind::Method, m->location, signature(*m));
                a.scopes_[size_t(scope)].symbols.pop_back();
                scope = saved;
                a.symbols_[size_t(i)].owner = klass;
                a.symbols_[size_t(i)].detail = "(method of " + c.name + ") " + a.symbols_[size_t(i)].detail;
                a.symbols_[size_t(i)].end = m->endLocation;
                end = m->endLocation;
            }
            a.symbols_[size_t(klass)].end = end;
            for (const auto& m : c.methods) function(*m, klass);
            break;
        }
        case StmtKind::Interface:
        case StmtKind::Import:
        case StmtKind::Break:
        case StmtKind::Continue: break;
        }
    }

    void function(const FunctionDecl& d, int classSymbol) {
        pushScope(d.location, d.endLocation, classSymbol);
        for (const auto& p : d.params) {
            std::string prefix = d.variadic && &p == &d.params.back() ? "..." : "";
            declare(p.name, SymbolKind::Parameter, p.location, "(parameter) " + prefix + p.name + typeText(p.type));
        }
        statements(d.body);
        popScope();
    }

    // A field's first assignment (`self.x = …`) or struct-literal key declares it.
    void declareField(int klass, const std::string& name, SourceLocation at) {
        int saved = scope;
        scope = a.symbols_[size_t(klass)].scope;
        int f = declare(name, SymbolKind::Field, at, "(field) " + a.symbols_[size_t(klass)].name + "." + name);
        a.scopes_[size_t(scope)].symbols.pop_back(); // members are not names of the scope
        scope = saved;
        a.symbols_[size_t(f)].owner = klass;
    }

    bool hasMember(int klass, const std::string& name) const {
        for (size_t i = 0; i < a.symbols_.size(); ++i)
            if (a.symbols_[i].owner == klass && a.symbols_[i].name == name) return true;
        return false;
    }

    // ---- expressions ----
    void expression(const Expr& e) {
        switch (e.kind) {
        case ExprKind::Identifier: {
            auto& id = static_cast<const IdentifierExpr&>(e);
            reference(id.location, id.name, resolve(id.name));
            break;
        }
        case ExprKind::Unary: expression(*static_cast<const UnaryExpr&>(e).operand); break;
        case ExprKind::Binary:
        case ExprKind::Logical: {
            auto& b = static_cast<const BinaryExpr&>(e);
            expression(*b.left);
            expression(*b.right);
            break;
        }
        case ExprKind::Is: {
            auto& s = static_cast<const IsExpr&>(e);
            expression(*s.value);
            expression(*s.type);
            break;
        }
        case ExprKind::Call: {
            auto& c = static_cast<const CallExpr&>(e);
            expression(*c.callee);
            for (const auto& arg : c.args) expression(*arg);
            break;
        }
        case ExprKind::Member: member(static_cast<const MemberExpr&>(e)); break;
        case ExprKind::SuperMember: {
            auto& s = static_cast<const SuperMemberExpr&>(e);
            int klass = a.scopes_[size_t(scope)].classSymbol;
            int super = klass >= 0 ? a.topLevel(a.symbols_[size_t(klass)].superName) : -1;
            if (super >= 0) addPending(nameAt(s.location, s.name), s.name, super);
            break;
        }
        case ExprKind::Index: {
            auto& s = static_cast<const IndexExpr&>(e);
            expression(*s.object);
            expression(*s.index);
            break;
        }
        case ExprKind::Array:
            for (const auto& el : static_cast<const ArrayExpr&>(e).elements) expression(*el);
            break;
        case ExprKind::Object:
        case ExprKind::Struct: {
            auto& o = static_cast<const ObjectExpr&>(e);
            if (o.type) expression(*o.type);
            for (const auto& entry : o.entries)
                if (entry.value) expression(*entry.value);
            // `Point{x: 1}` of a class of this file: its keys are fields.
            int klass = o.type && o.type->kind == ExprKind::Identifier
                            ? resolve(static_cast<const IdentifierExpr&>(*o.type).name) : -1;
            if (klass >= 0 && a.symbols_[size_t(klass)].kind == SymbolKind::Class)
                for (const auto& entry : o.entries) {
                    SourceLocation at = nameAt(entry.location, entry.key);
                    if (hasMember(klass, entry.key)) addPending(at, entry.key, klass);
                    else declareField(klass, entry.key, at);
                }
            break;
        }
        case ExprKind::Function: function(*static_cast<const FunctionExpr&>(e).decl, -1); break;
        default: break;
        }
    }

    void addPending(SourceLocation at, const std::string& name, int klass) {
        a.references_.push_back(Reference{at, uint32_t(name.size()), -1, -1, name});
        pending.push_back({a.references_.size() - 1, klass});
    }

    void member(const MemberExpr& m) {
        expression(*m.object);
        SourceLocation at = nameAt(m.location, m.name);
        if (m.object->kind == ExprKind::Self) {
            int klass = a.scopes_[size_t(scope)].classSymbol;
            if (klass >= 0) addPending(at, m.name, klass);
            return;
        }
        if (m.object->kind != ExprKind::Identifier) return;
        int target = resolve(static_cast<const IdentifierExpr&>(*m.object).name);
        if (target < 0) return;
        const Symbol& s = a.symbols_[size_t(target)];
        if (s.kind == SymbolKind::Import && s.importName.empty()) {
            a.references_.push_back(Reference{at, uint32_t(m.name.size()), -1, target, m.name});
        } else if (s.kind == SymbolKind::Class) {
            addPending(at, m.name, target);
        } else if (s.classImport >= 0) {
            a.references_.push_back(Reference{at, uint32_t(m.name.size()), -1, s.classImport, m.name, true});
        } else if (!s.knownClass.empty()) {
            int klass = a.topLevel(s.knownClass);
            if (klass >= 0) addPending(at, m.name, klass);
        }
    }

    void resolvePending() {
        for (const auto& p : pending) {
            Reference& r = a.references_[p.reference];
            for (int m : a.membersOf(p.classSymbol))
                if (a.symbols_[size_t(m)].name == r.member) {
                    r.symbol = m;
                    break;
                }
            if (r.symbol >= 0) r.member.clear();
        }
        std::erase_if(a.references_, [](const Reference& r) { return r.symbol < 0 && r.viaImport < 0; });
    }
};

Analysis::Analysis(const SourceFile& file, const Program& program) {
    scopes_.push_back(Scope{-1, {1, 1}, {UINT32_MAX, 0}, {}, -1});
    Walker w{*this, file};
    w.predeclare(program.body);
    w.statements(program.body);
    w.resolvePending();
}

int Analysis::topLevel(const std::string& name) const {
    for (int i : scopes_[0].symbols)
        if (symbols_[size_t(i)].name == name) return i;
    return -1;
}

int Analysis::symbolAt(SourceLocation at, const Reference** ref) const {
    auto covers = [&](SourceLocation start, size_t length) {
        return start.line == at.line && at.column >= start.column && at.column <= start.column + length;
    };
    for (const Reference& r : references_)
        if (covers(r.at, r.length)) {
            if (ref) *ref = &r;
            return r.symbol;
        }
    for (size_t i = 0; i < symbols_.size(); ++i)
        if (covers(symbols_[i].at, symbols_[i].name.size())) return int(i);
    return -1;
}

int Analysis::scopeAt(SourceLocation at) const {
    int best = 0;
    for (size_t i = 1; i < scopes_.size(); ++i)
        if (notAfter(scopes_[i].begin, at) && notAfter(at, scopes_[i].end)) best = int(i);
    return best;
}

std::vector<int> Analysis::visibleAt(SourceLocation at) const {
    std::vector<int> out;
    std::set<std::string> seen;
    for (int s = scopeAt(at); s >= 0; s = scopes_[size_t(s)].parent)
        for (auto it = scopes_[size_t(s)].symbols.rbegin(); it != scopes_[size_t(s)].symbols.rend(); ++it) {
            const Symbol& sym = symbols_[size_t(*it)];
            if (s != 0 && !before(sym.at, at)) continue; // a local is visible after its declaration
            if (seen.insert(sym.name).second) out.push_back(*it);
        }
    return out;
}

std::vector<int> Analysis::membersOf(int classSymbol) const {
    std::vector<int> out;
    std::set<std::string> names;
    std::set<int> visited;
    for (int c = classSymbol; c >= 0 && visited.insert(c).second;) {
        for (size_t i = 0; i < symbols_.size(); ++i)
            if (symbols_[i].owner == c && names.insert(symbols_[i].name).second) out.push_back(int(i));
        c = symbols_[size_t(c)].superName.empty() ? -1 : topLevel(symbols_[size_t(c)].superName);
    }
    return out;
}

int Analysis::classOfName(const std::string& name, SourceLocation at) const {
    if (name == "self") return scopes_[size_t(scopeAt(at))].classSymbol;
    for (int i : visibleAt(at)) {
        const Symbol& s = symbols_[size_t(i)];
        if (s.name != name) continue;
        if (s.kind == SymbolKind::Class) return i;
        if (!s.knownClass.empty() && s.classImport < 0) return topLevel(s.knownClass);
        return -1;
    }
    return -1;
}

} // namespace langoost::lsp
