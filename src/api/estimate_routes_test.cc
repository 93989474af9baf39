// HTTP tests of /api/v1/rt and /api/v1/forecasts on a synthetic growing epidemic.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "api/estimate_routes.h"
#include "estimate/ensemble.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/open_store.h"

namespace shouwang::api {
namespace {

namespace json = boost::json;
using http::testing::http_request;

class EstimateRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("test.db");
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    std::vector<Location> locations = {{"ITA", "Italy", "意大利", "EURO", 59'000'000, LocationLevel::kCountry}};
    ASSERT_TRUE((*store)->upsert_locations(locations).is_ok());
    // Cases growing 3% a day for 200 days, then a weekly-reported series elsewhere.
    std::vector<store::ObservationWrite> rows;
    Date start = *Date::parse("2020-02-01");
    for (int d = 0; d < 200; ++d) rows.push_back({"ITA", "cases", Period::day(start.plus_days(d)), std::round(10 * std::exp(0.03 * d))});
    rows.push_back({"ITA", "deaths", *Period::parse("2020-W10"), 5});
    ASSERT_TRUE((*store)->write_observations(rows, "csv", clock_.now()).is_ok());
    pool_ = std::make_unique<StorePool>(path_);
    auto router = std::make_shared<http::Router>();
    const http::RouteContext context{.clock = &clock_, .authenticate = pool_->authenticator()};
    add_estimate_routes(*router, context, *pool_);
    server_ = http::testing::start_loopback_server(router);
    ASSERT_TRUE(server_ != nullptr);
  }
  void TearDown() override {
    server_.reset();
    pool_.reset();
  }
  ManualClock clock_{*Timestamp::parse("2020-09-01T00:00:00Z")};
  http::testing::TempDir dir_{"est"};
  std::string path_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(EstimateRoutesTest, RtOfAGrowingEpidemicIsAboveOne) {
  auto r = http_request(server_->port(), "GET", "/api/v1/rt?location=ITA&indicator=cases");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body).as_object();
  auto windows = body["windows"].as_array();
  ASSERT_GT(windows.size(), 60u);
  auto last = windows.back().as_object();
  EXPECT_EQ(last["date_end"].as_string(), "2020-08-18");
  double mean = last["mean"].to_number<double>();
  // r = 0.03/day with a 4.7-day serial interval gives R around 1.15.
  EXPECT_GT(mean, 1.08);
  EXPECT_LT(mean, 1.25);
  EXPECT_LT(last["q0.025"].to_number<double>(), mean);
  EXPECT_GT(last["q0.975"].to_number<double>(), mean);
  EXPECT_NEAR(body["growth"].as_object()["rate_per_day"].to_number<double>(), 0.03, 0.005);
}

// Rt is estimated on the total: parts reported beside it (here a made-up, falling SEX=F series)
// change nothing.
TEST_F(EstimateRoutesTest, RtOfTheTotalIgnoresDisaggregatedParts) {
  const std::string before = http_request(server_->port(), "GET", "/api/v1/rt?location=ITA&indicator=cases").body;
  {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    std::vector<store::ObservationWrite> parts;
    Date start = *Date::parse("2020-02-01");
    for (int d = 0; d < 200; ++d) parts.push_back({"ITA", "cases", Period::day(start.plus_days(d)), 1000.0 - 5 * d, "SEX=F"});
    ASSERT_TRUE((*store)->write_observations(parts, "csv", clock_.now()).is_ok());
  }
  auto after = http_request(server_->port(), "GET", "/api/v1/rt?location=ITA&indicator=cases");
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.body, before);
}

TEST_F(EstimateRoutesTest, ForecastsHaveFourHorizonsOfOrderedQuantiles) {
  auto r = http_request(server_->port(), "GET", "/api/v1/forecasts?location=ITA&indicator=cases");
  ASSERT_EQ(r.status, 200) << r.body;
  auto forecasts = json::parse(r.body).as_object()["forecasts"].as_array();
  ASSERT_EQ(forecasts.size(), 4u);
  for (const auto& f : forecasts) {
    auto quantiles = f.as_object().at("quantiles").as_array();
    ASSERT_EQ(quantiles.size(), 23u);
    for (size_t i = 1; i < quantiles.size(); ++i) {
      EXPECT_LE(quantiles[i - 1].as_object().at("value").to_number<double>(),
                quantiles[i].as_object().at("value").to_number<double>());
    }
  }
}

// The members' forecasts as served.
std::vector<estimate::MemberForecast> served_members(const json::array& members) {
  std::vector<estimate::MemberForecast> out;
  for (const auto& member : members) {
    estimate::MemberForecast one{std::string(member.as_object().at("model").as_string()), {}};
    for (const auto& horizon : member.as_object().at("forecasts").as_array()) {
      estimate::WeeklyQuantileForecast forecast;
      forecast.horizon_weeks = static_cast<int>(horizon.as_object().at("horizon_weeks").to_number<int64_t>());
      const auto& quantiles = horizon.as_object().at("quantiles").as_array();
      for (size_t q = 0; q < quantiles.size() && q < forecast.values.size(); ++q) {
        forecast.values[q] = quantiles[q].as_object().at("value").to_number<double>();
      }
      one.forecasts.push_back(forecast);
    }
    out.push_back(std::move(one));
  }
  return out;
}

