// Diagnostics: compile-time errors collected across lexer, parser and
// compiler, printed as `path:line:col: error: message`, then the source line
// and a caret under the column (tabs preserved so the caret lines up).
#pragma once
#include <string>
#include <vector>

#include "common/SourceFile.h"

namespace langoost {

struct Diagnostic {
    std::string path;
    SourceLocation location;
    std::string message;
    std::string sourceLine;
};

class Diagnostics {
  public:
    // Stop recording after this many errors: later ones are mostly cascades.
    static constexpr size_t kMaxErrors = 50;

    void error(const SourceFile& file, SourceLocation at, std::string message);
    // Adds `other`'s errors (a module compiled on its own), with the same
    // limit and de-duplication.
    void append(const Diagnostics& other);
    bool hasErrors() const { return !errors_.empty(); }
    const std::vector<Diagnostic>& errors() const { return errors_; }
    std::string format() const;

  private:
    std::vector<Diagnostic> errors_;
};

std::string formatDiagnostic(const Diagnostic& d);

} // namespace langoost
