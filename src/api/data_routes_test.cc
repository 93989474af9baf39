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
    path_ = fresh_.create(GetParam());
    ASSERT_FALSE(path_.empty());
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
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

}  // namespace
}  // namespace shouwang::api
