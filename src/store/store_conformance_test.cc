// The conformance suite every Store implementation passes (SQLite now; PostgreSQL later is added
// to the backend list below and runs the same tests).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace shouwang::store {
namespace {

Period day(const char* text) { return *Period::parse(text); }
Timestamp at(const char* text) { return *Timestamp::parse(text); }

class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("shouwang-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "test.db").string();
    auto opened = open_sqlite_store(path_);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    store_ = std::move(opened).value();
    Location ita{"ITA", "Italy", "意大利", "EURO", 59'000'000, LocationLevel::kCountry};
    ASSERT_TRUE(store_->upsert_locations(std::span<const Location>(&ita, 1)).is_ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<SeriesPoint> points(SeriesQuery q) {
    auto series = store_->read_series(q);
    EXPECT_TRUE(series.is_ok());
    if (!series.is_ok() || series->empty()) return {};
    return series->front().points;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreConformance, KeepsEveryRevisionAndAnswersAsOf) {
  std::vector<ObservationWrite> first = {{"ITA", "cases", day("2020-03-01"), 573},
                                         {"ITA", "cases", day("2020-03-02"), 335}};
  auto w1 = store_->write_observations(first, "csv", at("2020-03-03T00:00:00Z"));
  ASSERT_TRUE(w1.is_ok());
  EXPECT_EQ(w1->new_revisions, 2);
  std::vector<ObservationWrite> correction = {{"ITA", "cases", day("2020-03-02"), 340}};
  auto w2 = store_->write_observations(correction, "csv", at("2020-03-05T00:00:00Z"));
  ASSERT_TRUE(w2.is_ok());
  EXPECT_EQ(w2->new_revisions, 1);

  SeriesQuery latest{.location = "ITA", .indicator = "cases"};
  auto now = points(latest);
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[1].value, 340);
  EXPECT_EQ(now[1].revision, 2);

  SeriesQuery before = latest;
  before.as_of = at("2020-03-04T00:00:00Z");
  auto then = points(before);
  ASSERT_EQ(then.size(), 2u);
  EXPECT_EQ(then[1].value, 335);

  SeriesQuery earliest = latest;
  earliest.as_of = at("2020-03-01T00:00:00Z");
  EXPECT_TRUE(points(earliest).empty());

  auto revisions = store_->read_revisions(latest);
  ASSERT_TRUE(revisions.is_ok());
  EXPECT_EQ(revisions->size(), 3u);
}

TEST_F(StoreConformance, RewritingIdenticalValuesCreatesNoRevision) {
  std::vector<ObservationWrite> rows = {{"ITA", "cases", day("2020-03-01"), 573}};
  ASSERT_TRUE(store_->write_observations(rows, "csv", at("2020-03-03T00:00:00Z")).is_ok());
  auto again = store_->write_observations(rows, "csv", at("2020-03-04T00:00:00Z"));
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->observations, 1);
  EXPECT_EQ(again->new_revisions, 0);
  EXPECT_EQ(store_->read_revisions(SeriesQuery{})->size(), 1u);
}

TEST_F(StoreConformance, SourcesNeverOverwriteEachOtherAndFirstIsDefault) {
  std::vector<ObservationWrite> jhu = {{"ITA", "cases", day("2020-03-01"), 573}};
  std::vector<ObservationWrite> ministry = {{"ITA", "cases", day("2020-03-01"), 600}};
  ASSERT_TRUE(store_->write_observations(jhu, "jhu", at("2020-03-03T00:00:00Z")).is_ok());
  ASSERT_TRUE(store_->write_observations(ministry, "ministry", at("2020-03-04T00:00:00Z")).is_ok());
  EXPECT_EQ(*store_->default_source("ITA", "cases"), "jhu");
  EXPECT_EQ(points(SeriesQuery{.location = "ITA", .indicator = "cases"})[0].value, 573);
  EXPECT_EQ(points(SeriesQuery{.location = "ITA", .indicator = "cases", .source = "ministry"})[0].value, 600);
  ASSERT_TRUE(store_->set_default_source("ITA", "cases", "ministry").is_ok());
  EXPECT_EQ(points(SeriesQuery{.location = "ITA", .indicator = "cases"})[0].value, 600);
  EXPECT_FALSE(store_->set_default_source("ITA", "cases", "nobody").is_ok());
}

TEST_F(StoreConformance, WeeklyAndDailySeriesStaySeparate) {
  std::vector<ObservationWrite> rows = {{"ITA", "cases", day("2020-03-23"), 10},
                                        {"ITA", "cases", *Period::parse("2020-W13"), 70}};
  auto w = store_->write_observations(rows, "csv", at("2020-04-01T00:00:00Z"));
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ(w->new_revisions, 2);
  auto series = store_->read_series(SeriesQuery{.location = "ITA"});
  ASSERT_TRUE(series.is_ok());
  ASSERT_EQ(series->size(), 2u);
}

TEST_F(StoreConformance, TokensStoreOnlyTheHash) {
  Token token{"abc123", Role::kReporter, "CHN", "test", at("2020-01-01T00:00:00Z")};
  ASSERT_TRUE(store_->create_token(token).is_ok());
  auto found = store_->find_token("abc123");
  ASSERT_TRUE(found.is_ok());
  EXPECT_EQ(found->role, Role::kReporter);
  EXPECT_EQ(found->location, "CHN");
  EXPECT_EQ(store_->find_token("nope").status().code(), StatusCode::kUnauthenticated);
}

// A writer killed in the middle of a large write leaves the database exactly as before.
TEST_F(StoreConformance, KillDuringWriteLeavesDatabaseUnchanged) {
  std::vector<ObservationWrite> base = {{"ITA", "cases", day("2020-03-01"), 1}};
  ASSERT_TRUE(store_->write_observations(base, "csv", at("2020-03-02T00:00:00Z")).is_ok());
  store_.reset();

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = open_sqlite_store(path_);
    if (!s.is_ok()) _exit(3);
    std::vector<ObservationWrite> big;
    Date start = *Date::parse("2000-01-01");
    for (int rep = 0; rep < 1000; ++rep) {
      big.clear();
      for (int i = 0; i < 20000; ++i) big.push_back({"ITA", "tests", Period::day(start.plus_days(i)), double(rep * 7 + i)});
      (void)(*s)->write_observations(big, "csv", Timestamp(rep + 1));
      _exit(4);  // never reached in time: the parent kills us during the first write
    }
    _exit(0);
  }
  // Kill while the child is inside its write transaction.
  usleep(150 * 1000);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);

  auto reopened = open_sqlite_store(path_);
  ASSERT_TRUE(reopened.is_ok());
  store_ = std::move(reopened).value();
  auto revisions = store_->read_revisions(SeriesQuery{});
  ASSERT_TRUE(revisions.is_ok());
  if (WIFSIGNALED(status)) {
    EXPECT_EQ(revisions->size(), 1u) << "a killed write must leave nothing behind";
  } else {
    // The child finished its whole write before the kill: all or nothing still holds.
    EXPECT_TRUE(revisions->size() == 1u || revisions->size() == 20001u);
  }
}

}  // namespace
}  // namespace shouwang::store
