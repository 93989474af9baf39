// Several servers on one database (two `shouwang serve` processes sharing a PostgreSQL database
// or a SQLite file): two LiaisonService instances, each with its own connections, report,
// acknowledge, escalate and deliver at once, and one webhook receiver hears of each transition
// exactly once, each escalation fires once, reports of one group open one alert, and the
// notifications a server claimed and never sent (it died) are sent by another once its lease ran
// out.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "alert/alert_store.h"
#include "alert/liaison_service.h"
#include "alert/test_support.h"
#include "alert/test_webhook_receiver.h"
#include "store/sql.h"
#include "tests/support/backends.h"

namespace shouwang::alert {
namespace {

namespace json = boost::json;
using shouwang::testing::Backend;
using testing::Receiver;
using namespace std::chrono_literals;

Signal alarm_at(const std::string& location, const std::string& indicator) {
  return Signal{location, indicator, "2024-W10", "farrington_flexible", 30, 10, true, 3.2};
}

// Runs `work(i)` for i in [0, n) on n threads released at the same moment.
template <typename Work>
void all_at_once(int n, Work work) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      work(i);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
}

class MultiServerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = fresh_.create(GetParam());
    ASSERT_FALSE(db_.empty());
    ASSERT_TRUE(testing::seed_test_locations(db_).is_ok());
    ASSERT_TRUE(receiver_.started());
  }

  // One server: its own connections to the database, the real HTTP transport.
  std::unique_ptr<LiaisonService> open_server(const Clock& clock) {
    LiaisonOptions options;
    options.db_path = db_;
    options.clock = &clock;
    options.retry_base_micros = 100'000;
    options.delivery_batch = 8;  // small batches: the two servers' claims interleave
    options.delivery_poll = 10ms;
    options.escalation_poll = 20ms;
    auto server = LiaisonService::open(options);
    EXPECT_TRUE(server.is_ok()) << server.status().to_string();
    return server.is_ok() ? std::move(*server) : nullptr;
  }

  Subscription subscription(const std::string& location, const std::string& hook) {
    Subscription s;
    s.name = hook;
    s.location = location;
    s.min_severity = Severity::kLow;
    s.webhook = receiver_.url(hook);
    s.secret = "s3cret";
    return s;
  }

  // Each POST to `hook` by idempotency key; fails the test on a key received twice.
  std::map<std::string, json::object> received_once(const std::string& hook) {
    std::map<std::string, json::object> by_key;
    for (const auto& post : receiver_.wait_for("/api/hook/" + hook, 0, 0ms)) {
      auto body = json::parse(post.body).as_object();
      std::string key(body.at("idempotency_key").as_string());
      EXPECT_EQ(post.headers.at("idempotency-key"), key);
      EXPECT_TRUE(by_key.emplace(key, std::move(body)).second) << key << " was delivered twice";
    }
    return by_key;
  }

  shouwang::testing::FreshDatabase fresh_;
  std::string db_;
  Receiver receiver_;
};

