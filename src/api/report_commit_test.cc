// Group commit of reports: reports that arrive while a group is being written share the next
// transaction, each is answered with its own outcome, and a failing report leaves the others stored.
#include "api/report_commit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "ingest/fake_store_for_test.h"
#include "store/open_store.h"
#include "tests/support/backends.h"

namespace shouwang::api {
namespace {

Period day(const char* text) { return *Period::parse(text); }

// A store whose first group waits until `release` is called, so that the reports arriving
// meanwhile all queue for the second group; it only records the groups' sizes.
class HeldStore final : public ingest::testing::FakeStore {
 public:
  std::vector<Result<store::WriteSummary>> write_group(std::span<const store::GroupedWrite> writes) override {
    {
      std::unique_lock lock(mutex_);
      group_sizes_.push_back(writes.size());
      if (group_sizes_.size() == 1) {
        entered_ = true;
        changed_.notify_all();
        changed_.wait(lock, [this] { return released_; });
      }
    }
    std::vector<Result<store::WriteSummary>> out;
    for (const auto& w : writes) {
      out.emplace_back(store::WriteSummary{static_cast<int64_t>(w.rows.size()), static_cast<int64_t>(w.rows.size())});
    }
    return out;
  }
  void wait_until_first_group_entered() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  std::vector<size_t> group_sizes() {
    std::lock_guard lock(mutex_);
    return group_sizes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false, released_ = false;
  std::vector<size_t> group_sizes_;
};

TEST(ReportCommitter, ReportsArrivingDuringAGroupShareTheNextOne) {
  HeldStore store;
  ReportCommitter committer;
  const Timestamp now = *Timestamp::parse("2024-01-01T00:00:00Z");
  std::vector<std::vector<store::ObservationWrite>> reports;
  for (int i = 0; i < 7; ++i) reports.push_back({{"ITA", "cases", day("2024-01-01"), double(i)}});
  std::vector<store::ObservationWrite> first = {{"FRA", "cases", day("2024-01-01"), 1}};
  std::thread leader([&] { EXPECT_TRUE(committer.write(store, first, "report", now, {}).is_ok()); });
  store.wait_until_first_group_entered();
  std::vector<std::thread> others;
  std::vector<std::optional<Result<store::WriteSummary>>> outcomes(reports.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    others.emplace_back([&, i] { outcomes[i] = committer.write(store, reports[i], "report-" + std::to_string(i), now, {}); });
  }
  // Every report queued behind the held group before it is let go.
  for (int i = 0; i < 500 && committer.waiting() < 7; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(committer.waiting(), 7);
  store.release();
  leader.join();
  for (auto& t : others) t.join();
  for (const auto& outcome : outcomes) ASSERT_TRUE(outcome && outcome->is_ok());
  EXPECT_EQ(committer.reports(), 8);
  auto sizes = store.group_sizes();
  ASSERT_GE(sizes.size(), 2u);
  EXPECT_EQ(sizes[0], 1u);
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 7})) << "the reports that waited were written in one group";
}

// On the real stores: a report that fails in a group leaves no trace, and the others are stored
// with their own sources and instants, and enter the change feed.
class WriteGroupTest : public ::testing::TestWithParam<shouwang::testing::Backend> {};

TEST_P(WriteGroupTest, AFailingWriteLeavesNoTraceAndTheOthersAreStored) {
  shouwang::testing::FreshDatabase fresh;
  auto opened = fresh.create_store(GetParam());
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  store::Store& store = **opened;
  std::vector<store::ObservationWrite> a = {{"ITA", "cases", day("2024-01-01"), 5}};
  std::vector<store::ObservationWrite> bad = {{"FRA", "cases", day("2024-01-01"), 7},
                                              {"FRA", "cases", day("2024-01-02"), std::nan("")}};
  std::vector<store::ObservationWrite> c = {{"ITA-21", "cases", day("2024-01-01"), 2}};
  std::vector<Location> piedmont = {{"ITA-21", "Piemonte", "", "ITA", std::nullopt, LocationLevel::kSubnational}};
  std::vector<Location> nowhere = {{"FRA-ZZ", "Nowhere", "", "FRA", std::nullopt, LocationLevel::kSubnational}};
  const Timestamp t1 = *Timestamp::parse("2024-01-02T00:00:00Z"), t2 = *Timestamp::parse("2024-01-02T00:00:01Z");
  std::vector<store::GroupedWrite> writes = {{a, "one", t1, {}}, {bad, "two", t1, nowhere}, {c, "three", t2, piedmont}};
  auto results = store.write_group(writes);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].is_ok());
  EXPECT_FALSE(results[1].is_ok());
  ASSERT_TRUE(results[2].is_ok()) << results[2].status().to_string();
  EXPECT_EQ(results[2]->new_revisions, 1);
  auto france = store.read_series(store::SeriesQuery{.location = "FRA"});
  ASSERT_TRUE(france.is_ok());
  EXPECT_TRUE(france->empty()) << "the failed write left no row";
  auto locations = store.list_locations();
  bool has_nowhere = false, has_piedmont = false;
  for (const auto& l : *locations) {
    has_nowhere = has_nowhere || l.code == "FRA-ZZ";
    has_piedmont = has_piedmont || l.code == "ITA-21";
  }
  EXPECT_FALSE(has_nowhere);
  EXPECT_TRUE(has_piedmont);
  auto source = store.default_source("ITA-21", "cases");
  ASSERT_TRUE(source.is_ok());
  EXPECT_EQ(*source, "three");
  auto feed = store.read_feed(0, "", 100);
  ASSERT_TRUE(feed.is_ok());
  ASSERT_EQ(feed->entries.size(), 2u);
  EXPECT_EQ(feed->entries[1].revisions.at(0).reported_at, t2);
}

INSTANTIATE_TEST_SUITE_P(Backends, WriteGroupTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

}  // namespace
}  // namespace shouwang::api
