#include "ingest/parsers.h"

#include <gtest/gtest.h>

#include "core/indicator.h"
#include "ingest/reference_data.h"
#include "ingest/format_test_support.h"
#include "ingest/validation.h"

namespace shouwang::ingest {
namespace {

class ParsersTest : public testing::FormatTest {
 protected:
  ParsedBatch parse(Format format, std::string_view content, std::string jhu_indicator = "cases",
                    const Dhis2Mapping* mapping = nullptr) {
    ParseContext context{catalog_, *Date::parse("2024-01-01"), {}, jhu_indicator, mapping};
    return parse_file(format, content, context);
  }
};

TEST_F(ParsersTest, CsvParsesDaysAndWeeks) {
  auto batch = parse(Format::kCsv,
                     "location,indicator,date,value\r\nITA,cases,2020-03-01,573\r\nCHN,deaths,2020-W13,12.5\r\n\r\n");
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  ASSERT_EQ(batch.observations.size(), 2u);
  EXPECT_EQ(batch.observations[0].location, "ITA");
  EXPECT_EQ(batch.observations[0].period.to_string(), "2020-03-01");
  EXPECT_EQ(batch.observations[0].value, 573);
  EXPECT_EQ(batch.observations[0].line, 2);
  EXPECT_TRUE(batch.observations[1].period.is_week());
  EXPECT_EQ(batch.observations[1].value, 12.5);
}

// The optional disaggregation column: canonical text, empty for the total; a part and the total of
// one key are two keys, the same part twice is a duplicate.
TEST_F(ParsersTest, CsvReadsMonthsAndTheOptionalDisaggregationColumn) {
  auto batch = parse(Format::kCsv,
                     "location,indicator,date,value,disaggregation\n"
                     "ITA,cases,2020-03,900,\n"
                     "ITA,cases,2020-03,400,\"SEX=F;AGE=15-24\"\n"
                     "ITA,cases,2020-03,500,AGE=15-24;SEX=M\n"
                     "ITA,cases,2020-03,1,SEX=M;AGE=15-24\n"
                     "ITA,cases,2020-03-01,30,SEX\n"
                     "ITA,cases,2020-13,30,\n");
  ASSERT_EQ(batch.observations.size(), 3u) << dump(batch.errors);
  EXPECT_EQ(batch.observations[0].disaggregation, "");
  EXPECT_TRUE(batch.observations[0].period.is_month());
  EXPECT_EQ(batch.observations[0].period.to_string(), "2020-03");
  EXPECT_EQ(batch.observations[1].disaggregation, "AGE=15-24;SEX=F");
  EXPECT_EQ(batch.observations[2].disaggregation, "AGE=15-24;SEX=M");
  EXPECT_TRUE(has_problem(batch.errors, 5, "", "duplicate of line 4")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 6, "disaggregation", "category=option")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 7, "date", "2020-13")) << dump(batch.errors);
}

TEST_F(ParsersTest, CsvCountsLinesRightAfterAQuotedLastFieldInACrlfFile) {
  // A CRLF after a closing quote used to count as two line ends, so later rows named the wrong line.
  auto batch = parse(Format::kCsv,
                     "location,indicator,date,\"value\"\r\nITA,cases,2020-03-01,\"573\"\r\nITA,cases,2020-03-02,x\r\n");
  ASSERT_EQ(batch.observations.size(), 1u);
  EXPECT_EQ(batch.observations[0].line, 2);
  EXPECT_TRUE(has_problem(batch.errors, 3, "value", "")) << dump(batch.errors);
}

TEST_F(ParsersTest, CsvAcceptsColumnsInAnyOrder) {
  auto batch = parse(Format::kCsv, "date,value,location,indicator\n2020-03-01,1,ITA,cases\n");
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  ASSERT_EQ(batch.observations.size(), 1u);
  EXPECT_EQ(batch.observations[0].location, "ITA");
}

