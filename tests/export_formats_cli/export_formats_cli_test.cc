// `shouwang export --format F | shouwang import --format F` into an empty database gives back the
// same figures, for each format that is both written and read: the long CSV export of the first
// database and of the second are byte for byte the same.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "http/test_client.h"
#include "tests/support/run_shouwang.h"

namespace shouwang {
namespace {

// Standard error apart, so an export's output is the file alone.
std::pair<int, std::string> shouwang(const std::string& arguments) {
  return testing::run_shouwang(arguments, /*merge_stderr=*/false);
}
std::string ok(const std::string& arguments) { return testing::shouwang_ok(arguments, /*merge_stderr=*/false); }

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

class ExportFormatsCli : public ::testing::TestWithParam<std::string> {
 protected:
  http::testing::TempDir dir_{"export-formats-" + GetParam()};
};

TEST_P(ExportFormatsCli, ExportThenImportIntoAnEmptyDatabaseGivesTheSameFigures) {
  const std::string& format = GetParam();
  const std::string original = dir_.file("original.db"), copy = dir_.file("copy.db");
  // Days, ISO weeks and months, totals and disaggregations (one category and two), whole and
  // fractional values (FHIR: count and measureScore), and a cumulative series.
  write_file(dir_.file("figures.csv"),
             "location,indicator,date,value,disaggregation\n"
             "ITA,cases,2020-03-01,573,\n"
             "ITA,cases,2020-03-02,0,\n"
             "ITA,cases,2020-03-03,12.5,\n"
             "ITA,cases,2020-03-01,300,SEX=F\n"
             "ITA,cases_cumulative,2020-03-01,1000,\n"
             "ITA,cases_cumulative,2020-03-02,3000000000,\n"
             "CHN,deaths,2020-W12,40,\n"
             "CHN,deaths,2020-W13,12,\n"
             "KEN,tests,2020-03-01,0.25,\n"
             "KEN,cases,2020-02,120,\n"
             "KEN,cases,2020-03,200,\n"
             "KEN,cases,2020-03,70,SEX=F\n"
             "KEN,cases,2020-03,45,AGE=15-24;SEX=M\n");
  ok("import --db " + original + " --format csv " + dir_.file("figures.csv"));
  std::string exported = ok("export --db " + original + " --format " + format);
  ASSERT_FALSE(exported.empty());
  write_file(dir_.file("exported"), exported);
  ok("import --db " + copy + " --format " + format + " " + dir_.file("exported"));

  std::string before = ok("export --db " + original);
  std::string after = ok("export --db " + copy);
  EXPECT_NE(before.find("ITA,cases,2020-03-03,12.5"), std::string::npos) << before;
  EXPECT_NE(before.find("CHN,deaths,2020-W13,12"), std::string::npos) << before;
  EXPECT_NE(before.find("KEN,cases,2020-03,45,AGE=15-24;SEX=M"), std::string::npos) << before;
  EXPECT_EQ(after, before) << format << " export:\n" << exported;
}

// Every format `export` writes.
INSTANTIATE_TEST_SUITE_P(Formats, ExportFormatsCli, ::testing::Values("csv", "json", "adx", "fhir", "sdmx-csv"),
                         [](const auto& info) {
                           std::string name;
                           for (char c : info.param) if (c != '-') name += c;
                           return name;
                         });

TEST(ExportFormatsCliHelp, ExportListsTheFormats) {
  std::string help = ok("export --help");
  EXPECT_NE(help.find("fhir"), std::string::npos) << help;
  EXPECT_NE(help.find("sdmx-csv"), std::string::npos) << help;
}

}  // namespace
}  // namespace shouwang
