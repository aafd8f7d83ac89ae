#include "common/Diagnostics.h"

#include <algorithm>
#include <cstdlib>

#include <unistd.h>

namespace langoost {

void Diagnostics::error(const SourceFile& file, SourceLocation at, std::string message, std::string hint) {
    if (errors_.size() >= kMaxErrors) return;
    for (const auto& e : errors_)
        if (e.location.line == at.line && e.location.column == at.column && e.path == file.path()) return;
    errors_.push_back({file.path(), at, std::move(message), std::string(file.lineText(at.line)), std::move(hint)});
}

void Diagnostics::append(const Diagnostics& other) {
    for (const auto& d : other.errors_) {
        if (errors_.size() >= kMaxErrors) return;
        bool seen = std::any_of(errors_.begin(), errors_.end(), [&](const Diagnostic& e) {
            return e.location.line == d.location.line && e.location.column == d.location.column && e.path == d.path;
        });
        if (!seen) errors_.push_back(d);
    }
}

bool useColour(FILE* stream) {
    const char* noColour = std::getenv("NO_COLOR");
    if (noColour && *noColour) return false;
    const char* term = std::getenv("TERM");
    if (term && std::string_view(term) == "dumb") return false;
    return isatty(fileno(stream)) == 1;
}

std::string sourceExcerpt(std::string_view line, uint32_t column, bool colour) {
    std::string out = "    " + std::string(line) + "\n    ";
    for (uint32_t i = 1; i < column && i <= line.size(); ++i) out += line[i - 1] == '\t' ? '\t' : ' ';
    out += colour ? std::string(ansi::kCaret) + "^" + ansi::kReset + "\n" : "^\n";
    return out;
}

std::string formatDiagnostic(const Diagnostic& d, bool colour) {
    std::string where = d.path + ":" + std::to_string(d.location.line) + ":" + std::to_string(d.location.column) + ":";
    std::string out = colour ? std::string(ansi::kBold) + where + ansi::kReset + " " + ansi::kError + "error:" +
                                   ansi::kReset + " " + ansi::kBold + d.message + ansi::kReset + "\n"
                             : where + " error: " + d.message + "\n";
    if (d.location.line > 0) out += sourceExcerpt(d.sourceLine, d.location.column, colour);
    if (!d.hint.empty())
        out += colour ? std::string("    ") + ansi::kHint + "hint:" + ansi::kReset + " " + d.hint + "\n"
                      : "    hint: " + d.hint + "\n";
    return out;
}

std::string Diagnostics::format(bool colour) const {
    std::vector<const Diagnostic*> sorted;
    for (const auto& e : errors_) sorted.push_back(&e);
    // Files in the order their first error was reported; by position within a file.
    std::vector<std::string> fileOrder;
    for (const auto& e : errors_)
        if (std::find(fileOrder.begin(), fileOrder.end(), e.path) == fileOrder.end()) fileOrder.push_back(e.path);
    auto rank = [&](const Diagnostic* d) { return std::find(fileOrder.begin(), fileOrder.end(), d->path) - fileOrder.begin(); };
    std::stable_sort(sorted.begin(), sorted.end(), [&](const Diagnostic* a, const Diagnostic* b) {
        if (rank(a) != rank(b)) return rank(a) < rank(b);
        if (a->location.line != b->location.line) return a->location.line < b->location.line;
        return a->location.column < b->location.column;
    });
    std::string out;
    for (const auto* e : sorted) out += formatDiagnostic(*e, colour);
    return out;
}

} // namespace langoost
