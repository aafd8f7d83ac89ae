#include "common/Suggest.h"

#include <algorithm>
#include <cctype>

namespace langoost {

size_t editDistance(std::string_view a, std::string_view b) {
    // Three rows of the classic table: the one before last is needed for swaps.
    std::vector<size_t> before(b.size() + 1), last(b.size() + 1), row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) last[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({last[j] + 1, row[j - 1] + 1, last[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                row[j] = std::min(row[j], before[j - 2] + 1);
        }
        std::swap(before, last);
        std::swap(last, row);
    }
    return last[b.size()];
}

namespace {

bool equalIgnoringCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

std::string closestName(std::string_view word, const std::vector<std::string>& candidates) {
    size_t reach = std::clamp<size_t>(word.size() / 3, 1, 3);
    const std::string* best = nullptr;
    size_t bestDistance = reach + 1;
    for (const auto& c : candidates) {
        if (c == word || c.empty() || !(std::isalpha(static_cast<unsigned char>(c.front())) || c.front() == '_')) continue;
        if (equalIgnoringCase(c, word)) return c;
        // Cheap bound first: lengths further apart than the reach cannot be close.
        size_t gap = c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
        if (gap >= bestDistance) continue;
        size_t d = editDistance(word, c);
        // A one-letter word is "close" to every other one-letter word: not a hint.
        if (d >= bestDistance || d >= std::max(word.size(), c.size())) continue;
        best = &c;
        bestDistance = d;
    }
    return best ? *best : std::string();
}

std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates) {
    std::string name = closestName(word, candidates);
    return name.empty() ? std::string() : " (did you mean '" + name + "'?)";
}

} // namespace langoost
