// The ADX round trip through the `shouwang` command: data imported from CSV, exported as ADX,
// imported into an empty database, exported again as CSV: the two CSV exports are identical.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "http/test_client.h"
#include "tests/support/run_shouwang.h"

namespace shouwang {
namespace {

using shouwang::testing::run_shouwang;
using shouwang::testing::shouwang_ok;

void write(const std::string& path, const std::string& content) { std::ofstream(path, std::ios::binary) << content; }

TEST(CliAdx, ExportImportRoundTripGivesTheSameLongCsv) {
  http::testing::TempDir dir("cli-adx");
  const std::string first = dir.file("first.db"), second = dir.file("second.db");
  // Days and ISO weeks, several locations (a subdivision the file introduces among them),
  // incident and cumulative indicators, fractions and zeros.
  write(dir.file("in.csv"),
        "location,indicator,date,value\n"
        "ITA,cases,2020-03-01,1128\n"
        "ITA,cases,2020-03-02,1694\n"
        "ITA,cases_cumulative,2020-03-02,2036\n"
        "ITA,deaths,2020-03-02,0\n"
        "ITA-21,cases,2020-03-02,0.5\n"
        "CHN,cases,2020-W10,573\n"
        "CHN,cases,2020-W11,1e6\n"
        "BRA,deaths,2020-03-30,12\n");
  shouwang_ok("import --db " + first + " --format csv " + dir.file("in.csv"));

  const std::string adx = shouwang_ok("export --db " + first + " --format adx", /*merge_stderr=*/false);
  EXPECT_NE(adx.find("<adx xmlns=\"urn:ihe:qrph:adx:2015\""), std::string::npos) << adx;
  EXPECT_NE(adx.find("period=\"2020-03-02/P7D\""), std::string::npos) << adx;  // 2020-W10
  EXPECT_NE(adx.find("period=\"2020-03-30/P1D\""), std::string::npos) << adx;
  write(dir.file("out.adx"), adx);
  std::string imported = shouwang_ok("import --db " + second + " --format adx " + dir.file("out.adx"));
  EXPECT_NE(imported.find("imported 8 observations, 8 new revisions"), std::string::npos) << imported;

  const std::string before = shouwang_ok("export --db " + first, false), after = shouwang_ok("export --db " + second, false);
  EXPECT_EQ(before, after);
  EXPECT_NE(after.find("CHN,cases,2020-W11,1e+06"), std::string::npos) << after;
  EXPECT_NE(after.find("ITA-21,cases,2020-03-02,0.5"), std::string::npos) << after;
}

TEST(CliAdx, ADoctypeIsRefusedAndNothingIsWritten) {
  http::testing::TempDir dir("cli-adx-doctype");
  const std::string db = dir.file("a.db");
  write(dir.file("entity.adx"),
        "<?xml version=\"1.0\"?>\n<!DOCTYPE adx [<!ENTITY n \"5\">]>\n"
        "<adx xmlns=\"urn:ihe:qrph:adx:2015\"><group orgUnit=\"ITA\" period=\"2020-03-01/P1D\">"
        "<dataValue dataElement=\"cases\" value=\"&n;\"/></group></adx>\n");
  auto [code, out] = run_shouwang("import --db " + db + " --format adx " + dir.file("entity.adx"));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("line 2"), std::string::npos) << out;
  EXPECT_NE(out.find("DOCTYPE"), std::string::npos) << out;
  EXPECT_EQ(shouwang_ok("export --db " + db, false), "location,indicator,date,value\n");
}

}  // namespace
}  // namespace shouwang