// The forecast served is the ensemble chosen for the indicator: its members are listed beside it
// and each combined quantile is their combination at that level. Deaths get the lagged ratio to
// the location's cases.
TEST_F(EstimateRoutesTest, ForecastsServeTheChosenEnsembleAndListItsMembers) {
  {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    std::vector<Location> locations = {{"DEU", "Germany", "德国", "EURO", 83'000'000, LocationLevel::kCountry}};
    ASSERT_TRUE((*store)->upsert_locations(locations).is_ok());
    std::vector<store::ObservationWrite> rows;
    Date start = *Date::parse("2020-02-01");
    for (int d = 0; d < 200; ++d) {
      rows.push_back({"DEU", "cases", Period::day(start.plus_days(d)), std::round(10 * std::exp(0.03 * d))});
      rows.push_back({"DEU", "deaths", Period::day(start.plus_days(d)), std::round(0.1 * std::exp(0.03 * (d - 14)))});
    }
    ASSERT_TRUE((*store)->write_observations(rows, "csv", clock_.now()).is_ok());
  }
  for (const std::string indicator : {"cases", "deaths"}) {
    SCOPED_TRACE(indicator);
    auto r = http_request(server_->port(), "GET", "/api/v1/forecasts?location=DEU&indicator=" + indicator);
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = json::parse(r.body).as_object();
    const estimate::EnsembleConfig config = estimate::chosen_ensemble_config(indicator);
    const auto members = served_members(body["members"].as_array());
    ASSERT_EQ(members.size(), config.members.size());
    for (size_t i = 0; i < members.size(); ++i) {
      EXPECT_EQ(members[i].model, estimate::forecast_model_name(config.members[i]));
    }
    if (indicator == "deaths") EXPECT_EQ(members.back().model, "lagged_ratio");
    auto expected = estimate::combine_quantile_forecasts(members, config.combination, config.interval_scale);
    ASSERT_TRUE(expected.is_ok()) << expected.status().to_string();
    auto combined = body["forecasts"].as_array();
    ASSERT_EQ(combined.size(), expected->size());
    for (size_t h = 0; h < combined.size(); ++h) {
      auto quantiles = combined[h].as_object().at("quantiles").as_array();
      for (size_t q = 0; q < quantiles.size(); ++q) {
        const double want = (*expected)[h].values[q];
        EXPECT_NEAR(quantiles[q].as_object().at("value").to_number<double>(), want, 1e-6 * (1 + want))
            << "horizon " << h + 1 << ", level " << q;
      }
    }
  }
}

TEST_F(EstimateRoutesTest, ClearErrorsForMissingOrWeeklyData) {
  EXPECT_EQ(http_request(server_->port(), "GET", "/api/v1/rt").status, 400);
  EXPECT_EQ(http_request(server_->port(), "GET", "/api/v1/rt?location=ITA&indicator=tests").status, 404);
  EXPECT_EQ(http_request(server_->port(), "GET", "/api/v1/rt?location=ITA&indicator=deaths").status, 422);
  EXPECT_EQ(http_request(server_->port(), "GET", "/api/v1/rt?location=ITA&si_mean=abc").status, 400);
}

// Rt and forecasts run on incident counts: a cumulative indicator is refused, and a location that
// reports only running totals is analysed through their differences, which the answer says, as it
// says how many days were corrections (counted as zero incidence, core/incidence.h).
TEST_F(EstimateRoutesTest, CumulativeFiguresAreRefusedOrAnalysedThroughTheirDifferences) {
  {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    std::vector<Location> locations = {{"FRA", "France", "法国", "EURO", 68'000'000, LocationLevel::kCountry}};
    ASSERT_TRUE((*store)->upsert_locations(locations).is_ok());
    std::vector<store::ObservationWrite> rows;
    Date start = *Date::parse("2020-02-01");
    double total = 0;
    for (int d = 0; d < 200; ++d) {
      total += d == 100 ? -30 : std::round(10 * std::exp(0.03 * d));  // day 100: a correction
      rows.push_back({"FRA", "cases_cumulative", Period::day(start.plus_days(d)), total});
    }
    ASSERT_TRUE((*store)->write_observations(rows, "csv", clock_.now()).is_ok());
  }
  auto refused = http_request(server_->port(), "GET", "/api/v1/rt?location=FRA&indicator=cases_cumulative");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("ask for cases"), std::string::npos) << refused.body;

  for (const char* path : {"/api/v1/rt?location=FRA", "/api/v1/forecasts?location=FRA"}) {
    auto r = http_request(server_->port(), "GET", path);
    ASSERT_EQ(r.status, 200) << path << ": " << r.body.substr(0, 300);
    auto body = json::parse(r.body).as_object();
    EXPECT_EQ(body["derived_from"], "cases_cumulative") << path;
    EXPECT_EQ(body["corrections"].to_number<int64_t>(), 1) << path;
    EXPECT_EQ(body["missing_days"].to_number<int64_t>(), 1) << path;  // day 1 has no earlier total
  }
  auto own = json::parse(http_request(server_->port(), "GET", "/api/v1/rt?location=ITA").body).as_object();
  EXPECT_TRUE(own["derived_from"].is_null());
  EXPECT_EQ(own["corrections"].to_number<int64_t>(), 0);
}

}  // namespace
}  // namespace shouwang::api
