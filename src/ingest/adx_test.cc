// ADX: the parser (ingest/parse_adx.cc) on hand-written documents, the refusal of DTDs and entities,
// and the store's writer (store/export_adx.cc) read back by the parser.
#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sys/mman.h>

#include <fstream>
#include <map>
#include <string>
#include <tuple>

#include "ingest/format_test_support.h"
#include "store/export_adx.h"

namespace shouwang::ingest {
namespace {

class AdxTest : public testing::FormatTest {
 protected:
  ParsedBatch parse(std::string_view content, bool allow_corrections = false) {
    return FormatTest::parse(Format::kAdx, content, allow_corrections);
  }
  // "location indicator period disaggregation = value" per row, in file order.
  static std::vector<std::string> rows(const ParsedBatch& batch) {
    std::vector<std::string> out;
    for (const auto& o : batch.observations) {
      out.push_back(o.location + " " + o.indicator + " " + o.period.to_string() + " " + o.disaggregation + " = " +
                    format_value(o.value));
    }
    return out;
  }
};

// Written by hand in the shape of the examples of IHE's ADX profile: a declaration, a comment, an
// `exported` timestamp, groups with a dataSet, disaggregation attributes and an annotation.
constexpr std::string_view kExample = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- weekly report of two districts' data elements -->
<adx xmlns="urn:ihe:qrph:adx:2015" exported="2020-04-06T09:15:00Z">
  <group orgUnit="ITA" period="2020-03-30/P7D" dataSet="NOTIFIABLE_WEEKLY" completeDate="2020-04-06">
    <dataValue dataElement="cases" value="12" SEX="F" AGE="15-24"/>
    <dataValue dataElement="cases" value="9" AGE="15-24" SEX="M">
      <annotation>two late reports included</annotation>
    </dataValue>
    <dataValue dataElement="cases" value="21"/>
    <dataValue dataElement="deaths" value="0"/>
  </group>
  <group orgUnit="CHN" period="2020-03-01/P1D" dataSet="NOTIFIABLE_DAILY">
    <dataValue dataElement="cases" value="573.5"/>
  </group>
</adx>
)";

TEST_F(AdxTest, ParsesAnExampleInTheShapeOfTheIheProfile) {
  auto batch = parse(kExample);
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{
                             "ITA cases 2020-W14 AGE=15-24;SEX=F = 12",
                             "ITA cases 2020-W14 AGE=15-24;SEX=M = 9",
                             "ITA cases 2020-W14  = 21",
                             "ITA deaths 2020-W14  = 0",
                             "CHN cases 2020-03-01  = 573.5",
                         }));
  // Lines are the XML lines of the dataValue tags.
  ASSERT_EQ(batch.observations.size(), 5u);
  EXPECT_EQ(batch.observations[0].line, 5);
  EXPECT_EQ(batch.observations[2].line, 9);
  EXPECT_EQ(batch.observations[4].line, 13);
}

TEST_F(AdxTest, ReadsDaysIsoWeeksAndMonths) {
  auto batch = parse(R"(<adx xmlns="urn:ihe:qrph:adx:2015">
<group orgUnit="ITA" period="2020-03-01/P1D"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2019-12-30/P7D"><dataValue dataElement="cases" value="2"/></group>
<group orgUnit="ITA" period="2020-02-01/P1M"><dataValue dataElement="cases" value="3"/></group>
</adx>)");
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors);
  ASSERT_EQ(batch.observations.size(), 3u);
  EXPECT_EQ(batch.observations[0].period, Period::day(*Date::parse("2020-03-01")));
  // The Monday 2019-12-30 starts ISO week 1 of 2020.
  EXPECT_EQ(batch.observations[1].period, Period::week(IsoWeek(2020, 1)));
  EXPECT_EQ(batch.observations[2].period, Period::month(2020, 2));
}

