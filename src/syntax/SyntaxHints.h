// SyntaxHints: what to say when a file is written in another language's
// syntax (`const x = 1`, `func f()`, `i++`, `if x = 1`, `a and b`, ...):
// the parser finds the error as usual, then asks here whether the tokens
// look like a known foreign form, and reports the Langoost spelling as the
// diagnostic's hint. Pure functions of the tokens; no parser state.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "syntax/Token.h"

namespace langoost {

struct SyntaxHint {
    std::string message;
    std::string hint;
};

// A statement starting with `word next ...` where `word` is another
// language's declaration keyword (const, var, func, def, function, ...) or
// `elif`. `after` is the token after `next`.
std::optional<SyntaxHint> foreignDeclaration(const Token& word, const Token& next, const Token& after);

// A word written where an operator was expected (`and`, `or`), or, with
// `afterCondition`, where the '{' after an if/while/for header was (`then`,
// `do`, `:`); "" if it is none of them.
std::string foreignWordHint(const Token& t, bool afterCondition);

// Two adjacent operator tokens that spell another language's operator:
// `++`, `--`, `===`, `!==`, `:=`. `operand` is the source text of the
// variable it applies to, when known (for the suggested rewrite).
std::optional<SyntaxHint> foreignOperator(const Token& first, const Token& second, std::string_view operand);

// Lexer error messages may carry a hint after this separator (error tokens
// have only their text); the parser splits them when reporting.
inline constexpr char kLexHintSeparator = '\n';

} // namespace langoost
