// The FHIR R4 MeasureReport Bundle: parsing hand-written Bundles (days, ISO weeks, months, strata,
// measureScore), every refusal with the entry it names, and the writer's output read back to the
// same rows.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "ingest/format_test_support.h"
#include "store/export_fhir.h"

namespace shouwang::ingest {
namespace {

namespace json = boost::json;

class FhirTest : public testing::FormatTest {
 protected:
  ParsedBatch parse_fhir_text(std::string_view content, bool allow_corrections = false) {
    return parse(Format::kFhir, content, allow_corrections);
  }
  // A Bundle of the given entries' resources.
  static std::string bundle(const std::vector<std::string>& resources, std::string_view type = "collection") {
    std::string out = R"({"resourceType":"Bundle","type":")" + std::string(type) + R"(","entry":[)";
    for (size_t i = 0; i < resources.size(); ++i)
      out += (i ? "," : "") + std::string(R"({"resource":)") + resources[i] + "}";
    return out + "]}";
  }
  // A MeasureReport of ours with `group` as its group, overridable fields spliced in.
  static std::string report(std::string_view subject, std::string_view start, std::string_view end,
                            std::string_view group, std::string_view status = "complete",
                            std::string_view type = "summary", std::string_view indicator = "cases") {
    return R"({"resourceType":"MeasureReport","status":")" + std::string(status) + R"(","type":")" + std::string(type) +
           R"(","measure":"https://shouwang.example/fhir/Measure/)" + std::string(indicator) +
           R"(","subject":{"reference":")" + std::string(subject) + R"("},"period":{"start":")" + std::string(start) +
           R"(","end":")" + std::string(end) + R"("},"group":[)" + std::string(group) + "]}";
  }
  static std::string group(std::string_view indicator, std::string_view rest) {
    return R"({"code":{"coding":[{"system":"https://shouwang.example/fhir/CodeSystem/indicator","code":")" +
           std::string(indicator) + R"("}]})" + std::string(rest) + "}";
  }
  static std::string count(int64_t n) {
    return R"(,"population":[{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/measure-population","code":"initial-population"}]},"count":)" +
           std::to_string(n) + "}]";
  }
};

TEST_F(FhirTest, ReadsDaysWeeksMonthsStrataAndScores) {
  const std::string strata = R"(,"stratifier":[
      {"code":[{"coding":[{"code":"AGE"}]},{"coding":[{"code":"SEX"}]}],"stratum":[
        {"component":[{"code":{"coding":[{"system":"https://shouwang.example/fhir/CodeSystem/category","code":"SEX"}]},"value":{"text":"F"}},
                      {"code":{"text":"AGE"},"value":{"coding":[{"code":"0-4"}]}}],
         "population":[{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/measure-population","code":"initial-population"}]},"count":10}]},
        {"component":[{"code":{"text":"AGE"},"value":{"text":"5-14"}},{"code":{"text":"SEX"},"value":{"text":"M"}}],
         "measureScore":{"value":20.5}}]},
      {"code":[{"coding":[{"code":"SEX"}]}],"stratum":[
        {"value":{"text":"F"},"population":[{"code":{"coding":[{"system":"http://hl7.org/fhir/measure-population","code":"initial-population"}]},"count":55}]}]}])";
  auto batch = parse_fhir_text(bundle({
      report("Location/ITA", "2020-03-01", "2020-03-01", group("cases", count(573))),
      report("Location/CHN", "2020-03-23", "2020-03-29", group("deaths", count(12)), "complete", "summary", "deaths"),
      report("Location/KEN", "2020-02-01", "2020-02-29", group("cases", count(100) + strata)),
      report("Location/ITA", "2020-03-02", "2020-03-02", group("tests", R"(,"measureScore":{"value":0.25})"),
             "complete", "summary", "tests"),
  }));
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{
                             "CHN|deaths||2020-W13|12",
                             "ITA|cases||2020-03-01|573",
                             "ITA|tests||2020-03-02|0.25",
                             "KEN|cases|AGE=0-4;SEX=F|2020-02|10",
                             "KEN|cases|AGE=5-14;SEX=M|2020-02|20.5",
                             "KEN|cases|SEX=F|2020-02|55",
                             "KEN|cases||2020-02|100",
                         }));
  for (const auto& o : batch.observations) {
    if (o.location == "KEN") EXPECT_EQ(o.line, 3);
  }
}

