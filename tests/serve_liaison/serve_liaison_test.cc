// The liaison's promise end to end, through the real binary: a focal point subscribes a webhook
// for a WHO region, `shouwang serve` runs, a reporter posts a week that trips detection in a
// country of that region, and the webhook receives the alert signed with the subscription's
// secret. The receiver is an HTTP server in this test on loopback.
#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "http/test_client.h"
#include "tests/support/serve_process.h"
#include "core/period.h"

namespace shouwang {
namespace {

using http::testing::http_request;
using http::testing::TempDir;

using testing::last_line;
using testing::run;

std::string hex_hmac_sha256(const std::string& secret, const std::string& body) {
  unsigned char digest[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  std::string hex;
  char pair[3];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

// The webhook receiver: keeps every POST's body and signature header.
struct Receiver {
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::pair<std::string, std::string>> posts;  // (signature header, body)
};

TEST(ServeLiaison, AReportThatTripsDetectionReachesTheRegionsWebhookSigned) {
  TempDir dir("serve-liaison");
  const std::string db = dir.file("store.db");

  // Fourteen quiet weeks of a ministry's daily reports for Germany (EURO), varying from week to week.
  const Date first = *Date::parse("2026-06-01");  // a Monday
  std::ofstream csv(dir.file("history.csv"));
  csv << "location,indicator,date,value\n";
  for (int day = 0; day < 14 * 7; ++day) {
    csv << "DEU,cases," << first.plus_days(day).to_string() << "," << 1000 + (day % 7) * 20 + (day / 7) % 3 * 50 << "\n";
  }
  csv.close();
  run("import --db " + db + " --format csv --source ministry " + dir.file("history.csv"));

  Receiver receiver;
  auto router = std::make_shared<http::Router>();
  router->add("POST", "/api/hook",  // the server routes /api/ paths only
              [&receiver](const http::Request& request) {
    std::lock_guard lock(receiver.mutex);
    receiver.posts.emplace_back(request.header("x-shouwang-signature"), request.body);
    receiver.arrived.notify_all();
    return http::Response::text("ok", "text/plain");
  });
  auto hook_server = http::testing::start_loopback_server(router);
  ASSERT_NE(hook_server, nullptr);
  run("liaison subscribe --db " + db + " --name 'EURO office' --location EURO --secret s3cret --webhook http://127.0.0.1:" +
      std::to_string(hook_server->port()) + "/api/hook");
  const std::string token = last_line(run("token create --db " + db + " --role reporter --location DEU"));
  ASSERT_FALSE(token.empty());

  testing::ServeProcess serve(db, {"--detect-methods", "ears-c2"});
  ASSERT_NE(serve.port(), 0) << "shouwang serve did not start";

  // The fifteenth week, complete, at twenty times the usual level.
  std::string report = "location,indicator,date,value\n";
  for (int day = 14 * 7; day < 15 * 7; ++day) report += "DEU,cases," + first.plus_days(day).to_string() + ",20000\n";
  const auto sent = std::chrono::steady_clock::now();
  auto response = http_request(serve.port(), "POST", "/api/v1/reports?source=ministry", report,
                               {{"Authorization", "Bearer " + token}, {"Content-Type", "text/csv"}});
  ASSERT_TRUE(response.status == 200 || response.status == 201) << response.status << " " << response.body;

  std::unique_lock lock(receiver.mutex);
  ASSERT_TRUE(receiver.arrived.wait_for(lock, std::chrono::seconds(20), [&] { return !receiver.posts.empty(); }))
      << "no webhook within 20 s; the server's alerts: "
      << http_request(serve.port(), "GET", "/api/v1/alerts?limit=5").body;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  std::printf("report -> signed webhook: %.3f s\n", seconds);
  const auto& [signature, body] = receiver.posts.front();
  EXPECT_EQ(signature, "sha256=" + hex_hmac_sha256("s3cret", body));
  const auto alert = boost::json::parse(body).as_object();
  EXPECT_EQ(alert.at("location").as_string(), "DEU");
  EXPECT_EQ(alert.at("region").as_string(), "EURO");
  EXPECT_EQ(alert.at("indicator").as_string(), "cases");
  EXPECT_EQ(alert.at("state").as_string(), "open");
  EXPECT_FALSE(alert.at("idempotency_key").as_string().empty());
}

// Running totals grow every day without any outbreak: a report of cases_cumulative is analysed
// through its daily differences, in the background (the report is answered first), and raises no
// alert. The detection queue's work is visible on /api/v1/metrics and its signals say what they
// were derived from.
TEST(ServeLiaison, CumulativeReportsAreAnalysedAsIncidenceAfterTheAnswerAndRaiseNoAlertFromGrowth) {
  TempDir dir("serve-cumulative");
  const std::string db = dir.file("store.db");
  const Date first = *Date::parse("2026-06-01");  // a Monday
  std::ofstream csv(dir.file("history.csv"));
  csv << "location,indicator,date,value\n";
  double total = 50'000;
  auto next_total = [&](int day) { return total += 1000 + (day * 37) % 11 * 10; };
  for (int day = 0; day < 14 * 7; ++day) {
    csv << "FRA,cases_cumulative," << first.plus_days(day).to_string() << "," << next_total(day) << "\n";
  }
  csv.close();
  run("import --db " + db + " --format csv --source ministry " + dir.file("history.csv"));
  const std::string token = last_line(run("token create --db " + db + " --role reporter --location FRA"));
  ASSERT_FALSE(token.empty());

  testing::ServeProcess serve(db, {"--detect-methods", "ears-c3"});
  ASSERT_NE(serve.port(), 0) << "shouwang serve did not start";
  std::string report = "location,indicator,date,value\n";
  for (int day = 14 * 7; day < 15 * 7; ++day) {
    report += "FRA,cases_cumulative," + first.plus_days(day).to_string() + "," + std::to_string(static_cast<int64_t>(next_total(day))) + "\n";
  }
  auto response = http_request(serve.port(), "POST", "/api/v1/reports?source=ministry", report,
                               {{"Authorization", "Bearer " + token}, {"Content-Type", "text/csv"}});
  ASSERT_TRUE(response.status == 200 || response.status == 201) << response.status << " " << response.body;

  std::string metrics;
  for (int i = 0; i < 200 && metrics.find("shouwang_detection_runs_total 1") == std::string::npos; ++i) {
    if (i > 0) usleep(100'000);
    metrics = http_request(serve.port(), "GET", "/api/v1/metrics").body;
  }
  ASSERT_NE(metrics.find("shouwang_detection_runs_total 1"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("shouwang_detection_problems_total{"), std::string::npos) << metrics;

  auto signals = http_request(serve.port(), "GET", "/api/v1/signals?location=FRA&indicator=cases");
  ASSERT_EQ(signals.status, 200) << signals.body;
  auto list = boost::json::parse(signals.body).at("signals").as_array();
  ASSERT_FALSE(list.empty());
  for (const auto& signal : list) {
    EXPECT_EQ(signal.at("derived_from"), "cases_cumulative");
    EXPECT_NE(signal.at("alarm"), boost::json::value(true)) << signal.at("week");
  }
  auto alerts = http_request(serve.port(), "GET", "/api/v1/alerts?limit=5");
  ASSERT_EQ(alerts.status, 200) << alerts.body;
  EXPECT_TRUE(boost::json::parse(alerts.body).at("alerts").as_array().empty()) << alerts.body;
  EXPECT_EQ(http_request(serve.port(), "GET", "/api/v1/signals?indicator=cases_cumulative").status, 400);
  EXPECT_EQ(http_request(serve.port(), "GET", "/api/v1/health").status, 200);
}

}  // namespace
}  // namespace shouwang
