#include "core/incidence.h"

#include <gtest/gtest.h>

#include <cmath>

namespace shouwang {
namespace {

Date day(int y, unsigned m, unsigned d) { return Date::from_ymd(y, m, d); }

std::vector<PeriodCount> daily(Date first, std::vector<double> values) {
  std::vector<PeriodCount> out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isnan(values[i])) out.push_back({Period::day(first.plus_days(static_cast<int32_t>(i))), values[i]});
  }
  return out;
}

TEST(Incidence, LaysOutReportedDaysWithGapsAsMissing) {
  auto counts = reported_counts(daily(day(2020, 3, 2), {5, kNoCount, -3, 7}));
  ASSERT_EQ(counts.size(), 4u);
  EXPECT_EQ(counts.first, day(2020, 3, 2));
  EXPECT_TRUE(std::isnan(counts.values[1]));
  EXPECT_EQ(counts.corrections(), 1);
  EXPECT_EQ(counts.missing(), 1);
  EXPECT_TRUE(counts.derived_from.empty());
}

TEST(Incidence, CumulativeDifferencesHaveNoValueAfterAGapAndKeepDecreasesAsCorrections) {
  auto counts = counts_from_cumulative(daily(day(2020, 3, 2), {10, 15, kNoCount, 20, 18}), "cases_cumulative");
  EXPECT_EQ(counts.derived_from, "cases_cumulative");
  ASSERT_EQ(counts.size(), 5u);
  EXPECT_TRUE(std::isnan(counts.values[0]));  // no earlier total
  EXPECT_EQ(counts.values[1], 5);
  EXPECT_TRUE(std::isnan(counts.values[2]));
  EXPECT_TRUE(std::isnan(counts.values[3]));  // spans the gap
  EXPECT_EQ(counts.values[4], -2);
  EXPECT_EQ(counts.corrections(), 1);
}

TEST(Incidence, DetectionWeeksNeedSevenUsableDays) {
  // Wednesday 2020-03-04 to Sunday 2020-03-22: W10 is partial, W11 whole, W12 holds a correction.
  std::vector<double> values(19, 1.0);
  values[5 + 7 + 2] = -4;
  auto weekly = weekly_for_detection(reported_counts(daily(day(2020, 3, 4), values)));
  ASSERT_EQ(weekly.weeks.size(), 3u);
  EXPECT_EQ(weekly.weeks[0].to_string(), "2020-W10");
  EXPECT_TRUE(std::isnan(weekly.values[0]));
  EXPECT_EQ(weekly.values[1], 7);
  EXPECT_TRUE(std::isnan(weekly.values[2]));
}

TEST(Incidence, WeeklyReportsAreUsedAsTheyAreExceptCorrections) {
  IsoWeek w = IsoWeek::containing(day(2021, 1, 4));
  std::vector<PeriodCount> points = {{Period::week(w), 30}, {Period::week(w.next()), -5},
                                     {Period::week(w.next().next().next()), 12}};
  auto weekly = weekly_for_detection(reported_counts(points));
  ASSERT_EQ(weekly.values.size(), 4u);
  EXPECT_EQ(weekly.values[0], 30);
  EXPECT_TRUE(std::isnan(weekly.values[1]));
  EXPECT_TRUE(std::isnan(weekly.values[2]));
  EXPECT_EQ(weekly.values[3], 12);
  EXPECT_EQ(weekly.weeks[3], w.next().next().next());
}

TEST(Incidence, RenewalModelsCountMissingDaysAndCorrectionsAsZero) {
  auto renewal = daily_for_renewal(reported_counts(daily(day(2020, 3, 2), {5, kNoCount, -3, 7})));
  EXPECT_EQ(renewal, (std::vector<double>{5, 0, 0, 7}));
}

TEST(Incidence, TrailingAverageUsesOnlyUsableDays) {
  auto average = trailing_average(reported_counts(daily(day(2020, 3, 2), {3, -9, 6, kNoCount, kNoCount, kNoCount, 1})), 3);
  ASSERT_EQ(average.size(), 7u);
  EXPECT_TRUE(std::isnan(average[0]));  // not a whole window yet
  EXPECT_TRUE(std::isnan(average[1]));
  EXPECT_EQ(average[2], 4.5);  // the correction is left out
  EXPECT_EQ(average[3], 6);
  EXPECT_EQ(average[4], 6);
  EXPECT_TRUE(std::isnan(average[5]));
  EXPECT_EQ(average[6], 1);
}

}  // namespace
}  // namespace shouwang
