#include "common/SourceFile.h"

#include <fstream>

namespace langoost {

namespace {

// language.md §1: a leading UTF-8 byte-order mark is skipped and `\r\n` is
// the same as `\n`. Both are removed here, once, so the lexer, diagnostics'
// lines and columns, the formatter and the REPL all see plain `\n` text.
void normalize(std::string& text) {
    size_t from = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    size_t to = 0;
    for (size_t i = from; i < text.size(); ++i)
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) text[to++] = text[i];
    text.resize(to);
}

} // namespace

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
    normalize(text_);
    lineStarts_.push_back(0);
    for (uint32_t i = 0; i < text_.size(); ++i)
        if (text_[i] == '\n') lineStarts_.push_back(i + 1);
}

std::string_view SourceFile::lineText(uint32_t line) const {
    if (line == 0 || line > lineStarts_.size()) return {};
    uint32_t start = lineStarts_[line - 1];
    uint32_t end = line < lineStarts_.size() ? lineStarts_[line] - 1 : uint32_t(text_.size());
    if (end > start && text_[end - 1] == '\r') --end;
    return std::string_view(text_).substr(start, end - start);
}

std::optional<std::string> readSourceLine(const std::string& path, uint32_t line) {
    if (line == 0) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    std::string text;
    for (uint32_t n = 1; std::getline(in, text); ++n) {
        if (n < line) continue;
        if (n == 1 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
        if (!text.empty() && text.back() == '\r') text.pop_back();
        return text;
    }
    return std::nullopt;
}

} // namespace langoost
