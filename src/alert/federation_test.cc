// Alerts across installations (issue 14, federation). Two LiaisonServices on two databases play a
// country's node and the WHO hub. Routing, de-duplication and skipping one's own messages run
// against an in-memory stream (FakeStream); delivery across nodes runs against a real three-server
// nats-server cluster on loopback, with the stream leader killed and the hub restarted on the way.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "alert/liaison_service.h"
#include "alert/nats_server_process.h"
#include "alert/test_support.h"
#include "core/json_text.h"
#include "tests/support/backends.h"

namespace shouwang::alert {
namespace {

namespace json = boost::json;
using shouwang::testing::Backend;
using testing::FakeTransport;
using testing::RecordedPost;
using testing::TempDatabase;

// The Western Pacific beside test_locations(): the node reports from China, the hub covers WPRO.
Status seed_western_pacific(const std::string& db) {
  ASSIGN_OR_RETURN(auto store, store::open_store(db));
  return store->upsert_locations(std::vector<Location>{
      {"WPRO", "WHO Western Pacific Region", "", "WORLD", std::nullopt, LocationLevel::kRegion},
      {"CHN", "China", "", "WPRO", 1'411'000'000, LocationLevel::kCountry},
      {"PHL", "Philippines", "", "WPRO", 113'000'000, LocationLevel::kCountry},
      {"CHN-GD", "Guangdong", "", "CHN", 126'000'000, LocationLevel::kSubnational},
  });
}

// observed / upperbound = 1.6: a medium alert.
Signal alarm(const std::string& location, const std::string& indicator) {
  return Signal{location, indicator, "2024-W10", "ears_c1", 16, 10, true, 2};
}

Subscription subscription(const std::string& name, const std::string& location, const std::string& webhook) {
  Subscription s;
  s.name = name;
  s.location = location;
  s.webhook = webhook;
  return s;
}

json::object body_of(const RecordedPost& post) { return json::parse(post.body).as_object(); }

// A string member's text; empty when it is missing or not a string.
std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// A stream in memory with JetStream's delivery rule: every consumer gets every message published
// after it was created, and gets it again on each fetch until it acknowledges it.
class FakeStream final : public AlertPublisher {
 public:
  struct Stored {
    std::string subject, message_id, payload;
  };

  Status publish(const std::string& subject, const std::string& message_id, const std::string& payload) override {
    std::lock_guard lock(mutex_);
    for (const Stored& m : messages_) {
      if (!message_id.empty() && m.message_id == message_id) return Status::ok();  // Nats-Msg-Id
    }
    messages_.push_back({subject, message_id, payload});
    return Status::ok();
  }

  Result<std::unique_ptr<AlertFeed>> open_feed(const std::string& consumer) override {
    std::lock_guard lock(mutex_);
    if (!start_of_.count(consumer)) start_of_[consumer] = messages_.size();  // from the next message on
    return std::unique_ptr<AlertFeed>(new Feed(this, consumer));
  }

  void fail_acks(int n) {
    std::lock_guard lock(mutex_);
    failing_acks_ = n;
  }
  std::vector<Stored> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  class Feed final : public AlertFeed {
   public:
    Feed(FakeStream* stream, std::string consumer) : stream_(stream), consumer_(std::move(consumer)) {}
    Result<std::vector<StreamMessage>> fetch(int max, std::chrono::milliseconds) override {
      std::lock_guard lock(stream_->mutex_);
      std::vector<StreamMessage> out;
      for (size_t i = stream_->start_of_[consumer_]; i < stream_->messages_.size() && out.size() < size_t(max); ++i) {
        if (stream_->acked_[consumer_].count(i)) continue;
        const Stored& m = stream_->messages_[i];
        out.push_back({m.subject, m.message_id, m.payload, [stream = stream_, consumer = consumer_, i]() -> Status {
                         std::lock_guard lock(stream->mutex_);
                         if (stream->failing_acks_ > 0) {
                           --stream->failing_acks_;
                           return unavailable("acknowledgement lost (fake)");
                         }
                         stream->acked_[consumer].insert(i);
                         return Status::ok();
                       }});
      }
      return out;
    }

   private:
    FakeStream* stream_;
    std::string consumer_;
  };

  std::mutex mutex_;
  std::vector<Stored> messages_;
  std::map<std::string, size_t> start_of_;
  std::map<std::string, std::set<size_t>> acked_;
  int failing_acks_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Routing and de-duplication, against FakeStream

class FederationTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    for (auto* fresh : {&node_db_, &hub_db_}) {
      std::string db = fresh->create(GetParam());
      ASSERT_FALSE(db.empty());
      ASSERT_TRUE(testing::seed_test_locations(db).is_ok());
      ASSERT_TRUE(seed_western_pacific(db).is_ok());
    }
    node_ = open(node_db_.db(), node_transport_);
    hub_ = open(hub_db_.db(), hub_transport_);
    ASSERT_TRUE(node_ && hub_);
    // Consumers exist from here on: they get what is published after this.
    ASSERT_TRUE(node_->receive_remote(std::chrono::milliseconds(0)).is_ok());
    ASSERT_TRUE(hub_->receive_remote(std::chrono::milliseconds(0)).is_ok());
  }

  std::unique_ptr<LiaisonService> open(const std::string& db, const std::shared_ptr<FakeTransport>& transport) {
    LiaisonOptions options;
    options.db_path = db;
    options.clock = &clock_;
    options.webhook_transport = transport;
    options.publisher = stream_;
    auto service = LiaisonService::open(options);
    EXPECT_TRUE(service.is_ok()) << service.status().to_string();
    return service.is_ok() ? std::move(*service) : nullptr;
  }

  int64_t subscribe(LiaisonService& service, Subscription s) {
    auto added = service.add_subscription(std::move(s));
    EXPECT_TRUE(added.is_ok()) << added.status().to_string();
    return added.is_ok() ? added->id : 0;
  }

  // Node -> stream -> hub -> hub's webhooks, one pass each.
  void relay() {
    ASSERT_TRUE(node_->deliver_due().is_ok());
    ASSERT_TRUE(hub_->deliver_due().is_ok());
    ASSERT_TRUE(node_->receive_remote(std::chrono::milliseconds(0)).is_ok());
    ASSERT_TRUE(hub_->receive_remote(std::chrono::milliseconds(0)).is_ok());
    ASSERT_TRUE(node_->deliver_due().is_ok());
    ASSERT_TRUE(hub_->deliver_due().is_ok());
  }

  ManualClock clock_{*Timestamp::parse("2024-03-10T08:00:00Z")};
  shouwang::testing::FreshDatabase node_db_;
  shouwang::testing::FreshDatabase hub_db_;
  std::shared_ptr<FakeStream> stream_ = std::make_shared<FakeStream>();
  std::shared_ptr<FakeTransport> node_transport_ = std::make_shared<FakeTransport>();
  std::shared_ptr<FakeTransport> hub_transport_ = std::make_shared<FakeTransport>();
  std::unique_ptr<LiaisonService> node_;
  std::unique_ptr<LiaisonService> hub_;
};

// What runs SQL of its own (recording received messages, queuing another installation's
// transitions) also on PostgreSQL, where a hub's database is likely to be.
class FederationOnBothBackendsTest : public FederationTest {};

TEST_P(FederationTest, EachDatabaseIsOneInstallationWithAStableId) {
  EXPECT_EQ(node_->installation_id().size(), 16u);
  EXPECT_NE(node_->installation_id(), hub_->installation_id());
  auto second_server = open(node_db_.db(), node_transport_);  // another serve process on the node's database
  ASSERT_TRUE(second_server);
  EXPECT_EQ(second_server->installation_id(), node_->installation_id());
  EXPECT_EQ(federation_consumer_name(node_->installation_id()), "shouwang-" + node_->installation_id());
  // Without --nats: the same installation, and nothing to receive from.
  LiaisonOptions options;
  options.db_path = node_db_.db();
  options.clock = &clock_;
  options.webhook_transport = node_transport_;
  auto alone = LiaisonService::open(options);
  ASSERT_TRUE(alone.is_ok());
  EXPECT_EQ((*alone)->installation_id(), node_->installation_id());
  EXPECT_EQ((*alone)->receive_remote(std::chrono::milliseconds(0)).status().code(), StatusCode::kFailedPrecondition);
}

TEST_P(FederationTest, PublishedTransitionsNameTheirInstallationAndLocationChain) {
  ASSERT_TRUE(node_->on_signals({alarm("CHN", "cases")}).is_ok());
  ASSERT_TRUE(hub_->on_signals({alarm("PHL", "cases")}).is_ok());  // also the hub's alert 1
  ASSERT_TRUE(node_->deliver_due().is_ok());
  ASSERT_TRUE(hub_->deliver_due().is_ok());
  auto messages = stream_->messages();
  ASSERT_EQ(messages.size(), 2u);  // not taken for one message: each id names its installation
  std::map<std::string, json::object> by_subject;
  for (const auto& m : messages) {
    json::object body = json::parse(m.payload).as_object();
    EXPECT_EQ(m.message_id, text(body, "idempotency_key"));
    by_subject[m.subject] = body;
  }
  json::object& chn = by_subject["alerts.WPRO.CHN"];
  EXPECT_EQ(chn["alert_id"], 1);
  EXPECT_EQ(text(chn, "origin_installation"), node_->installation_id());
  EXPECT_EQ(text(chn, "idempotency_key"), "alert-1-opened-nats-" + node_->installation_id());
  EXPECT_EQ(chn["location_chain"], (json::array{"CHN", "WPRO", "WORLD"}));
  EXPECT_EQ(text(by_subject["alerts.WPRO.PHL"], "origin_installation"), hub_->installation_id());
}

TEST_P(FederationOnBothBackendsTest, AnotherInstallationsAlertReachesTheSubscriptionsCoveringItOnce) {
  int64_t node_wpro = subscribe(*node_, subscription("node WPRO", "WPRO", "http://node.test/wpro"));
  int64_t hub_wpro = subscribe(*hub_, subscription("WPRO office", "WPRO", "http://hub.test/wpro"));
  subscribe(*hub_, subscription("AFRO office", "AFRO", "http://hub.test/afro"));
  Subscription deaths = subscription("China deaths", "CHN", "http://hub.test/chn-deaths");
  deaths.indicator = "deaths";
  subscribe(*hub_, deaths);
  Subscription high = subscription("China high", "CHN", "http://hub.test/chn-high");
  high.min_severity = Severity::kHigh;
  subscribe(*hub_, high);
  int64_t chn_cases = [&] {
    Subscription s = subscription("China cases", "CHN", "http://hub.test/chn-cases");
    s.indicator = "cases";
    return subscribe(*hub_, s);
  }();

  auto opened = node_->on_signals({alarm("CHN", "cases")});
  ASSERT_TRUE(opened.is_ok());
  int64_t alert_id = (*opened)[0].alert_id;
  ASSERT_NO_FATAL_FAILURE(relay());
  ASSERT_TRUE(node_->acknowledge(alert_id, "fp-china").is_ok());
  ASSERT_NO_FATAL_FAILURE(relay());
  ASSERT_NO_FATAL_FAILURE(relay());  // nothing more arrives on a further pass

  std::map<std::string, std::vector<std::string>> events;  // target -> events, in order
  for (const auto& post : hub_transport_->posts()) events[post.url].push_back(text(body_of(post), "event"));
  EXPECT_EQ(events, (std::map<std::string, std::vector<std::string>>{
                        {"http://hub.test/wpro", {"opened", "acknowledged"}},
                        {"http://hub.test/chn-cases", {"opened", "acknowledged"}}}));
  auto first = hub_transport_->posts_to("http://hub.test/wpro").at(0);
  json::object body = body_of(first);
  std::string key = "alert-" + std::to_string(alert_id) + "-opened-nats-" + node_->installation_id() + "-sub-" +
                    std::to_string(hub_wpro);
  EXPECT_EQ(first.header("Idempotency-Key"), key);
  EXPECT_EQ(text(body, "idempotency_key"), key);
  EXPECT_EQ(text(body, "origin_installation"), node_->installation_id());
  EXPECT_EQ(body["alert_id"], alert_id);
  EXPECT_EQ(text(body, "location"), "CHN");
  EXPECT_EQ(text(body["subscription"].as_object(), "name"), "WPRO office");
  EXPECT_FALSE(body.contains("location_chain"));
  EXPECT_EQ(body_of(hub_transport_->posts_to("http://hub.test/chn-cases").at(0))["subscription"].as_object()["id"],
            chn_cases);
  // The node's own subscriber heard of it from the node's outbox only: its copy on the stream
  // was skipped by the node.
  ASSERT_EQ(node_transport_->posts_to("http://node.test/wpro").size(), 2u);
  EXPECT_EQ(body_of(node_transport_->posts()[0])["subscription"].as_object()["id"], node_wpro);
  EXPECT_EQ(node_->metrics().federation_messages("own"), 2);
  EXPECT_EQ(hub_->metrics().federation_messages("new"), 2);
  // The remote alert's deliveries are not mistaken for the hub's own alert of the same id.
  EXPECT_TRUE(hub_->delivered_entries(alert_id)->empty());
}

TEST_P(FederationOnBothBackendsTest, ARedeliveredMessageQueuesNothingAgain) {
  subscribe(*hub_, subscription("WPRO office", "WPRO", "http://hub.test/wpro"));
  ASSERT_TRUE(node_->on_signals({alarm("CHN", "cases")}).is_ok());
  ASSERT_TRUE(node_->deliver_due().is_ok());
  stream_->fail_acks(1);  // the hub handles the message, its acknowledgement is lost
  EXPECT_EQ(*hub_->receive_remote(std::chrono::milliseconds(0)), 1);
  // A subscription made since the transition is not owed it, redelivered or not.
  subscribe(*hub_, subscription("China office", "CHN", "http://hub.test/chn"));
  EXPECT_EQ(*hub_->receive_remote(std::chrono::milliseconds(0)), 0);  // delivered again: recorded already
  EXPECT_EQ(*hub_->receive_remote(std::chrono::milliseconds(0)), 0);  // acknowledged this time: not delivered
  ASSERT_TRUE(hub_->deliver_due().is_ok());
  EXPECT_EQ(hub_transport_->posts_to("http://hub.test/wpro").size(), 1u);
  EXPECT_TRUE(hub_transport_->posts_to("http://hub.test/chn").empty());
  EXPECT_EQ(hub_->metrics().federation_messages("new"), 1);
  EXPECT_EQ(hub_->metrics().federation_messages("duplicate"), 1);
  EXPECT_NE(hub_->render_metrics().find("shouwang_alert_federation_messages_total{outcome=\"duplicate\"} 1"),
            std::string::npos);
}

// The record of a handled message is kept for a month (long past any redelivery), then forgotten:
// the table does not grow with every transition ever received.
TEST_P(FederationOnBothBackendsTest, RecordsOfHandledMessagesAreForgottenAfterAMonth) {
  auto records = [&] {
    auto database = store::sql::Database::open(hub_db_.db());
    EXPECT_TRUE(database.is_ok());
    auto conn = (*database)->acquire();
    EXPECT_TRUE(conn.is_ok());
    auto count = (*conn)->scalar("SELECT COUNT(*) FROM alert_received");
    return count.is_ok() ? *count : -1;
  };
  ASSERT_TRUE(node_->on_signals({alarm("CHN", "cases")}).is_ok());
  ASSERT_TRUE(node_->deliver_due().is_ok());
  EXPECT_EQ(*hub_->receive_remote(std::chrono::milliseconds(0)), 1);
  EXPECT_EQ(records(), 1);
  clock_.advance_seconds(29 * 86400.0);
  ASSERT_TRUE(node_->on_signals({alarm("CHN", "deaths")}).is_ok());
  ASSERT_TRUE(node_->deliver_due().is_ok());
  EXPECT_EQ(*hub_->receive_remote(std::chrono::milliseconds(0)), 1);
  EXPECT_EQ(records(), 2) << "a month has not passed since the first";
  clock_.advance_seconds(2 * 86400.0);
  ASSERT_TRUE(node_->on_signals({alarm("CHN", "tests")}).is_ok());
  ASSERT_TRUE(node_->deliver_due().is_ok());
  EXPECT_EQ(*hub_->receive_remote(std::chrono::milliseconds(0)), 1);
  EXPECT_EQ(records(), 2) << "the first record is forgotten";
}

TEST_P(FederationTest, ASubdivisionUnknownHereIsRoutedOnItsLocationChain) {
  subscribe(*hub_, subscription("WPRO office", "WPRO", "http://hub.test/wpro"));
  subscribe(*hub_, subscription("Guangdong office", "CHN-GD", "http://hub.test/guangdong"));
  // From a node whose catalogue has a city (Shenzhen, in Guangdong) the hub's lacks; then a
  // message that is not JSON, and one without an origin (a publisher from before federation):
  // acknowledged, not routed.
  json::object payload{{"alert_id", 7},
                       {"event", "opened"},
                       {"state", "open"},
                       {"location", "CHN-GD-SZ"},
                       {"country", "CHN"},
                       {"region", "WPRO"},
                       {"indicator", "cases"},
                       {"severity", "high"},
                       {"transition_at", "2024-03-10T07:59:00Z"},
                       {"report_received_at", "2024-03-10T07:58:00Z"},
                       {"idempotency_key", "alert-7-opened-nats-00000000000000aa"},
                       {"origin_installation", "00000000000000aa"},
                       {"location_chain", json::array{"CHN-GD-SZ", "CHN-GD", "CHN", "WPRO", "WORLD"}}};
  ASSERT_TRUE(stream_->publish("alerts.WPRO.CHN", "alert-7-opened-nats-00000000000000aa", json_text(payload)).is_ok());
  ASSERT_TRUE(stream_->publish("alerts.WPRO.CHN", "garbage", "{not json").is_ok());
  payload.erase("origin_installation");
  ASSERT_TRUE(stream_->publish("alerts.WPRO.CHN", "alert-8-opened-nats", json_text(payload)).is_ok());
  EXPECT_EQ(*hub_->receive_remote(std::chrono::milliseconds(0)), 1);
  EXPECT_EQ(*hub_->receive_remote(std::chrono::milliseconds(0)), 0);  // all three acknowledged
  ASSERT_TRUE(hub_->deliver_due().is_ok());
  for (const char* hook : {"http://hub.test/wpro", "http://hub.test/guangdong"}) {
    auto posts = hub_transport_->posts_to(hook);
    ASSERT_EQ(posts.size(), 1u) << hook;
    EXPECT_EQ(text(body_of(posts[0]), "location"), "CHN-GD-SZ");
  }
  EXPECT_EQ(hub_->metrics().federation_messages("unreadable"), 2);
}

TEST(NatsServersTest, ACommaSeparatedListOfTheClustersServers) {
  auto servers = parse_nats_servers("nats://127.0.0.1:4222, nats://127.0.0.1:4223,nats://127.0.0.1:4224");
  ASSERT_TRUE(servers.is_ok()) << servers.status().to_string();
  EXPECT_EQ(*servers,
            (std::vector<std::string>{"nats://127.0.0.1:4222", "nats://127.0.0.1:4223", "nats://127.0.0.1:4224"}));
  EXPECT_EQ(parse_nats_servers("nats://127.0.0.1:4222")->size(), 1u);
  for (const char* bad : {"", "nats://127.0.0.1:4222,", ",nats://127.0.0.1:4222", "nats://a:1,,nats://b:2"}) {
    EXPECT_EQ(parse_nats_servers(bad).status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(NatsPublisher::connect(std::string_view(bad)).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, FederationTest, ::testing::Values(Backend::kSqlite),
                         shouwang::testing::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, FederationOnBothBackendsTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

// ---------------------------------------------------------------------------------------------
// Across a real three-server NATS cluster

class NatsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::nats_server_binary().empty())
      GTEST_SKIP() << "nats-server is not installed (Debian package nats-server)";
    ASSERT_TRUE(node_db_.ok() && hub_db_.ok());
    ASSERT_TRUE(seed_western_pacific(node_db_.path()).is_ok());
    ASSERT_TRUE(seed_western_pacific(hub_db_.path()).is_ok());
    cluster_ = std::make_unique<testing::NatsCluster>(
        (std::filesystem::temp_directory_path() / ("shouwang-nats-cluster-" + std::to_string(getpid()))).string());
    ASSERT_TRUE(cluster_->start()) << "the three nats-servers did not form a JetStream cluster";
  }
  void TearDown() override {
    node_.reset();
    hub_.reset();
    cluster_.reset();
  }

  // A started service whose durable consumer exists (so it gets everything published from now).
  std::unique_ptr<LiaisonService> open(const TempDatabase& db, const std::shared_ptr<FakeTransport>& transport) {
    auto publisher = NatsPublisher::connect(cluster_->urls());
    EXPECT_TRUE(publisher.is_ok()) << publisher.status().to_string();
    if (!publisher.is_ok()) return nullptr;
    LiaisonOptions options;
    options.db_path = db.path();
    options.clock = &clock_;
    options.webhook_transport = transport;
    options.publisher = std::move(*publisher);
    options.retry_base_micros = 100'000;
    options.retry_max_micros = 1'000'000;
    auto service = LiaisonService::open(options);
    EXPECT_TRUE(service.is_ok()) << service.status().to_string();
    if (!service.is_ok()) return nullptr;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    Status consumer = (*service)->receive_remote(std::chrono::milliseconds(1)).status();
    while (!consumer.is_ok() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      consumer = (*service)->receive_remote(std::chrono::milliseconds(1)).status();
    }
    EXPECT_TRUE(consumer.is_ok()) << consumer.to_string();
    (*service)->start();
    return std::move(*service);
  }

  static bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
  }

  // What the servers say of the stream (its replicas and leader) and of a consumer.
  struct Observed {
    int64_t replicas = 0;
    std::string leader;
    int64_t unacknowledged = -1;
  };
  Observed observe(const std::string& consumer) {
    Observed out;
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    if (natsConnection_ConnectTo(&nc, cluster_->urls().c_str()) != NATS_OK ||
        natsConnection_JetStream(&js, nc, nullptr) != NATS_OK) {
      if (nc) natsConnection_Destroy(nc);
      return out;
    }
    jsStreamInfo* stream = nullptr;
    if (js_GetStreamInfo(&stream, js, kNatsStreamName, nullptr, nullptr) == NATS_OK) {
      out.replicas = stream->Config->Replicas;
      if (stream->Cluster && stream->Cluster->Leader) out.leader = stream->Cluster->Leader;
      jsStreamInfo_Destroy(stream);
    }
    jsConsumerInfo* info = nullptr;
    if (!consumer.empty() &&
        js_GetConsumerInfo(&info, js, kNatsStreamName, consumer.c_str(), nullptr, nullptr) == NATS_OK) {
      out.unacknowledged = info->NumAckPending;
      jsConsumerInfo_Destroy(info);
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return out;
  }

  SystemClock clock_;
  TempDatabase node_db_{"cluster-node"};
  TempDatabase hub_db_{"cluster-hub"};
  std::unique_ptr<testing::NatsCluster> cluster_;
  std::shared_ptr<FakeTransport> node_transport_ = std::make_shared<FakeTransport>();
  std::shared_ptr<FakeTransport> hub_transport_ = std::make_shared<FakeTransport>();
  std::unique_ptr<LiaisonService> node_;
  std::unique_ptr<LiaisonService> hub_;
};

TEST_F(NatsClusterTest, AlertsCrossInstallationsOnceWhileTheStreamLeaderIsKilledAndTheHubRestarts) {
  {
    // The stream as a publisher that knew one server made it: one copy, raised to three below.
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    ASSERT_EQ(natsConnection_ConnectTo(&nc, cluster_->urls().c_str()), NATS_OK);
    ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = kNatsStreamName;
    const char* subjects[] = {"alerts.>"};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Replicas = 1;
    EXPECT_EQ(js_AddStream(nullptr, js, &config, nullptr, nullptr), NATS_OK);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    EXPECT_EQ(observe("").replicas, 1);
  }
  node_ = open(node_db_, node_transport_);
  hub_ = open(hub_db_, hub_transport_);
  ASSERT_TRUE(node_ && hub_);
  ASSERT_TRUE(node_->add_subscription(subscription("node WPRO", "WPRO", "http://node.test/wpro")).is_ok());
  ASSERT_TRUE(hub_->add_subscription(subscription("WPRO office", "WPRO", "http://hub.test/wpro")).is_ok());
  ASSERT_TRUE(hub_->add_subscription(subscription("AFRO office", "AFRO", "http://hub.test/afro")).is_ok());
  auto events_at = [](const FakeTransport& transport, const std::string& url) {
    std::vector<std::string> out;  // "<location> <event>", in the order received
    for (const auto& post : transport.posts_to(url)) {
      json::object body = body_of(post);
      out.push_back(text(body, "location") + " " + text(body, "event"));
    }
    return out;
  };
  auto count_at = [&](const FakeTransport& transport, const std::string& url) {
    return events_at(transport, url).size();
  };

  // Both open their alert 1: the node in China, the hub in the Philippines.
  auto china = node_->on_signals({alarm("CHN", "cases")});
  auto philippines = hub_->on_signals({alarm("PHL", "cases")});
  ASSERT_TRUE(china.is_ok() && philippines.is_ok());
  ASSERT_EQ((*china)[0].alert_id, (*philippines)[0].alert_id);
  EXPECT_TRUE(wait_for(
      [&] {
        return count_at(*hub_transport_, "http://hub.test/wpro") == 2 &&
               count_at(*node_transport_, "http://node.test/wpro") == 2;
      },
      std::chrono::seconds(60)));

  Observed before = observe("");
  EXPECT_EQ(before.replicas, 3);
  ASSERT_FALSE(before.leader.empty());
  cluster_->server(before.leader).kill_hard();
  ASSERT_TRUE(node_->acknowledge((*china)[0].alert_id, "fp-china").is_ok());
  ASSERT_TRUE(hub_->acknowledge((*philippines)[0].alert_id, "fp-philippines").is_ok());
  EXPECT_TRUE(wait_for(
      [&] {
        return count_at(*hub_transport_, "http://hub.test/wpro") == 4 &&
               count_at(*node_transport_, "http://node.test/wpro") == 4;
      },
      std::chrono::seconds(60)))
      << "after killing the stream leader " << before.leader;
  Observed after = observe("");
  EXPECT_NE(after.leader, before.leader);

  // The hub goes down; what the node resolves meanwhile waits in the hub's durable consumer.
  std::string hub_consumer = federation_consumer_name(hub_->installation_id());
  hub_.reset();
  ASSERT_TRUE(node_->resolve((*china)[0].alert_id, "fp-china").is_ok());
  ASSERT_TRUE(wait_for([&] { return *node_->pending_deliveries() == 0; }, std::chrono::seconds(60)));
  hub_ = open(hub_db_, hub_transport_);
  ASSERT_TRUE(hub_);
  EXPECT_TRUE(
      wait_for([&] { return count_at(*hub_transport_, "http://hub.test/wpro") == 5; }, std::chrono::seconds(60)));
  // An operator deletes the hub's consumer: the hub's next pass creates it again, and it gets
  // what is published from then on.
  {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    ASSERT_EQ(natsConnection_ConnectTo(&nc, cluster_->urls().c_str()), NATS_OK);
    ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
    EXPECT_EQ(js_DeleteConsumer(js, kNatsStreamName, hub_consumer.c_str(), nullptr, nullptr), NATS_OK);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
  EXPECT_TRUE(wait_for([&] { return observe(hub_consumer).unacknowledged >= 0; }, std::chrono::seconds(60)));
  ASSERT_TRUE(node_->on_signals({alarm("CHN", "deaths")}).is_ok());
  EXPECT_TRUE(
      wait_for([&] { return count_at(*hub_transport_, "http://hub.test/wpro") == 6; }, std::chrono::seconds(60)));
  // Settled: nothing pending on either side, nothing the servers would hand out again.
  EXPECT_TRUE(wait_for(
      [&] {
        return *hub_->pending_deliveries() == 0 && *node_->pending_deliveries() == 0 &&
               observe(hub_consumer).unacknowledged == 0 &&
               observe(federation_consumer_name(node_->installation_id())).unacknowledged == 0;
      },
      std::chrono::seconds(60)));

  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  const std::vector<std::string> everything =
      sorted({"CHN opened", "CHN acknowledged", "CHN resolved", "PHL opened", "PHL acknowledged", "CHN opened"});
  EXPECT_EQ(sorted(events_at(*hub_transport_, "http://hub.test/wpro")), everything);
  EXPECT_EQ(sorted(events_at(*node_transport_, "http://node.test/wpro")), everything);
  EXPECT_TRUE(hub_transport_->posts_to("http://hub.test/afro").empty());
  std::set<std::string> keys;
  for (const auto& post : hub_transport_->posts()) keys.insert(post.header("Idempotency-Key"));
  EXPECT_EQ(keys.size(), hub_transport_->posts().size());
}

}  // namespace
}  // namespace shouwang::alert
