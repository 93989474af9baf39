// Federation through the real binary, as a new user would try it: start a hub, register a node,
// start it, import the country's history on the node. The hub's export of the country equals the
// node's byte for byte, also after the hub was killed (kill -9) during the sync, again and again;
// after the node restarts; for a node (on PostgreSQL) that was offline while its figures changed and
// whose batches the hub refused for a while.
// The hub refuses the country's figures from anyone but its node.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "core/time.h"
#include "http/test_client.h"
#include "tests/support/backends.h"
#include "tests/support/child_process.h"
#include "tests/support/run_shouwang.h"
#include "tests/support/serve_process.h"

namespace shouwang {
namespace {

namespace json = boost::json;
using http::testing::http_request;
using http::testing::TempDir;
using testing::ChildProcess;
using testing::last_line;
using testing::shouwang_ok;

const std::string kShared = SHOUWANG_SHARED_DIR;
const std::string kConfirmed = kShared + "/data/global/jhu_csse/time_series_covid19_confirmed_global.csv";

// The JHU file's header and the rows of one country ("China", "Japan"): that country's history.
std::string jhu_rows_of(const std::string& country, const std::string& path) {
  std::ifstream in(kConfirmed);
  std::ofstream out(path);
  std::string line;
  std::getline(in, line);
  out << line << "\n";
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.find("," + country + ",") != std::string::npos || line.starts_with(country + ",")) {
      out << line << "\n";
      ++rows;
    }
  }
  EXPECT_GT(rows, 0) << country;
  return path;
}

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// The lines of a long-format export that belong to `country` (its own and its subdivisions').
std::string lines_of(const std::string& exported, const std::string& country) {
  std::istringstream in(exported);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.starts_with(country + ",") || line.starts_with(country + "-")) out += line + "\n";
  }
  return out;
}

// The hub's record of one node, from its public list.
json::object node_record(uint16_t hub_port, const std::string& country) {
  auto r = http_request(hub_port, "GET", "/api/v1/federation/nodes");
  if (r.status != 200) return {};
  json::value doc = json::parse(r.body);
  for (const auto& n : doc.as_object().at("nodes").as_array()) {
    if (n.as_object().at("country").as_string() == country) return n.as_object();
  }
  return {};
}

