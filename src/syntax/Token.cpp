#include "syntax/Token.h"

namespace langoost {

const char* tokenKindText(TokenKind kind) {
    static const char* const names[] = {
#define X(name, text) text,
        LANGOOST_TOKENS(X)
#undef X
    };
    return names[static_cast<int>(kind)];
}

bool isKeyword(TokenKind kind) { return kind >= TokenKind::KwLet; }

} // namespace langoost
