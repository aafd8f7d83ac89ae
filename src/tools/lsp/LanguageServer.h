// LanguageServer: `langoost lsp`, a Language Server Protocol server on
// stdin/stdout. Full-text document sync; diagnostics (the compiler's) on
// open and change; hover, definition, references, completion, document
// symbols, formatting (the `fmt` formatter) and rename of locals, all from
// the Analysis of each file (see Analysis.h, Workspace.h).
#pragma once
#include <cstdio>
#include <memory>

#include "modules/ModuleLoader.h"

namespace langoost::lsp {

// Serves until the client sends `exit` or closes the input: 0 after a
// `shutdown` request, 1 otherwise (as the protocol asks).
int runLanguageServer(std::shared_ptr<ModuleLoader> loader, FILE* in, FILE* out);

} // namespace langoost::lsp
