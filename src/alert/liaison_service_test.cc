// The liaison pipeline with synthetic signals, a fake webhook transport and a manual clock:
// routing, grouping, lifecycle, escalation timers (also across a restart), retried delivery, and
// who may see an event alert before a focal point publishes it; on SQLite and on PostgreSQL.
#include "alert/liaison_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "alert/test_support.h"
#include "store/sql.h"
#include "tests/support/backends.h"

namespace shouwang::alert {
namespace {

namespace json = boost::json;
using testing::FakeTransport;
using shouwang::testing::Backend;
namespace sql = store::sql;

constexpr int64_t kMinute = 60'000'000;

Signal alarm_at(const std::string& location, double observed, double upperbound = 10,
                const std::string& indicator = "cases") {
  return Signal{location, indicator, "2024-W10", "farrington_flexible", observed, upperbound, true, 3.2};
}

class LiaisonTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = fresh_.create(GetParam());
    ASSERT_FALSE(db_.empty());
    ASSERT_TRUE(testing::seed_test_locations(db_).is_ok());
    open_service();
  }

  bool postgres() const { return GetParam() == Backend::kPostgres; }

  void open_service() {
    service_.reset();
    LiaisonOptions options;
    options.db_path = db_;
    options.clock = &clock_;
    options.webhook_transport = transport_;
    auto service = LiaisonService::open(options);
    ASSERT_TRUE(service.is_ok()) << service.status().to_string();
    service_ = std::move(*service);
  }

  int64_t subscribe(const std::string& name, const std::string& location, Severity min = Severity::kLow,
                    const std::string& indicator = "") {
    Subscription s;
    s.name = name;
    s.location = location;
    s.indicator = indicator;
    s.min_severity = min;
    s.webhook = "http://receiver.test/" + name;
    s.secret = "secret-" + name;
    auto created = service_->add_subscription(s);
    EXPECT_TRUE(created.is_ok()) << created.status().to_string();
    return created.is_ok() ? created->id : 0;
  }

  std::vector<std::string> receivers_of_last_delivery() {
    std::vector<std::string> names;
    for (const auto& p : transport_->posts()) names.push_back(p.url.substr(std::string("http://receiver.test/").size()));
    std::sort(names.begin(), names.end());
    return names;
  }

  shouwang::testing::FreshDatabase fresh_;
  std::string db_;
  ManualClock clock_{*Timestamp::parse("2024-03-10T08:00:00Z")};
  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
  std::unique_ptr<LiaisonService> service_;
};

TEST_P(LiaisonTest, RoutesToCountryRegionAndGlobalSubscribersAboveTheirSeverity) {
  subscribe("nigeria", "NGA");
  subscribe("lagos", "NGA-LA");
  subscribe("afro", "AFRO", Severity::kMedium);
  subscribe("world-high", "WORLD", Severity::kHigh);
  subscribe("emro", "EMRO");
  subscribe("ghana", "GHA");

  // 14/10: low severity -> only the country-level subscriptions of Nigeria and its subdivision.
  auto updates = service_->on_signals({alarm_at("NGA-LA", 14)});
  ASSERT_TRUE(updates.is_ok()) << updates.status().to_string();
  ASSERT_EQ(updates->size(), 1u);
  EXPECT_TRUE((*updates)[0].opened);
  ASSERT_EQ(*service_->deliver_due(), 2);
  EXPECT_EQ(receivers_of_last_delivery(), (std::vector<std::string>{"lagos", "nigeria"}));

  // A country-level alert does not reach the subdivision's subscriber; 16/10 is medium.
  transport_ = std::make_shared<FakeTransport>();
  open_service();
  ASSERT_TRUE(service_->on_signals({alarm_at("NGA", 16)}).is_ok());
  ASSERT_EQ(*service_->deliver_due(), 2);
  EXPECT_EQ(receivers_of_last_delivery(), (std::vector<std::string>{"afro", "nigeria"}));

  // 30/10 is high: the global subscriber hears of it too; EMRO and Ghana never do.
  transport_ = std::make_shared<FakeTransport>();
  open_service();
  ASSERT_TRUE(service_->on_signals({alarm_at("NGA", 30, 10, "deaths")}).is_ok());
  ASSERT_EQ(*service_->deliver_due(), 3);
  EXPECT_EQ(receivers_of_last_delivery(), (std::vector<std::string>{"afro", "nigeria", "world-high"}));
}

TEST_P(LiaisonTest, IndicatorFilterAndNonAlarmSignals) {
  subscribe("cholera-only", "AFRO", Severity::kLow, "cholera");
  Signal quiet = alarm_at("GHA", 5);
  quiet.alarm = false;
  auto updates = service_->on_signals({quiet, alarm_at("GHA", 50, 10, "measles"), alarm_at("GHA", 50, 10, "cholera")});
  ASSERT_TRUE(updates.is_ok());
  EXPECT_EQ(updates->size(), 2u);  // the non-alarm week opens nothing
  ASSERT_EQ(*service_->deliver_due(), 1);
  auto body = json::parse(transport_->posts()[0].body).as_object();
  EXPECT_EQ(body["indicator"].as_string(), "cholera");
  EXPECT_EQ(body["severity"].as_string(), "high");
  EXPECT_EQ(body["region"].as_string(), "AFRO");
  EXPECT_EQ(body["country"].as_string(), "GHA");
}

