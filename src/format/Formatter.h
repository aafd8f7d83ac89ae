// Formatter: the engine behind `langoost fmt`. It rewrites a source file in
// the one canonical style (4-space indents, normalised spacing, one statement
// per line, at most one blank line, trailing commas in multi-line lists, a
// final newline) while keeping every comment where it was. It walks the token
// stream with a recursive descent that mirrors the parser's grammar and its
// newline rules, so it knows blocks from object literals and unary from
// binary minus, and it never moves a line break that could change meaning:
// inside an expression the user's line breaks are kept (there is no width-
// based line breaker). The output compiles to the same bytecode as the input
// apart from line and column numbers; docs/cli.md lists the style rules.
#pragma once
#include <optional>
#include <string>

#include "common/Diagnostics.h"
#include "common/SourceFile.h"

namespace langoost {

// The formatted text of `file`, or nullopt when the file has syntax errors
// (reported to `diagnostics`; the parser's messages, as `check` prints them).
std::optional<std::string> formatSource(const SourceFile& file, Diagnostics& diagnostics);

} // namespace langoost
