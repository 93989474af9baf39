// The --input format: parsing single and multi-series files, and a clear one-line error naming
// the line for each kind of bad input.
#include "detect/series_csv.h"

#include <gtest/gtest.h>

#include <cmath>

namespace shouwang::detect {
namespace {

std::string error_of(const std::string& text) {
  const auto result = parse_series_csv(text);
  EXPECT_FALSE(result.is_ok()) << text;
  return result.is_ok() ? "" : result.status().message();
}

TEST(SeriesCsv, ReadsDateIndexedSeriesWithMissingWeeksAndPopulation) {
  const auto table = parse_series_csv("date,observed,population\n2020-01-06,3,100\n2020-01-13,NA,100\n2020-01-20,,101\n2020-01-27,0,102\n");
  ASSERT_TRUE(table.is_ok()) << table.status().message();
  ASSERT_EQ(table->series.size(), 1u);
  EXPECT_FALSE(table->multiple);
  const WeeklySeries& s = table->series[0].series;
  ASSERT_EQ(s.size(), 4);
  EXPECT_EQ(s.observed[0], 3);
  EXPECT_TRUE(std::isnan(s.observed[1]));
  EXPECT_TRUE(std::isnan(s.observed[2]));
  EXPECT_EQ(s.population[3], 102);
  EXPECT_EQ(s.dates[3].to_string(), "2020-01-27");
}

TEST(SeriesCsv, ReadsSeveralSeriesWithTheirPopulations) {
  const auto table = parse_series_csv("t,north,south,population:south\n1,1,2,50\n2,3,4,60\n");
  ASSERT_TRUE(table.is_ok()) << table.status().message();
  EXPECT_TRUE(table->multiple);
  ASSERT_EQ(table->series.size(), 2u);
  EXPECT_EQ(table->series[0].name, "north");
  EXPECT_FALSE(table->series[0].series.has_population());
  EXPECT_EQ(table->series[1].series.population[1], 60);
  EXPECT_FALSE(table->series[1].series.is_date_indexed());
}

TEST(SeriesCsv, ReadsQuotedNamesWithCommasAndCrlfLineEnds) {
  const auto table = parse_series_csv(
      "\"t\",\"Korea, South\", \"north\"\r\n1,1,2\r\n\r\n2,3,4\r\n");
  ASSERT_TRUE(table.is_ok()) << table.status().message();
  ASSERT_EQ(table->series.size(), 2u);
  EXPECT_EQ(table->series[0].name, "Korea, South");
  EXPECT_EQ(table->series[1].name, "north");
  EXPECT_EQ(table->series[1].series.observed, (std::vector<double>{2, 4}));
  EXPECT_EQ(error_of("t,observed\r\n1,2\r\n2,x\r\n"), "line 3: 'x' in column 'observed' is not a number");
  // A name with a line break inside quotes is one record; the lines after it keep their numbers.
  EXPECT_EQ(error_of("t,\"two\nlines\"\n1,-1\n"), "line 3: negative count -1 in column 'two\nlines'");
  EXPECT_EQ(error_of("t,observed\n1,\"2\n"), "line 2: unterminated quoted field");
}

TEST(SeriesCsv, RejectsBadInputNamingTheLine) {
  EXPECT_EQ(error_of("t,observed\n1,2\n2,-1\n"), "line 3: negative count -1 in column 'observed'");
  EXPECT_EQ(error_of("t,observed\n1,2\n2,abc\n"), "line 3: 'abc' in column 'observed' is not a number");
  EXPECT_EQ(error_of("t,observed\n1,2.5\n"), "line 2: count 2.5 in column 'observed' is not a whole number");
  EXPECT_NE(error_of("date,observed\n2020-01-13,1\n2020-01-06,2\n").find("line 3: date 2020-01-06 is not after"),
            std::string::npos);
  EXPECT_NE(error_of("date,observed\n2020-01-13,1\n2020-01-13,2\n").find("line 3"), std::string::npos);
  EXPECT_NE(error_of("date,observed\n2020-01-06,1\n2020-01-27,2\n").find("weeks must be consecutive"),
            std::string::npos);
  EXPECT_NE(error_of("date,observed\n2020-02-30,1\n").find("line 2: '2020-02-30' is not an ISO date"),
            std::string::npos);
  EXPECT_NE(error_of("t,observed\n1,1\n3,2\n").find("line 3: t is 3 but must be 2"), std::string::npos);
  EXPECT_NE(error_of("t,observed\n1,1,4\n").find("line 2: expected 2 fields, found 3"), std::string::npos);
  EXPECT_NE(error_of("week,observed\n1,1\n").find("first column must be `date` or `t`"), std::string::npos);
  EXPECT_NE(error_of("t,observed,population\n1,1,0\n").find("population 0"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
}

TEST(SeriesCsv, WritesSeventeenSignificantDigitsAndNa) {
  WeeklySeries s;
  s.observed = {1, 2};
  WeekResult week;
  week.t = 2;
  week.observed = 2;
  week.upperbound = 1.0 / 3.0;
  week.alarm = Alarm::kYes;
  std::string out;
  const std::string name = "a,b";
  append_results_csv(out, &name, s, {week});
  EXPECT_EQ(out, "\"a,b\",2,NA,2,0.33333333333333331,true,NA,NA,NA,NA,NA\n");
  EXPECT_EQ(results_csv_header(false), "t,date,observed,upperbound,alarm,expected,score,pvalue,phi,trend\n");
}

}  // namespace
}  // namespace shouwang::detect