TEST_P(LiaisonTest, UnknownLocationIsRejected) {
  auto updates = service_->on_signals({alarm_at("XXX", 50)});
  EXPECT_EQ(updates.status().code(), StatusCode::kNotFound);
  Subscription s{0, "x", "", "NOWHERE", "", Severity::kLow, "http://receiver.test/x", "", {}};
  EXPECT_EQ(service_->add_subscription(s).status().code(), StatusCode::kNotFound);
}

TEST_P(LiaisonTest, RepeatedSignalsJoinTheOpenAlertWithinTheWindow) {
  subscribe("nigeria", "NGA");
  auto first = service_->on_signals({alarm_at("NGA", 14)});
  clock_.advance_seconds(3600);
  auto second = service_->on_signals({alarm_at("NGA", 40)});
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_TRUE((*first)[0].opened);
  EXPECT_FALSE((*second)[0].opened);
  EXPECT_EQ((*first)[0].alert_id, (*second)[0].alert_id);
  auto alert = service_->get_alert((*first)[0].alert_id);
  EXPECT_EQ(alert->signal_count, 2);
  EXPECT_EQ(alert->severity, Severity::kHigh);  // the worst of the group
  EXPECT_EQ(*service_->deliver_due(), 1);       // one notification, not two

  // Another indicator is another group.
  auto other = service_->on_signals({alarm_at("NGA", 14, 10, "deaths")});
  EXPECT_NE((*other)[0].alert_id, (*first)[0].alert_id);

  // After the window (24 h without a signal) a repeat opens a new alert.
  clock_.advance_seconds(25 * 3600);
  auto later = service_->on_signals({alarm_at("NGA", 14)});
  EXPECT_TRUE((*later)[0].opened);
  EXPECT_NE((*later)[0].alert_id, (*first)[0].alert_id);
}

TEST_P(LiaisonTest, ResolvedAlertsDoNotGroup) {
  auto first = service_->on_signals({alarm_at("NGA", 14)});
  ASSERT_TRUE(service_->resolve((*first)[0].alert_id, "who").is_ok());
  auto again = service_->on_signals({alarm_at("NGA", 14)});
  EXPECT_TRUE((*again)[0].opened);
}

TEST_P(LiaisonTest, TransitionsRecordWhoAndWhen) {
  subscribe("nigeria", "NGA");
  EventReport report{"NGA", Severity::kHigh, "Cluster of haemorrhagic fever in Ondo", "lassa", std::nullopt};
  auto opened = service_->report_event(report, "focal-point-nga");
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  int64_t id = opened->alert_id;
  clock_.advance_seconds(120);
  auto acked = service_->acknowledge(id, "dr-adeyemi", "team dispatched");
  ASSERT_TRUE(acked.is_ok());
  EXPECT_EQ(acked->state, AlertState::kAcknowledged);
  EXPECT_EQ(service_->acknowledge(id, "someone-else").status().code(), StatusCode::kFailedPrecondition);
  clock_.advance_seconds(3600);
  ASSERT_TRUE(service_->resolve(id, "afro-office").is_ok());
  EXPECT_EQ(service_->resolve(id, "afro-office").status().code(), StatusCode::kFailedPrecondition);

  auto transitions = service_->list_transitions(id);
  ASSERT_TRUE(transitions.is_ok());
  ASSERT_EQ(transitions->size(), 3u);
  EXPECT_EQ((*transitions)[0].to_state, "open");
  EXPECT_EQ((*transitions)[0].actor, "focal-point-nga");
  EXPECT_EQ((*transitions)[1].from_state, "open");
  EXPECT_EQ((*transitions)[1].to_state, "acknowledged");
  EXPECT_EQ((*transitions)[1].actor, "dr-adeyemi");
  EXPECT_EQ((*transitions)[1].note, "team dispatched");
  EXPECT_EQ((*transitions)[1].at.to_string(), "2024-03-10T08:02:00Z");
  EXPECT_EQ((*transitions)[2].to_state, "resolved");
  EXPECT_EQ((*transitions)[2].at.to_string(), "2024-03-10T09:02:00Z");

  // The subscriber hears of each transition once, each with its own idempotency key.
  ASSERT_EQ(*service_->deliver_due(), 3);
  std::vector<std::string> events;
  for (const auto& p : transport_->posts()) events.push_back(std::string(json::parse(p.body).at("event").as_string()));
  EXPECT_EQ(events, (std::vector<std::string>{"opened", "acknowledged", "resolved"}));
}

