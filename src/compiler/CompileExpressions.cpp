// Expression compilation: every expression leaves exactly one value on the
// stack. Literal arithmetic is folded; `x + k` with a small int literal uses
// the AddInt fast path; `a < b` in a condition fuses into LtJump.
#include <algorithm>
#include <limits>

#include "bytecode/StringObject.h"
#include "compiler/CompilerImpl.h"
#include "common/Suggest.h"

namespace langoost {
namespace {

bool fitsImmediate(int64_t v) { return v >= kMinSignedOperand && v <= kMaxSignedOperand; }

Opcode binaryOpcode(TokenKind k) {
    switch (k) {
    case TokenKind::Plus: return Opcode::Add;
    case TokenKind::Minus: return Opcode::Sub;
    case TokenKind::Star: return Opcode::Mul;
    case TokenKind::Slash: return Opcode::Div;
    case TokenKind::Percent: return Opcode::Mod;
    case TokenKind::Amp: return Opcode::BitAnd;
    case TokenKind::Pipe: return Opcode::BitOr;
    case TokenKind::Caret: return Opcode::BitXor;
    case TokenKind::Shl: return Opcode::Shl;
    case TokenKind::Shr: return Opcode::Shr;
    case TokenKind::Eq: return Opcode::Eq;
    case TokenKind::NotEq: return Opcode::Ne;
    case TokenKind::Less: return Opcode::Lt;
    case TokenKind::LessEq: return Opcode::Le;
    case TokenKind::Greater: return Opcode::Gt;
    case TokenKind::GreaterEq: return Opcode::Ge;
    default: return Opcode::Nop;
    }
}

// The compare-with-a-small-int-constant form of a comparison operator, or Nop.
Opcode comparisonWithConstant(TokenKind op) {
    switch (op) {
    case TokenKind::Less: return Opcode::LtK;
    case TokenKind::LessEq: return Opcode::LeK;
    case TokenKind::Greater: return Opcode::GtK;
    case TokenKind::GreaterEq: return Opcode::GeK;
    case TokenKind::Eq: return Opcode::EqK;
    case TokenKind::NotEq: return Opcode::NeK;
    default: return Opcode::Nop;
    }
}

int64_t wrapAdd(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }
int64_t wrapSub(int64_t a, int64_t b) { return int64_t(uint64_t(a) - uint64_t(b)); }
int64_t wrapMul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }

} // namespace

void CompilerImpl::emitInt(int64_t value, SourceLocation at) {
    if (fitsImmediate(value)) fs_->emitSigned(Opcode::Int, int32_t(value), at);
    else fs_->emit(Opcode::Const, fs_->addConstant(Value::integer(value)), at);
}

// Folds literal numbers (and string + string) so `-1`, `60 * 60` and the
// like cost nothing at run time. Anything that could raise is left alone.
bool CompilerImpl::foldConstant(const Expr& e, Value& out) {
    switch (e.kind) {
    case ExprKind::Int: out = Value::integer(static_cast<const LiteralExpr&>(e).intValue); return true;
    case ExprKind::Float: out = Value::number(static_cast<const LiteralExpr&>(e).floatValue); return true;
    case ExprKind::Identifier: return constantGlobal(static_cast<const IdentifierExpr&>(e).name, out);
    case ExprKind::Unary: {
        auto& u = static_cast<const UnaryExpr&>(e);
        Value v;
        if (!foldConstant(*u.operand, v)) return false;
        if (u.op == TokenKind::Minus && v.isInt()) out = Value::integer(wrapSub(0, v.asInt()));
        else if (u.op == TokenKind::Minus && v.isFloat()) out = Value::number(-v.asFloat());
        else if (u.op == TokenKind::Tilde && v.isInt()) out = Value::integer(~v.asInt());
        else return false;
        return true;
    }
    case ExprKind::Binary: {
        auto& b = static_cast<const BinaryExpr&>(e);
        Value l, r;
        if (!foldConstant(*b.left, l) || !foldConstant(*b.right, r)) return false;
        if (l.isInt() && r.isInt()) {
            int64_t x = l.asInt(), y = r.asInt();
            switch (b.op) {
            case TokenKind::Plus: out = Value::integer(wrapAdd(x, y)); return true;
            case TokenKind::Minus: out = Value::integer(wrapSub(x, y)); return true;
            case TokenKind::Star: out = Value::integer(wrapMul(x, y)); return true;
            case TokenKind::Slash:
            case TokenKind::Percent:
                if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1)) return false;
                out = Value::integer(b.op == TokenKind::Slash ? x / y : x % y);
                return true;
            case TokenKind::Amp: out = Value::integer(x & y); return true;
            case TokenKind::Pipe: out = Value::integer(x | y); return true;
            case TokenKind::Caret: out = Value::integer(x ^ y); return true;
            default: return false;
            }
        }
        if (l.isNumber() && r.isNumber()) {
            double x = l.asNumber(), y = r.asNumber();
            switch (b.op) {
            case TokenKind::Plus: out = Value::number(x + y); return true;
            case TokenKind::Minus: out = Value::number(x - y); return true;
            case TokenKind::Star: out = Value::number(x * y); return true;
            case TokenKind::Slash: out = Value::number(x / y); return true;
            default: return false;
            }
        }
        return false;
    }
    default: return false;
    }
}