TEST_F(ParsersTest, CsvReportsEveryBadInput) {
  auto batch = parse(Format::kCsv,
                     "location,indicator,date,value\n"
                     "XYZ,cases,2020-03-01,1\n"          // 2 unknown location
                     "ITA,sneezes,2020-03-01,1\n"        // 3 unknown indicator
                     "ITA,cases,2020-02-30,1\n"          // 4 malformed date
                     "ITA,cases,2031-01-01,1\n"          // 5 future date
                     "ITA,cases,2020-03-02,-4\n"         // 6 negative
                     "ITA,cases,2020-03-03,lots\n"       // 7 non-numeric
                     "ITA,cases,2020-03-04\n"            // 8 wrong column count
                     "ITA,cases,2020-03-05,1,extra\n"    // 9 wrong column count
                     "ITA,cases,2020-03-06,1\n"          // 10 fine
                     "ITA,cases,2020-03-06,2\n"          // 11 duplicate of 10
                     "IT\xff,cases,2020-03-07,1\n"       // 12 invalid UTF-8
                     "ITA,cases_cumulative,2020-03-01,10\n"  // 13 fine
                     "ITA,cases_cumulative,2020-03-02,9\n"   // 14 decrease: warning
                     "\"ITA\"x,cases,2020-03-08,1\n");   // 15 bad quoting
  EXPECT_TRUE(has_problem(batch.errors, 2, "location", "unknown location 'XYZ'")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 3, "indicator", "unknown indicator 'sneezes'"));
  EXPECT_TRUE(has_problem(batch.errors, 4, "date", "not a valid"));
  EXPECT_TRUE(has_problem(batch.errors, 5, "date", "in the future"));
  EXPECT_TRUE(has_problem(batch.errors, 6, "value", "negative"));
  EXPECT_TRUE(has_problem(batch.errors, 7, "value", "not a number"));
  EXPECT_TRUE(has_problem(batch.errors, 8, "", "expected 4 columns, found 3"));
  EXPECT_TRUE(has_problem(batch.errors, 9, "", "expected 4 columns, found 5"));
  EXPECT_TRUE(has_problem(batch.errors, 11, "", "duplicate of line 10"));
  EXPECT_TRUE(has_problem(batch.errors, 12, "", "not valid UTF-8"));
  EXPECT_TRUE(has_problem(batch.errors, 15, "", "badly quoted"));
  EXPECT_EQ(batch.errors.size(), 11u) << dump(batch.errors);
  ASSERT_EQ(batch.warnings.size(), 1u);
  EXPECT_TRUE(has_problem(batch.warnings, 14, "", "decreased from 10"));
  EXPECT_EQ(batch.observations.size(), 3u);  // lines 10, 13, 14
}

TEST_F(ParsersTest, CsvKeepsNegativeIncidentValuesOnlyWhenCorrectionsAreAllowed) {
  constexpr std::string_view kFile =
      "location,indicator,date,value\nITA,cases,2020-03-01,-5\nITA,cases_cumulative,2020-03-01,-5\n";
  auto strict = parse(Format::kCsv, kFile);
  EXPECT_TRUE(has_problem(strict.errors, 2, "value", "--allow-corrections")) << dump(strict.errors);
  EXPECT_TRUE(has_problem(strict.errors, 3, "value", "negative"));
  EXPECT_TRUE(strict.observations.empty());

  ParseContext lenient{catalog_, *Date::parse("2024-01-01"), {}, "", nullptr, /*allow_corrections=*/true};
  auto kept = parse_csv(kFile, lenient);
  ASSERT_EQ(kept.observations.size(), 1u);
  EXPECT_EQ(kept.observations[0].value, -5);
  EXPECT_TRUE(has_problem(kept.warnings, 2, "value", "kept as a correction"));
  EXPECT_TRUE(has_problem(kept.errors, 3, "value", "negative"));  // a cumulative total cannot be negative
}

TEST_F(ParsersTest, CsvRejectsEmptyFilesAndBadHeaders) {
  for (const char* empty : {"", "\n\n", "\xEF\xBB\xBF"}) {
    auto batch = parse(Format::kCsv, empty);
    ASSERT_EQ(batch.errors.size(), 1u);
    EXPECT_NE(batch.errors[0].message.find("empty"), std::string::npos);
  }
  auto header_only = parse(Format::kCsv, "location,indicator,date,value\n");
  EXPECT_TRUE(has_problem(header_only.errors, 0, "", "no rows"));
  auto bad_header = parse(Format::kCsv, "place,indicator,date,value\nITA,cases,2020-03-01,1\n");
  EXPECT_TRUE(has_problem(bad_header.errors, 1, "", "header must be"));
  EXPECT_TRUE(bad_header.observations.empty());
}

