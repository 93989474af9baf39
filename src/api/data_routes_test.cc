// HTTP tests of the data endpoints against a server started on loopback.
#include <gtest/gtest.h>

#include <mutex>
#include <optional>

#include <map>
#include <unistd.h>

#include <filesystem>

#include "api/data_routes.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/open_store.h"
#include "tests/support/backends.h"

namespace shouwang::api {
namespace {

using http::testing::http_request;
namespace json = boost::json;

// Every data route on both backends: the HTTP API is the same whichever `--db` serves it.
class DataRoutesTest : public ::testing::TestWithParam<shouwang::testing::Backend> {
 protected:
  void SetUp() override {
    auto store = fresh_.create_store(GetParam());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    path_ = fresh_.db();
    std::vector<Location> locations = {
        {"WORLD", "World", "世界", "", std::nullopt, LocationLevel::kWorld},
        {"EURO", "WHO European Region", "", "WORLD", std::nullopt, LocationLevel::kRegion},
        {"ITA", "Italy", "意大利", "EURO", 59'000'000, LocationLevel::kCountry},
        {"FRA", "France", "法国", "EURO", 68'000'000, LocationLevel::kCountry},
    };
    ASSERT_TRUE((*store)->upsert_locations(locations).is_ok());
    std::vector<store::ObservationWrite> rows = {
        {"ITA", "cases", *Period::parse("2020-03-01"), 573},
        {"ITA", "cases", *Period::parse("2020-03-02"), 335},
        {"FRA", "cases", *Period::parse("2020-03-01"), 43},
    };
    ASSERT_TRUE((*store)->write_observations(rows, "csv", *Timestamp::parse("2020-03-03T00:00:00Z")).is_ok());
    std::vector<store::ObservationWrite> fix = {{"ITA", "cases", *Period::parse("2020-03-02"), 340}};
    ASSERT_TRUE((*store)->write_observations(fix, "csv", *Timestamp::parse("2020-03-05T00:00:00Z")).is_ok());

    pool_ = std::make_unique<StorePool>(path_);
    auto router = std::make_shared<http::Router>();
    const http::RouteContext context{.clock = &clock_, .authenticate = pool_->authenticator()};
    add_data_routes(*router, context, *pool_, [this]() -> std::optional<std::string> {
      std::lock_guard lock(problem_mutex_);
      return service_problem_;
    });
    server_ = http::testing::start_loopback_server(router);
    ASSERT_TRUE(server_ != nullptr);
  }
  void TearDown() override {
    server_.reset();
    pool_.reset();
  }

  uint16_t port() const { return server_->port(); }

