#include "ingest/importer.h"

#include <gtest/gtest.h>

#include "core/indicator.h"
#include "ingest/fake_store_for_test.h"
#include "ingest/reference_data.h"

namespace shouwang::ingest {
namespace {

class ImporterTest : public ::testing::Test {
 protected:
  ImporterTest() : clock_(*Timestamp::parse("2024-01-01T12:00:00Z")) {
    for (const auto& i : builtin_indicators()) store_.indicators[i.code] = i;
  }
  Result<ImportReport> run(std::string_view content, Format format, ImportOptions options = {}) {
    return import_content(store_, content, format, options, clock_);
  }
  testing::FakeStore store_;
  ManualClock clock_;
};

constexpr std::string_view kGood =
    "location,indicator,date,value\nITA,cases,2020-03-01,573\nITA,cases,2020-03-02,600\n";
constexpr std::string_view kOneBad =
    "location,indicator,date,value\nITA,cases,2020-03-01,573\nITA,cases,2020-03-02,oops\nFRA,cases,2020-03-01,1\n";

TEST_F(ImporterTest, WritesValidFileInOneCallAndAddsReferenceLocations) {
  auto report = run(kGood, Format::kCsv);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_TRUE(report->written);
  EXPECT_EQ(report->observations, 2);
  EXPECT_EQ(report->new_revisions, 2);
  EXPECT_TRUE(report->errors.empty());
  EXPECT_EQ(store_.write_calls, 1);
  EXPECT_EQ(store_.value("ITA", "cases", "csv", "2020-03-01"), 573);  // source defaults to the format
  EXPECT_EQ(store_.locations.size(), reference_locations().size());
  EXPECT_EQ(report->new_locations, static_cast<int64_t>(reference_locations().size()));
}

TEST_F(ImporterTest, ReimportIsIdempotentAndAChangeIsOneRevision) {
  ASSERT_TRUE(run(kGood, Format::kCsv).is_ok());
  auto again = run(kGood, Format::kCsv);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->observations, 2);
  EXPECT_EQ(again->new_revisions, 0);
  EXPECT_EQ(again->new_locations, 0);
  auto changed = run("location,indicator,date,value\nITA,cases,2020-03-01,574\nITA,cases,2020-03-02,600\n", Format::kCsv);
  EXPECT_EQ(changed->new_revisions, 1);
}

// The DHIS2 endpoint's hooks: a review sees the parsed rows before the write and may take some
// out; a dry run parses, checks and reviews, then writes nothing.
TEST_F(ImporterTest, AReviewTakesRowsOutAndADryRunWritesNothing) {
  ImportOptions options;
  int reviews = 0;
  options.review = [&](ParsedBatch& batch) {
    ++reviews;
    EXPECT_EQ(batch.observations.size(), 2u);
    batch.observations.erase(batch.observations.begin());
    return Status::ok();
  };
  options.dry_run = true;
  auto dry = run(kGood, Format::kCsv, options);
  ASSERT_TRUE(dry.is_ok()) << dry.status().to_string();
  EXPECT_FALSE(dry->written);
  EXPECT_EQ(store_.write_calls, 0);
  EXPECT_EQ(reviews, 1);

  options.dry_run = false;
  options.write_while_parsing_from_bytes = 0;  // the review still sees every row before any write
  auto reviewed = run(kGood, Format::kCsv, options);
  ASSERT_TRUE(reviewed.is_ok());
  EXPECT_EQ(reviewed->observations, 1);
  EXPECT_FALSE(store_.value("ITA", "cases", "csv", "2020-03-01").has_value());
  EXPECT_EQ(store_.value("ITA", "cases", "csv", "2020-03-02"), 600);

  options.review = [](ParsedBatch&) { return permission_denied("no"); };
  EXPECT_EQ(run(kGood, Format::kCsv, options).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ImporterTest, AnyErrorWritesNothingUnlessPartial) {
  auto report = run(kOneBad, Format::kCsv);
  ASSERT_TRUE(report.is_ok());
  EXPECT_FALSE(report->written);
  EXPECT_EQ(report->observations, 0);
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(describe_problem(report->errors[0]), "line 3, column value: value 'oops' is not a number");
  EXPECT_EQ(store_.write_calls, 0);
  EXPECT_TRUE(store_.locations.empty());  // the catalogue is untouched too

  ImportOptions partial;
  partial.partial = true;
  partial.source = "ministry";
  auto kept = run(kOneBad, Format::kCsv, partial);
  ASSERT_TRUE(kept.is_ok());
  EXPECT_TRUE(kept->written);
  EXPECT_EQ(kept->observations, 2);
  EXPECT_EQ(kept->errors.size(), 1u);
  EXPECT_EQ(store_.value("FRA", "cases", "ministry", "2020-03-01"), 1);
  EXPECT_FALSE(store_.value("ITA", "cases", "ministry", "2020-03-02").has_value());
}

TEST_F(ImporterTest, StoreFailureIsAStatus) {
  store_.fail_writes = true;
  auto report = run(kGood, Format::kCsv);
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
}

TEST_F(ImporterTest, JhuAddsProvincesAsLocations) {
  ImportOptions options;
  options.jhu_indicator = "deaths";
  auto report = run("Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\nHubei,China,1,2,17,17\n", Format::kJhu,
                    options);
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->written);
  ASSERT_TRUE(store_.locations.contains("CHN-HB"));
  EXPECT_EQ(store_.locations["CHN-HB"].parent, "CHN");
  EXPECT_EQ(store_.locations["CHN-HB"].name_zh, "湖北省");  // the reference entry, not a bare JHU one
  EXPECT_EQ(store_.value("CHN-HB", "deaths_cumulative", "jhu", "2020-01-23"), 17);
  EXPECT_EQ(store_.value("CHN", "deaths", "jhu", "2020-01-23"), 0);
}

TEST_F(ImporterTest, AcceptsIsoSubdivisionsJhuNeverListed) {
  // Nairobi City County (KE-30) and Ain (FR-01, under its region) are ISO 3166-2 subdivisions only.
  auto report = run("location,indicator,date,value\nKEN-30,cases,2020-03-01,5\nFRA-01,cases,2020-03-01,2\n",
                    Format::kCsv);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_TRUE(report->written);
  EXPECT_TRUE(report->errors.empty());
  EXPECT_TRUE(report->warnings.empty());  // no "new subdivision": they are reference locations
  EXPECT_EQ(store_.value("KEN-30", "cases", "csv", "2020-03-01"), 5);
  EXPECT_EQ(store_.locations["KEN-30"].name_en, "Nairobi City");
  EXPECT_EQ(store_.locations["KEN-30"].parent, "KEN");
  EXPECT_EQ(store_.locations["FRA-01"].parent, "FRA-ARA");
  EXPECT_TRUE(store_.locations.contains("FRA-ARA"));
}

TEST_F(ImporterTest, ReportsProgressAndReadsFiles) {
  int calls = 0;
  auto report = import_content(store_, kGood, Format::kCsv, {}, clock_,
                               [&](std::string_view, int64_t done, int64_t total) {
                                 ++calls;
                                 EXPECT_LE(done, total);
                               });
  ASSERT_TRUE(report.is_ok());
  EXPECT_GE(calls, 2);
  auto missing = import_file(store_, "/nonexistent/file.csv", Format::kCsv, {}, clock_);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// 144,000 rows: cases and deaths of 18 reference countries over 4,000 days, optionally ending
// with a repeat of its first row (which only the whole-file check finds).
std::vector<std::string> first_countries(size_t n) {
  std::vector<std::string> codes;
  for (const auto& l : reference_locations()) {
    if (l.level == LocationLevel::kCountry && codes.size() < n) codes.push_back(l.code);
  }
  return codes;
}
std::string long_csv(bool repeat_first_row) {
  std::string csv = "location,indicator,date,value\n";
  const Date start = *Date::parse("2000-01-01");
  for (const auto& location : first_countries(18)) {
    for (const char* indicator : {"cases", "deaths"}) {
      for (int d = 0; d < 4000; ++d) {
        csv += location + "," + indicator + "," + Date(start.days_since_epoch() + d).to_string() + "," +
               std::to_string(d % 1000) + "\n";
      }
    }
  }
  if (repeat_first_row) csv += first_countries(1)[0] + ",cases,2000-01-01,0\n";
  return csv;
}

TEST_F(ImporterTest, LargeCsvIsWrittenWhileParsedInOneTransaction) {
  const std::string csv = long_csv(false);
  ImportOptions options;
  options.write_while_parsing_from_bytes = 0;
  auto report = run(csv, Format::kCsv, options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_TRUE(report->written);
  EXPECT_EQ(report->observations, 144'000);
  EXPECT_EQ(store_.parts_given, 3);  // 65,536 + 65,536 + the rest
  EXPECT_EQ(store_.write_calls, 1);
  EXPECT_EQ(store_.value(first_countries(1)[0], "deaths", "csv", "2010-12-13"), 999);
  EXPECT_EQ(report->new_locations, static_cast<int64_t>(reference_locations().size()));
}

TEST_F(ImporterTest, RowsWrittenWhileParsingAreDroppedWhenTheFileTurnsOutBad) {
  const std::string csv = long_csv(true);
  ImportOptions options;
  options.write_while_parsing_from_bytes = 0;
  auto report = run(csv, Format::kCsv, options);
  ASSERT_TRUE(report.is_ok());
  EXPECT_GT(store_.parts_given, 0);
  EXPECT_FALSE(report->written);
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(report->errors[0].line, 144'002);
  EXPECT_EQ(store_.write_calls, 0);
  EXPECT_TRUE(store_.values.empty());

  options.partial = true;  // the valid rows, written once, from the checked batch
  auto partial = run(csv, Format::kCsv, options);
  ASSERT_TRUE(partial.is_ok());
  EXPECT_TRUE(partial->written);
  EXPECT_EQ(partial->observations, 144'000);
  EXPECT_EQ(store_.write_calls, 1);
}

TEST_F(ImporterTest, FailedWriteWhileParsingFallsBackToWritingAfterParsing) {
  store_.fail_parts = true;
  ImportOptions options;
  options.write_while_parsing_from_bytes = 0;
  auto report = run(kGood, Format::kCsv, options);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_TRUE(report->written);
  EXPECT_EQ(store_.parts_given, 1);
  EXPECT_EQ(store_.write_calls, 1);
  EXPECT_EQ(store_.value("ITA", "cases", "csv", "2020-03-02"), 600);
}

TEST(DescribeProblem, FormatsLineColumnAndReason) {
  EXPECT_EQ(describe_problem({4, "date", "bad"}), "line 4, column date: bad");
  EXPECT_EQ(describe_problem({4, "", "bad"}), "line 4: bad");
  EXPECT_EQ(describe_problem({0, "", "the file is empty"}), "file: the file is empty");
  EXPECT_EQ(describe_problem({0, "observations", "missing"}), "file, column observations: missing");
}

}  // namespace
}  // namespace shouwang::ingest
