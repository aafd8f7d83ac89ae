#include "syntax/SyntaxHints.h"

namespace langoost {
namespace {

bool adjacent(const Token& a, const Token& b) { return a.offset + a.length == b.offset; }

bool isName(const Token& t) { return t.kind == TokenKind::Identifier || isKeyword(t.kind); }

} // namespace

std::optional<SyntaxHint> foreignDeclaration(const Token& word, const Token& next, const Token& after) {
    if (word.kind != TokenKind::Identifier || next.newlineBefore) return std::nullopt;
    const std::string& w = word.text;
    std::string name = isName(next) ? next.text : "x";
    if ((w == "const" || w == "var" || w == "val" || w == "auto" || w == "local") && isName(next))
        return SyntaxHint{"'" + w + "' is not a Langoost keyword",
                          "variables are declared with 'let': let " + name + " = ..."};
    if ((w == "func" || w == "def" || w == "function" || w == "fun" || w == "fnc") && isName(next) &&
        after.kind == TokenKind::LParen)
        return SyntaxHint{"'" + w + "' is not a Langoost keyword",
                          "functions are declared with 'fn': fn " + name + "(...) { ... }"};
    if ((w == "elif" || w == "elsif" || w == "elseif") && !next.newlineBefore)
        return SyntaxHint{"'" + w + "' is not a Langoost keyword", "write 'else if'"};
    return std::nullopt;
}

std::string foreignWordHint(const Token& t, bool afterCondition) {
    if (t.kind == TokenKind::Identifier) {
        if (t.text == "and") return "Langoost writes 'and' as '&&'";
        if (t.text == "or") return "Langoost writes 'or' as '||'";
        if (afterCondition && (t.text == "then" || t.text == "do"))
            return "no '" + t.text + "': the block starts with '{'";
    }
    if (afterCondition && t.kind == TokenKind::Colon) return "no ':' after a condition: the block starts with '{'";
    return "";
}

std::optional<SyntaxHint> foreignOperator(const Token& first, const Token& second, std::string_view operand) {
    if (!adjacent(first, second)) return std::nullopt;
    std::string target = operand.empty() ? "x" : std::string(operand);
    if (first.kind == TokenKind::Plus && second.kind == TokenKind::Plus)
        return SyntaxHint{"Langoost has no '++' operator", "write '" + target + " += 1'"};
    if (first.kind == TokenKind::Minus && second.kind == TokenKind::Minus)
        return SyntaxHint{"Langoost has no '--' operator", "write '" + target + " -= 1'"};
    if (first.kind == TokenKind::Eq && second.kind == TokenKind::Assign)
        return SyntaxHint{"Langoost has no '===' operator", "write '=='"};
    if (first.kind == TokenKind::NotEq && second.kind == TokenKind::Assign)
        return SyntaxHint{"Langoost has no '!==' operator", "write '!='"};
    if (first.kind == TokenKind::Colon && second.kind == TokenKind::Assign)
        return SyntaxHint{"Langoost has no ':=' operator", "declare with 'let': let " + target + " = ..."};
    return std::nullopt;
}

} // namespace langoost