  ManualClock clock_{*Timestamp::parse("2020-03-10T00:00:00Z")};
  std::mutex problem_mutex_;
  std::optional<std::string> service_problem_;  // what the server's services report to the health check
  shouwang::testing::FreshDatabase fresh_;
  std::string path_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<http::HttpServer> server_;
};

INSTANTIATE_TEST_SUITE_P(Backends, DataRoutesTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

// ?disaggregation= serves one part (summed over a region's countries like a total); the total
// stays what was reported as the total; a malformed one is a 400.
TEST_P(DataRoutesTest, SeriesOfOneDisaggregation) {
  {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    std::vector<store::ObservationWrite> parts = {{"ITA", "cases", *Period::parse("2020-03-01"), 300, "SEX=F"},
                                                  {"FRA", "cases", *Period::parse("2020-03-01"), 20, "SEX=F"}};
    ASSERT_TRUE((*store)->write_observations(parts, "csv", *Timestamp::parse("2020-03-06T00:00:00Z")).is_ok());
  }
  auto women = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases&disaggregation=SEX%3DF");
  ASSERT_EQ(women.status, 200) << women.body;
  auto body = json::parse(women.body).as_object();
  EXPECT_EQ(body.at("disaggregation").as_string(), "SEX=F");
  ASSERT_EQ(body.at("points").as_array().size(), 1u);
  EXPECT_EQ(body.at("points").as_array()[0].at("value").to_number<double>(), 300);
  auto region = http_request(port(), "GET", "/api/v1/series?location=EURO&indicator=cases&disaggregation=SEX%3DF");
  ASSERT_EQ(region.status, 200) << region.body;
  EXPECT_EQ(json::parse(region.body).at("points").as_array()[0].at("value").to_number<double>(), 320);
  auto total = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases");
  ASSERT_EQ(total.status, 200);
  EXPECT_EQ(json::parse(total.body).at("points").as_array()[0].at("value").to_number<double>(), 573);
  EXPECT_FALSE(json::parse(total.body).as_object().contains("disaggregation"));
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases&disaggregation=SEX").status, 400);
}

// ?indicator= keeps the locations that have a stored series of it: the dashboard lists a
// country's reporting subdivisions without asking for each of its hundreds of ISO ones.
TEST_P(DataRoutesTest, LocationsThatReportAnIndicator) {
  auto r = http_request(port(), "GET", "/api/v1/locations?parent=EURO&indicator=cases");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> codes;
  const json::value answer = json::parse(r.body);
  for (const auto& loc : answer.at("locations").as_array()) codes.emplace_back(loc.at("code").as_string());
  EXPECT_EQ(codes, (std::vector<std::string>{"FRA", "ITA"}));
  auto none = http_request(port(), "GET", "/api/v1/locations?parent=EURO&indicator=deaths");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(json::parse(none.body).at("locations").as_array().empty());
  auto all = http_request(port(), "GET", "/api/v1/locations?parent=EURO");
  EXPECT_EQ(json::parse(all.body).at("locations").as_array().size(), 2u);
}

TEST_P(DataRoutesTest, SeriesAsJsonWithLatestRevision) {
  auto r = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body["location"].as_string(), "ITA");
  auto points = body["points"].as_array();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].as_object()["date"].as_string(), "2020-03-01");
  EXPECT_EQ(points[1].as_object()["value"].to_number<double>(), 340);
}

TEST_P(DataRoutesTest, SeriesAsOfShowsWhatWasKnownThen) {
  auto r = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases&as_of=2020-03-04T00:00:00Z");
  ASSERT_EQ(r.status, 200);
  auto points = json::parse(r.body).as_object()["points"].as_array();
  EXPECT_EQ(points[1].as_object()["value"].to_number<double>(), 335);
}

TEST_P(DataRoutesTest, SeriesLagShowsEachValueAsKnownNDaysAfterItsDay) {
  // ITA 2 March: 335 reported on 3 March (lag 1), 340 on 5 March (lag 3).
  auto at_lag = [&](int lag) {
    auto r = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases&lag=" + std::to_string(lag));
    std::map<std::string, double> values;
    if (r.status == 404) return values;  // nothing was known yet, as for an early as_of
    EXPECT_EQ(r.status, 200) << r.body;
    auto body = json::parse(r.body).as_object();
    EXPECT_EQ(body["lag"].to_number<int>(), lag);
    for (const auto& p : body["points"].as_array()) {
      values[std::string(p.as_object().at("date").as_string())] = p.as_object().at("value").to_number<double>();
    }
    return values;
  };
  EXPECT_TRUE(at_lag(0).empty());
  EXPECT_EQ(at_lag(1), (std::map<std::string, double>{{"2020-03-02", 335}}));
  EXPECT_EQ(at_lag(2), (std::map<std::string, double>{{"2020-03-01", 573}, {"2020-03-02", 335}}));
  EXPECT_EQ(at_lag(3), (std::map<std::string, double>{{"2020-03-01", 573}, {"2020-03-02", 340}}));
  for (const char* bad : {"-1", "1.5", "x", "99999"}) {
    auto r = http_request(port(), "GET", std::string("/api/v1/series?location=ITA&indicator=cases&lag=") + bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
}

TEST_P(DataRoutesTest, SeriesAsCsvWhenAsked) {
  auto r = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases", "", {{"Accept", "text/csv"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "location,indicator,date,value\nITA,cases,2020-03-01,573\nITA,cases,2020-03-02,340\n");
  EXPECT_NE(r.headers["Content-Type"].find("text/csv"), std::string::npos);
}

TEST_P(DataRoutesTest, RegionSumsItsCountries) {
  auto r = http_request(port(), "GET", "/api/v1/series?location=EURO&indicator=cases");
  ASSERT_EQ(r.status, 200) << r.body;
  auto points = json::parse(r.body).as_object()["points"].as_array();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].as_object()["value"].to_number<double>(), 573 + 43);
}

