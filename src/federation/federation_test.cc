// Federation in one process: a node's store, a hub's store and register, the hub's routes called
// through a transport that can lose answers or be down. The node's history reaches the hub as it
// is; a lost answer or a refused batch moves no cursor and a retry stores nothing twice; the hub
// takes nothing from outside the node's country and nothing of an owned country from anyone else.
#include <gtest/gtest.h>

#include <bit>
#include <boost/json.hpp>
#include <mutex>

#include "federation/batch.h"
#include "federation/hub_routes.h"
#include "federation/registry.h"
#include "federation/replicator.h"
#include "http/test_client.h"
#include "store/auth.h"
#include "store/open_store.h"

namespace shouwang::federation {
namespace {

namespace json = boost::json;

Period day(const char* text) { return *Period::parse(text); }
Timestamp at(const char* text) { return *Timestamp::parse(text); }

// A node's first batch, of one revision (feed position 1).
Batch first_batch_of(store::Revision revision) {
  Batch batch;
  batch.after = 0;
  batch.through = 1;
  batch.head = 1;
  batch.revisions.push_back(std::move(revision));
  return batch;
}

// A store behind a mutex, as WithStore hands it out.
struct LockedStore {
  std::unique_ptr<store::Store> store;
  std::mutex mutex;
  WithStore with() {
    return [this](const std::function<Status(store::Store&)>& work) {
      std::lock_guard lock(mutex);
      return work(*store);
    };
  }
};

// Calls the hub's router in process. `down` refuses every call; `lose_answers` runs the call and
// then loses the answer, as a hub killed after its commit would.
class InProcessHub final : public HubTransport {
 public:
  InProcessHub(http::Router& router, std::string token) : router_(router), token_(std::move(token)) {}
  Result<http::ClientResponse> post(const std::string& path, const std::string& body) override {
    ++calls;
    if (down) return unavailable("hub: connection refused");
    auto request = http::request_from_target(path);
    if (!request) return request.status();
    request->method = "POST";
    request->headers["authorization"] = "Bearer " + token_;
    request->body = body;
    http::Response response = router_.dispatch(*request);
    if (lose_answers > 0) {
      --lose_answers;
      return unavailable("hub: connection reset");
    }
    return http::ClientResponse{static_cast<unsigned>(response.status), response.body};
  }
  bool down = false;
  int lose_answers = 0;
  int calls = 0;

 private:
  http::Router& router_;
  std::string token_;
};

class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = store::open_store(dir_.file("hub.db"));
    ASSERT_TRUE(hub.is_ok()) << hub.status().to_string();
    hub_.store = std::move(*hub);
    auto node = store::open_store(dir_.file("node.db"));
    ASSERT_TRUE(node.is_ok());
    node_.store = std::move(*node);
    auto database = store::sql::Database::open(dir_.file("hub.db"));
    ASSERT_TRUE(database.is_ok());
    database_ = std::move(*database);
    auto registry = NodeRegistry::open(*database_);
    ASSERT_TRUE(registry.is_ok()) << registry.status().to_string();
    registry_ = std::move(*registry);
    chn_token_ = register_node("CHN");
    http::RouteContext context{.clock = &clock_, .authenticate = [this](const std::string& secret) -> Result<http::Caller> {
      std::lock_guard lock(hub_.mutex);
      ASSIGN_OR_RETURN(store::Token token, store::authenticate(*hub_.store, secret));
      return http::Caller{std::string(store::role_name(token.role)), token.location, token.label, token.token_hash};
    }};
    add_federation_routes(router_, context, *registry_, hub_.with());
    transport_ = std::make_shared<InProcessHub>(router_, chn_token_);
    replicator_ = std::make_unique<Replicator>(node_.with(), transport_);
  }

  std::string register_node(const std::string& country) {
    auto secret = store::issue_token(*hub_.store, store::Role::kNode, country, country + " node", clock_.now());
    EXPECT_TRUE(secret.is_ok());
    Node node{.country = country, .label = country + " node", .token_hash = store::hash_token_secret(*secret),
              .registered_at = clock_.now()};
    EXPECT_TRUE(registry_->add(node).is_ok());
    return *secret;
  }