TEST_F(ParsersTest, JsonParsesAndValidatesRecords) {
  auto batch = parse(Format::kJson, R"({"observations":[
    {"location":"ITA","indicator":"cases","date":"2020-03-01","value":573},
    {"location":"ITA","indicator":"cases","date":"2020-03-02","value":"12"},
    {"location":"ITA","indicator":"cases","date":"2020-03-03"},
    {"location":"ZZZ","indicator":"cases","date":"2020-03-04","value":1},
    {"location":"ITA","indicator":"cases","date":"2020-03-05","value":-1},
    {"location":"ITA","indicator":"cases","date":"2020-03-01","value":7},
    {"location":"ITA","indicator":"cases","date":"2020-03-06","value":true},
    42
  ]})");
  EXPECT_EQ(batch.observations.size(), 2u);
  EXPECT_TRUE(has_problem(batch.errors, 3, "value", "missing")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 4, "location", "unknown location"));
  EXPECT_TRUE(has_problem(batch.errors, 5, "value", "negative"));
  EXPECT_TRUE(has_problem(batch.errors, 6, "", "duplicate of line 1"));
  EXPECT_TRUE(has_problem(batch.errors, 7, "value", "wrong type"));
  EXPECT_TRUE(has_problem(batch.errors, 8, "", "not an object"));
}

TEST_F(ParsersTest, JsonReadsTheOptionalDisaggregation) {
  auto batch = parse(Format::kJson,
                     R"({"observations":[{"location":"ITA","indicator":"cases","date":"2020-03","value":4,)"
                     R"("disaggregation":"SEX=F"},{"location":"ITA","indicator":"cases","date":"2020-03","value":9},)"
                     R"({"location":"ITA","indicator":"cases","date":"2020-04","value":9,"disaggregation":"F"}]})");
  ASSERT_EQ(batch.observations.size(), 2u) << dump(batch.errors);
  EXPECT_EQ(batch.observations[0].disaggregation, "SEX=F");
  EXPECT_EQ(batch.observations[1].disaggregation, "");
  EXPECT_TRUE(has_problem(batch.errors, 3, "disaggregation", "")) << dump(batch.errors);
}

TEST_F(ParsersTest, JsonRejectsBrokenDocuments) {
  EXPECT_TRUE(has_problem(parse(Format::kJson, "  ").errors, 0, "", "empty"));
  EXPECT_TRUE(has_problem(parse(Format::kJson, "{\n\"observations\": [\n{,}]}").errors, 0, "", "line 3: not valid JSON"));
  EXPECT_TRUE(has_problem(parse(Format::kJson, "{\"rows\": []}").errors, 0, "observations", "must be an object"));
  EXPECT_TRUE(has_problem(parse(Format::kJson, "{\"observations\": []}").errors, 0, "observations", "empty"));
  EXPECT_TRUE(has_problem(parse(Format::kJson, "{\"observations\":\n[\"\xc3\x28\"]}").errors, 2, "", "UTF-8"));
}

constexpr std::string_view kJhuSample =
    "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20,1/24/20\r\n"
    ",Italy,41.9,12.5,0,2,1\r\n"                        // 2 decrease: daily -1 kept, warning
    "Hubei,China,30.9,112.2,444,444,549\r\n"            // 3 province -> CHN-HB
    "Beijing,China,40.1,116.4,14,22,36\r\n"             // 4 province -> CHN-BJ
    "Unknown,China,,,0,1,1\r\n"                         // 5 not a place, counted in CHN
    "Hong Kong,China,22.3,114.2,0,2,2\r\n"              // 6 its own country, HKG
    ",Diamond Princess,0,0,61,61,61\r\n"                // 7 not a place
    ",\"Korea, South\",35.9,127.7,1,1,2\r\n"            // 8 quoted name
    ",Atlantis,0,0,1,1,1\r\n"                           // 9 unknown
    "Channel Islands,United Kingdom,49.4,-2.4,0,0,1\r\n"; // 10 JHU's own grouping -> GBR-CHI

