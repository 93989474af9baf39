#include "watch/watch.h"
#include "watch/report_watch.h"
#include "watch/detection_queue.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <future>

#include "store/open_store.h"
#include "tests/support/backends.h"

namespace shouwang::watch {
namespace {

using shouwang::testing::Backend;
using shouwang::testing::FreshDatabase;

class WatchTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_name_ = fresh_.create(GetParam());
    ASSERT_FALSE(db_name_.empty());
    auto opened = store::open_store(db_name_);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    store_ = std::move(opened).value();
    std::vector<Location> locations = {{"NGA", "Nigeria", "尼日利亚", "AFRO", 200'000'000, LocationLevel::kCountry},
                                       {"GHA", "Ghana", "加纳", "AFRO", 30'000'000, LocationLevel::kCountry}};
    ASSERT_TRUE(store_->upsert_locations(locations).is_ok());
    auto database = store::sql::Database::open(db_name_);
    ASSERT_TRUE(database.is_ok()) << database.status().to_string();
    database_ = std::move(database).value();
    auto signals = SignalStore::open(*database_);
    ASSERT_TRUE(signals.is_ok()) << signals.status().to_string();
    signals_ = std::move(signals).value();
  }
  void TearDown() override {
    signals_.reset();
    database_.reset();
    store_.reset();
  }
  FreshDatabase fresh_;
  std::string db_name_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::sql::Database> database_;
  std::unique_ptr<SignalStore> signals_;
  ManualClock clock_{*Timestamp::parse("2021-01-01T00:00:00Z")};
};

INSTANTIATE_TEST_SUITE_P(Backends, WatchTest, shouwang::testing::kBothBackends, shouwang::testing::backend_test_name);

