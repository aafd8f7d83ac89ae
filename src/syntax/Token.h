// Token: the lexer's output unit. Each token records where it starts and
// whether a newline came before it; the parser uses that flag to end
// statements (Langoost has Go-like automatic statement termination).
#pragma once
#include <cstdint>
#include <string>

#include "common/SourceFile.h"

namespace langoost {

#define LANGOOST_TOKENS(X)                                                                         \
    X(Eof, "end of file") X(Error, "invalid token")                                               \
    X(Identifier, "identifier") X(Int, "integer") X(Float, "float") X(String, "string")           \
    X(LParen, "'('") X(RParen, "')'") X(LBrace, "'{'") X(RBrace, "'}'") X(LBracket, "'['")        \
    X(RBracket, "']'") X(Comma, "','") X(Dot, "'.'") X(Ellipsis, "'...'") X(Colon, "':'")         \
    X(Semicolon, "';'") X(Plus, "'+'") X(Minus, "'-'") X(Star, "'*'") X(Slash, "'/'")             \
    X(Percent, "'%'") X(Amp, "'&'") X(Pipe, "'|'") X(Caret, "'^'") X(Tilde, "'~'")               \
    X(Shl, "'<<'") X(Shr, "'>>'") X(Bang, "'!'") X(AndAnd, "'&&'") X(OrOr, "'||'")                \
    X(Assign, "'='") X(Eq, "'=='") X(NotEq, "'!='") X(Less, "'<'") X(LessEq, "'<='")             \
    X(Greater, "'>'") X(GreaterEq, "'>='") X(PlusAssign, "'+='") X(MinusAssign, "'-='")          \
    X(StarAssign, "'*='") X(SlashAssign, "'/='") X(PercentAssign, "'%='")                         \
    X(KwLet, "'let'") X(KwFn, "'fn'") X(KwReturn, "'return'") X(KwIf, "'if'")                     \
    X(KwElse, "'else'") X(KwWhile, "'while'") X(KwFor, "'for'") X(KwIn, "'in'")                   \
    X(KwBreak, "'break'") X(KwContinue, "'continue'") X(KwTry, "'try'") X(KwCatch, "'catch'")     \
    X(KwThrow, "'throw'") X(KwClass, "'class'")                         \
    X(KwInterface, "'interface'") X(KwExtends, "'extends'") X(KwIs, "'is'")                       \
    X(KwImport, "'import'") X(KwFrom, "'from'") X(KwTrue, "'true'") X(KwFalse, "'false'")         \
    X(KwNil, "'nil'") X(KwSelf, "'self'") X(KwType, "'type'") X(KwInt, "'int'")                   \
    X(KwFloat, "'float'") X(KwString, "'string'") X(KwBool, "'bool'")

enum class TokenKind : uint8_t {
#define X(name, text) name,
    LANGOOST_TOKENS(X)
#undef X
};

const char* tokenKindText(TokenKind kind);
bool isKeyword(TokenKind kind);

struct Token {
    TokenKind kind = TokenKind::Eof;
    bool newlineBefore = false;
    SourceLocation location;
    uint32_t offset = 0;
    uint32_t length = 0;
    // Decoded payload: identifier/keyword spelling, string literal bytes, or
    // the error message for TokenKind::Error (then, optionally, a hint after
    // kLexHintSeparator: see SyntaxHints.h).
    std::string text;
    int64_t intValue = 0;
    double floatValue = 0;
};

} // namespace langoost