// Waits until the hub holds the node's head, as its list says (and the node has reported one).
bool caught_up(uint16_t hub_port, const std::string& country, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    json::object n = node_record(hub_port, country);
    if (!n.empty() && n.at("node_head").as_int64() > 0 && n.at("lag_entries").as_int64() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class Hub {
 public:
  Hub(std::string db, uint16_t port) : db_(std::move(db)), port_(port) { start(); }
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"serve", "--db", db_, "--port", std::to_string(port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(args);
    ASSERT_EQ(process_->wait_for_port(), port_) << "the hub did not start";
  }
  void kill_hard() {
    kill(process_->pid(), SIGKILL);
    process_.reset();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  uint16_t port() const { return port_; }

 private:
  std::string db_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

struct Node {
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
};

Node start_node(const std::string& db, const Hub& hub, const std::string& token, int batch) {
  Node node;
  node.process = std::make_unique<ChildProcess>(std::vector<std::string>{
      "serve", "--db", db, "--port", "0", "--hub", hub.url(), "--hub-token", token, "--hub-batch", std::to_string(batch)});
  node.port = node.process->wait_for_port();
  EXPECT_NE(node.port, 0) << "the node did not start";
  return node;
}

TEST(Federation, ANodesHistoryReachesTheHubByteForByteThroughKillsRestartsAndAnOfflineDay) {
  TempDir dir("federation-e2e");
  const std::string hub_db = dir.file("hub.db");
  const std::string chn_db = dir.file("chn.db");
  shouwang_ok("migrate --db " + hub_db);
  Hub hub(hub_db, free_port());

  // Register the two nodes at the hub; each token is the last line.
  const std::string chn_token =
      last_line(shouwang_ok("node add --db " + hub_db + " --country CHN --label \"China CDC node\"", false));
  const std::string jpn_token = last_line(shouwang_ok("node add --db " + hub_db + " --country JPN", false));
  ASSERT_TRUE(chn_token.starts_with("sw_")) << chn_token;
  EXPECT_NE(shouwang_ok("node list --db " + hub_db).find("China CDC node"), std::string::npos);
  // A second node for a country is refused.
  EXPECT_NE(testing::run_shouwang("node add --db " + hub_db + " --country CHN").first, 0);

  // The node starts, then the country's history is imported on it while it runs; the hub is
  // killed with SIGKILL three times while batches arrive, and restarted on its port.
  shouwang_ok("migrate --db " + chn_db);
  auto chn = start_node(chn_db, hub, chn_token, 400);
  shouwang_ok("import --db " + chn_db + " --format jhu --indicator cases " + jhu_rows_of("China", dir.file("china.csv")));
  int64_t last_cursor = 0;
  for (int kill = 0; kill < 3; ++kill) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
      json::object n = node_record(hub.port(), "CHN");
      if (!n.empty() && n.at("cursor").as_int64() > last_cursor) {
        last_cursor = n.at("cursor").as_int64();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    hub.kill_hard();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    hub.start();
  }
  ASSERT_TRUE(caught_up(hub.port(), "CHN", std::chrono::seconds(90)));
  const std::string node_export = shouwang_ok("export --db " + chn_db, false);
  const std::string hub_export = shouwang_ok("export --db " + hub_db, false);
  ASSERT_FALSE(lines_of(node_export, "CHN").empty());
  EXPECT_EQ(lines_of(hub_export, "CHN"), lines_of(node_export, "CHN"));
  EXPECT_EQ(shouwang_ok("export --db " + hub_db + " --location CHN --indicator cases --format json", false),
            shouwang_ok("export --db " + chn_db + " --location CHN --indicator cases --format json", false));

  // The lag per node is on the hub's metrics, for the operators' monitoring.
  auto metrics = http_request(hub.port(), "GET", "/api/v1/metrics");
  EXPECT_NE(metrics.body.find("shouwang_federation_lag_entries{node=\"CHN\"} 0"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("shouwang_federation_lag_seconds{node=\"CHN\"}"), std::string::npos);

  // The hub takes CHN's figures from the node only: a reporter of CHN gets 409 owned_by_node, the
  // JPN node's token may not send CHN figures (403).
  const std::string reporter =
      last_line(shouwang_ok("token create --db " + hub_db + " --role reporter --location CHN", false));
  auto owned = http_request(hub.port(), "POST", "/api/v1/reports",
                            "location,indicator,date,value\nCHN,cases,2023-01-01,1\n",
                            {{"Content-Type", "text/csv"}, {"Authorization", "Bearer " + reporter}});
  EXPECT_EQ(owned.status, 409) << owned.body;
  EXPECT_EQ(json::parse(owned.body).at("error").at("code").as_string(), "owned_by_node");
  {
    std::ofstream owned_rows(dir.file("owned.csv"));
    owned_rows << "location,indicator,date,value\nCHN-HB,cases,2023-01-01,1\n";
  }
  auto [import_code, import_said] = testing::run_shouwang("import --db " + hub_db + " --format csv " + dir.file("owned.csv"));
  EXPECT_NE(import_code, 0) << import_said;
  EXPECT_NE(import_said.find("national node"), std::string::npos) << import_said;
  auto foreign = http_request(hub.port(), "POST", "/api/v1/federation/revisions",
                              R"({"after":0,"through":1,"head":1,"locations":[],"indicators":[],"revisions":[)"
                              R"({"location":"CHN","indicator":"cases","disaggregation":"","source":"x","period":"2023-01-01",)"
                              R"("value":1,"revision":1,"reported_at":"2023-01-02T00:00:00Z"}]})",
                              {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + jpn_token}});
  EXPECT_EQ(foreign.status, 403) << foreign.body;

  // The node restarts; a correction made meanwhile reaches the hub as a new revision, and the data
  // as it was known before the correction is the same on both.
  chn.process->stop(SIGTERM, std::chrono::seconds(30));
  const std::string before_fix = SystemClock().now().to_string();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::ofstream fix(dir.file("fix.csv"));
    fix << "location,indicator,date,value\nCHN,cases,2020-02-01,1\n";
  }
  shouwang_ok("import --db " + chn_db + " --format csv --source jhu " + dir.file("fix.csv"));
  chn = start_node(chn_db, hub, chn_token, 400);
  ASSERT_TRUE(caught_up(hub.port(), "CHN", std::chrono::seconds(60)));
  EXPECT_EQ(lines_of(shouwang_ok("export --db " + hub_db, false), "CHN"),
            lines_of(shouwang_ok("export --db " + chn_db, false), "CHN"));
  // Every correction, with its number and time, as the node has it.
  const std::string corrections = "/api/v1/revisions?location=CHN&indicator=cases";
  auto at_hub = http_request(hub.port(), "GET", corrections);
  EXPECT_EQ(at_hub.status, 200);
  EXPECT_NE(at_hub.body.find("\"revision\":2"), std::string::npos) << at_hub.body;
  EXPECT_EQ(at_hub.body, http_request(chn.port, "GET", corrections).body);
  const std::string then = " --location CHN --indicator cases --from 2020-01-25 --to 2020-02-05 --as-of " + before_fix;
  const std::string hub_then = shouwang_ok("export --db " + hub_db + then, false);
  EXPECT_EQ(hub_then, shouwang_ok("export --db " + chn_db + then, false));
  EXPECT_NE(hub_then, shouwang_ok("export --db " + hub_db + " --location CHN --indicator cases --from 2020-01-25 --to 2020-02-05", false));

  // The JPN node, on PostgreSQL, was offline while its history and a correction were imported: it
  // catches up when it starts.
  testing::FreshDatabase fresh;
  const std::string jpn_db = fresh.create(testing::Backend::kPostgres);
  ASSERT_FALSE(jpn_db.empty());
  shouwang_ok("import --db " + jpn_db + " --format jhu --indicator cases " + jhu_rows_of("Japan", dir.file("japan.csv")));
  {
    std::ofstream fix(dir.file("jpn-fix.csv"));
    fix << "location,indicator,date,value\nJPN,cases,2020-03-01,7\n";
  }
  shouwang_ok("import --db " + jpn_db + " --format csv --source jhu " + dir.file("jpn-fix.csv"));
  // A hub that refuses the node's batches (413: larger than it takes) holds nothing of them; once it
  // takes them again, the node's retries get through.
  hub.kill_hard();
  hub.start({"--max-report-bytes", "4096"});
  auto jpn = start_node(jpn_db, hub, jpn_token, 5000);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  json::object refused = node_record(hub.port(), "JPN");
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused.at("cursor").as_int64(), 0);
  EXPECT_EQ(refused.at("revisions_received").as_int64(), 0);
  hub.kill_hard();
  hub.start();
  ASSERT_TRUE(caught_up(hub.port(), "JPN", std::chrono::seconds(60)));
  const std::string hub_now = shouwang_ok("export --db " + hub_db, false);
  EXPECT_EQ(lines_of(hub_now, "JPN"), lines_of(shouwang_ok("export --db " + jpn_db, false), "JPN"));
  EXPECT_FALSE(lines_of(hub_now, "JPN").empty());
  // The hub aggregates WPRO from the replicated countries as from its own.
  auto region = http_request(hub.port(), "GET", "/api/v1/series?location=WPRO&indicator=cases");
  EXPECT_EQ(region.status, 200) << region.body;
  EXPECT_GT(json::parse(region.body).at("points").as_array().size(), 100u) << region.body.substr(0, 300);
}

}  // namespace
}  // namespace shouwang