TEST_P(DataRoutesTest, ErrorsAreJsonWithProperStatus) {
  auto missing = http_request(port(), "GET", "/api/v1/series?location=ITA");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json::parse(missing.body).as_object()["error"].as_object()["code"].as_string(), "invalid_argument");
  auto bad_date = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases&from=yesterday");
  EXPECT_EQ(bad_date.status, 400);
  auto unknown = http_request(port(), "GET", "/api/v1/series?location=XYZ&indicator=cases");
  EXPECT_EQ(unknown.status, 404);
  auto no_route = http_request(port(), "GET", "/api/v1/nothing");
  EXPECT_EQ(no_route.status, 404);
  auto wrong_method = http_request(port(), "DELETE", "/api/v1/locations");
  EXPECT_EQ(wrong_method.status, 405);
}

TEST_P(DataRoutesTest, LocationsIndicatorsHealthAndRevisions) {
  auto locations = json::parse(http_request(port(), "GET", "/api/v1/locations").body).as_object();
  EXPECT_EQ(locations["locations"].as_array().size(), 4u);
  auto indicators = json::parse(http_request(port(), "GET", "/api/v1/indicators").body).as_object();
  EXPECT_EQ(indicators["indicators"].as_array().size(), 7u);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/health").status, 200);
  {
    std::lock_guard lock(problem_mutex_);
    service_problem_ = "detection backlog: 3 series waiting, the oldest for 400 s (limit 300 s)";
  }
  auto degraded = http_request(port(), "GET", "/api/v1/health");
  EXPECT_EQ(degraded.status, 503);
  auto health = json::parse(degraded.body).as_object();
  EXPECT_EQ(health["status"], "degraded");
  EXPECT_EQ(health["problems"].as_array().at(0), "detection backlog: 3 series waiting, the oldest for 400 s (limit 300 s)");
  auto revisions =
      json::parse(http_request(port(), "GET", "/api/v1/revisions?location=ITA&indicator=cases").body).as_object();
  ASSERT_EQ(revisions["corrections"].as_array().size(), 1u);
  EXPECT_EQ(revisions["corrections"].as_array()[0].as_object()["value"].to_number<double>(), 340);
}

// Each indicator says which disease it counts, as stored: the built-ins COVID-19, a custom one its
// own, and null when none was given.
TEST_P(DataRoutesTest, IndicatorsShowTheirDisease) {
  {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE((*store)->upsert_indicator({"cholera_cases", "count", IndicatorKind::kIncident, "", "cholera"}).is_ok());
    ASSERT_TRUE((*store)->upsert_indicator({"icu_beds", "beds", IndicatorKind::kIncident, "", ""}).is_ok());
  }
  auto body = json::parse(http_request(port(), "GET", "/api/v1/indicators").body).as_object();
  std::map<std::string, json::value> disease;
  for (const auto& i : body["indicators"].as_array()) {
    disease[std::string(i.as_object().at("code").as_string())] = i.as_object().at("disease");
  }
  EXPECT_EQ(disease["cases"], "covid19");
  EXPECT_EQ(disease["deaths_cumulative"], "covid19");
  EXPECT_EQ(disease["cholera_cases"], "cholera");
  EXPECT_TRUE(disease["icu_beds"].is_null());
}

// Another writer: its own connection, as another server on the same database or `shouwang import`
// in another process would be. The server's cache has no part in its commits.
void write_elsewhere(const std::string& path, const std::vector<store::ObservationWrite>& rows,
                     const std::string& source = "csv") {
  auto other = store::open_store(path);
  ASSERT_TRUE(other.is_ok()) << other.status().to_string();
  ASSERT_TRUE((*other)->write_observations(rows, source, *Timestamp::parse("2020-03-06T00:00:00Z")).is_ok());
}