TEST_F(AdxTest, DisaggregationAttributesBecomeCanonicalText) {
  auto batch = parse(R"(<adx xmlns="urn:ihe:qrph:adx:2015" xmlns:x="urn:example:extension">
<group orgUnit="ITA" period="2020-03-01/P1D">
<dataValue SEX="F&#38;M" dataElement="cases" AGE="&lt;5 &amp;&amp; &#x263A;" value="1" x:note="ignored, another namespace"/>
<dataValue dataElement="cases" value="2" AGE="65+" AGE_GROUP="65-69"/>
<dataValue dataElement="cases" value="3" SEX="bad;option"/>
<dataValue dataElement="cases" value="4" SEX=""/>
</group></adx>)");
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA cases 2020-03-01 AGE=<5 && \u263A;SEX=F&M = 1",
                                                   "ITA cases 2020-03-01 AGE=65+;AGE_GROUP=65-69 = 2"}))
      << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 5, "disaggregation", "option 'bad;option' of SEX")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 6, "disaggregation", "option '' of SEX")) << dump(batch.errors);
}

TEST_F(AdxTest, SkippedElementsDoNotHideWhatFollowsThem) {
  // Extensions of other namespaces, annotations and unexpected elements are skipped with their
  // content, and reading resumes right after each.
  auto batch = parse(R"(<adx xmlns="urn:ihe:qrph:adx:2015" xmlns:x="urn:example:extension">
<x:header><group orgUnit="ITA" period="2020-03-01/P1D"><dataValue dataElement="cases" value="99"/></group></x:header>
<group orgUnit="ITA" period="2020-03-01/P1D">
<x:note><dataValue dataElement="cases" value="98"/></x:note>
<dataValue dataElement="cases" value="1"><annotation><dataValue dataElement="deaths" value="97"/></annotation></dataValue>
<dataValue dataElement="deaths" value="2"/>
<comment><dataValue dataElement="cases_cumulative" value="96"/></comment>
<dataValue dataElement="cases_cumulative" value="3"/>
</group>
<group orgUnit="CHN" period="2020-03-01/P1D"><dataValue dataElement="cases" value="4"/></group>
</adx>)");
  EXPECT_TRUE(has_problem(batch.errors, 7, "", "unexpected <comment>")) << dump(batch.errors);
  EXPECT_EQ(batch.errors.size(), 1u) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA cases 2020-03-01  = 1", "ITA deaths 2020-03-01  = 2",
                                                   "ITA cases_cumulative 2020-03-01  = 3",
                                                   "CHN cases 2020-03-01  = 4"}));
}

TEST_F(AdxTest, BadPeriodsAreRowProblemsOfTheirGroup) {
  auto batch = parse(R"(<adx xmlns="urn:ihe:qrph:adx:2015">
<group orgUnit="ITA" period="2020-03-31/P7D"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2020-03-02/P1M"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2020-01-01/P1Y"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2020-03-01"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2021-02-29/P1D"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2030-01-01/P1D"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2020-03-30/P7D" SEX="F"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2020-03-30/P7D"><dataValue dataElement="cases" value="5"/></group>
</adx>)");
  EXPECT_TRUE(has_problem(batch.errors, 2, "period", "must start on a Monday")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 3, "period", "must start on the 1st")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 4, "period", "duration 'P1Y' is not read")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 5, "period", "is not an ADX start/duration")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 6, "period", "does not start with a YYYY-MM-DD date")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 7, "period", "in the future")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 8, "period", "group has no period")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 9, "SEX", "group attribute 'SEX' is not read")) << dump(batch.errors);
  EXPECT_EQ(batch.errors.size(), 8u) << dump(batch.errors);
  // Only the last, good group's value is kept.
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA cases 2020-W14  = 5"}));
}

