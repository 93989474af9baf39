// Water-filling against closed-form answers, and the exactness of largest-remainder rounding.
#include "aid/water_filling.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

namespace shouwang::aid {
namespace {

constexpr int64_t kPlenty = 1'000'000'000;

TEST(WaterFillTest, SharesProportionalToPopulationWhenNothingBinds) {
  // theta = supply / total population; each gets population x theta.
  std::vector<FillTarget> targets = {{100, 0, kPlenty}, {300, 0, kPlenty}};
  FillResult r = water_fill(targets, 200);
  EXPECT_DOUBLE_EQ(r.theta, 0.5);
  EXPECT_NEAR(r.quantities[0], 50, 1e-9);
  EXPECT_NEAR(r.quantities[1], 150, 1e-9);
  EXPECT_EQ(r.total, 200);
}

TEST(WaterFillTest, MetNeedDropsOutAndTheRestRises) {
  // A needs only 10, so B gets the other 90 and the level is 90/100.
  std::vector<FillTarget> targets = {{100, 0, 10}, {100, 0, 1000}};
  FillResult r = water_fill(targets, 100);
  EXPECT_NEAR(r.theta, 0.9, 1e-12);
  EXPECT_NEAR(r.quantities[0], 10, 1e-9);
  EXPECT_NEAR(r.quantities[1], 90, 1e-9);
}

TEST(WaterFillTest, DeliveredUnitsCountTowardCoverage) {
  // A already holds 30 of 100. B first rises to 0.3 (30 units), the last 20 split 10/10: theta 0.4.
  std::vector<FillTarget> targets = {{100, 30, kPlenty}, {100, 0, kPlenty}};
  FillResult r = water_fill(targets, 50);
  EXPECT_NEAR(r.theta, 0.4, 1e-12);
  EXPECT_NEAR(r.quantities[0], 10, 1e-9);
  EXPECT_NEAR(r.quantities[1], 40, 1e-9);
}

TEST(WaterFillTest, CountryAboveTheLevelGetsNothing) {
  std::vector<FillTarget> targets = {{100, 80, kPlenty}, {100, 0, kPlenty}};
  FillResult r = water_fill(targets, 50);
  EXPECT_NEAR(r.theta, 0.5, 1e-12);
  EXPECT_EQ(r.quantities[0], 0);
  EXPECT_NEAR(r.quantities[1], 50, 1e-9);
}

TEST(WaterFillTest, WeightScalesTheTarget) {
  // A has weight 2 (weighted population 200): both reach weight x theta with theta = 300/300.
  std::vector<FillTarget> targets = {{200, 0, kPlenty}, {100, 0, kPlenty}};
  FillResult r = water_fill(targets, 300);
  EXPECT_NEAR(r.theta, 1.0, 1e-12);
  EXPECT_NEAR(r.quantities[0], 200, 1e-9);
  EXPECT_NEAR(r.quantities[1], 100, 1e-9);
}

TEST(WaterFillTest, AmpleSupplyMeetsEveryUpperBound) {
  std::vector<FillTarget> targets = {{100, 0, 10}, {50, 5, 20}, {10, 0, 0}};
  FillResult r = water_fill(targets, 1000);
  EXPECT_EQ(r.total, 30);
  EXPECT_EQ(r.quantities[0], 10);
  EXPECT_EQ(r.quantities[1], 20);
  EXPECT_EQ(r.quantities[2], 0);
  EXPECT_NEAR(r.theta, 0.5, 1e-12);  // B fills last, at (5 + 20) / 50
}

TEST(WaterFillTest, NoSupplyGivesNothing) {
  std::vector<FillTarget> targets = {{100, 0, 10}, {100, 0, 10}};
  FillResult r = water_fill(targets, 0);
  EXPECT_EQ(r.total, 0);
  EXPECT_EQ(r.quantities[0], 0);
  EXPECT_EQ(r.quantities[1], 0);
}

TEST(WaterFillTest, ThreeLevelsClosedForm) {
  // Populations 100, 200, 700; needs 5, 1000, 1000; A delivered 0, B 10, C 0; supply 100.
  // A is met at 0.05. Then B (from 0.05) and C rise together: 100 - 5 = (200t - 10) + 700t -> t = 0.1166..
  std::vector<FillTarget> targets = {{100, 0, 5}, {200, 10, 1000}, {700, 0, 1000}};
  FillResult r = water_fill(targets, 100);
  double theta = 105.0 / 900.0;
  EXPECT_NEAR(r.theta, theta, 1e-12);
  EXPECT_NEAR(r.quantities[0], 5, 1e-9);
  EXPECT_NEAR(r.quantities[1], 200 * theta - 10, 1e-9);
  EXPECT_NEAR(r.quantities[2], 700 * theta, 1e-9);
}

TEST(RoundLargestRemainderTest, LargestFractionsGetTheMissingUnits) {
  std::vector<double> q = {1.2, 2.7, 3.1};  // floors 1+2+3 = 6, one unit missing: 2.7 has .7
  std::vector<int64_t> upper = {10, 10, 10};
  EXPECT_EQ(round_largest_remainder(q, upper, 7), (std::vector<int64_t>{1, 3, 3}));
}

TEST(RoundLargestRemainderTest, TiesGoToTheEarlierIndex) {
  std::vector<double> q = {1.5, 1.5, 1.0};
  std::vector<int64_t> upper = {10, 10, 10};
  EXPECT_EQ(round_largest_remainder(q, upper, 4), (std::vector<int64_t>{2, 1, 1}));
}

TEST(RoundLargestRemainderTest, TotalIsExactAndEachWithinOneUnit) {
  std::mt19937_64 rng(20200311);
  for (int trial = 0; trial < 200; ++trial) {
    int n = 1 + static_cast<int>(rng() % 60);
    std::vector<FillTarget> targets(n);
    for (auto& t : targets) {
      t.weighted_population = 1 + static_cast<double>(rng() % 1'000'000) * std::uniform_real_distribution<>(0.5, 2)(rng);
      t.delivered = static_cast<int64_t>(rng() % 5000);
      t.upper = static_cast<int64_t>(rng() % 100'000);
    }
    int64_t supply = static_cast<int64_t>(rng() % 2'000'000);
    FillResult fill = water_fill(targets, supply);
    std::vector<int64_t> upper(n);
    for (int i = 0; i < n; ++i) upper[i] = targets[i].upper;
    auto rounded = round_largest_remainder(fill.quantities, upper, fill.total);
    EXPECT_EQ(std::accumulate(rounded.begin(), rounded.end(), int64_t{0}), fill.total) << "trial " << trial;
    for (int i = 0; i < n; ++i) {
      EXPECT_LE(rounded[i], upper[i]);
      EXPECT_LT(std::abs(static_cast<double>(rounded[i]) - fill.quantities[i]), 1.0) << "trial " << trial;
    }
  }
}

TEST(WaterFillTest, MoreSupplyNeverLowersARealValuedShare) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 100; ++trial) {
    int n = 2 + static_cast<int>(rng() % 30);
    std::vector<FillTarget> targets(n);
    int64_t total_upper = 0;
    for (auto& t : targets) {
      t.weighted_population = 100 + static_cast<double>(rng() % 100'000);
      t.delivered = static_cast<int64_t>(rng() % 3000);
      t.upper = static_cast<int64_t>(rng() % 20'000);
      total_upper += t.upper;
    }
    FillResult previous = water_fill(targets, 0);
    for (int64_t supply = 1; supply <= total_upper + 10; supply += 1 + total_upper / 37) {
      FillResult next = water_fill(targets, supply);
      EXPECT_GE(next.theta, previous.theta - 1e-12);
      for (int i = 0; i < n; ++i) EXPECT_GE(next.quantities[i], previous.quantities[i] - 1e-6);
      previous = next;
    }
  }
}

}  // namespace
}  // namespace shouwang::aid
