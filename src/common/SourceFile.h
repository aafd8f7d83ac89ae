// SourceFile: one script's text plus its path, with a line index so that any
// byte offset can be turned into a 1-based line and column for diagnostics.
#pragma once
#include <cstdint>
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

} // namespace langoost
