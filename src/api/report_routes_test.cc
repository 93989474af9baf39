// HTTP tests of POST /api/v1/reports: authentication, the reporter's territory, all-or-nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "api/data_routes.h"
#include "api/report_routes.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/auth.h"
#include "store/open_store.h"

namespace shouwang::api {
namespace {

namespace json = boost::json;
using http::testing::http_request;

class ReportRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("test.db");
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    reporter_ = *store::issue_token(**store, store::Role::kReporter, "CHN", "test", clock_.now());
    editor_ = *store::issue_token(**store, store::Role::kEditor, "", "test", clock_.now());
    pool_ = std::make_unique<StorePool>(path_);
    auto router = std::make_shared<http::Router>();
    const http::RouteContext context{.clock = &clock_, .authenticate = pool_->authenticator()};
    add_data_routes(*router, context, *pool_);
    add_report_routes(
        *router, context, *pool_,
        [this](const AcceptedReport& report) { accepted_series_ += static_cast<int>(report.series.size()); },
        [this](const std::string& location) {
          return !owned_by_node_.empty() && location.starts_with(owned_by_node_)
                     ? already_exists("owned by its national node (" + location + ")")
                     : Status::ok();
        });
    server_ = http::testing::start_loopback_server(router);
    ASSERT_TRUE(server_ != nullptr);
  }
  void TearDown() override {
    server_.reset();
    pool_.reset();
  }
  http::testing::ClientResponse post(const std::string& body, const std::string& token,
                               const std::string& type = "text/csv") {
    std::map<std::string, std::string> headers{{"Content-Type", type}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return http_request(server_->port(), "POST", "/api/v1/reports", body, headers);
  }
  size_t points(const std::string& location) {
    auto r = http_request(server_->port(), "GET", "/api/v1/series?location=" + location + "&indicator=cases");
    if (r.status != 200) return 0;
    return json::parse(r.body).as_object()["points"].as_array().size();
  }

  ManualClock clock_{*Timestamp::parse("2020-06-01T00:00:00Z")};
  std::string owned_by_node_;  // a country a federation node owns: reports of it are refused here
  http::testing::TempDir dir_{"rep"};
  std::string path_, reporter_, editor_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<http::HttpServer> server_;
  std::atomic<int> accepted_series_{0};
};

TEST_F(ReportRoutesTest, ReporterWritesItsCountryAndSubdivisions) {
  auto r = post("location,indicator,date,value\nCHN,cases,2020-03-01,10\nCHN-HB,cases,2020-03-01,7\n", reporter_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).as_object()["new_revisions"].to_number<int64_t>(), 2);
  EXPECT_EQ(points("CHN"), 1u);
  EXPECT_EQ(accepted_series_, 2);
  // JSON works too.
  auto j = post(R"({"observations":[{"location":"CHN","indicator":"cases","date":"2020-03-02","value":12}]})",
                reporter_, "application/json");
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(points("CHN"), 2u);
}

TEST_F(ReportRoutesTest, AdxIsChosenByItsContentType) {
  const std::string adx = R"(<?xml version="1.0" encoding="UTF-8"?>
<adx xmlns="urn:ihe:qrph:adx:2015" exported="2020-03-03T08:00:00Z">
  <group orgUnit="CHN" period="2020-03-01/P1D"><dataValue dataElement="cases" value="10"/></group>
  <group orgUnit="CHN" period="2020-03-02/P1D"><dataValue dataElement="cases" value="12"/></group>
</adx>)";
  auto r = post(adx, reporter_, "application/adx+xml; charset=utf-8");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).as_object()["new_revisions"].to_number<int64_t>(), 2);
  EXPECT_EQ(points("CHN"), 2u);
  EXPECT_EQ(accepted_series_, 1);

  // A DOCTYPE refuses the whole report, its line named.
  auto refused = post("<?xml version=\"1.0\"?>\n<!DOCTYPE adx [<!ENTITY n \"13\">]>\n" + adx.substr(adx.find("<adx")),
                      reporter_, "application/adx+xml");
  ASSERT_EQ(refused.status, 400) << refused.body;
  std::string details = json::serialize(json::parse(refused.body).as_object()["error"].as_object()["details"]);
  EXPECT_NE(details.find("line 2"), std::string::npos) << details;
  EXPECT_NE(details.find("DOCTYPE"), std::string::npos) << details;
}

TEST_F(ReportRoutesTest, NoTokenIs401AndAnotherCountryIs403) {
  std::string body = "location,indicator,date,value\nCHN,cases,2020-03-01,10\n";
  EXPECT_EQ(post(body, "").status, 401);
  EXPECT_EQ(post(body, "sw_not_a_real_token").status, 401);
  auto other = post("location,indicator,date,value\nCHN,cases,2020-03-01,10\nJPN,cases,2020-03-01,3\n", reporter_);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(json::parse(other.body).as_object()["error"].as_object()["code"].as_string(), "permission_denied");
  EXPECT_EQ(post(body, editor_).status, 403);
  EXPECT_EQ(points("CHN"), 0u) << "a refused report writes nothing";
}