TEST_F(AdxTest, BadCodesAndValuesAreRowProblems) {
  auto batch = parse(R"(<adx xmlns="urn:ihe:qrph:adx:2015">
<group orgUnit="XYZ" period="2020-03-01/P1D"><dataValue dataElement="cases" value="1"/></group>
<group period="2020-03-01/P1D"><dataValue dataElement="cases" value="1"/></group>
<group orgUnit="ITA" period="2020-03-01/P1D">
<dataValue dataElement="flu" value="1"/>
<dataValue value="1"/>
<dataValue dataElement="cases" value="many"/>
<dataValue dataElement="deaths"/>
<dataValue dataElement="deaths" value="-2"/>
<dataValue dataElement="cases" value="7"/>
<dataValue dataElement="cases" value="8"/>
<datavalue dataElement="cases" value="9"/>
</group></adx>)");
  EXPECT_TRUE(has_problem(batch.errors, 2, "orgUnit", "location 'XYZ'")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 3, "orgUnit", "group has no orgUnit")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 5, "dataElement", "unknown indicator 'flu'")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 6, "dataElement", "no dataElement")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 7, "value", "'many' is not a number")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 8, "value", "no value")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 9, "value", "is negative")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 11, "", "duplicate of line 10")) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 12, "", "unexpected <datavalue>")) << dump(batch.errors);
  EXPECT_EQ(batch.errors.size(), 9u) << dump(batch.errors);
  EXPECT_EQ(rows(batch), (std::vector<std::string>{"ITA cases 2020-03-01  = 7"}));

  // A negative incident count is a correction when the reporter says so.
  auto corrected = parse(R"(<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="ITA" period="2020-03-01/P1D">
<dataValue dataElement="cases" value="-2"/></group></adx>)",
                         /*allow_corrections=*/true);
  EXPECT_TRUE(corrected.errors.empty()) << dump(corrected.errors);
  EXPECT_TRUE(has_problem(corrected.warnings, 2, "value", "kept as a correction")) << dump(corrected.warnings);
}

TEST_F(AdxTest, DocumentsThatAreNotAdxOrNotWellFormedAreRefusedWhole) {
  auto no_namespace = parse(R"(<adx><group orgUnit="ITA" period="2020-03-01/P1D"/></adx>)");
  EXPECT_TRUE(has_problem(no_namespace.errors, 0, "", "line 1: not an ADX document")) << dump(no_namespace.errors);
  EXPECT_EQ(no_namespace.errors.size(), 1u) << dump(no_namespace.errors);

  auto dhis2_json = parse(R"({"dataValues": []})");
  EXPECT_TRUE(has_problem(dhis2_json.errors, 0, "", "line 1: not well-formed XML")) << dump(dhis2_json.errors);

  // Cut off mid-way: the rows before the cut are not imported either.
  auto truncated = parse(R"(<adx xmlns="urn:ihe:qrph:adx:2015">
<group orgUnit="ITA" period="2020-03-01/P1D">
<dataValue dataElement="cases" value="1"/>
<dataValue dataElement="cases" val)");
  EXPECT_TRUE(truncated.observations.empty());
  EXPECT_FALSE(truncated.errors.empty());
  EXPECT_TRUE(has_problem(truncated.errors, 0, "", "line 4: not well-formed XML")) << dump(truncated.errors);

  auto undeclared_entity = parse(R"(<adx xmlns="urn:ihe:qrph:adx:2015">
<group orgUnit="ITA" period="2020-03-01/P1D"><dataValue dataElement="cases" value="&n;"/></group></adx>)");
  EXPECT_TRUE(undeclared_entity.observations.empty());
  EXPECT_TRUE(has_problem(undeclared_entity.errors, 0, "", "line 2: not well-formed XML: Entity 'n' not defined")) << dump(undeclared_entity.errors);

  // Bytes that are not in the declared encoding: an error of the file, not a message on stderr.
  ::testing::internal::CaptureStderr();
  auto bad_encoding = parse("<?xml version=\"1.0\" encoding=\"EUC-JP\"?>\n<adx xmlns=\"urn:ihe:qrph:adx:2015\">\xff\xff\xff\xff</adx>");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_TRUE(bad_encoding.observations.empty());
  EXPECT_FALSE(bad_encoding.errors.empty());

  EXPECT_TRUE(has_problem(parse("").errors, 0, "", "empty"));
  EXPECT_TRUE(has_problem(parse("<!-- nothing -->").errors, 0, "", "line 1: not well-formed XML"));
}