TEST_P(WatchTest, DailyReportsBecomeWholeWeeks) {
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

TEST_P(WatchTest, FlagsASpikeAndKeepsTheSignals) {
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
  ASSERT_TRUE(signals_->save(summary->signals).is_ok());

  SignalQuery query;
  query.alarms_only = true;
  auto alarms = signals_->read(query);
  ASSERT_TRUE(alarms.is_ok());
  ASSERT_EQ(alarms->size(), 1u);
  EXPECT_EQ((*alarms)[0].location, "NGA");
  EXPECT_EQ((*alarms)[0].week.to_string(), "2020-W20");
  EXPECT_EQ((*alarms)[0].observed, 400);
  // Saving again replaces, never duplicates.
  ASSERT_TRUE(signals_->save(summary->signals).is_ok());
  auto all = signals_->read(SignalQuery{});
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  EXPECT_EQ(all->size(), summary->signals.size());
}

// A disaggregated part is not the total: a spike reported for women in Ghana raises no alarm on
// Ghana's total, and parts are not series of their own for detection.
TEST_P(WatchTest, DisaggregatedPartsStayOutOfTheTotalsDetection) {
  std::vector<store::ObservationWrite> rows;
  IsoWeek week = *IsoWeek::parse("2020-W01");
  for (int i = 0; i < 20; ++i, week = week.next()) {
    rows.push_back({"NGA", "cases", Period::week(week), i == 19 ? 400.0 : 20.0 + (i % 3)});
    rows.push_back({"GHA", "cases", Period::week(week), 10.0 + (i % 2)});
    rows.push_back({"GHA", "cases", Period::week(week), i == 19 ? 900.0 : 5.0, "SEX=F"});
  }
  ASSERT_TRUE(store_->write_observations(rows, "who", clock_.now()).is_ok());
  DetectionRequest request;
  request.method = "ears-c2";
  request.level = LocationLevel::kCountry;
  auto summary = run_detection(*store_, request, clock_);
  ASSERT_TRUE(summary.is_ok()) << summary.status().to_string();
  EXPECT_EQ(summary->series, 2);
  EXPECT_EQ(summary->alarms, 1);
  for (const auto& signal : summary->signals) {
    if (signal.location == "GHA") EXPECT_LT(signal.observed, 20) << signal.week.to_string();
  }
}

// The pipeline after a report: detection on the series the report touched only, signals kept,
// and for each series and method the newest week with a verdict announced, with the report's time.
TEST_P(WatchTest, AReportIsDetectedKeptAndItsNewestVerdictsAnnounced) {
  std::vector<store::ObservationWrite> rows;
  IsoWeek week = *IsoWeek::parse("2020-W01");
  for (int i = 0; i < 20; ++i, week = week.next()) {
    rows.push_back({"NGA", "cases", Period::week(week), i == 19 ? 400 : 20.0 + (i % 3)});
    rows.push_back({"GHA", "cases", Period::week(week), 10.0 + (i % 2)});
  }
  ASSERT_TRUE(store_->write_observations(rows, "who", clock_.now()).is_ok());

  std::vector<std::vector<Signal>> announced;
  Timestamp announced_at;
  ReportWatch watch(*signals_, {"ears-c2", "no-such-method"}, clock_,
                    [&](const std::vector<Signal>& newest, Timestamp received_at) {
                      announced.push_back(newest);
                      announced_at = received_at;
                      return Status::ok();
                    });
  const Timestamp received = *Timestamp::parse("2020-05-20T10:00:00Z");
  auto problems = watch.on_report(*store_, ReportedSeries{{{"NGA", "cases"}}, received});
  ASSERT_EQ(problems.size(), 1u);  // the unknown method, counted and named, not silently skipped
  EXPECT_EQ(problems[0].method, "no-such-method");
  EXPECT_EQ(problems[0].reason, "invalid_argument");
  EXPECT_NE(problems[0].detail.find("NGA cases"), std::string::npos) << problems[0].detail;

  ASSERT_EQ(announced.size(), 1u);
  ASSERT_EQ(announced[0].size(), 1u);  // NGA only (GHA was not in the report), ears-c2 only
  const Signal& newest = announced[0][0];
  EXPECT_EQ(newest.location, "NGA");
  EXPECT_EQ(newest.method, "ears-c2");
  EXPECT_EQ(newest.week.to_string(), "2020-W20");
  EXPECT_EQ(newest.alarm, detect::Alarm::kYes);
  EXPECT_EQ(announced_at, received);
  auto kept = signals_->read(SignalQuery{.location = std::string("NGA")});
  ASSERT_TRUE(kept.is_ok());
  EXPECT_GT(kept->size(), 1u);  // every evaluated week, not only the newest
  EXPECT_TRUE(signals_->read(SignalQuery{.location = std::string("GHA")})->empty());
}

TEST_P(WatchTest, AnAnnouncementFailureIsReturnedAndTheSignalsAreStillKept) {
  std::vector<store::ObservationWrite> rows;
  IsoWeek week = *IsoWeek::parse("2020-W01");
  for (int i = 0; i < 20; ++i, week = week.next()) rows.push_back({"NGA", "cases", Period::week(week), 20.0 + (i % 3)});
  ASSERT_TRUE(store_->write_observations(rows, "who", clock_.now()).is_ok());
  ReportWatch watch(*signals_, {"ears-c2"}, clock_,
                    [](const std::vector<Signal>&, Timestamp) { return unavailable("liaison is down"); });
  auto problems = watch.on_report(*store_, ReportedSeries{{{"NGA", "cases"}}, clock_.now()});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].method, "announce");
  EXPECT_EQ(problems[0].reason, "unavailable");
  EXPECT_FALSE(signals_->read(SignalQuery{})->empty());
}

TEST_P(WatchTest, AReportOfSeriesTooShortAnnouncesNothing) {
  std::vector<store::ObservationWrite> rows = {{"NGA", "cases", *Period::parse("2020-W01"), 5}};
  ASSERT_TRUE(store_->write_observations(rows, "who", clock_.now()).is_ok());
  int calls = 0;
  ReportWatch watch(*signals_, {"ears-c2"}, clock_, [&](const std::vector<Signal>&, Timestamp) {
    ++calls;
    return Status::ok();
  });
  for (const auto& problem : watch.on_report(*store_, ReportedSeries{{{"NGA", "cases"}}, clock_.now()})) {
    EXPECT_EQ(problem.reason, "series_skipped") << problem.detail;
  }
  EXPECT_EQ(calls, 0);
}

