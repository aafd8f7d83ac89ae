// Suggest: the "did you mean" of diagnostics — the candidate closest to a
// misspelt word by edit distance (insertions, deletions, substitutions and
// swaps of two neighbours), if it is close enough to be a likely typo.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace langoost {

// Edit distance with adjacent transpositions (optimal string alignment).
size_t editDistance(std::string_view a, std::string_view b);

// The closest candidate within a typo's reach of `word` (one edit per three
// letters, at least 1 and at most 3; a difference in case only always counts),
// or "" when none is. Ties go to the earlier candidate, so callers list the
// likeliest first (locals before globals before builtins).
std::string closestName(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)", or "" when closestName finds nothing.
std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates);

} // namespace langoost