void CompilerImpl::loadName(const std::string& name, SourceLocation at) {
    int rev = fs_->resolveLocal(name);
    if (rev >= 0) {
        fs_->emit(Opcode::LoadLocal, fs_->locals()[fs_->locals().size() - 1 - size_t(rev)].slot, at);
        return;
    }
    int up = fs_->resolveUpvalue(name);
    if (up >= 0) {
        fs_->emit(Opcode::LoadUpval, uint32_t(up), at);
        return;
    }
    if (auto g = globals_.find(name); g != globals_.end()) {
        fs_->emit(Opcode::LoadGlobal, g->second, at);
        return;
    }
    if (auto b = builtins_.find(name); b != builtins_.end()) {
        fs_->emit(Opcode::LoadBuiltin, b->second, at);
        return;
    }
    error(at, "undefined name '" + name + "'", nameHint(name));
    fs_->emit(Opcode::Nil, 0, at);
}

namespace {

// `x`, `self`, `a.b.c`, `a.b[...]`, `f()` as written, or "" for anything
// else (a literal needs no name: its type says what it is).
std::string operandName(const Expr& e) {
    constexpr size_t kMaxLength = 40;
    std::string name;
    switch (e.kind) {
    case ExprKind::Identifier: name = static_cast<const IdentifierExpr&>(e).name; break;
    case ExprKind::Self: name = "self"; break;
    case ExprKind::Member: {
        auto& m = static_cast<const MemberExpr&>(e);
        std::string object = operandName(*m.object);
        if (!object.empty()) name = object + "." + m.name;
        break;
    }
    case ExprKind::Index: {
        std::string object = operandName(*static_cast<const IndexExpr&>(e).object);
        if (!object.empty()) name = object + "[...]";
        break;
    }
    case ExprKind::Call: {
        std::string callee = operandName(*static_cast<const CallExpr&>(e).callee);
        if (!callee.empty()) name = callee + "()";
        break;
    }
    default: break;
    }
    return name.size() <= kMaxLength ? name : std::string();
}

} // namespace

void CompilerImpl::noteOperands(SourceLocation at, const Expr* first, const Expr* second, OperandNames::Kind kind) {
    std::string a = first ? operandName(*first) : std::string();
    std::string b = second ? operandName(*second) : std::string();
    if (a.empty() && b.empty()) return;
    auto& names = fs_->proto()->operandNames;
    if (!names.empty() && names.back().at.line == at.line && names.back().at.column == at.column &&
        names.back().kind == kind)
        return;
    names.push_back({at, kind, std::move(a), std::move(b)});
}

