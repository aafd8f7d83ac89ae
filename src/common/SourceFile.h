// SourceFile: one script's text plus its path, with a line index so that any
// byte offset can be turned into a 1-based line and column for diagnostics.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace langoost {

struct SourceLocation {
    uint32_t line = 0;
    uint32_t column = 0;
};

class SourceFile {
  public:
    SourceFile(std::string path, std::string text);

    const std::string& path() const { return path_; }
    const std::string& text() const { return text_; }
    // The text of a 1-based line, without its newline.
    std::string_view lineText(uint32_t line) const;

  private:
    std::string path_;
    std::string text_;
    std::vector<uint32_t> lineStarts_;
};

// Line `line` (1-based) of the file at `path` as a SourceFile would show it
// (no BOM, no '\r'), read now: runtime traces show the innermost frame's
// line. Empty when the file cannot be read or is shorter.
std::optional<std::string> readSourceLine(const std::string& path, uint32_t line);

} // namespace langoost