TEST_F(ParsersTest, JhuMapsPlacesDerivesTotalsAndDailyCounts) {
  auto batch = parse(Format::kJhu, kJhuSample, "cases");
  auto find = [&](std::string_view loc, std::string_view ind, std::string_view date) -> std::optional<double> {
    for (const auto& o : batch.observations) {
      if (o.location == loc && o.indicator == ind && o.period.to_string() == date) return o.value;
    }
    return std::nullopt;
  };
  EXPECT_TRUE(has_problem(batch.errors, 9, "Country/Region", "unknown JHU place 'Atlantis'")) << dump(batch.errors);
  EXPECT_EQ(batch.errors.size(), 1u) << dump(batch.errors);
  EXPECT_EQ(find("ITA", "cases_cumulative", "2020-01-23"), 2);
  EXPECT_FALSE(find("ITA", "cases", "2020-01-22").has_value());  // no day before: unknown
  EXPECT_EQ(find("ITA", "cases", "2020-01-23"), 2);
  EXPECT_EQ(find("ITA", "cases", "2020-01-24"), -1);
  EXPECT_TRUE(has_problem(batch.warnings, 2, "1/24/20", "kept as a correction"));
  EXPECT_EQ(find("CHN-HB", "cases_cumulative", "2020-01-24"), 549);
  EXPECT_EQ(find("CHN-HB", "cases", "2020-01-24"), 105);
  EXPECT_EQ(find("CHN", "cases_cumulative", "2020-01-24"), 549 + 36 + 1);  // HKG not included
  EXPECT_EQ(find("CHN", "cases", "2020-01-23"), (444 + 22 + 1) - (444 + 14 + 0));
  EXPECT_EQ(find("HKG", "cases_cumulative", "2020-01-24"), 2);
  EXPECT_EQ(find("KOR", "cases_cumulative", "2020-01-24"), 2);
  EXPECT_TRUE(has_problem(batch.warnings, 5, "Province/State", "not a place"));
  EXPECT_TRUE(has_problem(batch.warnings, 7, "Country/Region", "not a place"));
  // Hubei and Beijing are ISO 3166-2 subdivisions, already in the reference catalogue; only a
  // province outside ISO 3166-2 is added by the file.
  ASSERT_EQ(batch.new_locations.size(), 1u);
  EXPECT_EQ(batch.new_locations[0].code, "GBR-CHI");
  EXPECT_EQ(batch.new_locations[0].parent, "GBR");
  EXPECT_EQ(batch.new_locations[0].name_en, "Channel Islands");
  EXPECT_EQ(batch.new_locations[0].level, LocationLevel::kSubnational);
  EXPECT_EQ(find("GBR-CHI", "cases_cumulative", "2020-01-24"), 1);
}

TEST_F(ParsersTest, JhuValidatesCellsHeaderAndIndicator) {
  auto batch = parse(Format::kJhu,
                     "Province/State,Country/Region,Lat,Long,1/22/20,13/45/20,1/1/35\n"
                     ",Italy,41.9,12.5,0,abc,3\n"
                     ",France,1,2,-5,1,1\n"
                     ",Spain,1,2,1\n",
                     "deaths");
  EXPECT_TRUE(has_problem(batch.errors, 1, "13/45/20", "not a date")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 1, "1/1/35", "future"));
  EXPECT_TRUE(has_problem(batch.errors, 3, "1/22/20", "negative"));
  EXPECT_TRUE(has_problem(batch.errors, 4, "", "expected 7 columns, found 5"));
  for (const auto& o : batch.observations) EXPECT_TRUE(o.indicator == "deaths" || o.indicator == "deaths_cumulative");
  EXPECT_TRUE(has_problem(parse(Format::kJhu, kJhuSample, "tests").errors, 0, "", "--indicator cases"));
  EXPECT_TRUE(has_problem(parse(Format::kJhu, "Country,Lat\nx,1\n").errors, 1, "", "header must start"));
}

