// Lexer: turns source bytes into tokens in one pass. Literals are decoded
// here (escapes, digit separators, hex/binary ints) so the parser never looks
// at raw text. Errors become TokenKind::Error tokens carrying a message; the
// parser reports them, so all diagnostics flow through one place.
#pragma once
#include <vector>

#include "common/SourceFile.h"
#include "syntax/Token.h"

namespace langoost {

std::vector<Token> tokenize(const SourceFile& file);

} // namespace langoost