TEST_P(MultiServerTest, EachTransitionReachesEachSubscriberOnceInTotal) {
  SystemClock clock;
  auto a = open_server(clock);
  auto b = open_server(clock);
  ASSERT_TRUE(a && b);
  // Each server adds one subscription; the other routes to it as well.
  ASSERT_TRUE(a->add_subscription(subscription("AFRO", "afro")).is_ok());
  ASSERT_TRUE(b->add_subscription(subscription("WORLD", "world")).is_ok());
  a->start();
  b->start();
  LiaisonService* servers[] = {a.get(), b.get()};

  // Reports of 10 groups (2 countries x 5 diseases) arrive on both servers at once: each group
  // opens one alert, whichever server its first report reached.
  constexpr int kThreads = 8, kEach = 15, kGroups = 10;
  std::atomic<int> opened{0}, failed{0};
  all_at_once(kThreads, [&](int t) {
    for (int i = 0; i < kEach; ++i) {
      EventReport report;
      int group = (t + i) % kGroups;
      report.location = group % 2 ? "NGA" : "GHA";
      report.disease = "disease-" + std::to_string(group / 2);
      report.severity = Severity::kHigh;
      report.text = "report " + std::to_string(t) + "/" + std::to_string(i);
      auto update = servers[(t + i) % 2]->report_event(report, "fp-" + std::to_string(t));
      if (!update.is_ok()) {
        ADD_FAILURE() << update.status().to_string();
        ++failed;
      } else if (update->opened) {
        ++opened;
      }
    }
  });
  ASSERT_EQ(failed.load(), 0);
  EXPECT_EQ(opened.load(), kGroups);
  AlertFilter all;
  auto alerts = a->list_alerts(all);
  ASSERT_TRUE(alerts.is_ok());
  ASSERT_EQ(alerts->size(), static_cast<size_t>(kGroups));
  int64_t signals = 0;
  for (const auto& alert : *alerts) signals += alert.signal_count;
  EXPECT_EQ(signals, kThreads * kEach);

  // Both servers acknowledge, then resolve, every alert at once: one of each pair succeeds.
  for (AlertState to : {AlertState::kAcknowledged, AlertState::kResolved}) {
    std::atomic<int> changed{0}, refused{0};
    all_at_once(2 * kGroups, [&](int i) {
      int64_t id = (*alerts)[i / 2].id;
      LiaisonService* server = servers[i % 2];
      auto result = to == AlertState::kAcknowledged ? server->acknowledge(id, "fp") : server->resolve(id, "fp");
      if (result.is_ok()) {
        ++changed;
      } else if (result.status().code() == StatusCode::kFailedPrecondition) {
        ++refused;
      } else {
        ADD_FAILURE() << result.status().to_string();
      }
    });
    EXPECT_EQ(changed.load(), kGroups);
    EXPECT_EQ(refused.load(), kGroups);
  }
  for (const auto& alert : *alerts) EXPECT_EQ(a->list_transitions(alert.id)->size(), 3u);

  // opened, acknowledged, resolved of each alert, to each subscriber: once, and nothing more.
  constexpr size_t kExpected = 3 * kGroups;
  EXPECT_EQ(receiver_.wait_for("/api/hook/afro", kExpected, 20s).size(), kExpected);
  EXPECT_EQ(receiver_.wait_for("/api/hook/world", kExpected, 20s).size(), kExpected);
  std::this_thread::sleep_for(500ms);
  for (const char* hook : {"afro", "world"}) {
    SCOPED_TRACE(hook);
    auto delivered = received_once(hook);
    EXPECT_EQ(delivered.size(), kExpected);
    std::map<std::string, int> events;
    for (const auto& [key, body] : delivered) ++events[std::string(body.at("event").as_string())];
    EXPECT_EQ(events,
              (std::map<std::string, int>{{"acknowledged", kGroups}, {"opened", kGroups}, {"resolved", kGroups}}));
  }
  EXPECT_EQ(*a->pending_deliveries(), 0);
  a->stop();
  b->stop();
}

TEST_P(MultiServerTest, ReportsOfANewGroupOnBothServersAtOnceOpenOneAlert) {
  SystemClock clock;
  auto a = open_server(clock);
  auto b = open_server(clock);
  ASSERT_TRUE(a && b);
  LiaisonService* servers[] = {a.get(), b.get()};
  constexpr int kRounds = 30, kThreads = 4;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> opened{0};
    std::set<int64_t> ids;
    std::mutex ids_mutex;
    all_at_once(kThreads, [&](int t) {
      EventReport report{"NGA", Severity::kHigh, "cluster", "disease-" + std::to_string(round), std::nullopt};
      auto update = servers[t % 2]->report_event(report, "fp");
      ASSERT_TRUE(update.is_ok()) << update.status().to_string();
      if (update->opened) ++opened;
      std::lock_guard lock(ids_mutex);
      ids.insert(update->alert_id);
    });
    EXPECT_EQ(opened.load(), 1) << "round " << round;
    EXPECT_EQ(ids.size(), 1u) << "round " << round;
  }
}