constexpr std::string_view kWhoSample =
    "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n"
    "2020-03-01,IT,Italy,EURO,,1000,,20\n"                     // 2 New_* empty: not reported
    "2020-03-08,IT,Italy,EURO,500,1500,10,30\n"               // 3
    "2020-03-08,NA,Namibia,AFRO,0,0,0,0\n"                    // 4 NA is Namibia
    "2020-03-08,XK,Kosovo (in accordance),EURO,3,3,0,0\n"    // 5 XKX
    "2020-03-08,XXL,International commercial vessel,OTHER,1,1,0,0\n"  // 6 skipped, warning
    "2020-03-15,IT,Italy,EURO,-5,1495,2,32\n"                 // 7 negative new: warning; decrease: warning
    "2020-03-15,QQ,Nowhere,EURO,1,1,0,0\n";                   // 8 unknown code

TEST_F(ParsersTest, WhoBuildsWeeklySeriesAndKeepsNotReportedAbsent) {
  auto batch = parse(Format::kWho, kWhoSample);
  auto find = [&](std::string_view loc, std::string_view ind, std::string_view week) -> std::optional<double> {
    for (const auto& o : batch.observations) {
      if (o.location == loc && o.indicator == ind && o.period.to_string() == week) return o.value;
    }
    return std::nullopt;
  };
  EXPECT_EQ(batch.errors.size(), 1u) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 8, "Country_code", "unknown country code 'QQ'"));
  // 2020-03-01 is the Sunday ending ISO week 2020-W09.
  EXPECT_EQ(find("ITA", "cases_cumulative", "2020-W09"), 1000);
  EXPECT_FALSE(find("ITA", "cases", "2020-W09").has_value());
  EXPECT_EQ(find("ITA", "cases", "2020-W10"), 500);
  EXPECT_EQ(find("ITA", "deaths_cumulative", "2020-W10"), 30);
  EXPECT_EQ(find("NAM", "cases", "2020-W10"), 0);
  EXPECT_EQ(find("XKX", "cases", "2020-W10"), 3);
  EXPECT_EQ(find("ITA", "cases", "2020-W11"), -5);
  EXPECT_TRUE(has_problem(batch.warnings, 6, "Country_code", "not a country; its 1 row is skipped"));
  EXPECT_TRUE(has_problem(batch.warnings, 7, "New_cases", "kept as a correction"));
  EXPECT_TRUE(has_problem(batch.warnings, 7, "", "decreased from 1500"));
  for (const auto& o : batch.observations) EXPECT_TRUE(o.period.is_week());
}

TEST_F(ParsersTest, WhoDailyFileKeepsDays) {
  auto batch = parse(Format::kWho,
                     "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n"
                     "2020-03-02,IT,Italy,EURO,1,1,0,0\n2020-03-03,IT,Italy,EURO,2,3,0,0\n");
  ASSERT_FALSE(batch.observations.empty());
  for (const auto& o : batch.observations) EXPECT_FALSE(o.period.is_week());
  auto missing_column = parse(Format::kWho, "Date_reported,Country_code\n2020-03-02,IT\n");
  EXPECT_TRUE(has_problem(missing_column.errors, 1, "Country", "no column"));
}

