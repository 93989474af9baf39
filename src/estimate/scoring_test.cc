// WIS and coverage against cases computed by hand from the definition (Bracher et al. 2021).
#include "estimate/scoring.h"

#include <gtest/gtest.h>

#include <vector>

namespace shouwang::estimate {
namespace {

TEST(IntervalScore, WidthPlusPenalties) {
  EXPECT_DOUBLE_EQ(interval_score(2, 6, 0.5, 5), 4);
  EXPECT_DOUBLE_EQ(interval_score(2, 6, 0.5, 9), 4 + 4 * 3);
  EXPECT_DOUBLE_EQ(interval_score(2, 6, 0.2, 0), 4 + 10 * 2);
}

TEST(WeightedIntervalScore, HandComputedCases) {
  const std::vector<double> three = {0.25, 0.5, 0.75};
  // y above the interval: (0.5*|9-4| + 0.25*(4 + 4*3)) / 1.5 = 6.5 / 1.5
  EXPECT_DOUBLE_EQ(*weighted_interval_score(three, std::vector<double>{2, 4, 6}, 9), 6.5 / 1.5);
  // y inside: (0.5*1 + 0.25*4) / 1.5 = 1
  EXPECT_DOUBLE_EQ(*weighted_interval_score(three, std::vector<double>{2, 4, 6}, 5), 1.0);
  // Two intervals, y below the inner one: (0.5*3 + 0.05*10 + 0.25*(4 + 4*1)) / 2.5 = 1.6
  const std::vector<double> five = {0.05, 0.25, 0.5, 0.75, 0.95};
  EXPECT_DOUBLE_EQ(*weighted_interval_score(five, std::vector<double>{0, 2, 4, 6, 10}, 1), 1.6);
  // Median alone: WIS is the absolute error.
  EXPECT_DOUBLE_EQ(*weighted_interval_score(std::vector<double>{0.5}, std::vector<double>{3}, 10), 7);
}

TEST(WeightedIntervalScore, CollapsedHubForecastIsAbsoluteError) {
  std::vector<double> values(kHubQuantileLevels.size(), 100.0);
  EXPECT_NEAR(*weighted_interval_score(kHubQuantileLevels, values, 130), 30, 1e-12);
  EXPECT_NEAR(*weighted_interval_score(kHubQuantileLevels, values, 100), 0, 1e-12);
}

TEST(WeightedIntervalScore, HubLevelsHandComputed) {
  // Quantile value = 100 * level, y = 20: sum over the 11 intervals of alpha/2 * IS plus half the
  // absolute error; the second check below writes the same sum out term by term.
  std::vector<double> values;
  for (double level : kHubQuantileLevels) values.push_back(100 * level);
  double expected = 0.5 * 30;  // |20 - 50|
  for (size_t k = 0; k < 11; ++k) {
    const double alpha = 2 * kHubQuantileLevels[k];
    const double lower = 100 * kHubQuantileLevels[k], upper = 100 * kHubQuantileLevels[22 - k];
    double is = upper - lower;
    if (20 < lower) is += 2 / alpha * (lower - 20);
    expected += alpha / 2 * is;
  }
  expected /= 11.5;
  EXPECT_NEAR(*weighted_interval_score(kHubQuantileLevels, values, 20), expected, 1e-12);
  // The same number written out: intervals containing 20 are those with lower <= 20, i.e. alpha <= 0.4.
  // Σ alpha/2·(100 - 100·alpha) over alpha in {.02,.05,.1,.2,.3,.4} = 0.98+2.375+4.5+8+10.5+12 = 38.355;
  // alpha in {.5,.6,.7,.8,.9}: alpha/2·(100(1-alpha)) + (lower-20) with lower = 50·alpha:
  // .5: 12.5+5 = 17.5; .6: 12+10 = 22; .7: 10.5+15 = 25.5; .8: 8+20 = 28; .9: 4.5+25 = 29.5  -> 122.5
  EXPECT_NEAR(*weighted_interval_score(kHubQuantileLevels, values, 20), (15 + 38.355 + 122.5) / 11.5, 1e-9);
}

TEST(WeightedIntervalScore, RejectsMalformedForecasts) {
  EXPECT_FALSE(weighted_interval_score(std::vector<double>{0.25, 0.75}, std::vector<double>{1, 2}, 1).is_ok());
  EXPECT_FALSE(weighted_interval_score(std::vector<double>{0.2, 0.5, 0.75}, std::vector<double>{1, 2, 3}, 1).is_ok());
  EXPECT_FALSE(weighted_interval_score(std::vector<double>{0.25, 0.5, 0.75}, std::vector<double>{1, 2}, 1).is_ok());
}

TEST(Coverage, CentralIntervalsIncludeBounds) {
  std::vector<double> values;
  for (double level : kHubQuantileLevels) values.push_back(level);
  EXPECT_TRUE(*covered_by_central_interval(kHubQuantileLevels, values, 0.5, 0.25));
  EXPECT_FALSE(*covered_by_central_interval(kHubQuantileLevels, values, 0.5, 0.8));
  EXPECT_TRUE(*covered_by_central_interval(kHubQuantileLevels, values, 0.95, 0.8));
  EXPECT_FALSE(*covered_by_central_interval(kHubQuantileLevels, values, 0.95, 0.98));
}

}  // namespace
}  // namespace shouwang::estimate
