// "did you mean": the edit distance and which candidates count as typos.
#include <gtest/gtest.h>

#include "common/Suggest.h"

using namespace langoost;

TEST(Suggest, EditDistanceCountsSwapsAsOneEdit) {
    EXPECT_EQ(editDistance("", ""), 0u);
    EXPECT_EQ(editDistance("abc", ""), 3u);
    EXPECT_EQ(editDistance("countr", "counter"), 1u);
    EXPECT_EQ(editDistance("prot", "port"), 1u);
    EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}

TEST(Suggest, ClosestNameWithinReach) {
    std::vector<std::string> names = {"counter", "total", "println", "print", "len", "toInt"};
    EXPECT_EQ(closestName("countr", names), "counter");
    EXPECT_EQ(closestName("totl", names), "total");
    EXPECT_EQ(closestName("lne", names), "len");
    EXPECT_EQ(closestName("COUNTER", names), "counter"); // case only
    EXPECT_EQ(closestName("count", names), "");           // toInt is two edits from a five-letter word
    EXPECT_EQ(closestName("zzz", names), "");
    EXPECT_EQ(closestName("counter", names), "");          // the word itself is no suggestion
}

TEST(Suggest, TiesGoToTheEarlierCandidateAndHiddenNamesAreSkipped) {
    EXPECT_EQ(closestName("ab", {"ac", "ad"}), "ac");
    EXPECT_EQ(closestName("x", {"y"}), "");               // one letter from another letter is no typo
    EXPECT_EQ(closestName("retur", {"(return)", "<main>"}), "");
    EXPECT_EQ(didYouMean("uper", {"upper", "lower"}), " (did you mean 'upper'?)");
    EXPECT_EQ(didYouMean("qqqq", {"upper"}), "");
}