TEST_F(ParsersTest, Dhis2MapsIdsAndPeriods) {
  auto mapping = parse_dhis2_mapping(R"({"dataElements":{"fbfJHSPpUQD":"cases","cYeuwXTCPkU":"deaths"},
                                         "orgUnits":{"DiszpKrYNg8":"ITA","O6uvpzGd5pu":"ZZZ-21","Pq7r":"ITA-ASL1"}})");
  ASSERT_TRUE(mapping.is_ok()) << mapping.status().to_string();
  auto batch = parse(Format::kDhis2, R"({"dataSet":"x","dataValues":[
    {"dataElement":"fbfJHSPpUQD","period":"20200301","orgUnit":"DiszpKrYNg8","value":"12"},
    {"dataElement":"cYeuwXTCPkU","period":"2020W13","orgUnit":"DiszpKrYNg8","value":"3"},
    {"dataElement":"fbfJHSPpUQD","period":"2020W5","orgUnit":"DiszpKrYNg8","value":4},
    {"dataElement":"nope","period":"20200301","orgUnit":"DiszpKrYNg8","value":"1"},
    {"dataElement":"fbfJHSPpUQD","period":"20200301","orgUnit":"unknownOU","value":"1"},
    {"dataElement":"fbfJHSPpUQD","period":"2020Q1","orgUnit":"DiszpKrYNg8","value":"1"},
    {"dataElement":"fbfJHSPpUQD","period":"20200302","orgUnit":"O6uvpzGd5pu","value":"1"},
    {"dataElement":"fbfJHSPpUQD","period":"20200303","orgUnit":"DiszpKrYNg8","value":"x"},
    {"dataElement":"fbfJHSPpUQD","period":"20200304","orgUnit":"Pq7r","value":"2"}
  ]})", "cases", &*mapping);
  ASSERT_EQ(batch.observations.size(), 4u) << dump(batch.errors);
  EXPECT_EQ(batch.observations[0].period.to_string(), "2020-03-01");
  EXPECT_EQ(batch.observations[1].period.to_string(), "2020-W13");
  EXPECT_EQ(batch.observations[1].indicator, "deaths");
  EXPECT_EQ(batch.observations[2].period.to_string(), "2020-W05");
  EXPECT_TRUE(has_problem(batch.errors, 4, "dataElement", "not in the mapping"));
  EXPECT_TRUE(has_problem(batch.errors, 5, "orgUnit", "not in the mapping"));
  EXPECT_TRUE(has_problem(batch.errors, 6, "period", "not a DHIS2 daily"));
  EXPECT_TRUE(has_problem(batch.errors, 7, "orgUnit", "unknown location 'ZZZ-21'"));
  // A well-formed subdivision of a known country that ISO 3166-2 lacks (a health district) is the
  // reporter's own: added, with a warning.
  EXPECT_TRUE(has_problem(batch.warnings, 9, "orgUnit", "new subdivision 'ITA-ASL1'"));
  ASSERT_EQ(batch.new_locations.size(), 1u);
  EXPECT_EQ(batch.new_locations[0].parent, "ITA");
  EXPECT_TRUE(has_problem(batch.errors, 8, "value", "not a number"));
  EXPECT_TRUE(has_problem(parse(Format::kDhis2, "{}", "cases", nullptr).errors, 0, "", "--mapping"));
  EXPECT_FALSE(parse_dhis2_mapping(R"({"dataElements":{}})").is_ok());
}

TEST(Dhis2Periods, DaysWeeksAndMonthsInDhis2Notation) {
  struct Case {
    std::string_view dhis2, ours;
  };
  for (auto [dhis2, ours] : {Case{"20200301", "2020-03-01"}, Case{"2020W13", "2020-W13"}, Case{"2020W5", "2020-W05"},
                             Case{"2020W53", "2020-W53"}, Case{"202003", "2020-03"}, Case{"202012", "2020-12"}}) {
    auto period = parse_dhis2_period(dhis2);
    ASSERT_TRUE(period.has_value()) << dhis2;
    EXPECT_EQ(period->to_string(), ours);
    EXPECT_EQ(dhis2_period_text(*period), dhis2);
  }
  EXPECT_TRUE(parse_dhis2_period("202003")->is_month());
  for (std::string_view bad : {"202013", "202000", "2020W54", "2021W53", "2020W0", "2020W", "2020Q1", "2020",
                               "2020-03-01", "20200230", "2020W1x", "20200301 ", "2020BiW1", ""}) {
    EXPECT_FALSE(parse_dhis2_period(bad).has_value()) << bad;
  }
}