void CompilerImpl::checkModuleMember(const MemberExpr& m) {
    if (m.object->kind != ExprKind::Identifier) return;
    const std::string& name = static_cast<const IdentifierExpr&>(*m.object).name;
    auto module = moduleExports_.find(name);
    if (module == moduleExports_.end() || fs_->resolveLocal(name) >= 0 || fs_->resolveUpvalue(name) >= 0) return;
    const auto& exports = module->second.exports;
    if (std::find(exports.begin(), exports.end(), m.name) != exports.end()) return;
    std::string match = closestName(m.name, exports);
    SourceLocation at{m.location.line, m.location.column + 1}; // the name after the '.'
    error(at, "module \"" + module->second.spec + "\" has no member '" + m.name + "'",
          match.empty() ? std::string() : "did you mean '" + name + "." + match + "'?");
}

void CompilerImpl::storeName(const std::string& name, SourceLocation at) {
    int rev = fs_->resolveLocal(name);
    if (rev >= 0) {
        fs_->emit(Opcode::StoreLocal, fs_->locals()[fs_->locals().size() - 1 - size_t(rev)].slot, at);
        return;
    }
    int up = fs_->resolveUpvalue(name);
    if (up >= 0) {
        fs_->emit(Opcode::StoreUpval, uint32_t(up), at);
        return;
    }
    if (auto g = globals_.find(name); g != globals_.end()) {
        moduleExports_.erase(name); // no longer (surely) the module
        fs_->emit(Opcode::StoreGlobal, g->second, at);
        return;
    }
    if (builtins_.count(name)) {
        error(at, "cannot assign to builtin '" + name + "'");
    } else {
        std::string hint = nameHint(name);
        error(at, "cannot assign to undeclared name '" + name + "'",
              hint.empty() ? "declare it first: let " + name + " = ..." : hint + " (or declare it with 'let')");
    }
    fs_->emit(Opcode::Pop, 0, at);
}

// In `x == nil` or `x != nil` (either side nil), the operand tested: such
// conditions compile to one nil-test branch.
const Expr* CompilerImpl::nilTested(const BinaryExpr& b) {
    if (b.op != TokenKind::Eq && b.op != TokenKind::NotEq) return nullptr;
    if (b.right->kind == ExprKind::Nil) return b.left.get();
    if (b.left->kind == ExprKind::Nil) return b.right.get();
    return nullptr;
}

// The bottom test of a rotated while loop: jumps back to `target` while e
// is true. Returns false when the distance does not fit.
void CompilerImpl::loopWhile(const Expr& e, size_t target) {
    auto back = [&](size_t extraWords) {
        int64_t offset = int64_t(target) - int64_t(fs_->codeSize()) - 1 - int64_t(extraWords);
        if (offset < kMinSignedOperand) error(e.location, "loop body is too large");
        return int32_t(offset);
    };
    if (e.kind == ExprKind::True) {
        fs_->emitLoop(target, e.location);
        return;
    }
    if (e.kind == ExprKind::Binary) {
        auto& b = static_cast<const BinaryExpr&>(e);
        if (const Expr* tested = nilTested(b)) {
            expression(*tested);
            fs_->emitSigned(b.op == TokenKind::Eq ? Opcode::EqNilLoop : Opcode::NeNilLoop, back(0), b.location);
            return;
        }
        Opcode loop = Opcode::Nop, loopK = Opcode::Nop;
        switch (b.op) {
        case TokenKind::Less: loop = Opcode::LtLoop; loopK = Opcode::LtLoopK; break;
        case TokenKind::LessEq: loop = Opcode::LeLoop; loopK = Opcode::LeLoopK; break;
        case TokenKind::Greater: loop = Opcode::GtLoop; loopK = Opcode::GtLoopK; break;
        case TokenKind::GreaterEq: loop = Opcode::GeLoop; loopK = Opcode::GeLoopK; break;
        case TokenKind::Eq: loop = Opcode::EqLoop; loopK = Opcode::EqLoopK; break;
        case TokenKind::NotEq: loop = Opcode::NeLoop; loopK = Opcode::NeLoopK; break;
        default: break;
        }
        if (loop != Opcode::Nop) {
            Value k;
            if (foldConstant(*b.right, k) && k.isInt() && k.asInt() >= INT32_MIN && k.asInt() <= INT32_MAX &&
                !foldConstant(*b.left, k)) {
                foldConstant(*b.right, k);
                expression(*b.left);
                fs_->emitSigned(loopK, back(1), b.location);
                fs_->emitWord(uint32_t(int32_t(k.asInt())), b.location);
                return;
            }
            expression(*b.left);
            expression(*b.right);
            fs_->emitSigned(loop, back(0), b.location);
            return;
        }
    }
    expression(e);
    fs_->emitSigned(Opcode::LoopIfTrue, back(0), e.location);
}