TEST_F(ReportRoutesTest, ABadRowRejectsTheWholeReportWithDetails) {
  auto r = post("location,indicator,date,value\nCHN,cases,2020-03-01,10\nCHN,cases,2020-03-02,-5\n", reporter_);
  ASSERT_EQ(r.status, 400) << r.body;
  auto error = json::parse(r.body).as_object()["error"].as_object();
  ASSERT_EQ(error["details"].as_array().size(), 1u);
  EXPECT_NE(std::string(error["details"].as_array()[0].as_string()).find("line 3"), std::string::npos);
  EXPECT_EQ(points("CHN"), 0u);
  EXPECT_EQ(accepted_series_, 0);
}

// application/fhir+json is read as a FHIR Bundle of MeasureReports, not as our JSON.
TEST_F(ReportRoutesTest, AcceptsAFhirBundleOfMeasureReports) {
  auto report = [](const std::string& location, const std::string& day, int count) {
    return R"({"resource":{"resourceType":"MeasureReport","status":"complete","type":"summary",
      "measure":"https://shouwang.example/fhir/Measure/cases","subject":{"reference":"Location/)" + location +
           R"("},"period":{"start":")" + day + R"(","end":")" + day + R"("},
      "group":[{"code":{"coding":[{"system":"https://shouwang.example/fhir/CodeSystem/indicator","code":"cases"}]},
        "population":[{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/measure-population",
          "code":"initial-population"}]},"count":)" + std::to_string(count) + "}]}]}}";
  };
  auto bundle = [&](const std::string& entries) {
    return R"({"resourceType":"Bundle","type":"collection","entry":[)" + entries + "]}";
  };
  auto r = post(bundle(report("CHN", "2020-03-01", 10) + "," + report("CHN", "2020-03-02", 12)), reporter_,
                "application/fhir+json; fhirVersion=4.0");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).as_object()["new_revisions"].to_number<int64_t>(), 2);
  EXPECT_EQ(points("CHN"), 2u);
  auto series = http_request(server_->port(), "GET", "/api/v1/series?location=CHN&indicator=cases");
  EXPECT_EQ(json::parse(series.body).as_object()["points"].as_array()[1].as_object()["value"].to_number<double>(), 12);

  // A bad entry refuses the whole Bundle and is named by its number.
  auto bad = post(bundle(report("CHN", "2020-03-03", 1) + "," + report("CHN", "2020-03-04", -1)), reporter_,
                  "application/fhir+json");
  ASSERT_EQ(bad.status, 400) << bad.body;
  auto details = json::parse(bad.body).as_object()["error"].as_object()["details"].as_array();
  ASSERT_EQ(details.size(), 1u);
  EXPECT_NE(std::string(details[0].as_string()).find("line 2"), std::string::npos) << details[0];
  // Another territory's report is refused like any other.
  EXPECT_EQ(post(bundle(report("JPN", "2020-03-01", 1)), reporter_, "application/fhir+json").status, 403);
  // The same Bundle sent as plain JSON is not our JSON format.
  EXPECT_EQ(post(bundle(report("CHN", "2020-03-05", 1)), reporter_, "application/json").status, 400);
  EXPECT_EQ(points("CHN"), 2u);
}

// SDMX-CSV is CSV to the Content-Type; ?format= names it.
TEST_F(ReportRoutesTest, AcceptsSdmxCsvWhenTheFormatIsNamed) {
  std::string body =
      "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,DISAGGREGATION,TIME_PERIOD,OBS_VALUE\n"
      "dataflow,SHOUWANG:EPI(1.0),I,CHN,cases,,2020-03-01,10\n";
  EXPECT_EQ(post(body, reporter_).status, 400) << "not the long CSV";
  auto r = http_request(server_->port(), "POST", "/api/v1/reports?format=sdmx-csv", body,
                        {{"Content-Type", "text/csv"}, {"Authorization", "Bearer " + reporter_}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(points("CHN"), 1u);
}

// Readers polling during a large report see either none of it or all of it.
TEST_F(ReportRoutesTest, ReadersNeverSeeAHalfAppliedReport) {
  std::string body = "location,indicator,date,value\n";
  Date start = *Date::parse("2015-01-01");
  const int kDays = 1500;
  for (int d = 0; d < kDays; ++d) body += "CHN,cases," + start.plus_days(d).to_string() + ",1\n";
  std::atomic<bool> done{false};
  std::atomic<int> partial_views{0};
  std::thread reader([&] {
    while (!done) {
      size_t n = points("CHN");
      if (n != 0 && n != static_cast<size_t>(kDays)) ++partial_views;
    }
  });
  auto r = post(body, reporter_);
  done = true;
  reader.join();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(partial_views, 0);
  EXPECT_EQ(points("CHN"), static_cast<size_t>(kDays));
}

// At a federation hub, a country its national node owns is written by that node only: a reporter's
// report of it is refused whole with 409 owned_by_node.
TEST_F(ReportRoutesTest, ACountryOwnedByANodeIsRefusedWithOwnedByNode) {
  owned_by_node_ = "CHN";
  auto r = post("location,indicator,date,value\nCHN-HB,cases,2020-03-01,5\n", reporter_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json::parse(r.body).at("error").at("code").as_string(), "owned_by_node");
  EXPECT_EQ(points("CHN-HB"), 0u);
  owned_by_node_.clear();
  EXPECT_EQ(post("location,indicator,date,value\nCHN-HB,cases,2020-03-01,5\n", reporter_).status, 200);
}

}  // namespace
}  // namespace shouwang::api
