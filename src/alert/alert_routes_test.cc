// The liaison over real HTTP on loopback: a focal point's report becomes a signed webhook POST to
// a real receiver within a second, an unacknowledged alert reaches the escalation target, the
// receiver being down then up gets the alert exactly once, and the SSE stream and metrics work.
#include "alert/alert_routes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "alert/test_support.h"
#include "api/server.h"
#include "api/test_client.h"
#include "store/auth.h"

namespace shouwang::alert {
namespace {

namespace json = boost::json;
using api::testing::http_request;
using Clock = std::chrono::steady_clock;

// A webhook receiver: a real HTTP server on loopback that records every POST.
class Receiver {
 public:
  struct Post {
    std::string path;
    std::string body;
    std::map<std::string, std::string> headers;
    Clock::time_point at;
  };

  explicit Receiver(uint16_t port = 0) {
    auto router = std::make_shared<api::Router>();
    // Under /api/ because the Shouwang server routes only that prefix to its Router.
    router->add("POST", "/api/hook/{name}", [this](const api::Request& request) {
      std::lock_guard lock(mutex_);
      posts_.push_back({request.path, request.body, request.headers, Clock::now()});
      arrived_.notify_all();
      return api::Response::json(json::object{{"ok", true}});
    });
    api::ServerOptions options;
    options.port = port;
    server_ = std::make_unique<api::HttpServer>(options, router);
    started_ = server_->start();
  }
  bool started() const { return started_.is_ok(); }
  uint16_t port() const { return server_->port(); }
  std::string url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/api/hook/" + name;
  }
  // Waits until `n` POSTs reached `path`, at most `timeout`; returns them.
  std::vector<Post> wait_for(const std::string& path, size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return matching(path).size() >= n; });
    return matching(path);
  }

 private:
  std::vector<Post> matching(const std::string& path) const {
    std::vector<Post> out;
    for (const auto& p : posts_) {
      if (p.path == path) out.push_back(p);
    }
    return out;
  }
  std::unique_ptr<api::HttpServer> server_;
  Status started_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Post> posts_;
};

class AlertRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    auto store = store::open_sqlite_store(db_.path());
    ASSERT_TRUE(store.is_ok());
    admin_ = *store::issue_token(**store, store::Role::kAdmin, "", "admin", clock_.now());
    focal_nga_ = *store::issue_token(**store, store::Role::kFocalPoint, "NGA", "fp-nigeria", clock_.now());
    reporter_ = *store::issue_token(**store, store::Role::kReporter, "NGA", "reporter", clock_.now());
    start_service();
  }
  void TearDown() override {
    server_.reset();
    service_.reset();
  }

  void start_service() {
    server_.reset();
    service_.reset();
    LiaisonOptions options;
    options.db_path = db_.path();
    options.clock = &clock_;
    options.retry_base_micros = 100'000;
    options.delivery_poll = std::chrono::milliseconds(20);
    options.escalation_poll = std::chrono::milliseconds(50);
    options.stream_keepalive = std::chrono::milliseconds(100);
    auto service = LiaisonService::open(options);
    ASSERT_TRUE(service.is_ok()) << service.status().to_string();
    service_ = std::move(*service);
    service_->start();
    auto router = std::make_shared<api::Router>();
    add_alert_routes(*router, *service_);
    api::ServerOptions server_options;
    server_options.port = 0;
    server_ = std::make_unique<api::HttpServer>(server_options, router);
    ASSERT_TRUE(server_->start().is_ok());
  }

  api::testing::ClientResponse call(const std::string& method, const std::string& target, const json::value& body,
                                    const std::string& token) {
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return http_request(server_->port(), method, target, body.is_null() ? "" : json::serialize(body), headers);
  }

  int64_t subscribe(const std::string& location, const std::string& url, const std::string& secret) {
    auto r = call("POST", "/api/v1/subscriptions",
                  json::object{{"name", "office " + location}, {"location", location}, {"webhook", url},
                               {"secret", secret}, {"min_severity", "medium"}},
                  focal_nga_);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body).at("id").as_int64();
  }

  testing::TempDatabase db_{::testing::UnitTest::GetInstance()->current_test_info()->name()};
  SystemClock clock_;
  std::string admin_, focal_nga_, reporter_;
  std::unique_ptr<LiaisonService> service_;
  std::unique_ptr<api::HttpServer> server_;
};