class EscalationTest : public LiaisonTest {
 protected:
  void add_policy(const std::string& location, const std::string& after, const std::string& url) {
    EscalationPolicy p;
    p.location = location;
    p.after_micros = *parse_duration_micros(after);
    p.webhook = url;
    p.secret = "escalation-secret";
    ASSERT_TRUE(service_->add_escalation_policy(p).is_ok());
  }
};

TEST_P(EscalationTest, UnacknowledgedAlertsEscalateOnTime) {
  add_policy("AFRO", "15m", "http://regional.test/");
  add_policy("WORLD", "1h", "http://global.test/");
  auto acked = service_->on_signals({alarm_at("GHA", 30)});
  auto ignored = service_->on_signals({alarm_at("NGA-LA", 30)});
  auto elsewhere = service_->on_signals({alarm_at("EGY", 30)});
  ASSERT_TRUE(acked.is_ok() && ignored.is_ok() && elsewhere.is_ok());

  clock_.advance_seconds(14 * 60 + 59);
  EXPECT_EQ(*service_->escalate_due(), 0);
  ASSERT_TRUE(service_->acknowledge((*acked)[0].alert_id, "ghana-fp").is_ok());
  clock_.advance_seconds(1);
  EXPECT_EQ(*service_->escalate_due(), 1);  // only the Lagos alert: Ghana acked, Egypt is not AFRO
  EXPECT_EQ(*service_->escalate_due(), 0);  // fired once
  ASSERT_TRUE(service_->deliver_due().is_ok());
  auto regional = transport_->posts_to("http://regional.test/");
  ASSERT_EQ(regional.size(), 1u);
  auto body = json::parse(regional[0].body).as_object();
  EXPECT_EQ(body["alert_id"].as_int64(), (*ignored)[0].alert_id);
  EXPECT_EQ(body["event"].as_string(), "escalated");
  EXPECT_EQ(regional[0].header("X-Shouwang-Signature"), webhook_signature("escalation-secret", regional[0].body));

  clock_.advance_seconds(45 * 60);
  EXPECT_EQ(*service_->escalate_due(), 2);  // Lagos and Egypt reach the global level
  ASSERT_TRUE(service_->deliver_due().is_ok());
  EXPECT_EQ(transport_->posts_to("http://global.test/").size(), 2u);
  auto transitions = service_->list_transitions((*ignored)[0].alert_id);
  EXPECT_EQ(transitions->size(), 3u);  // opened, escalated to the region, escalated to the world
  EXPECT_EQ(transitions->back().actor.rfind("escalation-policy:", 0), 0u);
}

TEST_P(EscalationTest, TimersSurviveARestartAndFireOnce) {
  add_policy("NGA", "15m", "http://regional.test/");
  auto opened = service_->on_signals({alarm_at("NGA", 30)});
  ASSERT_TRUE(opened.is_ok());
  clock_.advance_seconds(10 * 60);
  EXPECT_EQ(*service_->escalate_due(), 0);

  open_service();  // the server restarts in the middle of the escalation
  clock_.advance_seconds(6 * 60);
  EXPECT_EQ(*service_->escalate_due(), 1);
  open_service();  // and again after it fired
  EXPECT_EQ(*service_->escalate_due(), 0);
  EXPECT_EQ(*service_->deliver_due(), 1);
  EXPECT_EQ(transport_->posts_to("http://regional.test/").size(), 1u);
}

TEST_P(LiaisonTest, WebhookDownThenUpIsDeliveredExactlyOnceWithBackoff) {
  subscribe("nigeria", "NGA");
  transport_->set_down(true);
  auto opened = service_->on_signals({alarm_at("NGA", 30)});
  ASSERT_TRUE(opened.is_ok());  // accepted although every webhook is down
  std::vector<int> attempts_at;
  for (int second = 0; second <= 40; ++second) {
    int before = transport_->attempts();
    ASSERT_TRUE(service_->deliver_due().is_ok());
    if (transport_->attempts() > before) attempts_at.push_back(second);
    clock_.advance_seconds(1);
  }
  // Retries after 1, 2, 4, 8, 16 s of backoff: attempts at 0, 1, 3, 7, 15, 31 s.
  EXPECT_EQ(attempts_at, (std::vector<int>{0, 1, 3, 7, 15, 31}));
  EXPECT_EQ(*service_->pending_deliveries(), 1);

  transport_->set_down(false);
  open_service();  // the pending notification is in the database, not in memory
  clock_.advance_seconds(60);
  EXPECT_EQ(*service_->deliver_due(), 1);
  clock_.advance_seconds(600);
  EXPECT_EQ(*service_->deliver_due(), 0);
  ASSERT_EQ(transport_->posts().size(), 1u);
  EXPECT_EQ(*service_->pending_deliveries(), 0);
  auto body = json::parse(transport_->posts()[0].body).as_object();
  EXPECT_EQ(body["idempotency_key"].as_string(), transport_->posts()[0].header("Idempotency-Key"));
}

