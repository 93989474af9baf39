#include "core/disaggregation.h"

#include <gtest/gtest.h>

namespace shouwang {
namespace {

TEST(Disaggregation, CanonicalTextSortsPairsByCategory) {
  auto text = canonical_disaggregation("SEX=F;AGE=15-24");
  ASSERT_TRUE(text.is_ok()) << text.status().message();
  EXPECT_EQ(*text, "AGE=15-24;SEX=F");
  EXPECT_EQ(*canonical_disaggregation(""), "");
  auto pairs = disaggregation_pairs(*text);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0], (DisaggregationPair{"AGE", "15-24"}));
  EXPECT_EQ(pairs[1], (DisaggregationPair{"SEX", "F"}));
  EXPECT_TRUE(disaggregation_pairs("").empty());
  EXPECT_EQ(*disaggregation_from_pairs({{"SEX", "M"}, {"AGE", "<5"}}), "AGE=<5;SEX=M");
}

TEST(Disaggregation, RefusesMalformedPairs) {
  for (const char* bad : {"SEX", "SEX=", "=F", "SEX=F;", ";SEX=F", "SEX=F;SEX=M", "1AGE=5", "SEX=F=G",
                          "SEX= F", "A-B=1", "SEX=F\n", "value=3", "dataElement=x"}) {
    EXPECT_FALSE(canonical_disaggregation(bad).is_ok()) << bad;
  }
}

}  // namespace
}  // namespace shouwang