  void write_on_node(std::vector<store::ObservationWrite> rows, const char* when, const char* source = "nhc") {
    auto written = node_.store->write_observations(rows, source, at(when));
    ASSERT_TRUE(written.is_ok()) << written.status().to_string();
  }

  // Pushes until the hub holds the node's head (at most `steps` steps).
  void push_until_caught_up(int steps = 20) {
    for (int i = 0; i < steps && !replicator_->caught_up(); ++i) {
      auto pushed = replicator_->push_once();
      ASSERT_TRUE(pushed.is_ok()) << pushed.status().to_string();
    }
    ASSERT_TRUE(replicator_->caught_up());
  }

  // Every revision of `location`'s figures (all sources and parts), as text, oldest first.
  static std::vector<std::string> history(store::Store& store, const std::string& location) {
    store::SeriesQuery q;
    q.location = location;
    q.disaggregation = std::nullopt;
    std::vector<std::string> out;
    for (const auto& indicator : {"cases", "deaths"}) {
      q.indicator = indicator;
      auto revisions = store.read_revisions(q);
      EXPECT_TRUE(revisions.is_ok());
      if (!revisions.is_ok()) continue;
      for (const auto& r : *revisions) {
        out.push_back(r.location + "/" + r.indicator + "/" + r.disaggregation + "/" + r.source + "/" +
                      r.period.to_string() + "=" + std::to_string(r.value) + " r" + std::to_string(r.revision) +
                      " @" + r.reported_at.to_string());
      }
    }
    return out;
  }

  http::ClientResponse post_as(const std::string& token, const std::string& body) {
    InProcessHub other(router_, token);
    auto response = other.post("/api/v1/federation/revisions", body);
    EXPECT_TRUE(response.is_ok());
    return response.is_ok() ? *response : http::ClientResponse{};
  }

  http::testing::TempDir dir_{"federation"};
  ManualClock clock_{at("2026-12-01T00:00:00Z")};
  LockedStore hub_, node_;
  std::unique_ptr<store::sql::Database> database_;
  std::unique_ptr<NodeRegistry> registry_;
  http::Router router_;
  std::string chn_token_;
  std::shared_ptr<InProcessHub> transport_;
  std::unique_ptr<Replicator> replicator_;
};

TEST_F(FederationTest, TheNodesHistoryReachesTheHubAsItIsInBatches) {
  Location hubei{"CHN-HB", "Hubei", "湖北", "CHN", std::nullopt, LocationLevel::kSubnational};
  Location wuhan{"CHN-HBWH", "Wuhan", "武汉", "CHN-HB", std::nullopt, LocationLevel::kSubnational};
  ASSERT_TRUE(node_.store->upsert_locations(std::vector<Location>{hubei, wuhan}).is_ok());
  ASSERT_TRUE(node_.store->upsert_indicator(Indicator{"ili_visits", "visits", IndicatorKind::kIncident, "ILI", ""}).is_ok());
  write_on_node({{"CHN", "cases", day("2020-01-22"), 548}, {"CHN", "cases", day("2020-01-23"), 643},
                 {"CHN-HBWH", "cases", day("2020-01-23"), 495}, {"ITA", "cases", day("2020-01-23"), 1}},
                "2020-01-24T00:00:00Z");
  write_on_node({{"CHN", "cases", day("2020-01-23"), 650}, {"CHN", "deaths", day("2020-01-23"), 17, "SEX=M"},
                 {"CHN", "ili_visits", day("2020-01-23"), 40}},
                "2020-01-25T08:30:00.000001Z");
  // Two revisions per batch at most: several batches, each committed before the next.
  replicator_ = std::make_unique<Replicator>(node_.with(), transport_, ReplicatorOptions{.batch_revisions = 2});
  push_until_caught_up();
  EXPECT_GE(replicator_->state().batches, 3);
  EXPECT_EQ(replicator_->state().country, "CHN");
  for (const char* where : {"CHN", "CHN-HBWH"}) {
    EXPECT_EQ(history(*hub_.store, where), history(*node_.store, where)) << where;
  }
  EXPECT_FALSE(history(*hub_.store, "CHN").empty());
  EXPECT_TRUE(history(*hub_.store, "ITA").empty()) << "only the node's country is replicated";
  // The catalogue entries and indicator definitions came along.
  auto locations = hub_.store->list_locations();
  ASSERT_TRUE(locations.is_ok());
  bool has_wuhan = false;
  for (const auto& l : *locations) has_wuhan = has_wuhan || (l.code == "CHN-HBWH" && l.parent == "CHN-HB");
  EXPECT_TRUE(has_wuhan);
  auto indicators = hub_.store->list_indicators();
  bool has_ili = false;
  for (const auto& i : *indicators) has_ili = has_ili || i.code == "ili_visits";
  EXPECT_TRUE(has_ili);
  auto nodes = registry_->list();
  ASSERT_TRUE(nodes.is_ok());
  EXPECT_EQ(nodes->at(0).lag_entries(), 0);
  EXPECT_EQ(nodes->at(0).revisions_received, 6);
}