TEST_F(FhirTest, TheDocumentedExampleHoldsTheRowsTheDocumentationLists) {
  std::string example = docs_example("formats/fhir.md", "json");
  ASSERT_FALSE(example.empty());
  auto batch = parse_fhir_text(example);
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{
                             "ITA|cases||2020-03-01|573",
                             "KEN|cases|AGE=0-4;SEX=F|2020-02|10",
                             "KEN|cases|AGE=5-14;SEX=M|2020-02|20.5",
                             "KEN|cases||2020-02|100",
                         }));
}

TEST_F(FhirTest, RefusesWhatItCannotMapNamingTheEntry) {
  auto batch = parse_fhir_text(bundle({
      report("Location/ITA", "2020-03-01", "2020-03-01", group("cases", count(1)), "pending"),                 // 1
      report("Location/ITA", "2020-03-02", "2020-03-02", group("cases", count(1)), "complete", "individual"),  // 2
      report("Patient/17", "2020-03-03", "2020-03-03", group("cases", count(1))),                              // 3
      report("Location/ITA", "2020-03-02", "2020-03-05", group("cases", count(1))),            // 4 four days
      report("Location/ITA", "2020-03-24", "2020-03-30", group("cases", count(1))),            // 5 Tuesday..Monday
      report("Location/ITA", "2020-03-01T00:00:00Z", "2020-03-01", group("cases", count(1))),  // 6 a dateTime
      report("Location/ITA", "2020-03-06", "2020-03-06", group("sneezes", count(1)), "complete", "summary",
             "sneezes"),  // 7
      report(
          "Location/ITA", "2020-03-07", "2020-03-07",
          group(
              "cases",
              R"(,"population":[{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/measure-population","code":"initial-population"}]},"count":3.5}])")),  // 8
      report("Location/ITA", "2020-03-08", "2020-03-08", group("cases", count(1)), "complete", "summary",
             "deaths"),                                                               // 9 measure of another indicator
      R"({"resourceType":"Observation","status":"final"})",                           // 10
      report("Location/ITA", "2031-01-01", "2031-01-01", group("cases", count(1))),   // 11 future
      report("Location/ITA", "2020-03-09", "2020-03-09", group("cases", count(-3))),  // 12 negative
      report(
          "Location/ITA", "2020-03-10", "2020-03-10",
          group(
              "cases",
              count(5) +
                  R"(,"stratifier":[{"stratum":[{"component":[{"code":{"text":"AGE"},"value":{"text":"0-4"}}]}]}])")),  // 13 stratum without value
      report("Location/ITA", "2020-03-11", "2020-03-11", group("cases", "")),  // 14 no value at all
      report("Location/ITA", "2020-03-12", "2020-03-12", "", "complete"),      // 15 no group
      report(
          "Location/ITA", "2020-03-13", "2020-03-13",
          group(
              "cases",
              count(5) +
                  R"(,"stratifier":[{"stratum":[{"component":[{"code":{"text":"AGE"},"value":{"text":"0;4"}}],"measureScore":{"value":1}}]}])")),  // 16 bad option
      report("Location/ITA", "2020-03-01", "2020-03-01", group("cases", count(9))),  // 17 fine
      report("Location/ITA", "2020-03-01", "2020-03-01", group("cases", count(9))),  // 18 duplicate of 17
  }));
  EXPECT_TRUE(has_problem(batch.errors, 1, "status", "not complete")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 2, "type", "not summary"));
  EXPECT_TRUE(has_problem(batch.errors, 3, "subject", "not a Location/<code> reference"));
  EXPECT_TRUE(has_problem(batch.errors, 4, "period", "not a day, an ISO week"));
  EXPECT_TRUE(has_problem(batch.errors, 5, "period", "not a day, an ISO week"));
  EXPECT_TRUE(has_problem(batch.errors, 6, "period", "not two dates"));
  EXPECT_TRUE(has_problem(batch.errors, 7, "group.code", "unknown indicator 'sneezes'"));
  EXPECT_TRUE(has_problem(batch.errors, 8, "group.population.count", "not an integer"));
  EXPECT_TRUE(has_problem(batch.errors, 9, "measure", "not the group's indicator cases"));
  EXPECT_TRUE(has_problem(batch.errors, 10, "resource", "Observation is not MeasureReport"));
  EXPECT_TRUE(has_problem(batch.errors, 11, "period", "in the future"));
  EXPECT_TRUE(has_problem(batch.errors, 12, "group.population.count", "negative"));
  EXPECT_TRUE(has_problem(batch.errors, 13, "group.stratifier[0].stratum[0]", "no initial-population count"));
  EXPECT_TRUE(has_problem(batch.errors, 14, "group", "no initial-population count, no measureScore"));
  EXPECT_TRUE(has_problem(batch.errors, 15, "group", "exactly one group"));
  EXPECT_TRUE(has_problem(batch.errors, 16, "group.stratifier[0].stratum[0]", ""));
  EXPECT_TRUE(has_problem(batch.errors, 18, "", "duplicate of line 17"));
  // A report is taken whole: the good total of entries 13 and 16 is not kept without their strata.
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA|cases||2020-03-01|9"})) << dump(batch.errors);
}