TEST_P(MultiServerTest, AnEscalationFiresOnceAcrossServers) {
  ManualClock clock(*Timestamp::parse("2024-03-10T08:00:00Z"));
  auto a = open_server(clock);
  auto b = open_server(clock);
  ASSERT_TRUE(a && b);
  LiaisonService* servers[] = {a.get(), b.get()};
  EscalationPolicy policy;
  policy.location = "AFRO";
  policy.after_micros = 15 * 60'000'000LL;
  policy.webhook = receiver_.url("escalation");
  ASSERT_TRUE(b->add_escalation_policy(policy).is_ok());

  // 12 alerts in AFRO opened on either server, one in EMRO that the policy does not cover.
  constexpr int kAfro = 12;
  const char* places[] = {"NGA", "GHA", "NGA-LA"};
  for (int i = 0; i < kAfro; ++i) {
    ASSERT_TRUE(servers[i % 2]->on_signals({alarm_at(places[i % 3], "indicator-" + std::to_string(i))}).is_ok());
  }
  ASSERT_TRUE(a->on_signals({alarm_at("EGY", "cases")}).is_ok());

  clock.advance_seconds(16 * 60);
  std::atomic<int> fired{0};
  all_at_once(4, [&](int t) {
    for (int pass = 0; pass < 3; ++pass) {
      auto n = servers[t % 2]->escalate_due();
      if (n.is_ok()) {
        fired += *n;
      } else {
        ADD_FAILURE() << n.status().to_string();
      }
    }
  });
  EXPECT_EQ(fired.load(), kAfro);
  EXPECT_EQ(*a->escalate_due(), 0);
  EXPECT_EQ(*b->escalate_due(), 0);

  all_at_once(2, [&](int t) {
    for (int pass = 0; pass < 50 && *servers[t]->pending_deliveries() > 0; ++pass) {
      (void)servers[t]->deliver_due();
      std::this_thread::sleep_for(5ms);
    }
  });
  EXPECT_EQ(*a->pending_deliveries(), 0);
  auto escalations = received_once("escalation");
  EXPECT_EQ(escalations.size(), static_cast<size_t>(kAfro));
  std::set<int64_t> alert_ids;
  for (const auto& [key, body] : escalations) alert_ids.insert(body.at("alert_id").as_int64());
  EXPECT_EQ(alert_ids.size(), static_cast<size_t>(kAfro));
  for (int64_t id : alert_ids) EXPECT_EQ(a->list_transitions(id)->size(), 2u) << id;  // opened, escalated
}

TEST_P(MultiServerTest, AClaimWhoseLeaseRanOutIsTakenOver) {
  ManualClock clock(*Timestamp::parse("2024-03-10T08:00:00Z"));
  auto a = open_server(clock);
  auto b = open_server(clock);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->add_subscription(subscription("NGA", "late")).is_ok());
  auto opened = a->on_signals({alarm_at("NGA", "cases")});
  ASSERT_TRUE(opened.is_ok());

  // A third server claims the notification for a minute and dies before sending it.
  auto database = store::sql::Database::open(db_);
  ASSERT_TRUE(database.is_ok());
  auto dead = AlertStore::open(**database);
  ASSERT_TRUE(dead.is_ok());
  Timestamp now = clock.now();
  auto claimed = (*dead)->claim_due(now, 10, "", "dead-server", Timestamp(now.micros() + 60'000'000));
  ASSERT_TRUE(claimed.is_ok()) << claimed.status().to_string();
  ASSERT_EQ(claimed->size(), 1u);

  // While the lease holds, the others leave it alone.
  EXPECT_EQ(*a->deliver_due(), 0);
  EXPECT_EQ(*b->deliver_due(), 0);
  clock.advance_seconds(59);
  EXPECT_EQ(*a->deliver_due(), 0);
  EXPECT_EQ(*a->pending_deliveries(), 1);
  EXPECT_TRUE(receiver_.posts().empty());

  // Once it ran out, one of them takes it over and sends it, once.
  clock.advance_seconds(2);
  std::atomic<int> delivered{0};
  all_at_once(2, [&](int t) { delivered += *(t == 0 ? a : b)->deliver_due(); });
  EXPECT_EQ(delivered.load(), 1);
  EXPECT_EQ(*a->pending_deliveries(), 0);
  EXPECT_EQ(received_once("late").size(), 1u);

  // The dead server's late word on it changes nothing: the entry is no longer its own.
  Status late = (*dead)->on_connection([&](AlertTables& tables) {
    return tables.mark_attempt_failed((*claimed)[0].id, "dead-server", 1, clock.now(), "timeout", true);
  });
  ASSERT_TRUE(late.is_ok());
  auto entries = a->delivered_entries((*opened)[0].alert_id);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].attempts, 1);
  clock.advance_seconds(600);
  EXPECT_EQ(*a->deliver_due(), 0);
  EXPECT_EQ(*b->deliver_due(), 0);
  EXPECT_EQ(receiver_.posts().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, MultiServerTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

}  // namespace
}  // namespace shouwang::alert