TEST_F(AdxTest, TheFirstXmlErrorEndsTheParse) {
  // libxml2 would read on after a fatal error with the callbacks off, declaring the entities of
  // a DOCTYPE nobody refuses; fuzz/corpus/adx/crash-leak-doctype-after-bad-declaration is such a
  // file. The first error stops the parser: one error, nothing read after it.
  auto batch = parse(R"(<?xml version= 1.0"?>
<!DOCTYPE adx [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>
<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="ITA" period="2020-03-01/P1D">
<dataValue dataElement="cases" value="&b;"/></group></adx>
)");
  EXPECT_TRUE(batch.observations.empty());
  ASSERT_EQ(batch.errors.size(), 1u) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 0, "", "line 1: not well-formed XML")) << dump(batch.errors);
}

// The document every entity test uses: an internal entity in an attribute, and an external one
// naming a local file, in element content.
std::string entity_document(const std::string& secret_path) {
  return R"(<?xml version="1.0"?>
<!DOCTYPE adx [
  <!ENTITY n "12">
  <!ENTITY secret SYSTEM "file://)" +
         secret_path + R"(">
]>
<adx xmlns="urn:ihe:qrph:adx:2015">
  <group orgUnit="ITA" period="2020-03-01/P1D">
    <dataValue dataElement="cases" value="&n;"><annotation>&secret;</annotation></dataValue>
  </group>
</adx>
)";
}

TEST_F(AdxTest, WithoutTheDoctypeRefusalEntitiesWouldExpandAndFilesBeRead) {
  // What libxml2 makes of the document when nothing refuses its DOCTYPE: the internal entity is
  // expanded in the attribute under the very options the parser uses, and with substitution on,
  // the external entity reads a file of the machine. This is why parse_adx stops at the DOCTYPE.
  const std::string secret_path = ::testing::TempDir() + "/adx_secret.txt";
  std::ofstream(secret_path) << "the-secret";
  const std::string document = entity_document(secret_path);

  xmlDocPtr tree = xmlReadMemory(document.data(), static_cast<int>(document.size()), nullptr, nullptr, XML_PARSE_NONET);
  ASSERT_NE(tree, nullptr);
  xmlNodePtr value_node = xmlDocGetRootElement(tree)->children;
  while (value_node && value_node->type != XML_ELEMENT_NODE) value_node = value_node->next;
  ASSERT_NE(value_node, nullptr);
  value_node = value_node->children;
  while (value_node && value_node->type != XML_ELEMENT_NODE) value_node = value_node->next;
  ASSERT_NE(value_node, nullptr);
  xmlChar* value = xmlGetProp(value_node, reinterpret_cast<const xmlChar*>("value"));
  EXPECT_STREQ(reinterpret_cast<const char*>(value), "12");
  xmlFree(value);
  xmlFreeDoc(tree);

  tree = xmlReadMemory(document.data(), static_cast<int>(document.size()), nullptr, nullptr,
                       XML_PARSE_NONET | XML_PARSE_NOENT);
  ASSERT_NE(tree, nullptr);
  xmlChar* text = xmlNodeGetContent(xmlDocGetRootElement(tree));
  EXPECT_NE(std::string(reinterpret_cast<const char*>(text)).find("the-secret"), std::string::npos);
  xmlFree(text);
  xmlFreeDoc(tree);

  // parse_adx refuses the same document, before the entities are even declared.
  auto batch = parse(document);
  EXPECT_TRUE(batch.observations.empty());
  ASSERT_EQ(batch.errors.size(), 1u) << dump(batch.errors);
  EXPECT_TRUE(has_problem(batch.errors, 0, "", "line 2: the document has a DOCTYPE")) << dump(batch.errors);
}

