// `--db` takes a file or a postgresql:// URL, and the commands answer the same either way: the
// real JHU and WHO files imported into both, then every read compared byte for byte.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "core/time.h"
#include "http/test_client.h"
#include "tests/support/backends.h"
#include "tests/support/serve_process.h"
#include "tests/support/run_shouwang.h"

namespace shouwang {
namespace {

using shouwang::testing::Backend;
using shouwang::testing::FreshDatabase;
using shouwang::testing::last_line;

const std::string kShared = SHOUWANG_SHARED_DIR;

using shouwang::testing::run_shouwang;
using shouwang::testing::shouwang_ok;

TEST(CliBackends, SameCommandsSameAnswersOnSqliteAndPostgres) {
  FreshDatabase sqlite_db, postgres_db;
  const std::string dbs[2] = {sqlite_db.create(Backend::kSqlite), postgres_db.create(Backend::kPostgres)};
  ASSERT_FALSE(dbs[1].empty());
  http::testing::TempDir dir("cli-backends");
  {
    std::ofstream fix(dir.file("fix.csv"));
    fix << "location,indicator,date,value\nITA,cases,2021-03-01,999999\n";
  }

  std::string answers[2];
  for (int b = 0; b < 2; ++b) {
    const std::string& db = dbs[b];
    std::string first = shouwang_ok("migrate --db " + db);
    EXPECT_NE(first.find("alert: version"), std::string::npos) << first;
    EXPECT_NE(first.find("(applied 1.."), std::string::npos) << first;
    EXPECT_EQ(shouwang_ok("migrate --db " + db).find("applied"), std::string::npos) << "a second run applies nothing";

    std::string& a = answers[b];
    a += shouwang_ok("import --db " + db + " --format jhu --indicator cases " + kShared +
            "/data/global/jhu_csse/time_series_covid19_confirmed_global.csv");
    a += shouwang_ok("import --db " + db + " --format who " + kShared + "/data/global/who/WHO-COVID-19-global-data.csv");
    // Importing the same file again stores nothing new.
    a += shouwang_ok("import --db " + db + " --format jhu --indicator cases " + kShared +
            "/data/global/jhu_csse/time_series_covid19_confirmed_global.csv");
    const std::string before_fix = SystemClock().now().to_string();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    a += shouwang_ok("import --db " + db + " --format csv --source jhu " + dir.file("fix.csv"));

    a += shouwang_ok("export --db " + db + " --location ITA --indicator cases --from 2021-02-25 --to 2021-03-03");
    a += shouwang_ok("export --db " + db + " --location ITA --indicator cases --from 2021-02-25 --to 2021-03-03 --as-of " +
            before_fix);
    a += shouwang_ok("export --db " + db + " --location EURO --indicator cases --from 2021-03-01 --to 2021-03-07 --format json");
    a += shouwang_ok("export --db " + db + " --location CHN --indicator deaths --source who --to 2020-03-01");
    // Nothing was known on the day itself (everything was reported years later): the same refusal.
    auto [lag0_code, lag0_out] =
        run_shouwang("export --db " + db + " --location ITA --indicator cases --from 2021-03-01 --to 2021-03-01 --lag 0");
    EXPECT_NE(lag0_code, 0);
    a += std::to_string(lag0_code) + " " + lag0_out;
    a += shouwang_ok("export --db " + db + " --location ITA --indicator cases --from 2021-03-01 --to 2021-03-01 --lag 3650");
    a += shouwang_ok("locations --db " + db + " --level region");
  }
  EXPECT_EQ(answers[0], answers[1]);
  // The answers say what they should, not just the same thing twice.
  EXPECT_NE(answers[0].find("ITA,cases,2021-03-01,999999"), std::string::npos);
  EXPECT_NE(answers[0].find(" 0 new revisions"), std::string::npos) << answers[0];  // the repeated import
}

// `indicators --add ... --disease` stores the disease and the listing shows it, on both backends.
TEST(CliBackends, IndicatorsKeepTheirDisease) {
  for (Backend backend : {Backend::kSqlite, Backend::kPostgres}) {
    FreshDatabase fresh;
    const std::string db = fresh.create(backend);
    ASSERT_FALSE(db.empty());
    std::string listing =
        shouwang_ok("indicators --db " + db + " --add cholera_cases --kind incident --unit count --disease cholera");
    EXPECT_NE(listing.find("code,kind,unit,disease,description\n"), std::string::npos) << listing;
    EXPECT_NE(listing.find("\ncholera_cases,incident,count,cholera,"), std::string::npos) << listing;
    EXPECT_NE(listing.find("\ncases,incident,persons,covid19,"), std::string::npos) << listing;
    EXPECT_EQ(shouwang_ok("indicators --db " + db), listing);
  }
}

// A disease code is checked before anything is stored.
TEST(CliBackends, IndicatorsRefuseAMalformedDisease) {
  FreshDatabase fresh;
  const std::string db = fresh.create(Backend::kSqlite);
  for (const char* bad : {"Cholera", "'yellow fever'", "covid-19"}) {
    auto [code, out] = run_shouwang("indicators --db " + db + " --add x_cases --disease " + bad);
    EXPECT_NE(code, 0) << bad;
    EXPECT_NE(out.find("disease code"), std::string::npos) << out;
  }
  EXPECT_EQ(shouwang_ok("indicators --db " + db).find("x_cases"), std::string::npos);
  auto [code, out] = run_shouwang("indicators --db " + db + " --disease cholera");
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("--add"), std::string::npos) << out;
}

// `shouwang dhis2 mapping` stores the uid mapping that a running server's /api/dataValueSets uses:
// a DHIS2 client with an ApiToken posts a week by uid, the same week again, then a change, and the
// answers say imported, ignored, updated. On both backends.
TEST(CliBackends, Dhis2MappingIsStoredAndServedToADataValueSetsClient) {
  for (Backend backend : {Backend::kSqlite, Backend::kPostgres}) {
    SCOPED_TRACE(std::string(shouwang::testing::backend_name(backend)));
    FreshDatabase fresh;
    const std::string db = fresh.create(backend);
    ASSERT_FALSE(db.empty());
    http::testing::TempDir dir("cli-dhis2");
    {
      std::ofstream mapping(dir.file("mapping.json"));
      mapping << R"({"dataElements": {"fbfJHSPpUQD": "cases"}, "orgUnits": {"DiszpKrYNg8": "CHN"},
                     "categoryOptionCombos": {"rQLFnNXXIL0": "SEX=F"}})";
      std::ofstream bad(dir.file("bad.json"));
      bad << R"({"dataElements": {}, "orgUnits": {}, "categoryOptionCombos": {"x": "SEX"}})";
    }
    EXPECT_EQ(last_line(shouwang_ok("dhis2 mapping --db " + db + " --file " + dir.file("mapping.json"))),
              "stored the DHIS2 mapping: 1 dataElements, 1 orgUnits, 1 categoryOptionCombos");
    auto [bad_code, bad_out] = run_shouwang("dhis2 mapping --db " + db + " --file " + dir.file("bad.json"));
    EXPECT_NE(bad_code, 0);
    EXPECT_NE(bad_out.find("bad.json"), std::string::npos) << bad_out;
    EXPECT_NE(shouwang_ok("migrate --db " + db).find("dhis2: version 1"), std::string::npos);
    const std::string token = last_line(shouwang_ok("token create --db " + db + " --role reporter --location CHN --label moh"));

