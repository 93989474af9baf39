// HTTP tests of the data endpoints against a server started on loopback.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "api/data_routes.h"
#include "api/server.h"
#include "api/test_client.h"
#include "store/sqlite/sqlite_store.h"

namespace shouwang::api {
namespace {

using testing::http_request;
namespace json = boost::json;

class DataRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("test.db");
    auto store = store::open_sqlite_store(path_);
    ASSERT_TRUE(store.is_ok());
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
    auto router = std::make_shared<Router>();
    add_data_routes(*router, ApiContext{pool_.get(), &clock_});
    server_ = testing::start_loopback_server(router);
    ASSERT_TRUE(server_ != nullptr);
  }
  void TearDown() override {
    server_.reset();
    pool_.reset();
  }

  uint16_t port() const { return server_->port(); }

  ManualClock clock_{*Timestamp::parse("2020-03-10T00:00:00Z")};
  testing::TempDir dir_{"api"};
  std::string path_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(DataRoutesTest, SeriesAsJsonWithLatestRevision) {
  auto r = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body["location"].as_string(), "ITA");
  auto points = body["points"].as_array();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].as_object()["date"].as_string(), "2020-03-01");
  EXPECT_EQ(points[1].as_object()["value"].to_number<double>(), 340);
}

TEST_F(DataRoutesTest, SeriesAsOfShowsWhatWasKnownThen) {
  auto r = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases&as_of=2020-03-04T00:00:00Z");
  ASSERT_EQ(r.status, 200);
  auto points = json::parse(r.body).as_object()["points"].as_array();
  EXPECT_EQ(points[1].as_object()["value"].to_number<double>(), 335);
}

TEST_F(DataRoutesTest, SeriesAsCsvWhenAsked) {
  auto r = http_request(port(), "GET", "/api/v1/series?location=ITA&indicator=cases", "", {{"Accept", "text/csv"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "location,indicator,date,value\nITA,cases,2020-03-01,573\nITA,cases,2020-03-02,340\n");
  EXPECT_NE(r.headers["Content-Type"].find("text/csv"), std::string::npos);
}

TEST_F(DataRoutesTest, RegionSumsItsCountries) {
  auto r = http_request(port(), "GET", "/api/v1/series?location=EURO&indicator=cases");
  ASSERT_EQ(r.status, 200) << r.body;
  auto points = json::parse(r.body).as_object()["points"].as_array();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].as_object()["value"].to_number<double>(), 573 + 43);
}

TEST_F(DataRoutesTest, ErrorsAreJsonWithProperStatus) {
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

TEST_F(DataRoutesTest, LocationsIndicatorsHealthAndRevisions) {
  auto locations = json::parse(http_request(port(), "GET", "/api/v1/locations").body).as_object();
  EXPECT_EQ(locations["locations"].as_array().size(), 4u);
  auto indicators = json::parse(http_request(port(), "GET", "/api/v1/indicators").body).as_object();
  EXPECT_EQ(indicators["indicators"].as_array().size(), 7u);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/health").status, 200);
  auto revisions =
      json::parse(http_request(port(), "GET", "/api/v1/revisions?location=ITA&indicator=cases").body).as_object();
  ASSERT_EQ(revisions["corrections"].as_array().size(), 1u);
  EXPECT_EQ(revisions["corrections"].as_array()[0].as_object()["value"].to_number<double>(), 340);
}

TEST(StatusToHttp, EveryCodeHasItsStatus) {
  EXPECT_EQ(http_status_for(StatusCode::kOk), 200);
  EXPECT_EQ(http_status_for(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status_for(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(http_status_for(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(http_status_for(StatusCode::kNotFound), 404);
  EXPECT_EQ(http_status_for(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(http_status_for(StatusCode::kFailedPrecondition), 422);
  EXPECT_EQ(http_status_for(StatusCode::kInternal), 500);
  EXPECT_EQ(http_status_for(StatusCode::kUnavailable), 503);
}

}  // namespace
}  // namespace shouwang::api