// The constant-table index of the right operand of a compare that is a
// float, an int too large for a JumpK word or a string literal (`x > 4.0`,
// `op == "+"`), or -1: such a compare branches with an XxJumpC, which
// compares with the constant itself, so an error names its real type.
int64_t CompilerImpl::comparedConstant(const BinaryExpr& b) {
    Value k;
    if (foldConstant(*b.left, k)) return -1;
    if (b.right->kind == ExprKind::String)
        return fs_->stringConstant(static_cast<const LiteralExpr&>(*b.right).stringValue);
    if (!foldConstant(*b.right, k) || (k.isInt() && k.asInt() >= INT32_MIN && k.asInt() <= INT32_MAX)) return -1;
    return fs_->addConstant(k);
}

size_t CompilerImpl::condition(const Expr& e) {
    if (e.kind == ExprKind::True) return SIZE_MAX;
    if (e.kind == ExprKind::Binary) {
        auto& b = static_cast<const BinaryExpr&>(e);
        if (const Expr* tested = nilTested(b)) {
            expression(*tested);
            return fs_->emitJump(b.op == TokenKind::Eq ? Opcode::EqNilJump : Opcode::NeNilJump, b.location);
        }
        Opcode jump = Opcode::Nop, jumpK = Opcode::Nop;
        switch (b.op) {
        case TokenKind::Less: jump = Opcode::LtJump; jumpK = Opcode::LtJumpK; break;
        case TokenKind::LessEq: jump = Opcode::LeJump; jumpK = Opcode::LeJumpK; break;
        case TokenKind::Greater: jump = Opcode::GtJump; jumpK = Opcode::GtJumpK; break;
        case TokenKind::GreaterEq: jump = Opcode::GeJump; jumpK = Opcode::GeJumpK; break;
        case TokenKind::Eq: jump = Opcode::EqJump; jumpK = Opcode::EqJumpK; break;
        case TokenKind::NotEq: jump = Opcode::NeJump; jumpK = Opcode::NeJumpK; break;
        default: break;
        }
        if (jump != Opcode::Nop) {
            if (b.op != TokenKind::Eq && b.op != TokenKind::NotEq) noteOperands(b.location, b.left.get(), b.right.get());
            Value k;
            if (foldConstant(*b.right, k) && k.isInt() && k.asInt() >= INT32_MIN && k.asInt() <= INT32_MAX &&
                !foldConstant(*b.left, k)) {
                foldConstant(*b.right, k);
                expression(*b.left);
                size_t at = fs_->emitJump(jumpK, b.location);
                fs_->emitWord(uint32_t(int32_t(k.asInt())), b.location);
                return at;
            }
            if (int64_t constant = comparedConstant(b); constant >= 0) {
                expression(*b.left);
                size_t at = fs_->emitJump(Opcode(int(jump) - int(Opcode::LtJump) + int(Opcode::LtJumpC)), b.location);
                fs_->emitWord(uint32_t(constant), b.location);
                return at;
            }
            expression(*b.left);
            expression(*b.right);
            return fs_->emitJump(jump, b.location);
        }
    }
    if (e.kind == ExprKind::Unary && static_cast<const UnaryExpr&>(e).op == TokenKind::Bang) {
        expression(*static_cast<const UnaryExpr&>(e).operand); // `if !x`: no Not, the branch inverted
        return fs_->emitJump(Opcode::JumpIfTrue, e.location);
    }
    expression(e);
    return fs_->emitJump(Opcode::JumpIfFalse, e.location);
}

