// Alerts across nodes through the real binary: a three-server nats-server cluster (one config file
// each), a hub and a national node as `shouwang serve --nats <the three servers>`. An event opened
// on the CHN node reaches the WPRO focal point subscribed at the hub once; with one NATS server
// killed, the acknowledgement made on the node reaches it once too.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "alert/nats_server_process.h"
#include "alert/publisher.h"
#include "alert/test_webhook_receiver.h"
#include "http/test_client.h"
#include "tests/support/child_process.h"
#include "tests/support/run_shouwang.h"
#include "tests/support/serve_process.h"

namespace shouwang {
namespace {

namespace json = boost::json;
using alert::testing::NatsCluster;
using alert::testing::nats_server_binary;
using http::testing::http_request;
using http::testing::TempDir;
using testing::ChildProcess;
using testing::last_line;
using testing::shouwang_ok;

// How many of the receiver's posts carry each X-Shouwang-Event, and whether every key was unique.
std::map<std::string, int> events(alert::testing::Receiver& receiver, const std::string& path, bool& keys_unique) {
  std::map<std::string, int> out;
  std::map<std::string, int> keys;
  keys_unique = true;
  for (const auto& post : receiver.posts()) {
    if (post.path != path) continue;
    ++out[post.headers.count("x-shouwang-event") ? post.headers.at("x-shouwang-event") : "?"];
    if (++keys[post.headers.count("idempotency-key") ? post.headers.at("idempotency-key") : ""] > 1) keys_unique = false;
  }
  return out;
}

// Whether the alert stream has `n` consumers (one per installation) within `limit`.
bool consumers_at_least(const std::string& urls, int64_t n, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    if (natsConnection_ConnectTo(&nc, urls.c_str()) == NATS_OK && natsConnection_JetStream(&js, nc, nullptr) == NATS_OK) {
      jsStreamInfo* info = nullptr;
      if (js_GetStreamInfo(&info, js, alert::kNatsStreamName, nullptr, nullptr) == NATS_OK && info != nullptr) {
        found = info->State.Consumers >= n;
      }
      if (info) jsStreamInfo_Destroy(info);
    }
    if (js) jsCtx_Destroy(js);
    if (nc) natsConnection_Destroy(nc);
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return found;
}

TEST(FederationAlerts, AnAlertOpenedOnTheNodeReachesTheHubsRegionalFocalPointOnceWithANatsServerDown) {
  if (nats_server_binary().empty()) GTEST_SKIP() << "nats-server is not installed (Debian package nats-server)";
  TempDir dir("federation-alerts");
  NatsCluster cluster(dir.file("nats"));
  ASSERT_TRUE(cluster.start()) << "the NATS cluster did not form";
  alert::testing::Receiver receiver;
  ASSERT_TRUE(receiver.started());

  const std::string hub_db = dir.file("hub.db"), chn_db = dir.file("chn.db");
  shouwang_ok("migrate --db " + hub_db);
  shouwang_ok("migrate --db " + chn_db);
  shouwang_ok("liaison subscribe --db " + hub_db + " --name \"WPRO focal point\" --location WPRO --webhook " +
              receiver.url("wpro"));
  const std::string focal_point =
      last_line(shouwang_ok("token create --db " + chn_db + " --role focal_point --location CHN", false));

  ChildProcess hub({"serve", "--db", hub_db, "--port", "0", "--nats", cluster.urls()});
  ASSERT_NE(hub.wait_for_port(), 0);
  ChildProcess chn({"serve", "--db", chn_db, "--port", "0", "--nats", cluster.urls()});
  const uint16_t chn_port = chn.wait_for_port();
  ASSERT_NE(chn_port, 0);
  const std::map<std::string, std::string> as_focal_point{{"Content-Type", "application/json"},
                                                          {"Authorization", "Bearer " + focal_point}};
  // Each installation's consumer reads only what is published after it exists: wait for both.
  ASSERT_TRUE(consumers_at_least(cluster.urls(), 2, std::chrono::seconds(60))) << "the consumers were never created";

  auto opened = http_request(chn_port, "POST", "/api/v1/events",
                             R"({"location":"CHN","severity":"high","text":"cluster of severe pneumonia, Wuhan"})",
                             as_focal_point);
  ASSERT_EQ(opened.status, 201) << opened.body;
  const int64_t alert_id = json::parse(opened.body).at("alert_id").as_int64();
  ASSERT_EQ(receiver.wait_for("/api/hook/wpro", 1, std::chrono::seconds(60)).size(), 1u) << "the opening never arrived";

  // One server of the cluster goes down; the acknowledgement on the node still arrives, once.
  cluster.server("n1").kill_hard();
  auto acked = http_request(chn_port, "POST", "/api/v1/alerts/" + std::to_string(alert_id) + "/ack",
                            R"({"note":"team sent"})", as_focal_point);
  ASSERT_EQ(acked.status, 200) << acked.body;
  ASSERT_EQ(receiver.wait_for("/api/hook/wpro", 2, std::chrono::seconds(90)).size(), 2u) << "the acknowledgement never arrived";
  std::this_thread::sleep_for(std::chrono::seconds(2));  // anything delivered twice would show by now
  bool keys_unique = false;
  auto seen = events(receiver, "/api/hook/wpro", keys_unique);
  EXPECT_EQ(seen, (std::map<std::string, int>{{"opened", 1}, {"acknowledged", 1}}));
  EXPECT_TRUE(keys_unique);
  auto first = json::parse(receiver.posts().at(0).body).as_object();
  EXPECT_EQ(first.at("location").as_string(), "CHN");
  EXPECT_EQ(first.at("subscription").at("location").as_string(), "WPRO");
}

}  // namespace
}  // namespace shouwang