TEST_F(FhirTest, NegativeCountsAreCorrectionsOnlyWhenAllowed) {
  auto text = bundle({report("Location/ITA", "2020-03-09", "2020-03-09", group("cases", count(-3)))});
  EXPECT_FALSE(parse_fhir_text(text).errors.empty());
  auto batch = parse_fhir_text(text, /*allow_corrections=*/true);
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA|cases||2020-03-09|-3"}));
}

TEST_F(FhirTest, RefusesDocumentsThatAreNotACollectionOfReports) {
  auto one = report("Location/ITA", "2020-03-01", "2020-03-01", group("cases", count(1)));
  EXPECT_TRUE(has_problem(parse_fhir_text(bundle({one}, "document")).errors, 0, "type", "'document'"));
  EXPECT_TRUE(has_problem(parse_fhir_text(bundle({one}, "history")).errors, 0, "type", "'history'"));
  EXPECT_TRUE(parse_fhir_text(bundle({one}, "transaction")).errors.empty());
  EXPECT_TRUE(has_problem(parse_fhir_text(R"({"resourceType":"Parameters","entry":[{}]})").errors, 0, "resourceType",
                          "Bundle"));
  EXPECT_TRUE(has_problem(parse_fhir_text(one).errors, 0, "entry", "FHIR Bundle"));
  EXPECT_TRUE(has_problem(parse_fhir_text(R"({"resourceType":"Bundle","type":"collection","entry":[]})").errors, 0,
                          "entry", "empty"));
  EXPECT_TRUE(has_problem(parse_fhir_text("{\"resourceType\":").errors, 0, "", "not valid JSON"));
  EXPECT_TRUE(
      has_problem(parse_fhir_text(R"({"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"x"}]})").errors,
                  1, "resource", "no resource"));
}

