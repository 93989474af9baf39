// The importer against the real SQLite store: all-or-nothing, --partial, idempotent re-import.
#include <gtest/gtest.h>

#include "ingest/importer.h"
#include "store/open_store.h"

namespace shouwang::ingest {
namespace {

class SqliteImportTest : public ::testing::Test {
 protected:
  SqliteImportTest() : clock_(*Timestamp::parse("2024-01-01T12:00:00Z")) {}
  void SetUp() override {
    auto opened = store::open_store(":memory:");
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    store_ = std::move(opened).value();
  }
  int64_t stored_values() {
    auto series = store_->read_series({});
    EXPECT_TRUE(series.is_ok());
    int64_t n = 0;
    for (const auto& s : *series) n += static_cast<int64_t>(s.points.size());
    return n;
  }
  std::unique_ptr<store::Store> store_;
  ManualClock clock_;
};

TEST_F(SqliteImportTest, BadFileChangesNothingAndPartialKeepsValidRows) {
  constexpr std::string_view kFile =
      "location,indicator,date,value\nITA,cases,2020-03-01,573\nITA,cases,2020-03-02,-1\nFRA,cases,2020-03-01,4\n";
  auto rejected = import_content(*store_, kFile, Format::kCsv, {}, clock_);
  ASSERT_TRUE(rejected.is_ok()) << rejected.status().to_string();
  EXPECT_FALSE(rejected->written);
  EXPECT_EQ(rejected->errors.size(), 1u);
  EXPECT_EQ(stored_values(), 0);

  ImportOptions partial;
  partial.partial = true;
  auto kept = import_content(*store_, kFile, Format::kCsv, partial, clock_);
  ASSERT_TRUE(kept.is_ok()) << kept.status().to_string();
  EXPECT_EQ(kept->observations, 2);
  EXPECT_EQ(kept->new_revisions, 2);
  EXPECT_EQ(stored_values(), 2);
}

TEST_F(SqliteImportTest, ReimportCreatesNoRevisionsAndAChangeCreatesOne) {
  constexpr std::string_view kFile = "location,indicator,date,value\nITA,cases,2020-03-01,573\nITA,cases,2020-W10,9\n";
  auto first = import_content(*store_, kFile, Format::kCsv, {}, clock_);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(first->new_revisions, 2);
  clock_.advance_micros(1'000'000);
  auto again = import_content(*store_, kFile, Format::kCsv, {}, clock_);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->observations, 2);
  EXPECT_EQ(again->new_revisions, 0);
  clock_.advance_micros(1'000'000);
  auto changed = import_content(*store_, "location,indicator,date,value\nITA,cases,2020-03-01,580\n", Format::kCsv, {},
                                clock_);
  ASSERT_TRUE(changed.is_ok());
  EXPECT_EQ(changed->new_revisions, 1);
  store::SeriesQuery query;
  query.location = "ITA";
  auto revisions = store_->read_revisions(query);
  ASSERT_TRUE(revisions.is_ok());
  EXPECT_EQ(revisions->size(), 3u);
}

TEST_F(SqliteImportTest, JhuProvincesBecomeLocationsInTheStore) {
  ImportOptions options;
  options.jhu_indicator = "cases";
  auto report = import_content(*store_, "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\nOntario,Canada,1,2,0,3\n",
                               Format::kJhu, options, clock_);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_TRUE(report->written);
  auto locations = store_->list_locations();
  ASSERT_TRUE(locations.is_ok());
  bool found = false;
  for (const auto& l : *locations) found = found || (l.code == "CAN-ON" && l.parent == "CAN");
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace shouwang::ingest
