// Water-filling against closed-form answers, and the exactness of largest-remainder rounding.
#include "aid/water_filling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <random>

namespace shouwang::aid {
namespace {

constexpr int64_t kPlenty = 1'000'000'000;

// A water-filling instance whose level and shares are worked out by hand (in `why`).
struct ClosedFormCase {
  const char* name;
  const char* why;
  std::vector<FillTarget> targets;  // {weighted population, delivered, upper}
  int64_t supply;
  std::optional<double> theta;  // not stated where no level is defined (nothing to fill)
  std::vector<double> quantities;
  double quantity_tolerance = 1e-9;  // 0 where the answer is an exact bound
};

const double kThreeLevelsTheta = 105.0 / 900.0;

const ClosedFormCase kClosedFormCases[] = {
    {"SharesProportionalToPopulationWhenNothingBinds", "theta = supply / total population; each gets population x theta",
     {{100, 0, kPlenty}, {300, 0, kPlenty}}, 200, 0.5, {50, 150}},
    {"MetNeedDropsOutAndTheRestRises", "A needs only 10, so B gets the other 90 and the level is 90/100",
     {{100, 0, 10}, {100, 0, 1000}}, 100, 0.9, {10, 90}},
    {"DeliveredUnitsCountTowardCoverage",
     "A already holds 30 of 100. B first rises to 0.3 (30 units), the last 20 split 10/10: theta 0.4",
     {{100, 30, kPlenty}, {100, 0, kPlenty}}, 50, 0.4, {10, 40}},
    {"CountryAboveTheLevelGetsNothing", "A holds 80 of 100, above the level 0.5 that B's 50 units reach",
     {{100, 80, kPlenty}, {100, 0, kPlenty}}, 50, 0.5, {0, 50}},
    {"WeightScalesTheTarget",
     "A has weight 2 (weighted population 200): both reach weight x theta with theta = 300/300",
     {{200, 0, kPlenty}, {100, 0, kPlenty}}, 300, 1.0, {200, 100}},
    {"AmpleSupplyMeetsEveryUpperBound", "every upper bound is met; B fills last, at (5 + 20) / 50",
     {{100, 0, 10}, {50, 5, 20}, {10, 0, 0}}, 1000, 0.5, {10, 20, 0}, 0.0},
    {"NoSupplyGivesNothing", "nothing to share", {{100, 0, 10}, {100, 0, 10}}, 0, std::nullopt, {0, 0}, 0.0},
    {"ThreeLevelsClosedForm",
     "populations 100, 200, 700; needs 5, 1000, 1000; B delivered 10; supply 100. A is met at 0.05, then B "
     "(from 0.05) and C rise together: 100 - 5 = (200t - 10) + 700t, t = 105/900",
     {{100, 0, 5}, {200, 10, 1000}, {700, 0, 1000}}, 100, kThreeLevelsTheta,
     {5, 200 * kThreeLevelsTheta - 10, 700 * kThreeLevelsTheta}},
};

class WaterFillClosedFormTest : public testing::TestWithParam<ClosedFormCase> {};

TEST_P(WaterFillClosedFormTest, MatchesTheHandWorkedAnswer) {
  const ClosedFormCase& c = GetParam();
  SCOPED_TRACE(c.why);
  FillResult r = water_fill(c.targets, c.supply);
  if (c.theta) EXPECT_NEAR(r.theta, *c.theta, 1e-12);
  ASSERT_EQ(r.quantities.size(), c.quantities.size());
  for (size_t i = 0; i < c.quantities.size(); ++i)
    EXPECT_NEAR(r.quantities[i], c.quantities[i], c.quantity_tolerance) << "target " << i;
  int64_t total_upper = 0;
  for (const auto& t : c.targets) total_upper += t.upper;
  EXPECT_EQ(r.total, std::min(c.supply, total_upper));
}

INSTANTIATE_TEST_SUITE_P(WaterFillTest, WaterFillClosedFormTest, testing::ValuesIn(kClosedFormCases),
                         [](const testing::TestParamInfo<ClosedFormCase>& info) { return info.param.name; });

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