double last_value(const http::testing::ClientResponse& r) {
  return json::parse(r.body).as_object()["points"].as_array().back().as_object()["value"].to_number<double>();
}

TEST_P(DataRoutesTest, PublishedSeriesAreNeverOlderThanAnotherWritersCommit) {
  // Read twice (the second from memory), then another writer commits: every later read shows it,
  // the country's own series and every sum that includes it, in JSON and in CSV.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases")), 340);
    EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=WORLD&indicator=cases")), 340);
  }
  write_elsewhere(path_, {{"ITA", "cases", *Period::parse("2020-03-02"), 350}});
  EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases")), 350);
  EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=EURO&indicator=cases")), 350);
  EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=WORLD&indicator=cases")), 350);
  auto csv = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases&format=csv");
  EXPECT_NE(csv.body.find("ITA,cases,2020-03-02,350"), std::string::npos) << csv.body;

  // A new day for another country, and a series that did not exist before.
  write_elsewhere(path_, {{"FRA", "cases", *Period::parse("2020-03-02"), 57}, {"FRA", "deaths", *Period::parse("2020-03-02"), 2}});
  EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=EURO&indicator=cases")), 350 + 57);
  EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=WORLD&indicator=deaths")), 2);

  // The default source changes elsewhere: the published series follows it.
  write_elsewhere(path_, {{"ITA", "cases", *Period::parse("2020-03-02"), 999}}, "who");
  EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases")), 350);
  {
    auto other = store::open_store(path_);
    ASSERT_TRUE(other.is_ok());
    ASSERT_TRUE((*other)->set_default_source("ITA", "cases", "who").is_ok());
  }
  EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases")), 999);
  EXPECT_EQ(last_value(http_request(port(), "GET", "/api/v1/series?location=EURO&indicator=cases")), 999 + 57);
}

TEST_P(DataRoutesTest, PublishedSeriesFromMemoryEqualTheStoresAnswer) {
  // The uncached path (any from/to filter) reads the store and sums on each request.
  for (const char* location : {"ITA", "FRA", "EURO", "WORLD"}) {
    std::string target = std::string("/api/v1/series?location=") + location + "&indicator=cases";
    auto cached = http_request(port(), "GET", target);
    auto direct = http_request(port(), "GET", target + "&from=2000-01-01");
    ASSERT_EQ(cached.status, 200) << location;
    EXPECT_EQ(cached.body, direct.body) << location;
  }
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=no_such").status, 404);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/series?location=NOWHERE&indicator=cases").status, 404);
}

