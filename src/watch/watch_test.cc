#include "watch/watch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace shouwang::watch {
namespace {

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() / ("shouwang-watch-" + std::to_string(getpid()) + ".db")).string();
    std::filesystem::remove(path_);
    auto opened = store::open_sqlite_store(path_);
    ASSERT_TRUE(opened.is_ok());
    store_ = std::move(opened).value();
    std::vector<Location> locations = {{"NGA", "Nigeria", "尼日利亚", "AFRO", 200'000'000, LocationLevel::kCountry},
                                       {"GHA", "Ghana", "加纳", "AFRO", 30'000'000, LocationLevel::kCountry}};
    ASSERT_TRUE(store_->upsert_locations(locations).is_ok());
  }
  void TearDown() override {
    store_.reset();
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  std::string path_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{*Timestamp::parse("2021-01-01T00:00:00Z")};
};

TEST_F(WatchTest, DailyReportsBecomeWholeWeeks) {
  // 2020-01-06 is the Monday of 2020-W02; 3 full weeks and 2 days of a fourth.
  std::vector<store::ObservationWrite> rows;
  Date start = *Date::parse("2020-01-06");
  for (int d = 0; d < 23; ++d) rows.push_back({"NGA", "cases", Period::day(start.plus_days(d)), 1.0 + d % 7});
  ASSERT_TRUE(store_->write_observations(rows, "csv", clock_.now()).is_ok());
  auto weekly = read_weekly_series(*store_, "NGA", "cases");
  ASSERT_TRUE(weekly.is_ok());
  ASSERT_TRUE(weekly->has_value());
  const auto& s = **weekly;
  ASSERT_EQ(s.weeks.size(), 4u);
  EXPECT_EQ(s.weeks[0].to_string(), "2020-W02");
  EXPECT_EQ(s.series.observed[0], 28);  // 1+2+...+7
  EXPECT_TRUE(std::isnan(s.series.observed[3]));  // only 2 of 7 days reported
  EXPECT_EQ(s.series.dates[1].to_string(), "2020-01-13");
}

TEST_F(WatchTest, FlagsASpikeAndKeepsTheSignals) {
  std::vector<store::ObservationWrite> rows;
  IsoWeek week = *IsoWeek::parse("2020-W01");
  for (int i = 0; i < 20; ++i, week = week.next()) {
    double value = i == 19 ? 400 : 20 + (i % 3);
    rows.push_back({"NGA", "cases", Period::week(week), value});
    rows.push_back({"GHA", "cases", Period::week(week), 10.0 + (i % 2)});
  }
  ASSERT_TRUE(store_->write_observations(rows, "who", clock_.now()).is_ok());
  DetectionRequest request;
  request.method = "ears-c2";
  request.level = LocationLevel::kCountry;
  request.threads = 2;
  auto summary = run_detection(*store_, request, clock_);
  ASSERT_TRUE(summary.is_ok()) << summary.status().to_string();
  EXPECT_EQ(summary->series, 2);
  EXPECT_EQ(summary->alarms, 1);
  ASSERT_TRUE(save_signals(path_, summary->signals).is_ok());

  SignalQuery query;
  query.alarms_only = true;
  auto alarms = read_signals(path_, query);
  ASSERT_TRUE(alarms.is_ok());
  ASSERT_EQ(alarms->size(), 1u);
  EXPECT_EQ((*alarms)[0].location, "NGA");
  EXPECT_EQ((*alarms)[0].week.to_string(), "2020-W20");
  EXPECT_EQ((*alarms)[0].observed, 400);
  // Saving again replaces, never duplicates.
  ASSERT_TRUE(save_signals(path_, summary->signals).is_ok());
  EXPECT_EQ(read_signals(path_, SignalQuery{})->size(), summary->signals.size());
}

TEST_F(WatchTest, UnknownMethodIsAClearError) {
  DetectionRequest request;
  request.method = "magic";
  auto summary = run_detection(*store_, request, clock_);
  ASSERT_FALSE(summary.is_ok());
  EXPECT_NE(summary.status().message().find("unknown method 'magic'"), std::string::npos);
}

}  // namespace
}  // namespace shouwang::watch