// Steady growth of a running total is not an outbreak: a report of cases_cumulative is analysed
// through its daily differences (the location reports no incident series), marked as derived.
TEST_P(WatchTest, ACumulativeReportIsAnalysedThroughItsDifferencesAndRaisesNoAlarmFromGrowth) {
  std::vector<store::ObservationWrite> rows;
  Date start = *Date::parse("2020-01-06");
  double total = 1000;
  for (int d = 0; d < 20 * 7; ++d) {
    total += 50 + (d * 37) % 11;  // a steady 50-60 new cases a day
    rows.push_back({"NGA", "cases_cumulative", Period::day(start.plus_days(d)), total});
  }
  ASSERT_TRUE(store_->write_observations(rows, "csv", clock_.now()).is_ok());
  std::vector<Signal> announced;
  ReportWatch watch(*signals_, {"ears-c3"}, clock_, [&](const std::vector<Signal>& newest, Timestamp) {
    announced.insert(announced.end(), newest.begin(), newest.end());
    return Status::ok();
  });
  auto problems = watch.on_report(*store_, ReportedSeries{{{"NGA", "cases_cumulative"}}, clock_.now()});
  for (const auto& problem : problems) ADD_FAILURE() << problem.method << " " << problem.reason << " " << problem.detail;
  auto kept = signals_->read(SignalQuery{.location = std::string("NGA")});
  ASSERT_TRUE(kept.is_ok());
  ASSERT_FALSE(kept->empty());
  for (const auto& signal : *kept) {
    EXPECT_EQ(signal.indicator, "cases");
    EXPECT_EQ(signal.derived_from, "cases_cumulative");
    EXPECT_NE(signal.alarm, detect::Alarm::kYes) << signal.week.to_string();
  }
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].derived_from, "cases_cumulative");
  // The running totals summed into weeks (what detection did before) alarm on growth alone.
  detect::WeeklySeries running;
  for (int w = 0; w < 20; ++w) {
    double week = 0;
    for (int d = 0; d < 7; ++d) week += rows[static_cast<size_t>(w * 7 + d)].value;
    running.observed.push_back(week);
  }
  const detect::Detector* c3 = detect::find_detector("ears-c3");
  auto naive = c3->run(running, c3->default_options);
  ASSERT_TRUE(naive.is_ok());
  bool any_alarm = false;
  for (const auto& week : *naive) any_alarm = any_alarm || week.alarm == detect::Alarm::kYes;
  EXPECT_TRUE(any_alarm);
}

TEST_P(WatchTest, DetectionRefusesACumulativeIndicatorNamingTheIncidentOne) {
  DetectionRequest request;
  request.indicator = "deaths_cumulative";
  request.method = "ears-c2";
  auto summary = run_detection(*store_, request, clock_);
  ASSERT_FALSE(summary.is_ok());
  EXPECT_EQ(summary.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(summary.status().message().find("ask for deaths"), std::string::npos) << summary.status().message();
}

// One rule for corrections: a week holding a negative day has no value for detection (it is
// neither a drop nor a baseline week), instead of a sum that may be negative.
TEST_P(WatchTest, AWeekWithACorrectionIsMissingForDetection) {
  std::vector<store::ObservationWrite> rows;
  Date start = *Date::parse("2020-01-06");
  for (int d = 0; d < 21; ++d) rows.push_back({"NGA", "cases", Period::day(start.plus_days(d)), d == 9 ? -40.0 : 5.0});
  ASSERT_TRUE(store_->write_observations(rows, "csv", clock_.now()).is_ok());
  auto weekly = read_weekly_series(*store_, "NGA", "cases");
  ASSERT_TRUE(weekly.is_ok() && weekly->has_value());
  ASSERT_EQ((*weekly)->series.observed.size(), 3u);
  EXPECT_EQ((*weekly)->series.observed[0], 35);
  EXPECT_TRUE(std::isnan((*weekly)->series.observed[1]));
  EXPECT_EQ((*weekly)->series.observed[2], 35);
  EXPECT_TRUE((*weekly)->derived_from.empty());
}

// The worker of a DetectionQueue held inside its first run until release() is called.
class HeldStore {
 public:
  explicit HeldStore(store::Store& store) : store_(store) {}
  DetectionQueue::WithStore with_store() {
    return [this](const std::function<void(store::Store&)>& work) {
      if (first_) {
        first_ = false;
        entered_.set_value();
        released_.get_future().wait();
      }
      work(store_);
      return Status::ok();
    };
  }
  void wait_entered() { entered_.get_future().wait(); }
  void release() { released_.set_value(); }

 private:
  store::Store& store_;
  bool first_ = true;
  std::promise<void> entered_, released_;
};

TEST_P(WatchTest, TheQueueAnswersAtOnceAndRunsDetectionOncePerSeriesHoweverOftenItIsReported) {
  std::vector<store::ObservationWrite> rows;
  IsoWeek week = *IsoWeek::parse("2020-W01");
  for (int i = 0; i < 20; ++i, week = week.next()) {
    rows.push_back({"NGA", "cases", Period::week(week), 20.0 + (i % 3)});
    rows.push_back({"GHA", "cases", Period::week(week), 10.0 + (i % 2)});
  }
  ASSERT_TRUE(store_->write_observations(rows, "who", clock_.now()).is_ok());
  int announcements = 0;
  ReportWatch watch(*signals_, {"ears-c2"}, clock_, [&](const std::vector<Signal>&, Timestamp) {
    ++announcements;
    return Status::ok();
  });
  HeldStore held(*store_);
  std::vector<std::string> log;
  DetectionQueue queue(watch, held.with_store(), clock_, {.log = [&](const std::string& line) { log.push_back(line); }});
  ASSERT_TRUE(queue.enqueue(ReportedSeries{{{"NGA", "cases"}}, clock_.now()}).is_ok());
  held.wait_entered();
  // While the first run is held, a burst of reports of two series is queued as two entries.
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(queue.enqueue(ReportedSeries{{{"NGA", "cases"}, {"GHA", "cases"}}, clock_.now()}).is_ok());
  }
  EXPECT_EQ(queue.counters().waiting_series, 2);
  held.release();
  queue.wait_idle();
  auto counters = queue.counters();
  EXPECT_EQ(counters.runs, 2);
  EXPECT_EQ(counters.series_analysed, 3);
  EXPECT_EQ(counters.waiting_series, 0);
  EXPECT_EQ(announcements, 2);
  EXPECT_TRUE(counters.problems.empty());
  EXPECT_TRUE(log.empty());
}