void CompilerImpl::expression(const Expr& e) {
    switch (e.kind) {
    case ExprKind::Nil: fs_->emit(Opcode::Nil, 0, e.location); break;
    case ExprKind::True: fs_->emit(Opcode::True, 0, e.location); break;
    case ExprKind::False: fs_->emit(Opcode::False, 0, e.location); break;
    case ExprKind::Int: emitInt(static_cast<const LiteralExpr&>(e).intValue, e.location); break;
    case ExprKind::Float:
        fs_->emit(Opcode::Const, fs_->addConstant(Value::number(static_cast<const LiteralExpr&>(e).floatValue)),
                  e.location);
        break;
    case ExprKind::String:
        fs_->emit(Opcode::Const, fs_->stringConstant(static_cast<const LiteralExpr&>(e).stringValue), e.location);
        break;
    case ExprKind::Identifier: {
        Value folded;
        if (!constantGlobal(static_cast<const IdentifierExpr&>(e).name, folded))
            loadName(static_cast<const IdentifierExpr&>(e).name, e.location);
        else if (folded.isInt()) emitInt(folded.asInt(), e.location);
        else fs_->emit(Opcode::Const, fs_->addConstant(folded), e.location);
        break;
    }
    case ExprKind::Self:
        if (fs_->resolveLocal("self") < 0 && fs_->resolveUpvalue("self") < 0) {
            error(e.location, "'self' used outside a method");
            fs_->emit(Opcode::Nil, 0, e.location);
        } else {
            loadName("self", e.location);
        }
        break;
    case ExprKind::Unary: {
        Value folded;
        if (foldConstant(e, folded)) {
            if (folded.isInt()) emitInt(folded.asInt(), e.location);
            else fs_->emit(Opcode::Const, fs_->addConstant(folded), e.location);
            break;
        }
        auto& u = static_cast<const UnaryExpr&>(e);
        if (u.op != TokenKind::Bang) noteOperands(u.location, u.operand.get(), nullptr);
        expression(*u.operand);
        Opcode op = u.op == TokenKind::Minus ? Opcode::Neg : u.op == TokenKind::Bang ? Opcode::Not : Opcode::BitNot;
        fs_->emit(op, 0, u.location);
        break;
    }
    case ExprKind::Binary: binary(static_cast<const BinaryExpr&>(e)); break;
    case ExprKind::Logical: logical(static_cast<const BinaryExpr&>(e)); break;
    case ExprKind::Is: {
        auto& is = static_cast<const IsExpr&>(e);
        expression(*is.value);
        expression(*is.type);
        fs_->emit(Opcode::Is, 0, is.location);
        break;
    }
    case ExprKind::Call: call(static_cast<const CallExpr&>(e)); break;
    case ExprKind::Member: {
        auto& m = static_cast<const MemberExpr&>(e);
        checkModuleMember(m);
        expression(*m.object);
        fs_->emitField(Opcode::GetField, fs_->stringConstant(m.name), m.location);
        break;
    }
    case ExprKind::SuperMember:
        error(e.location, "'super." + static_cast<const SuperMemberExpr&>(e).name + "' must be called");
        fs_->emit(Opcode::Nil, 0, e.location);
        break;
    case ExprKind::Index: {
        auto& ix = static_cast<const IndexExpr&>(e);
        expression(*ix.object);
        expression(*ix.index);
        fs_->emit(Opcode::GetIndex, 0, ix.location);
        break;
    }
    case ExprKind::Array: {
        auto& a = static_cast<const ArrayExpr&>(e);
        for (const auto& el : a.elements) expression(*el);
        fs_->emit(Opcode::Array, uint32_t(a.elements.size()), a.location);
        fs_->adjustStack(1 - int(a.elements.size()));
        break;
    }
    case ExprKind::Object:
    case ExprKind::Struct: objectLiteral(static_cast<const ObjectExpr&>(e)); break;
    case ExprKind::Function: {
        auto& f = static_cast<const FunctionExpr&>(e);
        compileFunction(*f.decl, "<closure>", false);
        break;
    }
    }
}

