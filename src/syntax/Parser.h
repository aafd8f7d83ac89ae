// Parser: recursive descent for statements, precedence climbing for
// expressions (Go's five binary levels). It implements the newline rules of
// language.md §1: a newline ends a statement unless the parser is inside
// ( ), [ ] or an object literal, or the next line starts with '.'. On an
// error it records a diagnostic, skips to the next statement boundary and
// carries on, so one run reports several errors.
#pragma once
#include "common/Diagnostics.h"
#include "common/SourceFile.h"
#include "syntax/Ast.h"

namespace langoost {

// Parses a whole file. Errors go to `diagnostics`; the returned program is
// only meaningful when no error was reported.
Program parseProgram(const SourceFile& file, Diagnostics& diagnostics);

} // namespace langoost