TEST_F(ParsersTest, Dhis2CombosSetDefaultsAndCodes) {
  auto mapping = parse_dhis2_mapping(R"({"dataElements":{"fbfJHSPpUQD":"cases"},"orgUnits":{"DiszpKrYNg8":"ITA"},
                                         "categoryOptionCombos":{"femYoung":"SEX=F;AGE=15-24","male":"SEX=M"}})");
  ASSERT_TRUE(mapping.is_ok()) << mapping.status().to_string();
  EXPECT_EQ(mapping->category_option_combos.at("femYoung"), "AGE=15-24;SEX=F");
  // The set's period and org unit apply to values without their own.
  auto batch = parse(Format::kDhis2, R"({"dataSet":"x","period":"202003","orgUnit":"DiszpKrYNg8","dataValues":[
    {"dataElement":"fbfJHSPpUQD","value":"12"},
    {"dataElement":"fbfJHSPpUQD","categoryOptionCombo":"HllvX50cXC0","value":"12"},
    {"dataElement":"fbfJHSPpUQD","categoryOptionCombo":"femYoung","value":"5"},
    {"dataElement":"fbfJHSPpUQD","categoryOptionCombo":"male","period":"20200302","value":"7"},
    {"dataElement":"fbfJHSPpUQD","categoryOptionCombo":"unknownCoc","value":"1"},
    {"dataElement":"fbfJHSPpUQD","attributeOptionCombo":"fundingX","period":"20200303","value":"1"},
    {"dataElement":"fbfJHSPpUQD","period":"20200304","value":"1","deleted":true},
    {"dataElement":"fbfJHSPpUQD","categoryOptionCombo":"male","period":null,"value":"1"}
  ]})", "cases", &*mapping);
  ASSERT_EQ(batch.observations.size(), 4u) << dump(batch.errors);
  EXPECT_EQ(batch.observations[0].period.to_string(), "2020-03");
  EXPECT_EQ(batch.observations[0].disaggregation, "");
  EXPECT_EQ(batch.observations[1].disaggregation, "AGE=15-24;SEX=F");
  EXPECT_EQ(batch.observations[2].disaggregation, "SEX=M");
  EXPECT_EQ(batch.observations[2].period.to_string(), "2020-03-02");
  EXPECT_TRUE(has_problem(batch.errors, 2, "", "duplicate of line 1")) << dump(batch.errors);  // the total again
  EXPECT_TRUE(has_problem(batch.errors, 5, "categoryOptionCombo", "'unknownCoc' is not in the mapping"));
  EXPECT_TRUE(has_problem(batch.errors, 6, "attributeOptionCombo", "only the default"));
  EXPECT_TRUE(has_problem(batch.errors, 7, "deleted", "never deleted"));
  EXPECT_EQ(batch.observations[3].period.to_string(), "2020-03") << "a null period takes the set's";

  Dhis2Mapping codes;
  codes.by_code = true;
  auto by_code = parse(Format::kDhis2, R"({"dataValues":[
    {"dataElement":"cases","period":"2020W13","orgUnit":"ITA","categoryOptionCombo":"default","value":"3"},
    {"dataElement":"cases","period":"2020W13","orgUnit":"ITA","categoryOptionCombo":"SEX=F;AGE=15-24","value":"1"},
    {"dataElement":"cases","period":"2020W13","orgUnit":"ITA","categoryOptionCombo":"SEX","value":"1"},
    {"dataElement":"fbfJHSPpUQD","period":"2020W13","orgUnit":"ITA","value":"1"}]})", "cases", &codes);
  ASSERT_EQ(by_code.observations.size(), 2u) << dump(by_code.errors);
  EXPECT_EQ(by_code.observations[0].disaggregation, "");
  EXPECT_EQ(by_code.observations[1].disaggregation, "AGE=15-24;SEX=F");
  EXPECT_TRUE(has_problem(by_code.errors, 3, "categoryOptionCombo", ""));
  EXPECT_TRUE(has_problem(by_code.errors, 4, "dataElement", "unknown indicator"));

  EXPECT_FALSE(parse_dhis2_mapping(R"({"dataElements":{},"orgUnits":{},"categoryOptionCombos":{"c":"SEX"}})").is_ok());
  EXPECT_FALSE(parse_dhis2_mapping(R"({"dataElements":{},"orgUnits":{},"categoryOptionCombos":{"c":3}})").is_ok());
  // What `shouwang dhis2 mapping` stores reads back as the same mapping.
  auto again = parse_dhis2_mapping(dhis2_mapping_json(*mapping));
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(dhis2_mapping_json(*again), dhis2_mapping_json(*mapping));
  EXPECT_EQ(again->category_option_combos, mapping->category_option_combos);
}