// `a + b`, `a - b`, `a * b` on two locals as one AddLocals / SubLocals /
// MulLocals, emitted directly: the LoadLocal2 peephole would otherwise pair
// b's load with a load before it (`x - a * b` loads x and a together).
bool CompilerImpl::localsOperation(const BinaryExpr& e) {
    Opcode op = e.op == TokenKind::Plus    ? Opcode::AddLocals
                : e.op == TokenKind::Minus ? Opcode::SubLocals
                : e.op == TokenKind::Star  ? Opcode::MulLocals
                                           : Opcode::Nop;
    uint32_t a, b;
    if (op == Opcode::Nop || !localPair(*e.left, *e.right, a, b)) return false;
    fs_->emit(op, encodePair(a, int32_t(b)), e.location);
    return true;
}

// `x * 0.5`, `2.0 * zr`, `n - 1e9`: a local and a number constant (either
// side) as one MulLocalConst / ConstMulLocal … with the constant's index in
// the second word. Small int `x + k`, `x - k` keep AddLocalInt/SubLocalInt.
bool CompilerImpl::localConstantOperation(const BinaryExpr& e) {
    int which = e.op == TokenKind::Plus ? 0 : e.op == TokenKind::Minus ? 1 : e.op == TokenKind::Star ? 2 : -1;
    if (which < 0) return false;
    static constexpr Opcode kLocalFirst[] = {Opcode::AddLocalConst, Opcode::SubLocalConst, Opcode::MulLocalConst};
    static constexpr Opcode kConstantFirst[] = {Opcode::ConstAddLocal, Opcode::ConstSubLocal, Opcode::ConstMulLocal};
    auto slotOf = [&](const Expr& x, uint32_t& slot) {
        if (x.kind != ExprKind::Identifier) return false;
        int r = fs_->resolveLocal(static_cast<const IdentifierExpr&>(x).name);
        if (r < 0) return false;
        slot = fs_->locals()[fs_->locals().size() - 1 - size_t(r)].slot;
        return true;
    };
    Value k;
    uint32_t slot;
    Opcode op;
    if (slotOf(*e.left, slot) && foldConstant(*e.right, k) && k.isNumber()) op = kLocalFirst[which];
    else if (slotOf(*e.right, slot) && foldConstant(*e.left, k) && k.isNumber()) op = kConstantFirst[which];
    else return false;
    fs_->emit(op, slot, e.location);
    fs_->emitWord(fs_->addConstant(k), e.location);
    return true;
}

bool CompilerImpl::localPair(const Expr& first, const Expr& second, uint32_t& a, uint32_t& b) {
    if (first.kind != ExprKind::Identifier || second.kind != ExprKind::Identifier) return false;
    int ra = fs_->resolveLocal(static_cast<const IdentifierExpr&>(first).name);
    int rb = fs_->resolveLocal(static_cast<const IdentifierExpr&>(second).name);
    if (ra < 0 || rb < 0) return false;
    a = fs_->locals()[fs_->locals().size() - 1 - size_t(ra)].slot;
    b = fs_->locals()[fs_->locals().size() - 1 - size_t(rb)].slot;
    return a <= kMaxPairField && b <= kMaxPairField;
}

