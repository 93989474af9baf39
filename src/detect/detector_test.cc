// The registry, range handling and errors of the detectors (the numbers are checked against R in
// golden_test.cc).
#include "detect/detector.h"

#include <gtest/gtest.h>

#include <thread>

namespace shouwang::detect {
namespace {

WeeklySeries flat_series(int weeks, double count) {
  WeeklySeries series;
  for (int t = 0; t < weeks; ++t) series.observed.push_back(count + (t % 3));
  return series;
}

TEST(Registry, ListsEveryMethodOfTheIssue) {
  for (const char* name : {"farrington", "noufaily", "farrington1996", "ears-c1", "ears-c2", "ears-c3", "cusum",
                           "glr-poisson"}) {
    const Detector* detector = find_detector(name);
    ASSERT_NE(detector, nullptr) << name;
    EXPECT_EQ(detector->name, name);
  }
  EXPECT_EQ(find_detector("farringtonFlexible"), nullptr);
  EXPECT_EQ(all_detectors().size(), 8u);
  EXPECT_EQ(find_detector("noufaily")->default_options.no_periods, 10);
  EXPECT_EQ(find_detector("noufaily")->default_options.past_weeks_not_included, 26);
  EXPECT_EQ(find_detector("ears-c3")->default_options.alpha, 0.025);
}

TEST(Detectors, ReportTooShortSeriesClearly) {
  const WeeklySeries series = flat_series(200, 5);
  const auto result = find_detector("farrington")->run(series, find_detector("farrington")->default_options);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("too short"), std::string::npos) << result.status().message();
  DetectorOptions options = find_detector("farrington")->default_options;
  options.b = 3;
  options.range_from = 150;
  const auto early = find_detector("farrington")->run(series, options);
  ASSERT_FALSE(early.is_ok());
  EXPECT_NE(early.status().message().find("week 150"), std::string::npos) << early.status().message();
}

TEST(Detectors, PopulationOffsetNeedsPopulation) {
  DetectorOptions options = find_detector("farrington")->default_options;
  options.population_offset = true;
  const auto result = find_detector("farrington")->run(flat_series(300, 5), options);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("population"), std::string::npos);
}

TEST(Detectors, CleanModeRunsAndStaysCloseToCompatMode) {
  WeeklySeries series = flat_series(400, 4);
  series.observed[390] = 30;
  const Detector* detector = find_detector("farrington");
  DetectorOptions options = detector->default_options;
  options.range_from = 380;
  const auto compat = detector->run(series, options);
  options.compat_r_surveillance = false;
  const auto clean = detector->run(series, options);
  ASSERT_TRUE(compat.is_ok() && clean.is_ok());
  ASSERT_EQ(compat->size(), clean->size());
  EXPECT_EQ((*compat)[11].t, 391);  // observed[390] is week 391
  EXPECT_EQ((*compat)[11].alarm, Alarm::kYes);
  EXPECT_EQ((*clean)[11].alarm, Alarm::kYes);
  EXPECT_NEAR((*clean)[0].upperbound, (*compat)[0].upperbound, 0.05 * (*compat)[0].upperbound);
}

TEST(Detectors, EarsCdcC3AlarmsOnASustainedRise) {
  WeeklySeries series = flat_series(40, 2);
  for (int t = 30; t < 33; ++t) series.observed[t] = 20;
  DetectorOptions options = find_detector("ears-c3")->default_options;
  options.c3_definition = EarsC3Definition::kCdc;
  const auto result = find_detector("ears-c3")->run(series, options);
  ASSERT_TRUE(result.is_ok());
  bool any = false;
  for (const auto& week : *result) any = any || week.alarm == Alarm::kYes;
  EXPECT_TRUE(any);
}

TEST(Detectors, ConcurrentRunsGiveTheSameResults) {
  WeeklySeries series = flat_series(400, 6);
  series.observed[395] = 25;
  const Detector* detector = find_detector("noufaily");
  DetectorOptions options = detector->default_options;
  options.range_from = 390;
  const auto reference = detector->run(series, options);
  ASSERT_TRUE(reference.is_ok());
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const auto again = detector->run(series, options);
      same[i] = again.is_ok() && again->size() == reference->size() &&
                (*again)[5].upperbound == (*reference)[5].upperbound && (*again)[5].alarm == (*reference)[5].alarm;
    });
  }
  for (auto& t : threads) t.join();
  for (int s : same) EXPECT_TRUE(s);
}

}  // namespace
}  // namespace shouwang::detect
