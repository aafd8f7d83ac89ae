// Ast: the tree the parser builds and the compiler walks. Nodes are plain
// structs owned through unique_ptr; each carries the source location of the
// token that best names it (the operator, the call's '(' …) so runtime errors
// can point at the right column. Classes, interfaces and imports are part of
// the tree from the start even where later stages do not handle them yet.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/SourceFile.h"
#include "syntax/Token.h"

namespace langoost {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

// A type annotation: a base name ("int", "any", "Point", "mod.Shape") and
// whether it is an array type ("T[]").
struct TypeRef {
    std::string name;
    bool isArray = false;
    SourceLocation location;
    bool present() const { return !name.empty(); }
    std::string text() const { return isArray ? name + "[]" : name; }
};

struct Param {
    std::string name;
    TypeRef type;
    SourceLocation location;
};

struct FunctionDecl {
    std::string name; // empty for an anonymous fn literal
    std::vector<Param> params;
    bool variadic = false; // the last param collects the rest
    TypeRef returnType;
    StmtList body;
    SourceLocation location;
    SourceLocation endLocation;
    bool isMethod = false;
    // Its body defines a function, a method or a class (at any depth): only
    // then can a call made in it change one of its locals.
    bool hasNestedFunctions = false;
};

enum class ExprKind {
    Nil, True, False, Int, Float, String, Identifier, Self, Unary, Binary, Logical, Is, Call,
    Member, Index, Array, Object, Struct, Function, SuperMember
};

struct ObjectEntry {
    std::string key;
    ExprPtr value;
    SourceLocation location;
};

struct Expr {
    ExprKind kind;
    SourceLocation location;
    explicit Expr(ExprKind k, SourceLocation at) : kind(k), location(at) {}
    virtual ~Expr() = default;
};

struct LiteralExpr : Expr {
    int64_t intValue = 0;
    double floatValue = 0;
    std::string stringValue;
    using Expr::Expr;
};

struct IdentifierExpr : Expr {
    std::string name;
    IdentifierExpr(std::string n, SourceLocation at) : Expr(ExprKind::Identifier, at), name(std::move(n)) {}
};

struct UnaryExpr : Expr {
    TokenKind op;
    ExprPtr operand;
    UnaryExpr(TokenKind o, ExprPtr e, SourceLocation at)
        : Expr(ExprKind::Unary, at), op(o), operand(std::move(e)) {}
};

// Binary covers arithmetic, bitwise and comparison; Logical covers && and ||.
struct BinaryExpr : Expr {
    TokenKind op;
    ExprPtr left, right;
    BinaryExpr(ExprKind k, TokenKind o, ExprPtr l, ExprPtr r, SourceLocation at)
        : Expr(k, at), op(o), left(std::move(l)), right(std::move(r)) {}
};

// `value is Type`: Type is an identifier or a dotted path.
struct IsExpr : Expr {
    ExprPtr value;
    ExprPtr type;
    IsExpr(ExprPtr v, ExprPtr t, SourceLocation at)
        : Expr(ExprKind::Is, at), value(std::move(v)), type(std::move(t)) {}
};

struct CallExpr : Expr {
    ExprPtr callee;
    std::vector<ExprPtr> args;
    CallExpr(ExprPtr c, SourceLocation at) : Expr(ExprKind::Call, at), callee(std::move(c)) {}
};

struct MemberExpr : Expr {
    ExprPtr object;
    std::string name;
    MemberExpr(ExprPtr o, std::string n, SourceLocation at)
        : Expr(ExprKind::Member, at), object(std::move(o)), name(std::move(n)) {}
};

struct SuperMemberExpr : Expr {
    std::string name;
    SuperMemberExpr(std::string n, SourceLocation at) : Expr(ExprKind::SuperMember, at), name(std::move(n)) {}
};

struct IndexExpr : Expr {
    ExprPtr object, index;
    IndexExpr(ExprPtr o, ExprPtr i, SourceLocation at)
        : Expr(ExprKind::Index, at), object(std::move(o)), index(std::move(i)) {}
};

struct ArrayExpr : Expr {
    std::vector<ExprPtr> elements;
    explicit ArrayExpr(SourceLocation at) : Expr(ExprKind::Array, at) {}
};

// Object literal `{k: v}` or struct literal `Name{k: v}` (then type is set).
struct ObjectExpr : Expr {
    ExprPtr type;
    std::vector<ObjectEntry> entries;
    ObjectExpr(ExprKind k, SourceLocation at) : Expr(k, at) {}
};

struct FunctionExpr : Expr {
    std::shared_ptr<FunctionDecl> decl;
    FunctionExpr(std::shared_ptr<FunctionDecl> d, SourceLocation at)
        : Expr(ExprKind::Function, at), decl(std::move(d)) {}
};

enum class StmtKind {
    Let, Assign, Expression, If, While, ForIn, Break, Continue, Return, Throw, Try, Block,
    Function, Class, Interface, Import
};

struct Stmt {
    StmtKind kind;
    SourceLocation location;
    explicit Stmt(StmtKind k, SourceLocation at) : kind(k), location(at) {}
    virtual ~Stmt() = default;
};

struct LetStmt : Stmt {
    std::string name;
    TypeRef type;
    ExprPtr init; // may be null: `let x` starts as nil
    LetStmt(SourceLocation at) : Stmt(StmtKind::Let, at) {}
};

// target op= value; op is Assign or one of the compound assignment tokens.
struct AssignStmt : Stmt {
    ExprPtr target;
    TokenKind op;
    ExprPtr value;
    AssignStmt(ExprPtr t, TokenKind o, ExprPtr v, SourceLocation at)
        : Stmt(StmtKind::Assign, at), target(std::move(t)), op(o), value(std::move(v)) {}
};

struct ExprStmt : Stmt {
    ExprPtr expr;
    ExprStmt(ExprPtr e, SourceLocation at) : Stmt(StmtKind::Expression, at), expr(std::move(e)) {}
};

struct BlockStmt : Stmt {
    StmtList body;
    SourceLocation endLocation;
    explicit BlockStmt(SourceLocation at) : Stmt(StmtKind::Block, at) {}
};

struct IfStmt : Stmt {
    ExprPtr condition;
    std::unique_ptr<BlockStmt> thenBlock;
    StmtPtr elseBranch; // BlockStmt or IfStmt, or null
    explicit IfStmt(SourceLocation at) : Stmt(StmtKind::If, at) {}
};

struct WhileStmt : Stmt {
    ExprPtr condition;
    std::unique_ptr<BlockStmt> body;
    explicit WhileStmt(SourceLocation at) : Stmt(StmtKind::While, at) {}
};

struct ForInStmt : Stmt {
    std::string variable;
    SourceLocation variableLocation;
    ExprPtr iterable;
    std::unique_ptr<BlockStmt> body;
    explicit ForInStmt(SourceLocation at) : Stmt(StmtKind::ForIn, at) {}
};

struct ReturnStmt : Stmt {
    ExprPtr value; // null for a bare return
    explicit ReturnStmt(SourceLocation at) : Stmt(StmtKind::Return, at) {}
};

struct ThrowStmt : Stmt {
    ExprPtr value;
    explicit ThrowStmt(SourceLocation at) : Stmt(StmtKind::Throw, at) {}
};

struct TryStmt : Stmt {
    std::unique_ptr<BlockStmt> body;
    std::string catchName; // empty: no catch clause
    SourceLocation catchLocation;
    std::unique_ptr<BlockStmt> catchBody;
    std::unique_ptr<BlockStmt> finallyBody;
    explicit TryStmt(SourceLocation at) : Stmt(StmtKind::Try, at) {}
};

struct FunctionStmt : Stmt {
    std::shared_ptr<FunctionDecl> decl;
    FunctionStmt(std::shared_ptr<FunctionDecl> d, SourceLocation at)
        : Stmt(StmtKind::Function, at), decl(std::move(d)) {}
};

struct ClassStmt : Stmt {
    std::string name;
    ExprPtr superclass; // identifier or dotted path, or null
    std::vector<std::shared_ptr<FunctionDecl>> methods;
    explicit ClassStmt(SourceLocation at) : Stmt(StmtKind::Class, at) {}
};

struct InterfaceMethod {
    std::string name;
    size_t arity = 0;
    SourceLocation location;
};

struct InterfaceStmt : Stmt {
    std::string name;
    std::vector<InterfaceMethod> methods;
    explicit InterfaceStmt(SourceLocation at) : Stmt(StmtKind::Interface, at) {}
};

// `import name` (names empty, binding = name) or `import { a, b } from "spec"`.
struct ImportStmt : Stmt {
    std::string spec;
    std::string binding;
    std::vector<std::pair<std::string, SourceLocation>> names;
    explicit ImportStmt(SourceLocation at) : Stmt(StmtKind::Import, at) {}
};

struct Program {
    StmtList body;
};

} // namespace langoost