TEST_F(AdxTest, EveryDoctypeIsRefused) {
  const std::string body = R"(<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="ITA" period="2020-03-01/P1D">
<dataValue dataElement="cases" value="1"/></group></adx>)";
  // An external DTD, which could be fetched; a bare DOCTYPE; and the billion laughs, whose ten
  // levels of tenfold references would expand to a billion "lol"s.
  std::string laughs = "<!DOCTYPE adx [\n<!ENTITY l0 \"lol\">\n";
  for (int i = 1; i <= 10; ++i) {
    laughs += "<!ENTITY l" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) laughs += "&l" + std::to_string(i - 1) + ";";
    laughs += "\">\n";
  }
  laughs += "]>\n";
  for (const std::string& doctype : {std::string("<!DOCTYPE adx SYSTEM \"http://127.0.0.1:9/adx.dtd\">\n"),
                                     std::string("<!DOCTYPE adx>\n"), laughs}) {
    auto batch = parse(doctype + body);
    EXPECT_TRUE(batch.observations.empty());
    ASSERT_EQ(batch.errors.size(), 1u) << doctype << dump(batch.errors);
    EXPECT_TRUE(has_problem(batch.errors, 0, "", "line 1: the document has a DOCTYPE")) << dump(batch.errors);
  }
  // The body alone is fine: the refusal is about the DOCTYPE.
  EXPECT_TRUE(parse(body).errors.empty());
}

TEST_F(AdxTest, AnOversizeFileIsRefusedUnread) {
  // Address space only: the pages are never touched, since the size alone decides.
  const size_t size = kMaxAdxBytes + 1;
  void* pages = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(pages, MAP_FAILED);
  auto batch = parse(std::string_view(static_cast<const char*>(pages), size));
  munmap(pages, size);
  EXPECT_TRUE(batch.observations.empty());
  EXPECT_TRUE(has_problem(batch.errors, 0, "", "are not read: split it")) << dump(batch.errors);
}

TEST_F(AdxTest, TheWriterReadsBackToTheSameRows) {
  auto point = [](Period period, double value) {
    return store::SeriesPoint{period, value, 1, *Timestamp::parse("2020-04-02T10:00:00Z")};
  };
  std::vector<store::Series> series = {
      {"CHN", "cases", "who", "", {point(Period::day(*Date::parse("2020-03-01")), 573)}},
      {"ITA", "cases", "report", "", {point(Period::week(IsoWeek(2020, 13)), 12.25), point(Period::week(IsoWeek(2020, 14)), 0)}},
      {"ITA", "cases", "report", "AGE=<5 & \"old\";SEX=F", {point(Period::week(IsoWeek(2020, 13)), 3)}},
      {"ITA", "deaths", "report", "", {point(Period::month(2020, 3), 1e6)}},
      {"ITA-21", "cases", "report", "", {point(Period::day(*Date::parse("2020-03-02")), 4)}},
  };
  series[3].points.back().reported_at = *Timestamp::parse("2020-04-05T08:30:00Z");
  const std::string adx = store::series_to_adx(series);
  EXPECT_NE(adx.find("<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"2020-04-05T08:30:00Z\">"), std::string::npos)
      << adx;
  EXPECT_NE(adx.find("<group orgUnit=\"ITA\" period=\"2020-03-23/P7D\" dataSet=\"report\">"), std::string::npos) << adx;
  EXPECT_NE(adx.find("period=\"2020-03-01/P1M\""), std::string::npos) << adx;
  EXPECT_NE(adx.find("AGE=\"&lt;5 &amp; &quot;old&quot;\" SEX=\"F\""), std::string::npos) << adx;

  auto batch = parse(adx);
  EXPECT_TRUE(batch.errors.empty()) << dump(batch.errors) << adx;
  std::vector<std::string> expected = {
      "CHN cases 2020-03-01  = 573",
      "ITA cases 2020-W13  = 12.25",
      "ITA cases 2020-W13 AGE=<5 & \"old\";SEX=F = 3",
      "ITA deaths 2020-03  = 1e+06",
      "ITA cases 2020-W14  = 0",
      "ITA-21 cases 2020-03-02  = 4",
  };
  auto got = rows(batch);
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected) << adx;

  // No points: a document with no groups, which reads back to nothing.
  auto empty = parse(store::series_to_adx({}));
  EXPECT_TRUE(empty.errors.empty()) << dump(empty.errors);
  EXPECT_TRUE(empty.observations.empty());
}

TEST_F(AdxTest, IsAnExportFormatByName) {
  auto format = store::find_export_format("adx");
  ASSERT_TRUE(format.is_ok());
  EXPECT_EQ((*format)->media_type, "application/adx+xml");
  EXPECT_EQ(parse_format("adx").value(), Format::kAdx);
}

}  // namespace
}  // namespace shouwang::ingest
