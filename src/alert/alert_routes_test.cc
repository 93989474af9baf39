// The liaison over real HTTP on loopback: a focal point's report becomes a signed webhook POST to
// a real receiver within a second, an unacknowledged alert reaches the escalation target, the
// receiver being down then up gets the alert exactly once, the SSE stream and metrics work, and an
// unpublished event alert reaches only the focal points covering it and admins, on every route.
#include "alert/alert_routes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "alert/test_support.h"
#include "alert/test_webhook_receiver.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/auth.h"
#include "store/open_store.h"
#include "tests/support/backends.h"

namespace shouwang::alert {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using http::testing::http_request;
using Clock = std::chrono::steady_clock;
using testing::Receiver;

// A client of the SSE stream on a raw socket, keeping everything it received.
class StreamReader {
 public:
  StreamReader(uint16_t port, const std::string& token) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    std::string request = "GET /api/v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    asio::write(socket_, asio::buffer(request + "\r\n"));
  }
  // Reads until `needle` has arrived, for at most 3 s (keep-alives every 100 ms end each read).
  bool read_until(const std::string& needle) {
    auto deadline = Clock::now() + std::chrono::seconds(3);
    char buffer[4096];
    while (received_.find(needle) == std::string::npos && Clock::now() < deadline) {
      boost::system::error_code ec;
      size_t n = socket_.read_some(asio::buffer(buffer), ec);
      if (ec) break;
      received_.append(buffer, n);
    }
    return received_.find(needle) != std::string::npos;
  }
  const std::string& received() const { return received_; }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string received_;
};

// How a stream frame of an alert starts ({"alert_id":7,...), so that alert 1 is not found in 12.
std::string frame_of(int64_t alert_id) { return "data: {\"alert_id\":" + std::to_string(alert_id) + ","; }

class AlertRoutesTest : public ::testing::TestWithParam<shouwang::testing::Backend> {
 protected:
  void SetUp() override {
    db_ = fresh_.create(GetParam());
    ASSERT_FALSE(db_.empty());
    ASSERT_TRUE(testing::seed_test_locations(db_).is_ok());
    auto store = store::open_store(db_);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    admin_ = *store::issue_token(**store, store::Role::kAdmin, "", "admin", clock_.now());
    focal_nga_ = *store::issue_token(**store, store::Role::kFocalPoint, "NGA", "fp-nigeria", clock_.now());
    reporter_ = *store::issue_token(**store, store::Role::kReporter, "NGA", "reporter", clock_.now());
    focal_egy_ = *store::issue_token(**store, store::Role::kFocalPoint, "EGY", "fp-egypt", clock_.now());
    focal_afro_ = *store::issue_token(**store, store::Role::kFocalPoint, "AFRO", "fp-afro", clock_.now());
    focal_world_ = *store::issue_token(**store, store::Role::kFocalPoint, "WORLD", "fp-world", clock_.now());
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
    options.db_path = db_;
    options.clock = &clock_;
    options.retry_base_micros = 100'000;
    options.delivery_poll = std::chrono::milliseconds(20);
    options.escalation_poll = std::chrono::milliseconds(50);
    options.stream_keepalive = std::chrono::milliseconds(100);
    auto service = LiaisonService::open(options);
    ASSERT_TRUE(service.is_ok()) << service.status().to_string();
    service_ = std::move(*service);
    service_->start();
    auto router = std::make_shared<http::Router>();
    const http::RouteContext context{.clock = &clock_, .authenticate = liaison_authenticator(*service_)};
    add_alert_routes(*router, context, *service_);
    http::ServerOptions server_options;
    server_options.port = 0;
    server_ = std::make_unique<http::HttpServer>(server_options, router);
    ASSERT_TRUE(server_->start().is_ok());
  }

