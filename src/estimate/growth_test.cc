// Growth rate and doubling time on series whose answer is known.
#include "estimate/growth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace shouwang::estimate {
namespace {

TEST(Growth, ExactExponentialGivesItsRate) {
  std::vector<double> daily;
  for (int t = 0; t < 40; ++t) daily.push_back(100 * std::exp(0.05 * t));
  auto growth = estimate_growth(daily, 39);
  ASSERT_TRUE(growth.is_ok()) << growth.status().to_string();
  EXPECT_NEAR(growth->rate, 0.05, 1e-12);
  EXPECT_NEAR(growth->doubling_time, std::numbers::ln2 / 0.05, 1e-9);
  EXPECT_NEAR(growth->rate_lower, 0.05, 1e-9);
  EXPECT_NEAR(growth->rate_upper, 0.05, 1e-9);
}

TEST(Growth, DecliningSeriesHasNegativeDoublingTime) {
  std::vector<double> daily;
  for (int t = 0; t < 30; ++t) daily.push_back(1000 * std::exp(-0.1 * t));
  auto growth = estimate_growth(daily, 29);
  ASSERT_TRUE(growth.is_ok());
  EXPECT_NEAR(growth->rate, -0.1, 1e-12);
  EXPECT_NEAR(growth->doubling_time, -std::numbers::ln2 / 0.1, 1e-9);
}

TEST(Growth, NoisySeriesIntervalContainsTheTruthAndFlatSeriesSpansZero) {
  // Smoothed residuals are autocorrelated, so the t interval is narrow: check the rate, and the order.
  std::mt19937_64 rng(7);
  std::vector<double> daily;
  for (int t = 0; t < 60; ++t) daily.push_back(std::poisson_distribution<int>(500 * std::exp(0.03 * t))(rng));
  auto growth = estimate_growth(daily, 59);
  ASSERT_TRUE(growth.is_ok());
  EXPECT_NEAR(growth->rate, 0.03, 0.005);
  EXPECT_LT(growth->rate_lower, growth->rate);
  EXPECT_GT(growth->rate_upper, growth->rate);
  EXPECT_LT(growth->doubling_time_lower, growth->doubling_time);
  EXPECT_GT(growth->doubling_time_upper, growth->doubling_time);

  // Up then down inside the fit window: the slope's interval contains 0.
  std::vector<double> hump(30, 50.0);
  for (int t = 20; t <= 26; ++t) hump[t] = 100;
  auto level = estimate_growth(hump, 29);
  ASSERT_TRUE(level.is_ok());
  EXPECT_LT(level->rate_lower, 0);
  EXPECT_GT(level->rate_upper, 0);
  EXPECT_TRUE(std::isinf(level->doubling_time_upper));
}

TEST(Growth, TooShortOrZeroIsAnError) {
  std::vector<double> daily(10, 5.0);
  EXPECT_EQ(estimate_growth(daily, 9).status().code(), StatusCode::kFailedPrecondition);
  std::vector<double> zeros(30, 0.0);
  EXPECT_EQ(estimate_growth(zeros, 29).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace shouwang::estimate
