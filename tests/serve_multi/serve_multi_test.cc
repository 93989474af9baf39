// Several servers, one database, through the real binary: two `shouwang serve` processes on one
// PostgreSQL database take reports from concurrent clients, and a webhook receiver in this test
// counts what the focal points get. Nothing acknowledged is lost, no revision is written twice,
// each alert transition reaches a subscriber once in total, and each escalation fires once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "core/period.h"
#include "http/test_client.h"
#include "tests/support/backends.h"
#include "tests/support/serve_process.h"

namespace shouwang {
namespace {

using http::testing::http_request;
using http::testing::TempDir;
using testing::last_line;
using testing::run;

// Every webhook POST, by idempotency key (one key per alert transition and recipient).
struct Receiver {
  std::mutex mutex;
  std::condition_variable arrived;
  std::map<std::string, int> posts_by_key;
  std::map<std::string, int> posts_by_event;
  int total = 0;
};

int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

TEST(ServeMulti, TwoServersOnOneDatabaseShareTheWorkAndDeliverEachTransitionOnce) {
  shouwang::testing::FreshDatabase fresh;
  const std::string db = fresh.create(shouwang::testing::Backend::kPostgres);
  ASSERT_FALSE(db.empty());
  TempDir dir("serve-multi");

  // Fourteen quiet weeks for four countries of EURO.
  const std::vector<std::string> countries = {"DEU", "FRA", "ITA", "ESP"};
  const Date first = *Date::parse("2026-06-01");  // a Monday
  {
    std::ofstream csv(dir.file("history.csv"));
    csv << "location,indicator,date,value\n";
    for (const auto& country : countries) {
      for (int day = 0; day < 14 * 7; ++day) {
        csv << country << ",cases," << first.plus_days(day).to_string() << ","
            << 1000 + (day % 7) * 20 + (day / 7) % 3 * 50 << "\n";
      }
    }
  }
  run("import --db " + db + " --format csv --source ministry " + dir.file("history.csv"));

  Receiver receiver;
  auto router = std::make_shared<http::Router>();
  router->add("POST", "/api/hook", [&receiver](const http::Request& request) {
    auto body = boost::json::parse(request.body).as_object();
    std::lock_guard lock(receiver.mutex);
    ++receiver.posts_by_key[std::string(body.at("idempotency_key").as_string())];
    ++receiver.posts_by_event[std::string(body.at("event").as_string())];
    ++receiver.total;
    receiver.arrived.notify_all();
    return http::Response::text("ok", "text/plain");
  });
  auto hook_server = http::testing::start_loopback_server(router);
  ASSERT_NE(hook_server, nullptr);
  const std::string hook = "http://127.0.0.1:" + std::to_string(hook_server->port()) + "/api/hook";
  run("liaison subscribe --db " + db + " --name 'EURO office' --location EURO --webhook " + hook);
  run("liaison escalation --db " + db + " --location EURO --after 2s --name 'WHO HQ' --webhook " + hook);
  std::map<std::string, std::string> tokens;
  for (const auto& country : countries) {
    tokens[country] = last_line(run("token create --db " + db + " --role reporter --location " + country));
    ASSERT_FALSE(tokens[country].empty());
  }

  testing::ServeProcess a(db, {"--detect-methods", "ears-c2"});
  testing::ServeProcess b(db, {"--detect-methods", "ears-c2"});
  ASSERT_NE(a.port(), 0);
  ASSERT_NE(b.port(), 0);
  const uint16_t ports[2] = {a.port(), b.port()};

  // Concurrent clients on both servers: 8 threads, each posting 25 one-day reports of its own
  // (country, day) keys, alternating servers; and every report twice at once (a client's retry
  // reaching the other server), which must write one revision, not two.
  std::atomic<int> failures{0};
  std::mutex failure_mutex;
  std::string first_failure;
  auto failed = [&](const http::testing::ClientResponse& r) {
    ++failures;
    std::lock_guard lock(failure_mutex);
    if (first_failure.empty()) first_failure = std::to_string(r.status) + " " + r.body;
  };
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      const std::string& country = countries[t % countries.size()];
      for (int i = 0; i < 25; ++i) {
        int day = (t / 4) * 25 + i;
        std::string report = "location,indicator,date,value\n" + country + ",tests," +
                             first.plus_days(day).to_string() + "," + std::to_string(100 + t * 1000 + i) + "\n";
        for (int copy = 0; copy < 2; ++copy) {
          auto r = http_request(ports[(i + copy) % 2], "POST", "/api/v1/reports?source=lab", report,
                                {{"Authorization", "Bearer " + tokens[country]}, {"Content-Type", "text/csv"}});
          if (r.status != 200 && r.status != 201) failed(r);
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  for (const auto& country : countries) {
    // 2 threads per country x 25 days, each stored once: fifty values, and no second revision of
    // any of them (the duplicate posts found the value already stored).
    std::string latest = run("export --db " + db + " --location " + country + " --indicator tests --source lab");
    EXPECT_EQ(count_lines(latest), 1 + 50) << latest;
    auto revisions = http_request(a.port(), "GET", "/api/v1/revisions?location=" + country + "&indicator=tests&source=lab");
    ASSERT_EQ(revisions.status, 200) << revisions.body;
    EXPECT_TRUE(boost::json::parse(revisions.body).at("corrections").as_array().empty()) << revisions.body;
  }

  // A week twenty times the usual level in each country, the four reports at once, two to each
  // server: four alerts open, each announced once, and each escalated once when nobody
  // acknowledges it.
  std::vector<std::thread> spikes;
  for (size_t c = 0; c < countries.size(); ++c) {
    spikes.emplace_back([&, c] {
      std::string report = "location,indicator,date,value\n";
      for (int day = 14 * 7; day < 15 * 7; ++day) {
        report += countries[c] + ",cases," + first.plus_days(day).to_string() + ",20000\n";
      }
      auto r = http_request(ports[c % 2], "POST", "/api/v1/reports?source=ministry", report,
                            {{"Authorization", "Bearer " + tokens[countries[c]]}, {"Content-Type", "text/csv"}});
      if (r.status != 200 && r.status != 201) failed(r);
    });
  }
  for (auto& s : spikes) s.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;

  {
    std::unique_lock lock(receiver.mutex);
    bool all = receiver.arrived.wait_for(lock, std::chrono::seconds(60), [&] {
      return receiver.posts_by_event["opened"] >= 4 && receiver.posts_by_event["escalated"] >= 4;
    });
    ASSERT_TRUE(all) << "opened: " << receiver.posts_by_event["opened"]
                     << ", escalated: " << receiver.posts_by_event["escalated"];
  }
  // Both servers keep running their outbox and escalation loops: give a duplicate time to show.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  std::lock_guard lock(receiver.mutex);
  EXPECT_EQ(receiver.posts_by_event["opened"], 4);
  EXPECT_EQ(receiver.posts_by_event["escalated"], 4);
  for (const auto& [key, posts] : receiver.posts_by_key) EXPECT_EQ(posts, 1) << key;
  auto alerts = http_request(b.port(), "GET", "/api/v1/alerts?limit=100");
  ASSERT_EQ(alerts.status, 200);
  EXPECT_EQ(boost::json::parse(alerts.body).at("alerts").as_array().size(), 4u) << alerts.body;
}

}  // namespace
}  // namespace shouwang
