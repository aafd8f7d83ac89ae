// Diagnostics: compile-time errors collected across lexer, parser and
// compiler, printed as `path:line:col: error: message`, then the source line
// and a caret under the column (tabs preserved so the caret lines up), then
// `hint: ...` when a likely fix is known (a "did you mean", the Langoost
// spelling of another language's syntax). Colour is optional: the caller
// decides (useColour) whether the output goes to a terminal.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/SourceFile.h"

namespace langoost {

struct Diagnostic {
    std::string path;
    SourceLocation location;
    std::string message;
    std::string sourceLine;
    std::string hint; // empty: none
};

class Diagnostics {
  public:
    // Stop recording after this many errors: later ones are mostly cascades.
    static constexpr size_t kMaxErrors = 50;

    void error(const SourceFile& file, SourceLocation at, std::string message, std::string hint = {});
    // Adds `other`'s errors (a module compiled on its own), with the same
    // limit and de-duplication.
    void append(const Diagnostics& other);
    bool hasErrors() const { return !errors_.empty(); }
    const std::vector<Diagnostic>& errors() const { return errors_; }
    std::string format(bool colour = false) const;

  private:
    std::vector<Diagnostic> errors_;
};

std::string formatDiagnostic(const Diagnostic& d, bool colour = false);

// Whether text written to `stream` may be coloured: a terminal, NO_COLOR
// unset or empty (https://no-color.org), TERM not "dumb".
bool useColour(FILE* stream);

// ANSI colour codes of diagnostics and runtime error reports (kept in one
// place so both look alike).
namespace ansi {
inline constexpr const char* kError = "\x1b[1;31m";
inline constexpr const char* kHint = "\x1b[1;36m";
inline constexpr const char* kCaret = "\x1b[1;32m";
inline constexpr const char* kBold = "\x1b[1m";
inline constexpr const char* kReset = "\x1b[0m";
} // namespace ansi

// The source line and a caret under `column` (tabs kept so it lines up),
// each indented by four spaces and ending in a newline.
std::string sourceExcerpt(std::string_view line, uint32_t column, bool colour);

} // namespace langoost
