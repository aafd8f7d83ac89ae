// Lexer: turns source bytes into tokens in one pass. Literals are decoded
// here (escapes, digit separators, hex/binary ints) so the parser never looks
// at raw text. Errors become TokenKind::Error tokens carrying a message; the
// parser reports them, so all diagnostics flow through one place. Comments
// are skipped; a caller that needs them (the formatter) passes a vector to
// collect their positions, which costs the compile path nothing.
#pragma once
#include <vector>

#include "common/SourceFile.h"
#include "syntax/Token.h"

namespace langoost {

// A `//` or `/* */` comment: its bytes are file.text().substr(offset, length).
struct Comment {
    uint32_t offset = 0;
    uint32_t length = 0;
    SourceLocation location;
};

std::vector<Token> tokenize(const SourceFile& file, std::vector<Comment>* comments = nullptr);

} // namespace langoost
