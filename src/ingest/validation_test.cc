#include "ingest/validation.h"

#include <gtest/gtest.h>

namespace shouwang::ingest {
namespace {

MemoryCatalog small_catalog() {
  MemoryCatalog c;
  c.add_location("ITA");
  c.add_location("FRA");
  c.add_indicator("cases", IndicatorKind::kIncident);
  c.add_indicator("cases_cumulative", IndicatorKind::kCumulative);
  return c;
}

TEST(Utf8, AcceptsValidAndRejectsInvalidSequences) {
  EXPECT_TRUE(is_valid_utf8("plain ascii, long enough to use the fast path"));
  EXPECT_TRUE(is_valid_utf8("中国 Côte d’Ivoire 😀"));
  EXPECT_FALSE(is_valid_utf8("bad \xff byte"));
  EXPECT_FALSE(is_valid_utf8("overlong \xc0\xaf"));
  EXPECT_FALSE(is_valid_utf8("surrogate \xed\xa0\x80"));
  EXPECT_FALSE(is_valid_utf8("truncated \xe4\xb8"));
  EXPECT_EQ(line_of_invalid_utf8("a\nb\n\xff\n"), 3);
  EXPECT_EQ(line_of_invalid_utf8("fine"), 0);
}

TEST(ParseNumber, AcceptsNumbersOnly) {
  EXPECT_EQ(parse_number("12").value(), 12);
  EXPECT_EQ(parse_number(" 1.5 ").value(), 1.5);
  EXPECT_EQ(parse_number("-3").value(), -3);
  EXPECT_EQ(parse_number("1e3").value(), 1000);
  for (const char* bad : {"", "abc", "12x", "nan", "inf", "1,000", "--1"}) {
    EXPECT_FALSE(parse_number(bad).has_value()) << bad;
  }
}

TEST(RowChecker, ReportsEachBadValueWithLineAndColumn) {
  auto catalog = small_catalog();
  ParsedBatch batch;
  RowChecker check(catalog, *Date::parse("2024-01-01"), batch);
  EXPECT_TRUE(check.check_location("ITA", 2, "location"));
  EXPECT_FALSE(check.check_location("XYZ", 3, "location"));
  EXPECT_FALSE(check.check_location("Italy", 4, "location"));
  EXPECT_FALSE(check.check_indicator("cases_new", 5, "indicator").has_value());
  EXPECT_FALSE(check.check_period("2020-02-30", 6, "date").has_value());
  EXPECT_FALSE(check.check_period("2024-01-02", 7, "date").has_value());
  EXPECT_TRUE(check.check_period("2024-01-01", 7, "date").has_value());
  EXPECT_FALSE(check.check_value("-1", 8, "value").has_value());
  EXPECT_FALSE(check.check_value("many", 9, "value").has_value());
  ASSERT_EQ(batch.errors.size(), 7u);
  EXPECT_EQ(batch.errors[0].line, 3);
  EXPECT_EQ(batch.errors[0].column, "location");
  EXPECT_NE(batch.errors[0].message.find("unknown location 'XYZ'"), std::string::npos);
  EXPECT_NE(batch.errors[1].message.find("not a location code"), std::string::npos);
  EXPECT_NE(batch.errors[2].message.find("unknown indicator"), std::string::npos);
  EXPECT_NE(batch.errors[4].message.find("future"), std::string::npos);
  EXPECT_NE(batch.errors[5].message.find("negative"), std::string::npos);
  EXPECT_NE(batch.errors[6].message.find("not a number"), std::string::npos);
}

TEST(CheckBatch, RejectsDuplicatesAndWarnsOnCumulativeDecrease) {
  auto catalog = small_catalog();
  ParsedBatch batch;
  RowChecker check(catalog, *Date::parse("2024-01-01"), batch);
  auto day = [](const char* d) { return *Period::parse(d); };
  check.add("ITA", "cases_cumulative", day("2020-03-02"), 10, 2);
  check.add("ITA", "cases_cumulative", day("2020-03-03"), 8, 3);  // decrease
  check.add("ITA", "cases_cumulative", day("2020-03-02"), 11, 4);  // duplicate of line 2
  check.add("ITA", "cases", day("2020-03-03"), 1, 5);
  check.add("ITA", "cases", day("2020-03-02"), 5, 6);  // out of order, incident: no warning
  check.add("FRA", "cases_cumulative", day("2020-03-02"), 10, 7);
  check_batch(batch, catalog, true);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].line, 4);
  EXPECT_NE(batch.errors[0].message.find("duplicate of line 2"), std::string::npos);
  ASSERT_EQ(batch.warnings.size(), 1u);
  EXPECT_EQ(batch.warnings[0].line, 3);
  EXPECT_NE(batch.warnings[0].message.find("decreased from 10"), std::string::npos);
  EXPECT_EQ(batch.observations.size(), 5u);
  for (const auto& o : batch.observations) EXPECT_NE(o.line, 4);
}

// The fuzzer's crash-check-batch-disaggregation (fuzz/corpus/adx): check_batch kept views of the
// (location, disaggregation) keys it composed in a loop-local string, so the same disaggregated
// key seen again was compared with freed memory and its duplicate went unnoticed.
TEST(CheckBatch, FindsDuplicatesOfDisaggregatedRows) {
  auto catalog = small_catalog();
  ParsedBatch batch;
  RowChecker check(catalog, *Date::parse("2024-01-01"), batch);
  auto day = [](const char* d) { return *Period::parse(d); };
  check.add("ITA", "cases", day("2020-03-02"), 1, 2, "AGE=15-24;SEX=F");
  check.add("ITA", "cases", day("2020-03-02"), 2, 3, "AGE=15-24;SEX=M");
  check.add("ITA", "cases", day("2020-03-02"), 3, 4);
  check.add("ITA", "cases", day("2020-03-02"), 4, 5, "AGE=15-24;SEX=F");  // duplicate of line 2
  check.add("FRA", "cases", day("2020-03-02"), 5, 6, "AGE=15-24;SEX=M");
  check.add("ITA", "cases", day("2020-03-02"), 6, 7);  // duplicate of line 4
  check_batch(batch, catalog, true);
  ASSERT_EQ(batch.errors.size(), 2u);
  EXPECT_EQ(batch.errors[0].line, 5);
  EXPECT_NE(batch.errors[0].message.find("duplicate of line 2"), std::string::npos) << batch.errors[0].message;
  EXPECT_EQ(batch.errors[1].line, 7);
  EXPECT_NE(batch.errors[1].message.find("duplicate of line 4"), std::string::npos) << batch.errors[1].message;
}

}  // namespace
}  // namespace shouwang::ingest