TEST_F(FederationTest, ALostAnswerOrAHubDownMovesNoCursorAndARetryStoresNothingTwice) {
  write_on_node({{"CHN", "cases", day("2020-01-22"), 548}}, "2020-01-24T00:00:00Z");
  push_until_caught_up();
  const int64_t cursor = *replicator_->state().cursor;
  write_on_node({{"CHN", "cases", day("2020-01-22"), 560}, {"CHN", "cases", day("2020-01-23"), 643}},
                "2020-01-25T00:00:00Z");
  // The hub commits the batch, and the answer is lost: the node does not move on.
  transport_->lose_answers = 1;
  EXPECT_FALSE(replicator_->push_once().is_ok());
  EXPECT_EQ(*replicator_->state().cursor, cursor);
  // The hub is down: nothing moves either.
  transport_->down = true;
  EXPECT_EQ(replicator_->push_once().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(replicator_->state().failures, 2);
  transport_->down = false;
  auto retried = replicator_->push_once();
  ASSERT_TRUE(retried.is_ok()) << retried.status().to_string();
  EXPECT_EQ(*retried, 0) << "the hub had stored the batch already";
  EXPECT_TRUE(replicator_->caught_up());
  EXPECT_EQ(history(*hub_.store, "CHN"), history(*node_.store, "CHN"));
  EXPECT_EQ(history(*hub_.store, "CHN").size(), 3u);
}

TEST_F(FederationTest, ANewNodeProcessAsksTheHubWhereToStart) {
  write_on_node({{"CHN", "cases", day("2020-01-22"), 548}}, "2020-01-24T00:00:00Z");
  push_until_caught_up();
  const int calls = transport_->calls;
  // A restarted node knows nothing: it asks, is told the cursor, and sends nothing again.
  Replicator restarted(node_.with(), transport_);
  ASSERT_TRUE(restarted.push_once().is_ok());
  EXPECT_EQ(restarted.state().cursor, replicator_->state().cursor);
  EXPECT_EQ(restarted.state().revisions_sent, 0);
  EXPECT_EQ(transport_->calls, calls + 2);  // the question, then one empty batch with the head
}

TEST_F(FederationTest, TheHubRefusesFiguresOutsideTheNodesCountryAndUnregisteredNodes) {
  Batch batch = first_batch_of({"JPN", "cases", "nhc", "", day("2020-01-22"), 1, 1, at("2020-01-24T00:00:00Z")});
  auto refused = post_as(chn_token_, encode(batch));
  EXPECT_EQ(refused.status, 403u) << refused.body;
  EXPECT_NE(refused.body.find("JPN"), std::string::npos);
  EXPECT_TRUE(history(*hub_.store, "JPN").empty());
  EXPECT_NE(registry_->list()->at(0).last_error.find("JPN"), std::string::npos) << "operators see why";
  // A location of another country described in the batch is refused as well.
  batch.revisions[0].location = "CHN";
  batch.locations.push_back(Location{"JPN-13", "Tokyo", "", "JPN", std::nullopt, LocationLevel::kSubnational});
  EXPECT_EQ(post_as(chn_token_, encode(batch)).status, 403u);
  batch.locations.clear();
  // A node token no registration knows, and a reporter's token, are turned away.
  auto unregistered = store::issue_token(*hub_.store, store::Role::kNode, "CHN", "stray", clock_.now());
  EXPECT_EQ(post_as(*unregistered, encode(batch)).status, 403u);
  auto reporter = store::issue_token(*hub_.store, store::Role::kReporter, "CHN", "reporter", clock_.now());
  EXPECT_EQ(post_as(*reporter, encode(batch)).status, 403u);
  EXPECT_TRUE(history(*hub_.store, "CHN").empty());
  // The node itself may send it.
  EXPECT_EQ(post_as(chn_token_, encode(batch)).status, 200u);
  EXPECT_EQ(history(*hub_.store, "CHN").size(), 1u);
}

TEST_F(FederationTest, ABatchAfterMoreThanTheHubHoldsIsRefusedWithTheHubsCursor) {
  Batch batch;
  batch.after = 7;
  batch.through = 9;
  batch.head = 9;
  auto refused = post_as(chn_token_, encode(batch));
  EXPECT_EQ(refused.status, 409u);
  auto body = json::parse(refused.body).as_object();
  EXPECT_EQ(body["error"].as_object()["code"].as_string(), "cursor_behind");
  EXPECT_EQ(body["cursor"].as_int64(), 0);
  EXPECT_EQ(registry_->list()->at(0).cursor, 0);
}

TEST_F(FederationTest, ARevisionThatContradictsTheHubsCopyIsAConflictAndNothingMoves) {
  write_on_node({{"CHN", "cases", day("2020-01-22"), 548}}, "2020-01-24T00:00:00Z");
  push_until_caught_up();
  Batch batch = first_batch_of({"CHN", "cases", "nhc", "", day("2020-01-22"), 549, 1, at("2020-01-24T00:00:00Z")});
  auto refused = post_as(chn_token_, encode(batch));
  EXPECT_EQ(refused.status, 409u);
  EXPECT_EQ(json::parse(refused.body).as_object()["error"].as_object()["code"].as_string(), "revision_conflict");
  EXPECT_EQ(history(*hub_.store, "CHN"), history(*node_.store, "CHN"));
}

TEST_F(FederationTest, ACountryWithANodeIsOwnedByIt) {
  EXPECT_EQ(check_not_owned(*registry_, "CHN", clock_.now()).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(check_not_owned(*registry_, "CHN-HB", clock_.now()).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(check_not_owned(*registry_, "JPN", clock_.now()).is_ok());
  EXPECT_TRUE(check_not_owned(*registry_, "WPRO", clock_.now()).is_ok());
  EXPECT_TRUE(check_not_owned(*registry_, "WORLD", clock_.now()).is_ok());
  // A node registered by another process is seen once the cache is a second old.
  auto other_process = NodeRegistry::open(*database_);
  ASSERT_TRUE(other_process.is_ok());
  auto secret = store::issue_token(*hub_.store, store::Role::kNode, "JPN", "JPN node", clock_.now());
  ASSERT_TRUE((*other_process)->add(Node{.country = "JPN", .label = "JPN node",
                                         .token_hash = store::hash_token_secret(*secret),
                                         .registered_at = clock_.now()}).is_ok());
  clock_.advance_seconds(1.5);
  EXPECT_EQ(check_not_owned(*registry_, "JPN", clock_.now()).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(registry_->add(Node{.country = "JPN", .label = "again", .token_hash = "x", .registered_at = clock_.now()}).code(),
            StatusCode::kAlreadyExists);
}

TEST_F(FederationTest, LagCountsEntriesBehindAndTimeSinceTheHubLastHadEverything) {
  ASSERT_TRUE(registry_->record_batch("CHN", 10, 10, 5, clock_.now()).is_ok());
  EXPECT_EQ(registry_->list()->at(0).lag_seconds(clock_.now()), 0);
  clock_.advance_seconds(30);
  ASSERT_TRUE(registry_->record_batch("CHN", 12, 20, 5, clock_.now()).is_ok());
  clock_.advance_seconds(10);
  Node n = registry_->list()->at(0);
  EXPECT_EQ(n.lag_entries(), 8);
  EXPECT_DOUBLE_EQ(n.lag_seconds(clock_.now()), 40);
  // A late retry of an older batch never moves the cursor back.
  ASSERT_TRUE(registry_->record_batch("CHN", 11, 20, 0, clock_.now()).is_ok());
  EXPECT_EQ(registry_->list()->at(0).cursor, 12);
  std::string metrics = render_federation_metrics(*registry_, clock_.now());
  EXPECT_NE(metrics.find("shouwang_federation_lag_entries{node=\"CHN\"} 8"), std::string::npos) << metrics;
}

// What the node has is what the hub reads, bit for bit: Boost.JSON 1.81 reads about one such
// decimal in ten one unit in the last place off, so figures that are not whole travel as text.
TEST(BatchDecode, FiguresTravelBitForBit) {
  Batch batch;
  batch.after = 0;
  for (double value : {1000469.6366823411, 911939.2857142857, 0.1, -4.210869085367267e-68, 1e300, 573.0, 9.5e15,
                       -0.0}) {
    batch.revisions.push_back(store::Revision{"CHN", "cases", "nhc", "", day("2020-01-22"), value, 1,
                                              at("2020-01-24T00:00:00Z")});
  }
  auto decoded = decode(encode(batch));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->revisions.size(), batch.revisions.size());
  for (size_t i = 0; i < batch.revisions.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(decoded->revisions[i].value), std::bit_cast<uint64_t>(batch.revisions[i].value))
        << batch.revisions[i].value;
  }
  EXPECT_NE(encode(batch).find(R"("value":573,)"), std::string::npos) << "whole figures stay JSON integers";
}

TEST(BatchDecode, RefusesWhatANodeCannotHaveSentNamingTheField) {
  auto refusal = [](const std::string& body) {
    auto decoded = decode(body);
    return decoded.is_ok() ? std::string("accepted") : decoded.status().message();
  };
  const std::string good_revision =
      R"({"location":"CHN","indicator":"cases","disaggregation":"","source":"nhc","period":"2020-01-22","value":1,"revision":1,"reported_at":"2020-01-24T00:00:00Z"})";
  auto with_revision = [](const std::string& revision) {
    return R"({"after":0,"through":1,"head":1,"locations":[],"indicators":[],"revisions":[)" + revision + "]}";
  };
  EXPECT_EQ(refusal(with_revision(good_revision)), "accepted");
  EXPECT_NE(refusal("[1]").find("object"), std::string::npos);
  EXPECT_NE(refusal("{").find("JSON"), std::string::npos);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string r = good_revision;
    r.replace(r.find(from), from.size(), to);
    return with_revision(r);
  };
  EXPECT_EQ(refusal(replace(R"("value":1)", R"("value":"1.5")")), "accepted");
  EXPECT_NE(refusal(replace(R"("value":1)", R"("value":"1.5x")")).find("value"), std::string::npos);
  EXPECT_NE(refusal(replace(R"("value":1)", R"("value":"nan")")).find("value"), std::string::npos);
  EXPECT_NE(refusal(replace(R"("value":1)", R"("value":true)")).find("value"), std::string::npos);
  EXPECT_NE(refusal(replace(R"("value":1)", R"("value":1e999)")).find("finite"), std::string::npos);
  EXPECT_NE(refusal(replace(R"("revision":1)", R"("revision":0)")).find("revision"), std::string::npos);
  EXPECT_NE(refusal(replace(R"("location":"CHN")", R"("location":"chn")")).find("revisions[0]"), std::string::npos);
  EXPECT_NE(refusal(replace(R"("disaggregation":"")", R"("disaggregation":"SEX=F;AGE=1-4")")).find("canonical"),
            std::string::npos);
  EXPECT_NE(refusal(replace(R"("period":"2020-01-22")", R"("period":"22/01/2020")")).find("revisions[0]"),
            std::string::npos);
  EXPECT_NE(refusal(replace(R"("reported_at":"2020-01-24T00:00:00Z")", R"("reported_at":"yesterday")")).find("revisions[0]"),
            std::string::npos);
  EXPECT_NE(refusal(replace(R"("source":"nhc")", R"("source":"")")).find("source"), std::string::npos);
  EXPECT_NE(refusal(R"({"after":5,"through":4,"head":5,"locations":[],"indicators":[],"revisions":[]})").find("after"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"through":1,"head":1,"locations":[],"indicators":[],"revisions":[)" + good_revision + "]}")
                .find("after"),
            std::string::npos);
}

}  // namespace
}  // namespace shouwang::federation