// Found by the dhis2_csv fuzzer (fuzz/corpus/dhis2_csv/crash-8358afd0...): the whole-batch check
// keyed (location, disaggregation) by views of strings it had already freed, so distinct
// disaggregations of one key could read as duplicates (and ASan saw a use after free).
TEST_F(ParsersTest, DistinctDisaggregationsOfOneKeyAreNoDuplicates) {
  Dhis2Mapping codes;
  codes.by_code = true;
  std::string values;
  for (std::string combo : {"SEX=F;AGE=15-24", "SEX=M;AGE=15-24", "SEX=F;AGE=25-34", "SEX=M;AGE=25-34", "default"}) {
    values += std::string(values.empty() ? "" : ",") +
              R"({"dataElement":"cases","period":"20200301","orgUnit":"ITA","categoryOptionCombo":")" + combo +
              R"(","value":"1"})";
  }
  values += R"(,{"dataElement":"cases","period":"20200301","orgUnit":"ITA","categoryOptionCombo":"AGE=25-34;SEX=M","value":"2"})";
  auto batch = parse(Format::kDhis2, R"({"dataValues":[)" + values + "]}", "cases", &codes);
  EXPECT_EQ(batch.observations.size(), 5u);
  ASSERT_EQ(batch.errors.size(), 1u) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 6, "", "duplicate of line 4")) << dump(batch.errors);
}

TEST_F(ParsersTest, Dhis2CsvReadsColumnsByPosition) {
  auto mapping = parse_dhis2_mapping(R"({"dataElements":{"fbfJHSPpUQD":"cases"},"orgUnits":{"DiszpKrYNg8":"ITA"},
                                         "categoryOptionCombos":{"male":"SEX=M"}})");
  ASSERT_TRUE(mapping.is_ok());
  auto batch = parse(Format::kDhis2Csv,
                     "\"dataelement\",\"period\",\"orgunit\",\"catoptcombo\",\"attroptcombo\",\"value\",\"storedby\",\"timestamp\"\r\n"
                     "\"fbfJHSPpUQD\",\"202003\",\"DiszpKrYNg8\",\"HllvX50cXC0\",,\"7\",\"bombali\",\"2020-04-17\"\r\n"
                     "fbfJHSPpUQD,202003,DiszpKrYNg8,male,HllvX50cXC0,3\r\n"
                     "\r\n"
                     "fbfJHSPpUQD,2020W13,DiszpKrYNg8,,,4,,,,,true\r\n"
                     "fbfJHSPpUQD,2020W13,DiszpKrYNg8,,\r\n"
                     "fbfJHSPpUQD,20200301,DiszpKrYNg8,,,,\r\n",
                     "cases", &*mapping);
  ASSERT_EQ(batch.observations.size(), 2u) << dump(batch.errors);
  EXPECT_EQ(batch.observations[0].period.to_string(), "2020-03");
  EXPECT_EQ(batch.observations[0].value, 7);
  EXPECT_EQ(batch.observations[1].disaggregation, "SEX=M");
  EXPECT_EQ(batch.observations[1].line, 3);
  EXPECT_TRUE(has_problem(batch.errors, 5, "deleted", "never deleted"));
  EXPECT_TRUE(has_problem(batch.errors, 6, "", "expected 6 to 11 columns"));
  EXPECT_TRUE(has_problem(batch.errors, 7, "value", "missing value"));
  EXPECT_TRUE(has_problem(parse(Format::kDhis2Csv, "dataelement,period\n", "cases", &*mapping).errors, 0, "",
                          "no rows"));
  EXPECT_TRUE(has_problem(parse(Format::kDhis2Csv, "x\n", "cases", nullptr).errors, 0, "", "--mapping"));
}

TEST_F(ParsersTest, NoInputCrashesAParser) {
  // Truncated and garbage inputs of every format give problems, never a crash.
  const std::string inputs[] = {"\"", "\"\"\"", ",,,,\n,,,", std::string("\0\0\0", 3), "{", "[1,2]", "\xff\xfe",
                                std::string(kJhuSample.substr(0, 70)), std::string(kWhoSample.substr(0, 120))};
  Dhis2Mapping mapping;
  for (auto format : {Format::kCsv, Format::kJson, Format::kJhu, Format::kWho, Format::kDhis2, Format::kDhis2Csv}) {
    for (const auto& input : inputs) {
      auto batch = parse(format, input, "cases", &mapping);
      EXPECT_TRUE(!batch.errors.empty() || !batch.observations.empty()) << format_name(format) << " " << input;
    }
  }
}

}  // namespace
}  // namespace shouwang::ingest