// A transport whose every POST takes a minute of the manual clock.
class SlowTransport final : public WebhookTransport {
 public:
  explicit SlowTransport(ManualClock& clock) : clock_(clock) {}
  Status post(const std::string& url, const Headers& headers, const std::string& body) override {
    clock_.advance_seconds(60);
    return inner.post(url, headers, body);
  }
  FakeTransport inner;

 private:
  ManualClock& clock_;
};

TEST_P(LiaisonTest, SendingStopsBeforeTheClaimRunsOutAndTheRestIsGivenBack) {
  for (const char* name : {"a", "b", "c", "d", "e"}) subscribe(name, "NGA");
  service_.reset();
  auto slow = std::make_shared<SlowTransport>(clock_);
  LiaisonOptions options;
  options.db_path = db_;
  options.clock = &clock_;
  options.webhook_transport = slow;
  options.delivery_parallelism = 1;
  options.delivery_lease_micros = 4 * kMinute;  // sending stops after 3 minutes
  auto service = LiaisonService::open(options);
  ASSERT_TRUE(service.is_ok()) << service.status().to_string();
  ASSERT_TRUE((*service)->on_signals({alarm_at("NGA", 30)}).is_ok());
  EXPECT_EQ(*(*service)->deliver_due(), 3);
  EXPECT_EQ(*(*service)->pending_deliveries(), 2);
  EXPECT_EQ(*(*service)->deliver_due(), 2);  // given back unsent: taken again at once, by any server
  EXPECT_EQ(*(*service)->pending_deliveries(), 0);
  auto posts = slow->inner.posts();
  ASSERT_EQ(posts.size(), 5u);
  std::set<std::string> urls;
  for (const auto& p : posts) urls.insert(p.url);
  EXPECT_EQ(urls.size(), 5u);
  EXPECT_EQ(slow->inner.attempts(), 5);
}