    shouwang::testing::ServeProcess server(db, {});
    auto post = [&](int changed_value) {
      std::string values;
      for (int day = 1; day <= 7; ++day) {
        values += std::string(day == 1 ? "" : ",") + R"({"dataElement":"fbfJHSPpUQD","period":"2020030)" +
                  std::to_string(day) + R"(","orgUnit":"DiszpKrYNg8","value":")" +
                  std::to_string(day == 4 ? changed_value : day) + R"("})";
      }
      auto r = http::testing::http_request(server.port(), "POST", "/api/dataValueSets",
                                           R"({"dataValues":[)" + values + "]}",
                                           {{"Content-Type", "application/json"}, {"Authorization", "ApiToken " + token}});
      EXPECT_EQ(r.status, 200) << r.body;
      auto count = boost::json::parse(r.body).at("response").at("importCount");
      return std::to_string(count.at("imported").to_number<int64_t>()) + "/" +
             std::to_string(count.at("updated").to_number<int64_t>()) + "/" +
             std::to_string(count.at("ignored").to_number<int64_t>());
    };
    EXPECT_EQ(post(4), "7/0/0");
    EXPECT_EQ(post(4), "0/0/7");
    EXPECT_EQ(post(40), "0/1/6");
  }
}

// A database newer than the binary is refused, with a message that says what to do.
TEST(CliBackends, MigrateRefusesADatabaseNewerThanTheBinary) {
  FreshDatabase fresh;
  const std::string db = fresh.create(Backend::kPostgres);
  ASSERT_FALSE(db.empty());
  shouwang_ok("migrate --db " + db);
  ASSERT_TRUE(shouwang::testing::PostgresEnvironment::cluster
                  ->psql(fresh.postgres_name(),
                         "INSERT INTO shouwang_migrations(module, version, applied_at_micros) VALUES('alert', 99, 0)")
                  .is_ok());
  auto [code, out] = run_shouwang("migrate --db " + db);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("upgrade shouwang"), std::string::npos) << out;
}