TEST_F(AlertRoutesTest, RegionalWebhookReceivesASignedAlertWithinASecondThenEscalation) {
  Receiver receiver;
  ASSERT_TRUE(receiver.started());
  subscribe("AFRO", receiver.url("afro"), "afro-secret");
  ASSERT_TRUE(service_->add_escalation_policy({0, "AFRO", 2'000'000, receiver.url("escalation"), "esc", "", {}}).is_ok());

  auto sent = Clock::now();
  auto r = call("POST", "/api/v1/events",
                json::object{{"location", "NGA-LA"}, {"severity", "high"}, {"text", "Lassa fever cluster"}},
                focal_nga_);
  ASSERT_EQ(r.status, 201) << r.body;
  int64_t alert_id = json::parse(r.body).at("alert_id").as_int64();

  auto posts = receiver.wait_for("/api/hook/afro", 1, std::chrono::seconds(1));
  ASSERT_EQ(posts.size(), 1u) << "no webhook within a second";
  EXPECT_LT(posts[0].at - sent, std::chrono::seconds(1));
  auto body = json::parse(posts[0].body).as_object();
  EXPECT_EQ(body["alert_id"].as_int64(), alert_id);
  EXPECT_EQ(body["state"].as_string(), "open");
  EXPECT_EQ(body["location"].as_string(), "NGA-LA");
  EXPECT_EQ(body["severity"].as_string(), "high");
  EXPECT_EQ(body["text"].as_string(), "Lassa fever cluster");
  EXPECT_TRUE(body.contains("opened_at"));
  EXPECT_EQ(posts[0].headers["x-shouwang-signature"], webhook_signature("afro-secret", posts[0].body));
  EXPECT_EQ(posts[0].headers["idempotency-key"], body["idempotency_key"].as_string());

  // Nobody acknowledges: after 2 s the escalation target hears of it, once.
  auto escalated = receiver.wait_for("/api/hook/escalation", 1, std::chrono::seconds(4));
  ASSERT_EQ(escalated.size(), 1u);
  EXPECT_GE(escalated[0].at - sent, std::chrono::milliseconds(1900));
  EXPECT_EQ(json::parse(escalated[0].body).at("event").as_string(), "escalated");

  // Acknowledge over REST: the transition is recorded with who did it, a second ack is refused.
  auto ack = call("POST", "/api/v1/alerts/" + std::to_string(alert_id) + "/ack", json::object{{"note", "on it"}},
                  focal_nga_);
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(json::parse(ack.body).at("state").as_string(), "acknowledged");
  EXPECT_EQ(call("POST", "/api/v1/alerts/" + std::to_string(alert_id) + "/ack", nullptr, focal_nga_).status, 422);
  auto detail = call("GET", "/api/v1/alerts/" + std::to_string(alert_id), nullptr, "");
  auto transitions = json::parse(detail.body).at("transitions").as_array();
  ASSERT_EQ(transitions.size(), 3u);
  EXPECT_EQ(transitions[2].at("actor").as_string(), "fp-nigeria");
  EXPECT_EQ(transitions[2].at("to").as_string(), "acknowledged");
  EXPECT_EQ(receiver.wait_for("/api/hook/afro", 2, std::chrono::seconds(1)).size(), 2u);  // the ack itself

  auto list = call("GET", "/api/v1/alerts?state=acknowledged", nullptr, "");
  EXPECT_EQ(json::parse(list.body).at("alerts").as_array().size(), 1u);
}