TEST_F(FhirTest, WriterRoundTripsTotalsStrataWeeksAndMonths) {
  std::vector<store::Series> series = {
      make_series("ITA", "cases", "", {{"2020-03-01", 573}, {"2020-03-02", 0}, {"2020-03-03", 0.5}}),
      make_series("ITA", "cases", "AGE=0-4;SEX=F", {{"2020-03-01", 7}, {"2020-03-03", 3e9}}),
      make_series("ITA", "cases", "AGE=5-14", {{"2020-03-01", 9}}),
      make_series("CHN", "deaths", "", {{"2020-W13", 12}, {"2020-W14", 3}}),
      make_series("KEN", "cases", "SEX=M", {{"2020-02", 40}}),  // no total stored for this month
      make_series("KEN", "cases", "SEX=F", {{"2020-02", 41}}),
      make_series("KEN", "cases", "OPTION=with, comma \"and quotes\"", {{"2020-03", 1}}),
  };
  std::string text = store::series_to_fhir(series);
  auto batch = parse_fhir_text(text);
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors) << text;
  EXPECT_EQ(rows(batch), rows(series));
  // One report per (location, indicator, period): ITA 3 days, CHN 2 weeks, KEN 2 months.
  EXPECT_EQ(json::parse(text).as_object()["entry"].as_array().size(), 7u);
}

TEST_F(FhirTest, WriterUsesCountsForIntegersAndMeasureScoreOtherwise) {
  EXPECT_TRUE(store::fhir_value_is_count(573));
  EXPECT_TRUE(store::fhir_value_is_count(-3));
  EXPECT_TRUE(store::fhir_value_is_count(2147483647));
  EXPECT_FALSE(store::fhir_value_is_count(2147483648.0));
  EXPECT_FALSE(store::fhir_value_is_count(0.5));
  auto text = store::series_to_fhir({make_series("ITA", "cases", "", {{"2020-03-23", 12}, {"2020-03-24", 2.5}})});
  auto entries = json::parse(text).as_object()["entry"].as_array();
  ASSERT_EQ(entries.size(), 2u);
  auto first = entries[0].as_object()["resource"].as_object();
  EXPECT_EQ(first["resourceType"].as_string(), "MeasureReport");
  EXPECT_EQ(first["status"].as_string(), "complete");
  EXPECT_EQ(first["type"].as_string(), "summary");
  EXPECT_EQ(first["measure"].as_string(), "https://shouwang.example/fhir/Measure/cases");
  EXPECT_EQ(first["subject"].as_object()["reference"].as_string(), "Location/ITA");
  EXPECT_EQ(first["period"].as_object()["start"].as_string(), "2020-03-23");
  EXPECT_EQ(first["period"].as_object()["end"].as_string(), "2020-03-23");
  auto group = first["group"].as_array()[0].as_object();
  auto population = group["population"].as_array()[0].as_object();
  EXPECT_EQ(population["count"].as_int64(), 12);
  EXPECT_EQ(population["code"].as_object()["coding"].as_array()[0].as_object()["code"].as_string(),
            "initial-population");
  EXPECT_FALSE(group.contains("measureScore"));
  auto second = entries[1].as_object()["resource"].as_object()["group"].as_array()[0].as_object();
  EXPECT_FALSE(second.contains("population"));
  EXPECT_EQ(second["measureScore"].as_object()["value"].as_double(), 2.5);
}

TEST_F(FhirTest, WeeksAndMonthsAreWrittenAsTheirFirstAndLastDays) {
  auto text = store::series_to_fhir(
      {make_series("ITA", "cases", "", {{"2020-W53", 1}}), make_series("CHN", "cases", "", {{"2024-02", 2}})});
  auto entries = json::parse(text).as_object()["entry"].as_array();
  ASSERT_EQ(entries.size(), 2u);
  auto period = [&](size_t i) {
    auto p = entries[i].as_object()["resource"].as_object()["period"].as_object();
    return std::string(p["start"].as_string()) + ".." + std::string(p["end"].as_string());
  };
  EXPECT_EQ(period(0), "2024-02-01..2024-02-29");  // CHN sorts first
  EXPECT_EQ(period(1), "2020-12-28..2021-01-03");
}

}  // namespace
}  // namespace shouwang::ingest
