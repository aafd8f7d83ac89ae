// Analysis: what the language server knows about one file — every
// declaration (with its kind, signature and doc comment), every use of a
// name resolved to its declaration, the scopes (for completion) and the
// members of each class. Built from the parser's tree, also from a tree
// with syntax errors (the statements that parsed). Names are resolved as
// the compiler does: innermost scope outwards, locals only after their
// `let`, top-level names from anywhere in the file.
//
// Members (`self.x`, `p.move()`, `lib.fn`) are resolved where the receiver
// is known: `self` in a method, a variable initialised with `Class(...)`,
// a class's own name, an imported module (resolved later by the Workspace).
// Positions are the parser's: 1-based lines and byte columns.
#pragma once
#include <string>
#include <vector>

#include "common/SourceFile.h"
#include "syntax/Ast.h"

namespace langoost::lsp {

enum class SymbolKind { Local, Parameter, Global, Function, Class, Interface, Method, Field, Import };

struct Symbol {
    std::string name;
    SymbolKind kind;
    SourceLocation at;  // the name where it is declared
    std::string detail; // a one-line signature: "fn area(w: int, h): int", "let x: int"
    std::string doc;    // the // comment lines right above the declaration
    int owner = -1;     // Method/Field: the Class symbol
    int scope = 0;
    // Import: the specifier, and the imported name (empty when the module itself is bound).
    std::string importSpec, importName;
    std::string knownClass; // a variable initialised with `Name(...)`: Name
    int classImport = -1;   // ... where Name is an imported class: its Import symbol
    std::string superName;  // Class: the superclass name as written
    SourceLocation end;     // Function/Method/Class: where its body ends
    bool topLevel() const { return scope == 0; }
};

// A use of a name. `symbol` is the declaration in this file, or -1 with
// `viaImport` set when it is `module.member` of an imported module.
struct Reference {
    SourceLocation at;
    uint32_t length;
    int symbol = -1;
    int viaImport = -1; // the Import symbol binding the module (or, with ofClass, the imported class)
    std::string member; // with viaImport: the member's name
    bool ofClass = false;
};

struct Scope {
    int parent = -1;
    SourceLocation begin, end;
    std::vector<int> symbols; // in declaration order
    int classSymbol = -1;     // a method's scope: its class (for `self.`)
};

class Analysis {
  public:
    Analysis(const SourceFile& file, const Program& program);

    const std::vector<Symbol>& symbols() const { return symbols_; }
    const std::vector<Reference>& references() const { return references_; }
    const std::vector<Scope>& scopes() const { return scopes_; }

    // The symbol declared or used at `at` (-1: none); for a member of an
    // imported module, *ref is set to that reference.
    int symbolAt(SourceLocation at, const Reference** ref = nullptr) const;
    // The innermost scope containing `at`.
    int scopeAt(SourceLocation at) const;
    // Every name visible at `at`, innermost first (shadowed names once).
    std::vector<int> visibleAt(SourceLocation at) const;
    // Members (methods and fields, inherited ones included) of a class symbol.
    std::vector<int> membersOf(int classSymbol) const;
    // The class of `name` resolved at `at` (a Class symbol, or a variable
    // with a known class of this file, or `self`): -1 when unknown.
    int classOfName(const std::string& name, SourceLocation at) const;
    // A top-level symbol by name (-1: none).
    int topLevel(const std::string& name) const;

  private:
    struct Walker;
    std::vector<Symbol> symbols_;
    std::vector<Reference> references_;
    std::vector<Scope> scopes_;
};

} // namespace langoost::lsp