TEST_F(AlertRoutesTest, EventsNeedAFocalPointTokenCoveringTheLocation) {
  json::object event{{"location", "NGA"}, {"severity", "high"}, {"text", "x"}};
  EXPECT_EQ(call("POST", "/api/v1/events", event, "").status, 401);
  EXPECT_EQ(call("POST", "/api/v1/events", event, reporter_).status, 403);
  json::object egypt{{"location", "EGY"}, {"severity", "high"}, {"text", "x"}};
  EXPECT_EQ(call("POST", "/api/v1/events", egypt, focal_nga_).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/events", egypt, admin_).status, 201);
  json::object bad{{"location", "NGA"}, {"severity", "extreme"}, {"text", "x"}};
  EXPECT_EQ(call("POST", "/api/v1/events", bad, focal_nga_).status, 400);
  auto first = call("POST", "/api/v1/events", event, focal_nga_);
  auto second = call("POST", "/api/v1/events", event, focal_nga_);
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(second.status, 200);  // joined the open alert
  EXPECT_EQ(json::parse(first.body).at("alert_id"), json::parse(second.body).at("alert_id"));
}

TEST_F(AlertRoutesTest, SubscriptionsCanBeListedAndDeletedWithoutShowingSecrets) {
  int64_t id = subscribe("NGA", "http://127.0.0.1:9/hook/x", "very-secret");
  EXPECT_EQ(call("GET", "/api/v1/subscriptions", nullptr, "").status, 401);
  auto list = call("GET", "/api/v1/subscriptions", nullptr, admin_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find("very-secret"), std::string::npos);
  EXPECT_EQ(json::parse(list.body).at("subscriptions").as_array().size(), 1u);
  EXPECT_EQ(call("DELETE", "/api/v1/subscriptions/" + std::to_string(id), nullptr, admin_).status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/subscriptions/" + std::to_string(id), nullptr, admin_).status, 404);
  auto bad = call("POST", "/api/v1/subscriptions",
                  json::object{{"name", "x"}, {"location", "NGA"}, {"webhook", "ftp://x"}}, admin_);
  EXPECT_EQ(bad.status, 400);
}

TEST_F(AlertRoutesTest, ReceiverDownThenUpGetsTheAlertExactlyOnceEvenAcrossARestart) {
  uint16_t port;
  {
    Receiver probe;  // finds a free port, then goes away: the receiver is down
    ASSERT_TRUE(probe.started());
    port = probe.port();
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/hook/late";
  subscribe("NGA", url, "s");
  auto r = call("POST", "/api/v1/events", json::object{{"location", "NGA"}, {"severity", "high"}, {"text", "x"}},
                focal_nga_);
  ASSERT_EQ(r.status, 201);  // accepted although the webhook is down
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(*service_->pending_deliveries(), 1);

  start_service();  // the server restarts with the notification still pending
  Receiver receiver(port);
  ASSERT_TRUE(receiver.started());
  auto posts = receiver.wait_for("/api/hook/late", 1, std::chrono::seconds(5));
  ASSERT_EQ(posts.size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(receiver.wait_for("/api/hook/late", 2, std::chrono::milliseconds(1)).size(), 1u);
  EXPECT_EQ(*service_->pending_deliveries(), 0);
}

TEST_F(AlertRoutesTest, StreamSendsEachTransitionAsAServerSentEvent) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  std::string request = "GET /api/v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  std::string received;
  char buffer[4096];
  auto read_until = [&](const std::string& needle) {
    auto deadline = Clock::now() + std::chrono::seconds(3);
    while (received.find(needle) == std::string::npos && Clock::now() < deadline) {
      size_t n = socket.read_some(asio::buffer(buffer));
      received.append(buffer, n);
    }
    return received.find(needle) != std::string::npos;
  };
  ASSERT_TRUE(read_until(": connected"));
  EXPECT_NE(received.find("text/event-stream"), std::string::npos);
  auto r = call("POST", "/api/v1/events",
                json::object{{"location", "NGA"}, {"severity", "low"}, {"text", "stream me"}}, focal_nga_);
  ASSERT_EQ(r.status, 201);
  ASSERT_TRUE(read_until("stream me"));
  EXPECT_NE(received.find("event: alert\ndata: {"), std::string::npos);
  socket.close();
}

TEST_F(AlertRoutesTest, MetricsArePrometheusText) {
  Receiver receiver;
  subscribe("NGA", receiver.url("m"), "s");
  ASSERT_EQ(call("POST", "/api/v1/events", json::object{{"location", "NGA"}, {"severity", "high"}, {"text", "m"}},
                 focal_nga_)
                .status,
            201);
  ASSERT_EQ(receiver.wait_for("/api/hook/m", 1, std::chrono::seconds(2)).size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto r = call("GET", "/api/v1/metrics", nullptr, "");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers["Content-Type"].find("text/plain"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE shouwang_alert_report_to_delivery_seconds histogram"), std::string::npos);
  EXPECT_NE(r.body.find("shouwang_alert_report_to_delivery_seconds_count{channel=\"webhook\"} 1"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("shouwang_alert_report_to_alert_seconds_count 1"), std::string::npos);
}

TEST_F(AlertRoutesTest, ConcurrentEventReportsOverHttpAreAllStoredAndBadOnesRefusedAlone) {
  Receiver receiver;
  ASSERT_TRUE(receiver.started());
  subscribe("AFRO", receiver.url("afro"), "s3cret");
  constexpr int kClients = 8, kEach = 15;
  std::atomic<int> created{0}, joined{0}, refused{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        // Every fifth report names an unknown place: it is refused, the others in its batch stored.
        bool bad = i % 5 == 4;
        json::object event{{"location", bad ? "NOWHERE" : (c % 2 ? "NGA" : "GHA")},
                           {"severity", "high"},
                           {"text", "client " + std::to_string(c) + " report " + std::to_string(i)},
                           {"disease", "d" + std::to_string(i % 2)}};
        auto r = call("POST", "/api/v1/events", event, admin_);
        if (r.status == 201) ++created;
        else if (r.status == 200) ++joined;
        else if (r.status == 404 && bad) ++refused;
        else ++other;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(refused.load(), kClients * kEach / 5);
  EXPECT_EQ(created.load(), 4);  // {NGA, GHA} x {d0, d1}: the first of each group opens it
  EXPECT_EQ(created.load() + joined.load(), kClients * kEach * 4 / 5);
  auto alerts = call("GET", "/api/v1/alerts?limit=100", nullptr, "");
  auto list = json::parse(alerts.body).at("alerts").as_array();
  ASSERT_EQ(list.size(), 4u);
  int64_t signals = 0;
  for (const auto& a : list) signals += a.at("signal_count").as_int64();
  EXPECT_EQ(signals, kClients * kEach * 4 / 5);
  // Each opened alert reaches the regional office once.
  EXPECT_EQ(receiver.wait_for("/api/hook/afro", 4, std::chrono::seconds(5)).size(), 4u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(receiver.wait_for("/api/hook/afro", 5, std::chrono::milliseconds(1)).size(), 4u);
}

}  // namespace
}  // namespace shouwang::alert