TEST(CliBackends, AnUnreachableServerIsAClearError) {
  auto [code, out] = run_shouwang("export --db postgresql://postgres@127.0.0.1:1/none --location ITA");
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("cannot connect to PostgreSQL"), std::string::npos) << out;
}

// Monthly and disaggregated figures go out in the long CSV and come back in equal, on both stores;
// --disaggregation picks the total or one part, and a region sums the same part of its countries.
TEST(CliBackends, MonthlyAndDisaggregatedFiguresRoundTrip) {
  http::testing::TempDir dir("cli-disaggregations");
  {
    std::ofstream report(dir.file("report.csv"));
    report << "location,indicator,date,value,disaggregation\n"
              "KEN,cases,2020-03,120,\n"
              "KEN,cases,2020-03,70,SEX=F\n"
              "KEN,cases,2020-03,50,SEX=M\n"
              "KEN,cases,2020-04,80,SEX=F;AGE=15-24\n"
              "UGA,cases,2020-03,9,SEX=F\n"
              "KEN,cases,2020-W14,33,\n";
  }
  for (Backend backend : {Backend::kSqlite, Backend::kPostgres}) {
    FreshDatabase first_db, second_db;
    const std::string first = first_db.create(backend), second = second_db.create(backend);
    ASSERT_FALSE(first.empty() || second.empty());
    shouwang_ok("import --db " + first + " --format csv " + dir.file("report.csv"));
    const std::string exported = shouwang_ok("export --db " + first);
    EXPECT_EQ(exported,
              "location,indicator,date,value,disaggregation\n"
              "KEN,cases,2020-W14,33,\n"
              "KEN,cases,2020-03,120,\n"
              "KEN,cases,2020-04,80,AGE=15-24;SEX=F\n"
              "KEN,cases,2020-03,70,SEX=F\n"
              "KEN,cases,2020-03,50,SEX=M\n"
              "UGA,cases,2020-03,9,SEX=F\n");
    {
      std::ofstream out(dir.file("exported.csv"));
      out << exported;
    }
    shouwang_ok("import --db " + second + " --format csv " + dir.file("exported.csv"));
    EXPECT_EQ(shouwang_ok("export --db " + second), exported);
    EXPECT_EQ(shouwang_ok("export --db " + first + " --disaggregation total"),
              "location,indicator,date,value\nKEN,cases,2020-W14,33\nKEN,cases,2020-03,120\n");
    EXPECT_EQ(shouwang_ok("export --db " + first + " --location AFRO --indicator cases --disaggregation SEX=F"),
              "location,indicator,date,value,disaggregation\nAFRO,cases,2020-03,79,SEX=F\n");
    auto [code, out] = run_shouwang("export --db " + first + " --disaggregation SEX");
    EXPECT_NE(code, 0);
    EXPECT_NE(out.find("--disaggregation"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace shouwang