  http::testing::ClientResponse call(const std::string& method, const std::string& target, const json::value& body,
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

  shouwang::testing::FreshDatabase fresh_;
  std::string db_;
  SystemClock clock_;
  std::string admin_, focal_nga_, reporter_, focal_egy_, focal_afro_, focal_world_;
  std::unique_ptr<LiaisonService> service_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_P(AlertRoutesTest, RegionalWebhookReceivesASignedAlertWithinASecondThenEscalation) {
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
  auto detail = call("GET", "/api/v1/alerts/" + std::to_string(alert_id), nullptr, focal_nga_);
  auto transitions = json::parse(detail.body).at("transitions").as_array();
  ASSERT_EQ(transitions.size(), 3u);
  EXPECT_EQ(transitions[2].at("actor").as_string(), "fp-nigeria");
  EXPECT_EQ(transitions[2].at("to").as_string(), "acknowledged");
  EXPECT_EQ(receiver.wait_for("/api/hook/afro", 2, std::chrono::seconds(1)).size(), 2u);  // the ack itself

  auto list = call("GET", "/api/v1/alerts?state=acknowledged", nullptr, focal_nga_);
  EXPECT_EQ(json::parse(list.body).at("alerts").as_array().size(), 1u);
}

TEST_P(AlertRoutesTest, EventsNeedAFocalPointTokenCoveringTheLocation) {
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

TEST_P(AlertRoutesTest, SubscriptionsCanBeListedAndDeletedWithoutShowingSecrets) {
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

TEST_P(AlertRoutesTest, ReceiverDownThenUpGetsTheAlertExactlyOnceEvenAcrossARestart) {
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

TEST_P(AlertRoutesTest, StreamSendsEachTransitionAsAServerSentEvent) {
  StreamReader stream(server_->port(), focal_nga_);
  ASSERT_TRUE(stream.read_until(": connected"));
  EXPECT_NE(stream.received().find("text/event-stream"), std::string::npos);
  auto r = call("POST", "/api/v1/events",
                json::object{{"location", "NGA"}, {"severity", "low"}, {"text", "stream me"}}, focal_nga_);
  ASSERT_EQ(r.status, 201);
  ASSERT_TRUE(stream.read_until("stream me"));
  EXPECT_NE(stream.received().find("event: alert\ndata: {"), std::string::npos);
}

TEST_P(AlertRoutesTest, ListAndGetRefuseBadParametersAndTokens) {
  for (const char* limit : {"0", "10001", "-1", "1e3", "x"}) {
    EXPECT_EQ(call("GET", std::string("/api/v1/alerts?limit=") + limit, nullptr, "").status, 400) << limit;
  }
  EXPECT_EQ(call("GET", "/api/v1/alerts?limit=10000", nullptr, "").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/alerts/abc", nullptr, "").status, 400);
  // An optional token that is presented must be valid: never silently read as anonymous.
  EXPECT_EQ(call("GET", "/api/v1/alerts", nullptr, "not-a-token").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/alerts/1", nullptr, "not-a-token").status, 401);
}

// "Event visibility per role": an event alert nobody has published reaches only admins and the
// focal points of its country, its WHO region and WORLD, on the list, by id and on the stream;
// once a focal point covering it publishes it, everyone sees it. Detection alerts are public.
TEST_P(AlertRoutesTest, EventVisibilityPerRole) {
  struct Caller {
    std::string name;
    std::string token;
    bool sees_confidential;
  };
  const std::vector<Caller> callers = {{"anonymous", "", false},
                                       {"reporter of Nigeria", reporter_, false},
                                       {"focal point of Egypt", focal_egy_, false},
                                       {"focal point of Nigeria", focal_nga_, true},
                                       {"focal point of AFRO", focal_afro_, true},
                                       {"focal point of WORLD", focal_world_, true},
                                       {"admin", admin_, true}};
  Receiver receiver;
  ASSERT_TRUE(receiver.started());
  subscribe("AFRO", receiver.url("afro"), "s");
  ASSERT_TRUE(service_->add_escalation_policy({0, "AFRO", 200'000, receiver.url("escalation"), "", "", {}}).is_ok());
  std::vector<std::unique_ptr<StreamReader>> streams;
  for (const auto& c : callers) {
    streams.push_back(std::make_unique<StreamReader>(server_->port(), c.token));
    ASSERT_TRUE(streams.back()->read_until(": connected")) << c.name;
  }

  // Its whole life unpublished: opened, joined by a second report, escalated, acknowledged.
  json::object report{{"location", "NGA-LA"}, {"severity", "high"}, {"text", "unverified Lassa cluster"},
                      {"disease", "lassa"}};
  auto opened = call("POST", "/api/v1/events", report, focal_nga_);
  ASSERT_EQ(opened.status, 201) << opened.body;
  int64_t id = json::parse(opened.body).at("alert_id").as_int64();
  EXPECT_EQ(call("POST", "/api/v1/events", report, focal_nga_).status, 200);
  ASSERT_TRUE(streams.back()->read_until("\"event\":\"escalated\"")) << streams.back()->received();
  ASSERT_EQ(call("POST", "/api/v1/alerts/" + std::to_string(id) + "/ack", nullptr, focal_nga_).status, 200);
  EXPECT_EQ(receiver.wait_for("/api/hook/afro", 2, std::chrono::seconds(2)).size(), 2u);  // webhooks as before

  // A detection alert after it: once a stream carries that one, it has carried everything before.
  auto signal = service_->on_signals({Signal{"GHA", "cases", "2024-W10", "farrington_flexible", 50, 10, true, 3}});
  ASSERT_TRUE(signal.is_ok());
  int64_t public_id = (*signal)[0].alert_id;

  const std::string path = "/api/v1/alerts/" + std::to_string(id);
  const auto unknown = call("GET", "/api/v1/alerts/999999", nullptr, "");
  ASSERT_EQ(unknown.status, 404);
  for (size_t i = 0; i < callers.size(); ++i) {
    const Caller& c = callers[i];
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(streams[i]->read_until(frame_of(public_id)));
    const std::string& received = streams[i]->received();
    EXPECT_EQ(received.find(frame_of(id)) != std::string::npos, c.sees_confidential);
    EXPECT_EQ(received.find("unverified Lassa cluster") != std::string::npos, c.sees_confidential);
    if (c.sees_confidential) {
      for (const char* event : {"opened", "escalated", "acknowledged"}) {
        EXPECT_NE(received.find("\"event\":\"" + std::string(event) + "\""), std::string::npos) << event;
      }
    }

    auto list = call("GET", "/api/v1/alerts", nullptr, c.token);
    ASSERT_EQ(list.status, 200);
    const json::value listed_json = json::parse(list.body);
    std::vector<int64_t> listed;
    for (const auto& a : listed_json.at("alerts").as_array()) listed.push_back(a.at("alert_id").as_int64());
    const std::vector<int64_t> expected_ids = c.sees_confidential ? std::vector<int64_t>{public_id, id}
                                                              : std::vector<int64_t>{public_id};
    EXPECT_EQ(listed, expected_ids);
    auto at_location = call("GET", "/api/v1/alerts?location=NGA-LA", nullptr, c.token);
    EXPECT_EQ(json::parse(at_location.body).at("alerts").as_array().size(), c.sees_confidential ? 1u : 0u);

    auto get = call("GET", path, nullptr, c.token);
    if (c.sees_confidential) {
      EXPECT_EQ(get.status, 200);
      EXPECT_EQ(json::parse(get.body).at("text").as_string(), "unverified Lassa cluster");
      EXPECT_FALSE(json::parse(get.body).at("published").as_bool());
    } else {
      // Exactly the answer for an id that does not exist.
      EXPECT_EQ(get.status, 404);
      std::string expected = unknown.body;
      expected.replace(expected.find("999999"), 6, std::to_string(id));
      EXPECT_EQ(get.body, expected);
    }
    auto detection = call("GET", "/api/v1/alerts/" + std::to_string(public_id), nullptr, c.token);
    EXPECT_EQ(detection.status, 200);
    EXPECT_TRUE(json::parse(detection.body).at("published").as_bool());
  }

  // Publishing needs a focal point covering the location, or an admin; a refusal names no place.
  auto foreign = call("POST", path + "/publish", nullptr, focal_egy_);
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.body.find("NGA"), std::string::npos) << foreign.body;
  EXPECT_EQ(call("POST", path + "/resolve", nullptr, focal_egy_).status, 403);
  EXPECT_EQ(call("POST", path + "/publish", nullptr, reporter_).status, 403);
  EXPECT_EQ(call("POST", path + "/publish", nullptr, "").status, 401);
  EXPECT_EQ(call("POST", "/api/v1/alerts/999999/publish", nullptr, focal_nga_).status, 404);
  auto published = call("POST", path + "/publish", json::object{{"note", "confirmed by the laboratory"}}, focal_afro_);
  ASSERT_EQ(published.status, 200) << published.body;
  auto published_alert = json::parse(published.body).as_object();
  EXPECT_TRUE(published_alert.at("published").as_bool());
  EXPECT_EQ(published_alert.at("published_by").as_string(), "fp-afro");
  EXPECT_TRUE(published_alert.contains("published_at"));
  auto again = call("POST", path + "/publish", nullptr, focal_nga_);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body).at("published_by").as_string(), "fp-afro");

  // Now everyone sees it, with who published it when.
  for (size_t i = 0; i < callers.size(); ++i) {
    SCOPED_TRACE(callers[i].name);
    EXPECT_TRUE(streams[i]->read_until("\"event\":\"published\""));
    auto get = call("GET", path, nullptr, callers[i].token);
    ASSERT_EQ(get.status, 200);
    auto transitions = json::parse(get.body).at("transitions").as_array();
    EXPECT_EQ(transitions.back().at("actor").as_string(), "fp-afro");
    EXPECT_EQ(transitions.back().at("note").as_string(), "published: confirmed by the laboratory");
    EXPECT_EQ(json::parse(call("GET", "/api/v1/alerts", nullptr, callers[i].token).body).at("alerts").as_array().size(),
              2u);
  }
}

TEST_P(AlertRoutesTest, MetricsArePrometheusText) {
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

TEST_P(AlertRoutesTest, ConcurrentEventReportsOverHttpAreAllStoredAndBadOnesRefusedAlone) {
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
  auto alerts = call("GET", "/api/v1/alerts?limit=100", nullptr, admin_);
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

INSTANTIATE_TEST_SUITE_P(Backends, AlertRoutesTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

}  // namespace
}  // namespace shouwang::alert