void CompilerImpl::binary(const BinaryExpr& e) {
    Value folded;
    if (foldConstant(e, folded)) {
        if (folded.isInt()) emitInt(folded.asInt(), e.location);
        else fs_->emit(Opcode::Const, fs_->addConstant(folded), e.location);
        return;
    }
    if (e.op != TokenKind::Eq && e.op != TokenKind::NotEq) // never raise
        noteOperands(e.location, e.left.get(), e.right.get());
    if (e.op == TokenKind::Plus && e.left->kind == ExprKind::String && e.right->kind == ExprKind::String) {
        std::string s = static_cast<const LiteralExpr&>(*e.left).stringValue +
                        static_cast<const LiteralExpr&>(*e.right).stringValue;
        fs_->emit(Opcode::Const, fs_->stringConstant(s), e.location);
        return;
    }
    if (stringChain(e)) return;
    if (localsOperation(e)) return;
    Value k;
    if ((e.op == TokenKind::Plus || e.op == TokenKind::Minus) && foldConstant(*e.right, k) && k.isInt() &&
        fitsImmediate(k.asInt()) && fitsImmediate(-k.asInt())) {
        expression(*e.left);
        Opcode op = e.op == TokenKind::Plus ? Opcode::AddInt : Opcode::SubInt;
        fs_->emitSigned(op, int32_t(k.asInt()), e.location);
        return;
    }
    if (Opcode op = comparisonWithConstant(e.op); op != Opcode::Nop && foldConstant(*e.right, k) && k.isInt() &&
                                                   fitsImmediate(k.asInt())) {
        expression(*e.left);
        fs_->emitSigned(op, int32_t(k.asInt()), e.location);
        return;
    }
    if (e.op == TokenKind::Percent && foldConstant(*e.right, k) && k.isInt() && k.asInt() > 0 &&
        fitsImmediate(k.asInt())) {
        expression(*e.left);
        fs_->emitSigned(Opcode::ModInt, int32_t(k.asInt()), e.location);
        return;
    }
    if (localConstantOperation(e)) return;
    expression(*e.left);
    expression(*e.right);
    fs_->emit(binaryOpcode(e.op), 0, e.location);
}

// `s + "w" + toString(i) + ","`: a chain of two or more `+` with a string
// literal among its operands is string building, so each `+` becomes an
// AddInChain that appends in place to the string the previous one made —
// one copy of `s` instead of one per `+`. Evaluation order and every
// intermediate result are those of the plain left-to-right `+`s.
bool CompilerImpl::stringChain(const BinaryExpr& e) {
    std::vector<const BinaryExpr*> links; // innermost (leftmost) `+` last
    const Expr* leftmost = &e;
    while (leftmost->kind == ExprKind::Binary && static_cast<const BinaryExpr*>(leftmost)->op == TokenKind::Plus) {
        links.push_back(static_cast<const BinaryExpr*>(leftmost));
        leftmost = links.back()->left.get();
    }
    if (links.size() < 2) return false;
    bool hasLiteral = leftmost->kind == ExprKind::String;
    for (const BinaryExpr* link : links) hasLiteral = hasLiteral || link->right->kind == ExprKind::String;
    if (!hasLiteral) return false;
    expression(*leftmost);
    for (size_t i = links.size(); i-- > 0;) {
        const BinaryExpr& link = *links[i];
        if (&link != &e) noteOperands(link.location, link.left.get(), link.right.get());
        expression(*link.right);
        fs_->emit(Opcode::AddInChain, uint32_t(i), link.location);
    }
    return true;
}

// `a && b` / `a || b` as a value (always a bool): `a` is compiled as a
// branch, so `x >= 4 || y == 2` costs one fused compare-and-branch for the
// left side; the right side gets a ToBool unless it is already a bool.
void CompilerImpl::logical(const BinaryExpr& e) {
    bool isAnd = e.op == TokenKind::AndAnd;
    std::vector<size_t> leftFalse;
    branchUnless(*e.left, leftFalse);
    size_t end;
    if (isAnd) {
        expression(*e.right);
        if (!isBoolean(*e.right)) fs_->emit(Opcode::ToBool, 0, e.location);
        end = fs_->emitJump(Opcode::Jump, e.location);
        for (size_t j : leftFalse) fs_->patchJump(j);
        fs_->adjustStack(-1);
        fs_->emit(Opcode::False, 0, e.location);
    } else {
        fs_->emit(Opcode::True, 0, e.location);
        end = fs_->emitJump(Opcode::Jump, e.location);
        for (size_t j : leftFalse) fs_->patchJump(j);
        fs_->adjustStack(-1);
        expression(*e.right);
        if (!isBoolean(*e.right)) fs_->emit(Opcode::ToBool, 0, e.location);
    }
    fs_->patchJump(end);
}

