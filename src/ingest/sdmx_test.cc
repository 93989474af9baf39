// SDMX-CSV 2.0 of our dataflow: parsing hand-written files (days, weeks, both month notations,
// disaggregations, actions, separators), every refusal with its line and column, and the writer's
// output read back to the same rows.
#include <gtest/gtest.h>

#include "ingest/format_test_support.h"
#include "store/export_sdmx.h"

namespace shouwang::ingest {
namespace {

class SdmxTest : public testing::FormatTest {
 protected:
  ParsedBatch parse_sdmx(std::string_view content) { return parse(Format::kSdmxCsv, content); }
  static constexpr std::string_view kHeader =
      "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,DISAGGREGATION,TIME_PERIOD,OBS_VALUE\n";
};

TEST_F(SdmxTest, ReadsDaysWeeksMonthsAndDisaggregations) {
  auto batch = parse_sdmx(std::string(kHeader) +
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-03-01,573\n"
                          "dataflow,SHOUWANG:EPI(1.0),A,CHN,deaths,,2020-W13,12.5\n"
                          "dataflow,SHOUWANG:EPI(1.0),R,KEN,cases,,2020-03,100\n"
                          "dataflow,SHOUWANG:EPI(1.0),I,KEN,cases,SEX=F;AGE=0-4,2020-M03,10\n"
                          "dataflow,SHOUWANG:EPI(1.0),I,KEN,cases,\"OPT=a, b\",2020-03,1\n"
                          "\n");
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{
                             "CHN|deaths||2020-W13|12.5",
                             "ITA|cases||2020-03-01|573",
                             "KEN|cases|AGE=0-4;SEX=F|2020-03|10",
                             "KEN|cases|OPT=a, b|2020-03|1",
                             "KEN|cases||2020-03|100",
                         }));
  EXPECT_EQ(batch.observations[3].line, 5);
}

TEST_F(SdmxTest, TheDocumentedExampleIsRead) {
  std::string example = docs_example("formats/sdmx.md", "");
  ASSERT_TRUE(example.starts_with("STRUCTURE,")) << example;
  auto batch = parse_sdmx(example);
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{
                             "CHN|deaths||2020-W13|12",
                             "ITA|cases||2020-03-01|573",
                             "KEN|cases|AGE=0-4;SEX=F|2020-03|10",
                             "KEN|cases|OCCUPATION=health worker, nurse|2020-03|2.5",
                             "KEN|cases||2020-03|100",
                         }));
}

TEST_F(SdmxTest, ActionAndDisaggregationColumnsMayBeLeftOutAndColumnsComeInAnyOrder) {
  auto batch = parse_sdmx(
      "STRUCTURE,STRUCTURE_ID,OBS_VALUE,TIME_PERIOD,INDICATOR,REF_AREA\n"
      "dataflow,SHOUWANG:EPI(1.0),4,2020-03-01,cases,ITA\n");
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA|cases||2020-03-01|4"}));
}

TEST_F(SdmxTest, TheSeparatorIsTheCharacterAfterStructure) {
  auto batch = parse_sdmx(
      "\xEF\xBB\xBFSTRUCTURE;STRUCTURE_ID;ACTION;REF_AREA;INDICATOR;DISAGGREGATION;TIME_PERIOD;OBS_VALUE\n"
      "dataflow;SHOUWANG:EPI(1.0);I;ITA;cases;AGE=0-4;2020-03-01;2.5\n");
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA|cases|AGE=0-4|2020-03-01|2.5"}));
}

