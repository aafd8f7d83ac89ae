#include "common/Diagnostics.h"

#include <algorithm>

namespace langoost {

void Diagnostics::error(const SourceFile& file, SourceLocation at, std::string message) {
    if (errors_.size() >= kMaxErrors) return;
    for (const auto& e : errors_)
        if (e.location.line == at.line && e.location.column == at.column && e.path == file.path()) return;
    errors_.push_back({file.path(), at, std::move(message), std::string(file.lineText(at.line))});
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

std::string formatDiagnostic(const Diagnostic& d) {
    std::string out = d.path + ":" + std::to_string(d.location.line) + ":" +
                      std::to_string(d.location.column) + ": error: " + d.message + "\n";
    if (d.location.line > 0) {
        out += "    " + d.sourceLine + "\n    ";
        for (uint32_t i = 1; i < d.location.column && i <= d.sourceLine.size(); ++i)
            out += d.sourceLine[i - 1] == '\t' ? '\t' : ' ';
        out += "^\n";
    }
    return out;
}

std::string Diagnostics::format() const {
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
    for (const auto* e : sorted) out += formatDiagnostic(*e);
    return out;
}

} // namespace langoost