TEST_P(DataRoutesTest, SeriesAndMapAnswer304WhileUnchangedAndNewBodiesAfterACommit) {
  for (std::string target : {"/api/v1/series?location=EURO&indicator=cases",
                             "/api/v1/series?location=ITA&indicator=cases&as_of=2020-03-06T00:00:00Z",
                             "/api/v1/map?indicator=cases&metric=value&date=2020-03-02"}) {
    auto first = http_request(port(), "GET", target);
    ASSERT_EQ(first.status, 200) << target;
    std::string etag = first.headers["ETag"];
    ASSERT_FALSE(etag.empty()) << target;
    EXPECT_EQ(first.headers["Cache-Control"], "no-cache");
    auto again = http_request(port(), "GET", target, "", {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304) << target;
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(again.headers["ETag"], etag);
    EXPECT_EQ(http_request(port(), "GET", target, "", {{"If-None-Match", "\"other\", W/" + etag}}).status, 304);
    EXPECT_EQ(http_request(port(), "GET", target, "", {{"If-None-Match", "\"other\""}}).status, 200);
  }
  auto before = http_request(port(), "GET", "/api/v1/series?location=EURO&indicator=cases");
  write_elsewhere(path_, {{"FRA", "cases", *Period::parse("2020-03-01"), 44}});
  auto after = http_request(port(), "GET", "/api/v1/series?location=EURO&indicator=cases", "",
                            {{"If-None-Match", before.headers["ETag"]}});
  EXPECT_EQ(after.status, 200);
  EXPECT_NE(after.headers["ETag"], before.headers["ETag"]);
}

TEST_P(DataRoutesTest, MapGivesEveryCountrysMetricOnOneDay) {
  // ITA and FRA report every day to 7 March, so the 7-day metrics have a value on 2020-03-07.
  std::vector<store::ObservationWrite> rows;
  for (int d = 1; d <= 7; ++d) {
    std::string day = "2020-03-0" + std::to_string(d);
    if (d > 2) rows.push_back({"ITA", "cases", *Period::parse(day), 100.0 * d});
    if (d > 1) rows.push_back({"FRA", "cases", *Period::parse(day), d == 4 ? -20.0 : 10.0});
  }
  write_elsewhere(path_, rows);
  auto map = [&](const std::string& query) {
    auto r = http_request(port(), "GET", "/api/v1/map?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return json::parse(r.body).as_object();
  };
  auto latest = map("indicator=cases");
  EXPECT_EQ(latest["metric"], "per100k_7d");
  EXPECT_EQ(latest["date"], "2020-03-07");
  EXPECT_EQ(latest["first_date"], "2020-03-01");
  EXPECT_EQ(latest["last_date"], "2020-03-07");
  const double ita_week = 573 + 340 + 300 + 400 + 500 + 600 + 700;
  EXPECT_DOUBLE_EQ(latest["values"].as_object()["ITA"].to_number<double>(), ita_week / 59'000'000 * 1e5);
  // FRA reports 43 on 1 March (first write) and then 10, 10, -20, 10, 10, 10: a correction counts.
  EXPECT_DOUBLE_EQ(latest["values"].as_object()["FRA"].to_number<double>(), (43.0 + 5 * 10 - 20) / 68'000'000 * 1e5);
  // Regions are not countries: the map shows countries only.
  EXPECT_FALSE(latest["values"].as_object().contains("EURO"));

  auto value = map("indicator=cases&metric=value&date=2020-03-04");
  EXPECT_EQ(value["values"].as_object()["FRA"].to_number<double>(), -20);
  // The 7-day average leaves the correction out (docs/methods/corrections.md): six usable days.
  auto average = map("indicator=cases&metric=avg_7d&date=2020-03-07");
  EXPECT_DOUBLE_EQ(average["values"].as_object()["FRA"].to_number<double>(), (43.0 + 5 * 10) / 6);
  // A window reaching before the first report has no value; neither has a day after the last.
  auto early = map("indicator=cases&metric=per100k_7d&date=2020-03-06");
  EXPECT_TRUE(early["values"].as_object().empty()) << json::serialize(early);
  EXPECT_TRUE(map("indicator=cases&metric=value&date=2020-04-01")["values"].as_object().empty());
  EXPECT_TRUE(map("indicator=cases&metric=per100k_14d&date=2020-03-07")["values"].as_object().empty());

  // A population changed elsewhere is on the next map.
  {
    auto other = store::open_store(path_);
    ASSERT_TRUE(other.is_ok());
    Location ita{"ITA", "Italy", "意大利", "EURO", 1'000'000, LocationLevel::kCountry};
    ASSERT_TRUE((*other)->upsert_locations({&ita, 1}).is_ok());
  }
  EXPECT_DOUBLE_EQ(map("indicator=cases")["values"].as_object()["ITA"].to_number<double>(), ita_week / 1'000'000 * 1e5);

  for (const char* bad : {"metric=value", "indicator=cases&metric=rate", "indicator=cases&date=2020-W10",
                          "indicator=cases&date=soon"}) {
    EXPECT_EQ(http_request(port(), "GET", std::string("/api/v1/map?") + bad).status, 400) << bad;
  }
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/map?indicator=no_such").status, 404);
}

}  // namespace
}  // namespace shouwang::api
