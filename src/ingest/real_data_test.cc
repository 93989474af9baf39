// Imports the real JHU CSSE and WHO files from the shared data folder (read in place).
#include <gtest/gtest.h>

#include <filesystem>

#include "core/indicator.h"
#include "ingest/fake_store_for_test.h"
#include "ingest/importer.h"

namespace shouwang::ingest {
namespace {

const std::string kShared = SHOUWANG_SHARED_DIR;

class RealDataTest : public ::testing::Test {
 protected:
  RealDataTest() : clock_(*Timestamp::parse("2025-11-01T00:00:00Z")) {
    for (const auto& i : builtin_indicators()) store_.indicators[i.code] = i;
  }
  void SetUp() override {
    if (!std::filesystem::exists(kShared + "/data/global")) GTEST_SKIP() << "no shared data at " << kShared;
  }
  testing::FakeStore store_;
  ManualClock clock_;
};

TEST_F(RealDataTest, ImportsJhuConfirmedAndDeaths) {
  for (const char* which : {"confirmed", "deaths"}) {
    ImportOptions options;
    options.jhu_indicator = std::string(which) == "confirmed" ? "cases" : "deaths";
    auto report = import_file(store_, kShared + "/data/global/jhu_csse/time_series_covid19_" + which + "_global.csv",
                              Format::kJhu, options, clock_);
    ASSERT_TRUE(report.is_ok()) << report.status().to_string();
    for (const auto& e : report->errors) ADD_FAILURE() << describe_problem(e);
    EXPECT_TRUE(report->written);
    EXPECT_GT(report->observations, 500'000);
    EXPECT_GT(report->warnings.size(), 0u);  // ships and negative corrections
  }
  // Spot checks against the file: Italy 2020-03-01 cumulative 1694 cases, Hubei 444 on 1/22/20.
  EXPECT_EQ(store_.value("ITA", "cases_cumulative", "jhu", "2020-03-01"), 1694);
  EXPECT_EQ(store_.value("CHN-HB", "cases_cumulative", "jhu", "2020-01-22"), 444);
  EXPECT_TRUE(store_.value("CHN", "cases_cumulative", "jhu", "2020-01-22").has_value());
  EXPECT_TRUE(store_.value("CAN", "deaths_cumulative", "jhu", "2021-01-01").has_value());
  EXPECT_TRUE(store_.locations.contains("CAN-ON"));
  EXPECT_TRUE(store_.value("KOR", "cases", "jhu", "2020-03-01").has_value());
}

TEST_F(RealDataTest, ImportsWhoWeeklyFile) {
  auto report = import_file(store_, kShared + "/data/global/who/WHO-COVID-19-global-data.csv", Format::kWho, {}, clock_);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  for (const auto& e : report->errors) ADD_FAILURE() << describe_problem(e);
  EXPECT_TRUE(report->written);
  EXPECT_GT(report->observations, 150'000);
  EXPECT_TRUE(store_.value("NAM", "cases_cumulative", "who", "2021-W10").has_value());
  EXPECT_TRUE(store_.value("XKX", "cases_cumulative", "who", "2021-W10").has_value());
  // Aruba's first rows have an empty New_cases: not reported, so absent rather than 0.
  EXPECT_FALSE(store_.value("ABW", "cases", "who", "2020-W01").has_value());
  EXPECT_EQ(store_.value("ABW", "cases_cumulative", "who", "2020-W01"), 0);
}

}  // namespace
}  // namespace shouwang::ingest