TEST_F(SdmxTest, RefusesRowsItCannotMap) {
  auto batch = parse_sdmx(std::string(kHeader) +
                          "datastructure,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-03-01,1\n"  // 2
                          "dataflow,ESTAT:NA_MAIN(1.6.0),I,ITA,cases,,2020-03-02,1\n"    // 3
                          "dataflow,SHOUWANG:EPI(1.0),D,ITA,cases,,2020-03-03,1\n"       // 4
                          "dataflow,SHOUWANG:EPI(1.0),X,ITA,cases,,2020-03-04,1\n"       // 5
                          "dataflow,SHOUWANG:EPI(1.0),I,XYZ,cases,,2020-03-05,1\n"       // 6
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,sneezes,,2020-03-06,1\n"     // 7
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,AGE,2020-03-07,1\n"    // 8
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-Q1,1\n"          // 9
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-M13,1\n"         // 10
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2031-01-01,1\n"       // 11
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-03-08,\n"        // 12
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-03-09,-2\n"      // 13
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-03-10\n"         // 14
                          "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-03-11,5\n"       // 15 fine
                          "dataflow,SHOUWANG:EPI(1.0),R,ITA,cases,,2020-03-11,6\n");     // 16 duplicate
  EXPECT_TRUE(has_problem(batch.errors, 2, "STRUCTURE", "not dataflow")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 3, "STRUCTURE_ID", "not our dataflow SHOUWANG:EPI(1.0)"));
  EXPECT_TRUE(has_problem(batch.errors, 4, "ACTION", "nothing stored is ever deleted"));
  EXPECT_TRUE(has_problem(batch.errors, 5, "ACTION", "not I, A or R"));
  EXPECT_TRUE(has_problem(batch.errors, 6, "REF_AREA", "XYZ"));
  EXPECT_TRUE(has_problem(batch.errors, 7, "INDICATOR", "unknown indicator"));
  EXPECT_TRUE(has_problem(batch.errors, 8, "DISAGGREGATION", ""));
  EXPECT_TRUE(has_problem(batch.errors, 9, "TIME_PERIOD", "not a day (2020-03-01), a week"));
  EXPECT_TRUE(has_problem(batch.errors, 10, "TIME_PERIOD", "not a day"));
  EXPECT_TRUE(has_problem(batch.errors, 11, "TIME_PERIOD", "in the future"));
  EXPECT_TRUE(has_problem(batch.errors, 12, "OBS_VALUE", "empty"));
  EXPECT_TRUE(has_problem(batch.errors, 13, "OBS_VALUE", "negative"));
  EXPECT_TRUE(has_problem(batch.errors, 14, "", "expected 8 columns"));
  EXPECT_TRUE(has_problem(batch.errors, 16, "", "duplicate of line 15"));
  EXPECT_EQ(batch.errors.size(), 14u) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA|cases||2020-03-11|5"}));
}

TEST_F(SdmxTest, RefusesHeadersItCannotRead) {
  EXPECT_TRUE(
      has_problem(parse_sdmx("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MULT\n"
                             "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,2020-03-01,1,3\n")
                      .errors,
                  1, "UNIT_MULT", "other SDMX columns are refused"));
  EXPECT_TRUE(has_problem(parse_sdmx("STRUCTURE,STRUCTURE_ID,REF_AREA,INDICATOR,TIME_PERIOD\n").errors, 1, "OBS_VALUE",
                          "no column OBS_VALUE"));
  EXPECT_TRUE(has_problem(parse_sdmx("STRUCTURE_ID,STRUCTURE,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\n").errors, 1,
                          "STRUCTURE", "starts with STRUCTURE"));
  EXPECT_TRUE(
      has_problem(parse_sdmx("STRUCTURE,STRUCTURE_ID,REF_AREA,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\n").errors, 1,
                  "REF_AREA", "twice"));
  EXPECT_TRUE(has_problem(parse_sdmx("location,indicator,date,value\nITA,cases,2020-03-01,1\n").errors, 1, "location",
                          "is not one of STRUCTURE"));
  EXPECT_TRUE(has_problem(parse_sdmx(kHeader).errors, 0, "", "no rows"));
  EXPECT_TRUE(has_problem(parse_sdmx("").errors, 0, "", "empty"));
}

TEST_F(SdmxTest, WriterRoundTripsTotalsDisaggregationsWeeksAndMonths) {
  std::vector<store::Series> series = {
      make_series("ITA", "cases", "", {{"2020-03-01", 573}, {"2020-03-02", 0.1}}),
      make_series("ITA", "cases", "AGE=0-4;SEX=F", {{"2020-03-01", 7}}),
      make_series("ITA", "cases", "OPTION=with, comma \"and quotes\"", {{"2020-03-01", 1}}),
      make_series("CHN", "deaths", "", {{"2020-W13", 12}, {"2020-W53", 1e300}}),
      make_series("KEN", "cases", "SEX=M", {{"2020-02", 40}}),
  };
  std::string text = store::series_to_sdmx_csv(series);
  EXPECT_TRUE(text.starts_with(std::string(kHeader) + "dataflow,SHOUWANG:EPI(1.0),I,ITA,cases,,2020-03-01,573\n"))
      << text;
  auto batch = parse_sdmx(text);
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors) << text;
  EXPECT_EQ(rows(batch), rows(series));
}

}  // namespace
}  // namespace shouwang::ingest