TEST_P(LiaisonTest, MetricsExposeLatencyHistograms) {
  subscribe("nigeria", "NGA");
  EventReport report{"NGA", Severity::kHigh, "suspected cholera", "", clock_.now()};
  clock_.advance_seconds(0.003);
  ASSERT_TRUE(service_->report_event(report, "fp").is_ok());
  clock_.advance_seconds(0.2);
  ASSERT_EQ(*service_->deliver_due(), 1);
  std::string text = service_->render_metrics();
  EXPECT_NE(text.find("shouwang_alert_report_to_alert_seconds_bucket{le=\"0.0025\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("shouwang_alert_report_to_alert_seconds_bucket{le=\"0.005\"} 1"), std::string::npos);
  EXPECT_NE(text.find("shouwang_alert_report_to_delivery_seconds_bucket{channel=\"webhook\",le=\"0.1\"} 0"),
            std::string::npos);
  EXPECT_NE(text.find("shouwang_alert_report_to_delivery_seconds_bucket{channel=\"webhook\",le=\"0.25\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("shouwang_alert_outbox_pending 0"), std::string::npos);
}

TEST(WebhookSignature, IsHexHmacSha256OfTheBody) {
  // RFC 4231, test case 2.
  EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Durations, ParseUnitsAndRejectNonsense) {
  EXPECT_EQ(*parse_duration_micros("2s"), 2'000'000);
  EXPECT_EQ(*parse_duration_micros("15m"), 15 * kMinute);
  EXPECT_EQ(*parse_duration_micros("1h30m"), 90 * kMinute);
  EXPECT_FALSE(parse_duration_micros("15").is_ok());
  EXPECT_FALSE(parse_duration_micros("m").is_ok());
  EXPECT_FALSE(parse_duration_micros("0s").is_ok());
  EXPECT_FALSE(parse_duration_micros("3w").is_ok());
}

// ---------------------------------------------------------------------------------------------
// Group commit of event reports

EventSubmission event_at(const std::string& location, const std::string& disease, const std::string& text) {
  EventSubmission e;
  e.report.location = location;
  e.report.disease = disease;
  e.report.text = text;
  e.report.severity = Severity::kHigh;
  e.actor = "fp-test";
  return e;
}

// Counts rows through a connection of its own, so only committed rows are seen.
int64_t committed_count(const std::string& db, const std::string& statement) {
  auto conn = sql::connect(db);
  if (!conn) return -1;
  auto count = (*conn)->scalar(statement);
  return count.is_ok() ? *count : -1;
}

Status exec_on_own_connection(const std::string& db, const std::string& statement) {
  ASSIGN_OR_RETURN(auto conn, sql::connect(db));
  return conn->exec(statement);
}

// A trigger refusing (with an error, or on SQLite `RAISE(ROLLBACK)` ending the whole
// transaction) every outbox entry whose payload mentions "poisoned".
std::string poison_trigger(bool postgres, const std::string& sqlite_raise = "RAISE(ABORT, 'refused')") {
  if (postgres) {
    return "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
           "IF NEW.payload LIKE '%poisoned%' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END "
           "$$ LANGUAGE plpgsql; "
           "CREATE TRIGGER poison BEFORE INSERT ON alert_outbox FOR EACH ROW EXECUTE FUNCTION poison()";
  }
  return "CREATE TRIGGER poison BEFORE INSERT ON alert_outbox WHEN NEW.payload LIKE '%poisoned%' BEGIN SELECT " +
         sqlite_raise + "; END";
}

// Tests of what only SQLite files do: a transaction a trigger ends, files of older releases.
class LiaisonSqliteTest : public LiaisonTest {};

TEST_P(LiaisonTest, ABatchStoresEachReportAllOrNothing) {
  subscribe("nigeria", "NGA");
  subscribe("ghana", "GHA");
  // The third write of a new alert (its webhook notification) fails for the poisoned report,
  // after its alert row and transition were written: they must go, the others must stay.
  ASSERT_TRUE(exec_on_own_connection(db_, poison_trigger(postgres())).is_ok());
  open_service();
  std::vector<EventSubmission> events = {event_at("NGA", "lassa", "first"), event_at("NGA", "cholera", "poisoned"),
                                         event_at("GHA", "lassa", "third"), event_at("NOWHERE", "lassa", "fourth"),
                                         event_at("NGA", "lassa", "fifth joins the first"),
                                         event_at("GHA", "measles", "")};
  std::vector<const EventSubmission*> batch;
  for (const auto& e : events) batch.push_back(&e);
  auto results = service_->report_events(batch);
  ASSERT_EQ(results.size(), events.size());
  ASSERT_TRUE(results[0].is_ok()) << results[0].status().to_string();
  EXPECT_TRUE(results[0]->opened);
  EXPECT_FALSE(results[1].is_ok());
  ASSERT_TRUE(results[2].is_ok()) << results[2].status().to_string();
  EXPECT_TRUE(results[2]->opened);
  EXPECT_EQ(results[3].status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(results[4].is_ok()) << results[4].status().to_string();
  EXPECT_FALSE(results[4]->opened);
  EXPECT_EQ(results[4]->alert_id, results[0]->alert_id);
  EXPECT_EQ(results[5].status().code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM alert_alerts"), 2);
  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM alert_alerts WHERE text = 'poisoned'"), 0);
  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM alert_transitions"), 2);
  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM alert_outbox"), 2);
  EXPECT_EQ(service_->get_alert(results[0]->alert_id)->signal_count, 2);
  EXPECT_EQ(service_->metrics().event_commits(), 1);
  EXPECT_EQ(service_->metrics().events_committed(), 3);
  EXPECT_EQ(*service_->deliver_due(), 2);
}

TEST_P(LiaisonSqliteTest, ABatchWhoseTransactionIsLostStoresNothingAndFailsEveryReport) {
  subscribe("nigeria", "NGA");
  // RAISE(ROLLBACK) ends the whole transaction, not only the report's savepoint.
  ASSERT_TRUE(exec_on_own_connection(db_, poison_trigger(false, "RAISE(ROLLBACK, 'lost')")).is_ok());
  open_service();
  std::vector<EventSubmission> events = {event_at("NGA", "lassa", "first"), event_at("NGA", "cholera", "poisoned"),
                                         event_at("NGA", "measles", "third")};
  std::atomic<int> published{0};
  service_->bus().subscribe([&](const std::string&) { ++published; });
  auto results = service_->report_events({&events[0], &events[1], &events[2]});
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_FALSE(r.is_ok());
  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM alert_alerts"), 0);
  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM alert_outbox"), 0);
  EXPECT_EQ(published.load(), 0);  // nothing announced for reports that were not stored
  // The service goes on: the next report is stored.
  auto next = service_->report_event(event_at("NGA", "lassa", "after").report, "fp-test");
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM alert_alerts"), 1);
}

TEST_P(LiaisonTest, ConcurrentReportsShareTransactionsAndAreAnsweredAfterTheirCommit) {
  subscribe("afro", "AFRO");
  constexpr int kThreads = 12, kEach = 10;
  // Another connection holds the write lock (SQLite) or a lock on the alerts that stops every
  // write to them (PostgreSQL), so the reports pile up behind the first one.
  auto blocker = sql::connect(db_);
  ASSERT_TRUE(blocker.is_ok());
  ASSERT_TRUE((*blocker)->begin().is_ok());
  if (postgres()) ASSERT_TRUE((*blocker)->exec("LOCK TABLE alert_alerts IN EXCLUSIVE MODE").is_ok());
  std::atomic<int> answered{0}, stored_before_answer{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto reader = sql::connect(db_);
      for (int i = 0; i < kEach; ++i) {
        auto e = event_at(t % 2 ? "NGA" : "GHA", "disease-" + std::to_string(i % 3), "t" + std::to_string(t));
        auto update = service_->report_event(e.report, e.actor);
        ++answered;
        if (!update.is_ok()) {
          ++failed;
          continue;
        }
        // Visible to another connection the moment it is answered: committed, not just queued.
        auto count = (*reader)->scalar("SELECT COUNT(*) FROM alert_alerts WHERE id = ?", update->alert_id);
        if (count.is_ok() && *count == 1) ++stored_before_answer;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(answered.load(), 0);  // nothing is answered while nothing can commit
  ASSERT_TRUE((*blocker)->commit().is_ok());
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(stored_before_answer.load(), kThreads * kEach);
  EXPECT_EQ(committed_count(db_, "SELECT SUM(signal_count) FROM alert_alerts"), kThreads * kEach);
  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM alert_alerts"), 6);  // 2 countries x 3 diseases
  EXPECT_EQ(service_->metrics().events_committed(), kThreads * kEach);
  EXPECT_LT(service_->metrics().event_commits(), kThreads * kEach);  // shared transactions
  EXPECT_EQ(*service_->deliver_due(), 6);  // one notification per opened alert, none twice
}

// ---------------------------------------------------------------------------------------------
// Confidential event alerts

TEST_P(LiaisonTest, PublicationIsRecordedOnceAndAnnouncedOnTheBusOnly) {
  subscribe("nigeria", "NGA");
  std::vector<std::string> payloads;
  std::mutex payloads_mutex;
  service_->bus().subscribe([&](const std::string& p) {
    std::lock_guard lock(payloads_mutex);
    payloads.push_back(p);
  });
  auto opened = service_->report_event(event_at("NGA-LA", "lassa", "unverified cluster").report, "fp-lagos");
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  int64_t id = opened->alert_id;
  EXPECT_FALSE(service_->get_alert(id)->published());
  EXPECT_EQ(*service_->deliver_due(), 1);  // the subscriber, a focal point, hears of it at once

  clock_.advance_seconds(60);
  auto published = service_->publish(id, "fp-nigeria", "verified with the ministry");
  ASSERT_TRUE(published.is_ok()) << published.status().to_string();
  EXPECT_TRUE(published->published());
  EXPECT_EQ(published->published_at->to_string(), "2024-03-10T08:01:00Z");
  clock_.advance_seconds(60);
  auto again = service_->publish(id, "someone-else");
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->published_by, "fp-nigeria");  // the first publication stands
  auto stored = service_->get_alert(id);
  EXPECT_EQ(stored->published_by, "fp-nigeria");
  EXPECT_EQ(stored->published_at->to_string(), "2024-03-10T08:01:00Z");

  auto transitions = service_->list_transitions(id);
  ASSERT_EQ(transitions->size(), 2u);
  EXPECT_EQ((*transitions)[1].from_state, "open");
  EXPECT_EQ((*transitions)[1].to_state, "open");
  EXPECT_EQ((*transitions)[1].actor, "fp-nigeria");
  EXPECT_EQ((*transitions)[1].note, "published: verified with the ministry");
  EXPECT_EQ(*service_->deliver_due(), 0);  // no webhook for a publication

  std::lock_guard lock(payloads_mutex);
  ASSERT_EQ(payloads.size(), 2u);  // opened, published once
  auto first = json::parse(payloads[0]).as_object();
  EXPECT_EQ(first["event"].as_string(), "opened");
  EXPECT_FALSE(first["published"].as_bool());
  EXPECT_EQ(json::serialize(first["location_chain"]), R"(["NGA-LA","NGA","AFRO","WORLD"])");
  auto second = json::parse(payloads[1]).as_object();
  EXPECT_EQ(second["event"].as_string(), "published");
  EXPECT_TRUE(second["published"].as_bool());
  EXPECT_EQ(service_->publish(999, "fp-nigeria").status().code(), StatusCode::kNotFound);
}

TEST_P(LiaisonTest, DetectionAlertsArePublicFromTheStart) {
  auto opened = service_->on_signals({alarm_at("GHA", 50)});
  ASSERT_TRUE(opened.is_ok());
  auto alert = service_->get_alert((*opened)[0].alert_id);
  EXPECT_TRUE(alert->published());
  EXPECT_EQ(alert->published_at->micros(), alert->opened_at.micros());
  EXPECT_EQ(alert->published_by, "detection:farrington_flexible");
}

TEST_P(LiaisonTest, ASignalJoiningAnUnpublishedEventLeavesItConfidential) {
  auto event = service_->report_event(event_at("NGA", "cases", "unverified").report, "fp-nigeria");
  ASSERT_TRUE(event.is_ok());
  auto joined = service_->on_signals({alarm_at("NGA", 50, 10, "cases")});
  ASSERT_TRUE(joined.is_ok());
  EXPECT_EQ((*joined)[0].alert_id, event->alert_id);
  EXPECT_FALSE(service_->get_alert(event->alert_id)->published());
}

TEST(ConfidentialReach, FollowsTheRoleAndLocationOfTheToken) {
  auto token = [](store::Role role, const std::string& location) {
    return ConfidentialReach::of(store::role_name(role), location);
  };
  auto nowhere = [](const ConfidentialReach& r) { return !r.everywhere && r.within.empty(); };
  EXPECT_TRUE(nowhere(ConfidentialReach::of("", "")));  // anonymous
  EXPECT_TRUE(nowhere(token(store::Role::kReporter, "NGA")));
  EXPECT_TRUE(nowhere(token(store::Role::kEditor, "")));
  EXPECT_TRUE(token(store::Role::kAdmin, "").everywhere);
  EXPECT_TRUE(token(store::Role::kFocalPoint, "").everywhere);
  auto nigeria = token(store::Role::kFocalPoint, "NGA");
  EXPECT_FALSE(nigeria.everywhere);
  EXPECT_EQ(nigeria.within, "NGA");
}

TEST(BusPayloadVisible, UnpublishedPayloadsGoOnlyWhereTheCallerReaches) {
  const std::string confidential = R"({"alert_id":1,"published":false,"location_chain":["NGA-LA","NGA","AFRO","WORLD"]})";
  const std::string published = R"({"alert_id":1,"published":true,"location_chain":["NGA-LA","NGA","AFRO","WORLD"]})";
  const ConfidentialReach nowhere, everywhere{.everywhere = true, .within = ""};
  const ConfidentialReach nigeria{.everywhere = false, .within = "NGA"}, egypt{.everywhere = false, .within = "EGY"};
  EXPECT_TRUE(bus_payload_visible(published, nowhere));
  EXPECT_FALSE(bus_payload_visible(confidential, nowhere));
  EXPECT_FALSE(bus_payload_visible(confidential, egypt));
  EXPECT_TRUE(bus_payload_visible(confidential, nigeria));
  EXPECT_TRUE(bus_payload_visible(confidential, everywhere));
  // A payload that does not say it is published is not.
  EXPECT_FALSE(bus_payload_visible(R"({"alert_id":1})", nowhere));
  EXPECT_FALSE(bus_payload_visible(R"({"alert_id":1,"location_chain":["NGA"]})", egypt));
  EXPECT_FALSE(bus_payload_visible("not json", nowhere));
}

TEST_P(LiaisonTest, VisibleAlertsFollowTheCallersReach) {
  // The public alert is the oldest: a filter applied after LIMIT would leave the anonymous caller
  // with nothing.
  auto signal = service_->on_signals({alarm_at("GHA", 50)});
  auto lagos = service_->report_event(event_at("NGA-LA", "lassa", "lagos").report, "fp");
  auto egypt = service_->report_event(event_at("EGY", "cholera", "egypt").report, "fp");
  ASSERT_TRUE(signal.is_ok() && lagos.is_ok() && egypt.is_ok());
  auto ids = [&](const ConfidentialReach& reach, int64_t limit = 100) {
    AlertFilter filter;
    filter.limit = limit;
    auto alerts = service_->list_visible_alerts(filter, reach);
    std::vector<int64_t> out;
    for (const auto& a : *alerts) out.push_back(a.id);
    return out;
  };
  int64_t g = (*signal)[0].alert_id, l = lagos->alert_id, e = egypt->alert_id;
  const ConfidentialReach nowhere;
  EXPECT_EQ(ids(nowhere), (std::vector<int64_t>{g}));
  EXPECT_EQ(ids(nowhere, 1), (std::vector<int64_t>{g}));
  EXPECT_EQ(ids({.everywhere = false, .within = "NGA"}), (std::vector<int64_t>{l, g}));
  EXPECT_EQ(ids({.everywhere = false, .within = "AFRO"}), (std::vector<int64_t>{l, g}));
  EXPECT_EQ(ids({.everywhere = false, .within = "EMRO"}), (std::vector<int64_t>{e, g}));
  EXPECT_EQ(ids({.everywhere = false, .within = "WORLD"}), (std::vector<int64_t>{e, l, g}));
  EXPECT_EQ(ids({.everywhere = true, .within = ""}), (std::vector<int64_t>{e, l, g}));

  auto hidden = service_->get_visible_alert(l, nowhere);
  EXPECT_EQ(hidden.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(hidden.status().message(), "no alert " + std::to_string(l));  // as for an id that does not exist
  EXPECT_EQ(service_->get_visible_alert(l, {.everywhere = false, .within = "EGY"}).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(service_->get_visible_alert(l, {.everywhere = false, .within = "NGA"}).is_ok());
  EXPECT_TRUE(service_->get_visible_alert(g, nowhere).is_ok());
  ASSERT_TRUE(service_->publish(l, "fp").is_ok());
  EXPECT_TRUE(service_->get_visible_alert(l, nowhere).is_ok());
  EXPECT_EQ(ids(nowhere), (std::vector<int64_t>{l, g}));
}

// The alert tables as a release from before confidential event alerts created them (no
// published_* columns, no outbox claims) and no record of migrations: such a file opens, keeps its
// rows and gains what it lacks.
constexpr const char* kPrePublicationSchema = R"sql(
  CREATE TABLE alert_subscriptions(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '', location TEXT NOT NULL, indicator TEXT NOT NULL DEFAULT '',
    min_severity INTEGER NOT NULL, webhook TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL);
  CREATE TABLE alert_escalation_policies(id INTEGER PRIMARY KEY, location TEXT NOT NULL,
    after_micros INTEGER NOT NULL, webhook TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);
  CREATE TABLE alert_alerts(id INTEGER PRIMARY KEY, group_key TEXT NOT NULL, location TEXT NOT NULL,
    indicator TEXT NOT NULL, severity INTEGER NOT NULL, state TEXT NOT NULL, origin TEXT NOT NULL,
    text TEXT NOT NULL, opened_at INTEGER NOT NULL, last_signal_at INTEGER NOT NULL,
    signal_count INTEGER NOT NULL, report_received_at INTEGER NOT NULL, opened_by TEXT NOT NULL DEFAULT '');
  CREATE TABLE alert_transitions(id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, from_state TEXT NOT NULL,
    to_state TEXT NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '');
  CREATE TABLE alert_escalations(alert_id INTEGER NOT NULL, policy_id INTEGER NOT NULL,
    fired_at INTEGER NOT NULL, PRIMARY KEY(alert_id, policy_id));
  CREATE TABLE alert_outbox(id INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE,
    alert_id INTEGER NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL, kind TEXT NOT NULL, origin_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL, delivered_at INTEGER, failed INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '');
)sql";

TEST_P(LiaisonSqliteTest, ADatabaseFromBeforePublicationIsMigratedOnOpen) {
  service_.reset();
  ASSERT_TRUE(exec_on_own_connection(db_, std::string(R"sql(
    DROP TABLE alert_subscriptions; DROP TABLE alert_escalation_policies; DROP TABLE alert_alerts;
    DROP TABLE alert_transitions; DROP TABLE alert_escalations; DROP TABLE alert_outbox; DROP TABLE alert_routing;
    DROP TABLE alert_installation; DROP TABLE alert_received;
    DELETE FROM shouwang_migrations WHERE module = 'alert';
  )sql") + kPrePublicationSchema + R"sql(
    INSERT INTO alert_subscriptions VALUES(1, 'nigeria', '', 'NGA', '', 0, 'http://receiver.test/nigeria', 's', 500);
    INSERT INTO alert_alerts VALUES(1, 'GHA|cases', 'GHA', 'cases', 2, 'open', 'signal', 's', 1000, 1000, 1, 900,
                                    'detection:ears_c1');
    INSERT INTO alert_alerts VALUES(2, 'NGA|lassa', 'NGA', 'lassa', 2, 'open', 'event', 'e', 2000, 2000, 1, 1900,
                                    'fp-nigeria');
    INSERT INTO alert_transitions VALUES(1, 2, '', 'open', 'fp-nigeria', 2000, '');
    INSERT INTO alert_outbox(id, idempotency_key, alert_id, channel, target, payload, kind, origin_at,
                             next_attempt_at) VALUES(1, 'alert-2-opened-sub-1', 2, 'webhook',
                             'http://receiver.test/nigeria', '{}', 'opened', 1900, 2000);
  )sql").is_ok());
  open_service();
  open_service();  // a second open finds everything there and changes nothing
  auto signal = service_->get_alert(1);
  ASSERT_TRUE(signal.is_ok()) << signal.status().to_string();
  EXPECT_TRUE(signal->published());
  EXPECT_EQ(signal->published_at->micros(), 1000);
  EXPECT_EQ(signal->published_by, "detection:ears_c1");
  auto event = service_->get_alert(2);
  ASSERT_TRUE(event.is_ok());
  EXPECT_FALSE(event->published());  // unverified events become confidential
  EXPECT_EQ(service_->list_transitions(2)->size(), 1u);
  EXPECT_TRUE(service_->publish(2, "fp-nigeria").is_ok());
  EXPECT_TRUE(service_->get_alert(2)->published());
  // The old subscription routes, and the old pending notification is claimed and sent.
  ASSERT_EQ(service_->list_subscriptions()->size(), 1u);
  EXPECT_EQ(*service_->deliver_due(), 1);
  ASSERT_TRUE(service_->on_signals({alarm_at("NGA", 30, 10, "deaths")}).is_ok());
  EXPECT_EQ(*service_->deliver_due(), 1);
  EXPECT_EQ(transport_->posts_to("http://receiver.test/nigeria").size(), 2u);
  EXPECT_EQ(committed_count(db_, "SELECT COUNT(*) FROM shouwang_migrations WHERE module = 'alert'"), 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, LiaisonTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, EscalationTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, LiaisonSqliteTest, ::testing::Values(Backend::kSqlite),
                         shouwang::testing::backend_test_name);

}  // namespace
}  // namespace shouwang::alert