void CompilerImpl::branchUnless(const Expr& e, std::vector<size_t>& elseJumps) {
    if (e.kind == ExprKind::Logical) {
        auto& b = static_cast<const BinaryExpr&>(e);
        if (b.op == TokenKind::AndAnd) {
            branchUnless(*b.left, elseJumps);
            branchUnless(*b.right, elseJumps);
        } else {
            std::vector<size_t> tryRight;
            branchUnless(*b.left, tryRight);
            size_t toThen = fs_->emitJump(Opcode::Jump, b.location);
            for (size_t j : tryRight) fs_->patchJump(j);
            branchUnless(*b.right, elseJumps);
            fs_->patchJump(toThen);
        }
        return;
    }
    size_t jump = condition(e);
    if (jump != SIZE_MAX) elseJumps.push_back(jump);
}

// Expressions whose value is always a bool (no ToBool needed).
bool CompilerImpl::isBoolean(const Expr& e) {
    switch (e.kind) {
    case ExprKind::True: case ExprKind::False: case ExprKind::Logical: case ExprKind::Is: return true;
    case ExprKind::Unary: return static_cast<const UnaryExpr&>(e).op == TokenKind::Bang;
    case ExprKind::Binary:
        switch (static_cast<const BinaryExpr&>(e).op) {
        case TokenKind::Less: case TokenKind::LessEq: case TokenKind::Greater: case TokenKind::GreaterEq:
        case TokenKind::Eq: case TokenKind::NotEq: return true;
        default: return false;
        }
    default: return false;
    }
}

void CompilerImpl::call(const CallExpr& e) {
    int argc = int(e.args.size());
    if (argc > int(kMaxCallArguments)) {
        error(e.location, "too many arguments in one call (" + std::to_string(argc) + "; at most " +
                              std::to_string(kMaxCallArguments) + ")");
    }
    // A builtin is always callable (it cannot be assigned): nothing to name.
    bool builtinCallee = e.callee->kind == ExprKind::Identifier &&
                         builtins_.count(static_cast<const IdentifierExpr&>(*e.callee).name) &&
                         fs_->resolveLocal(static_cast<const IdentifierExpr&>(*e.callee).name) < 0 &&
                         !globals_.count(static_cast<const IdentifierExpr&>(*e.callee).name);
    if (!builtinCallee) noteOperands(e.location, e.callee.get(), nullptr, OperandNames::Call);
    if (std::optional<MathFunction> f = mathCall(e)) {
        expression(*e.args[0]);
        fs_->emit(Opcode::MathCall, uint32_t(*f), e.location);
        return;
    }
    if (e.callee->kind == ExprKind::Member) {
        auto& m = static_cast<const MemberExpr&>(*e.callee);
        checkModuleMember(m);
        expression(*m.object);
        for (const auto& a : e.args) expression(*a);
        fs_->emit(Opcode::Invoke, encodePair(uint32_t(argc), int32_t(nextInvokeSlot_++)), e.location);
        fs_->emitWord(fs_->stringConstant(m.name), e.location);
        fs_->adjustStack(-argc);
        return;
    }
    if (e.callee->kind == ExprKind::SuperMember) {
        auto& sm = static_cast<const SuperMemberExpr&>(*e.callee);
        if (currentClass_.empty()) error(e.location, "'super' used outside a class method");
        loadName("self", sm.location);
        for (const auto& a : e.args) expression(*a);
        fs_->emit(Opcode::SuperInvoke, uint32_t(argc), e.location);
        fs_->emitWord(fs_->stringConstant(sm.name), e.location);
        fs_->adjustStack(-argc);
        return;
    }
    expression(*e.callee);
    for (const auto& a : e.args) expression(*a);
    fs_->emit(Opcode::Call, uint32_t(argc), e.location);
    fs_->adjustStack(-argc);
}

void CompilerImpl::objectLiteral(const ObjectExpr& e) {
    if (e.type) expression(*e.type);
    for (const auto& entry : e.entries) {
        fs_->emit(Opcode::Const, fs_->stringConstant(entry.key), entry.location);
        expression(*entry.value);
    }
    uint32_t n = uint32_t(e.entries.size());
    if (e.type) {
        fs_->emit(Opcode::Struct, n, e.location);
        fs_->adjustStack(-int(2 * n));
    } else {
        fs_->emit(Opcode::Object, n, e.location);
        fs_->adjustStack(1 - int(2 * n));
    }
}

} // namespace langoost