TEST_P(WatchTest, TheQueueCountsAndLogsProblemsAndReportsAnOldBacklog) {
  ReportWatch watch(*signals_, {"no-such-method"}, clock_, [](const std::vector<Signal>&, Timestamp) { return Status::ok(); });
  HeldStore held(*store_);
  std::vector<std::string> log;
  DetectionQueue queue(watch, held.with_store(), clock_,
                       {.max_waiting_series = 1, .stale_after_seconds = 300, .log = [&](const std::string& line) { log.push_back(line); }});
  ASSERT_TRUE(queue.enqueue(ReportedSeries{{{"NGA", "cases"}}, clock_.now()}).is_ok());
  held.wait_entered();
  ASSERT_TRUE(queue.enqueue(ReportedSeries{{{"GHA", "cases"}}, clock_.now()}).is_ok());
  // Full: one series waits already.
  EXPECT_EQ(queue.enqueue(ReportedSeries{{{"NGA", "deaths"}}, clock_.now()}).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(queue.backlog_problem().has_value());
  clock_.advance_micros(301'000'000);
  auto backlog = queue.backlog_problem();
  ASSERT_TRUE(backlog.has_value());
  EXPECT_NE(backlog->find("1 series waiting, the oldest for 301 s"), std::string::npos) << *backlog;
  held.release();
  queue.wait_idle();
  EXPECT_FALSE(queue.backlog_problem().has_value());
  auto counters = queue.counters();
  EXPECT_EQ(counters.refused_series, 1);
  EXPECT_EQ((counters.problems[{"no-such-method", "invalid_argument"}]), 2);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find("NGA cases"), std::string::npos) << log[0];
  EXPECT_NE(log[1].find("GHA cases"), std::string::npos) << log[1];
  std::string metrics = queue.render_metrics();
  EXPECT_NE(metrics.find("shouwang_detection_problems_total{method=\"no-such-method\",reason=\"invalid_argument\"} 2"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("shouwang_detection_refused_series_total 1"), std::string::npos) << metrics;
}

TEST_P(WatchTest, MissingNumbersAndFiltersRoundTrip) {
  IsoWeek w10 = *IsoWeek::parse("2020-W10");
  Timestamp at = clock_.now();
  std::vector<Signal> signals = {
      {"NGA", "cases", w10, "noufaily", 12, 30.5, detect::Alarm::kNo, 10.25, 0.1, at},
      {"NGA", "cases", w10.next(), "noufaily", 90, 30.5, detect::Alarm::kYes, 11, 2.75, at},
      {"NGA", "deaths", w10, "noufaily", 1, detect::kMissing, detect::Alarm::kMissing, detect::kMissing,
       detect::kMissing, at},
      {"GHA", "cases", w10, "ears-c2", 5, 7, detect::Alarm::kNo, 4, 0.5, at},
  };
  ASSERT_TRUE(signals_->save(signals).is_ok());

  auto missing = signals_->read(SignalQuery{.indicator = "deaths"});
  ASSERT_TRUE(missing.is_ok()) << missing.status().to_string();
  ASSERT_EQ(missing->size(), 1u);
  EXPECT_EQ((*missing)[0].observed, 1);
  EXPECT_TRUE(std::isnan((*missing)[0].upperbound));
  EXPECT_TRUE(std::isnan((*missing)[0].expected));
  EXPECT_TRUE(std::isnan((*missing)[0].score));
  EXPECT_EQ((*missing)[0].alarm, detect::Alarm::kMissing);
  EXPECT_EQ((*missing)[0].computed_at, at);

  auto nga_cases = signals_->read(SignalQuery{.location = "NGA", .indicator = "cases", .method = "noufaily"});
  ASSERT_TRUE(nga_cases.is_ok());
  ASSERT_EQ(nga_cases->size(), 2u);
  EXPECT_EQ((*nga_cases)[0].week, w10);
  EXPECT_EQ((*nga_cases)[0].expected, 10.25);
  EXPECT_EQ((*nga_cases)[1].alarm, detect::Alarm::kYes);
  EXPECT_EQ((*nga_cases)[1].score, 2.75);

  auto from_w11 = signals_->read(SignalQuery{.from = w10.next()});
  ASSERT_TRUE(from_w11.is_ok());
  ASSERT_EQ(from_w11->size(), 1u);
  EXPECT_EQ((*from_w11)[0].week, w10.next());
  auto to_w10 = signals_->read(SignalQuery{.to = w10});
  ASSERT_TRUE(to_w10.is_ok());
  EXPECT_EQ(to_w10->size(), 3u);
  EXPECT_EQ((*to_w10)[0].location, "GHA");  // ordered by location first
  auto limited = signals_->read(SignalQuery{.limit = 2});
  ASSERT_TRUE(limited.is_ok());
  EXPECT_EQ(limited->size(), 2u);
  auto ears = signals_->read(SignalQuery{.method = "ears-c2"});
  ASSERT_TRUE(ears.is_ok());
  ASSERT_EQ(ears->size(), 1u);
  EXPECT_EQ((*ears)[0].location, "GHA");
}

// A database file whose signals table the previous binary made (REAL and INTEGER columns, no
// migration record) opens with its rows.
TEST(WatchUpgrade, SignalsOfThePreviousBinaryAreKept) {
  FreshDatabase fresh;
  const std::string path = fresh.create(Backend::kSqlite);
  {
    auto conn = store::sql::connect(path);
    ASSERT_TRUE(conn.is_ok()) << conn.status().to_string();
    ASSERT_TRUE((*conn)->exec(R"sql(
CREATE TABLE signals(
  location TEXT NOT NULL, indicator TEXT NOT NULL, week TEXT NOT NULL, method TEXT NOT NULL,
  observed REAL, upperbound REAL, alarm INTEGER, expected REAL, score REAL, computed_at INTEGER NOT NULL,
  PRIMARY KEY(location, indicator, week, method));
CREATE INDEX signals_alarm ON signals(alarm, week);
INSERT INTO signals VALUES('NGA', 'cases', '2020-W10', 'noufaily', 12, 30.5, 0, 10.25, 0.1, 1577836800000000);
)sql").is_ok());
  }
  auto database = store::sql::Database::open(path);
  ASSERT_TRUE(database.is_ok());
  auto signals = SignalStore::open(**database);
  ASSERT_TRUE(signals.is_ok()) << signals.status().to_string();
  auto kept = (*signals)->read(SignalQuery{});
  ASSERT_TRUE(kept.is_ok()) << kept.status().to_string();
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].upperbound, 30.5);
  EXPECT_EQ((*kept)[0].alarm, detect::Alarm::kNo);
}

TEST_P(WatchTest, UnknownMethodIsAClearError) {
  DetectionRequest request;
  request.method = "magic";
  auto summary = run_detection(*store_, request, clock_);
  ASSERT_FALSE(summary.is_ok());
  EXPECT_NE(summary.status().message().find("unknown method 'magic'"), std::string::npos);
}

}  // namespace
}  // namespace shouwang::watch
