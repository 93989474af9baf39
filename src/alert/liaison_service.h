// The liaison service: turns detection signals and focal points' event reports into alerts,
// groups repeats, routes each alert transition to the subscribed focal points (webhooks), the
// message bus (NATS) and the in-process bus (SSE), and escalates alerts nobody acknowledged.
//
// Ingestion (on_signals, report_event) only writes the alert and its queued notifications in one
// transaction and returns: a background delivery thread sends the outbox with retries and
// exponential backoff, so a dead webhook never slows a report down, and an undelivered
// notification survives a restart. Each (transition, recipient) has one idempotency key, queued
// once and marked delivered once. Escalation timers are computed from alert_alerts.opened_at and
// alert_escalations, so they too survive a restart. All times come from the injected Clock.
//
// Several servers may share one database (SQLite file or PostgreSQL): each outbox entry is
// claimed by one of them before it is sent, each escalation is sent by the one whose record of
// it was stored, and a group's alert is found or opened under the group's lock, so every
// transition reaches each recipient once in total and each escalation fires once.
//
// An event alert stays confidential until a focal point publishes it (Alert::published): only
// admins and focal points covering its location read it, over REST and on the SSE stream, whose
// bus payloads say whether they are published and where (bus_payload_visible). Webhook and NATS
// subscribers are focal points by construction and hear of every alert.
//
// Federation (with a publisher, i.e. --nats): every database is one installation with a stable
// random id, carried in its NATS payloads as "origin_installation". A consumer thread reads the
// alert stream through the installation's durable consumer (so the serve processes sharing a
// database share it too) and queues, for this installation's subscriptions, the webhooks of the
// transitions of other installations' alerts. The message id is recorded in the same transaction,
// and the message is acknowledged only after the commit: a redelivered message (a lost
// acknowledgement, a restart) queues nothing twice, and each transition reaches each subscriber
// once. Its own messages are acknowledged and skipped: its subscribers heard of them from the
// outbox.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alert/alert_bus.h"
#include "alert/alert_store.h"
#include "alert/metrics.h"
#include "alert/model.h"
#include "alert/publisher.h"
#include "alert/webhook.h"
#include "core/group_commit.h"
#include "core/location.h"
#include "core/time.h"
#include "store/sql.h"
#include "store/store.h"

namespace shouwang::alert {

struct LiaisonOptions {
  std::string db_path;                                   // the Shouwang database: a file or a postgresql:// URL
  const Clock* clock = nullptr;                          // required
  std::shared_ptr<WebhookTransport> webhook_transport;   // null: HttpWebhookTransport
  std::string webhook_ca_file;                           // its trusted CAs (PEM); empty: the system store
  std::shared_ptr<AlertPublisher> publisher;             // null: no NATS channel
  int64_t group_window_micros = int64_t{24} * 3600 * 1'000'000;  // a repeat within this joins the alert
  int64_t retry_base_micros = 1'000'000;                 // first retry after 1 s, then 2 s, 4 s, ...
  int64_t retry_max_micros = int64_t{5} * 60 * 1'000'000;
  int max_attempts = 20;                                 // then the entry is given up (kept, marked failed)
  int64_t delivery_batch = 256;
  int delivery_parallelism = 8;                          // concurrent POSTs within a batch
  // How long a claimed batch is held for this server: if it dies mid-send, another server sends
  // the entries once this has passed. Sending stops at three quarters of it and what is left is
  // given back, so that a slow receiver never gets an entry from two servers.
  int64_t delivery_lease_micros = int64_t{10} * 60 * 1'000'000;
  std::chrono::milliseconds delivery_poll{50};           // real time between passes when idle
  std::chrono::milliseconds escalation_poll{250};
  std::chrono::milliseconds stream_keepalive{15'000};    // SSE comment when idle (finds gone clients)
  std::function<void(const std::string&)> log;           // problems of the background threads; null: stderr
};

// A focal point's manual event report (POST /api/v1/events).
struct EventReport {
  std::string location;
  Severity severity = Severity::kMedium;
  std::string text;
  std::string disease;  // suspected disease; becomes the alert's indicator ("event" when empty)
  std::optional<Timestamp> received_at;
};

// One event report with the token label it is recorded under.
struct EventSubmission {
  EventReport report;
  std::string actor;
};

// Where a caller may see unpublished alerts: everywhere (admins, focal points without a location),
// at or below `within` (a focal point's location), or nowhere (anonymous callers, other roles).
struct ConfidentialReach {
  bool everywhere = false;
  std::string within;  // empty and not everywhere: nowhere

  // For a caller of `role` (a role name; "" for an anonymous caller) acting for `location`.
  static ConfidentialReach of(std::string_view role, const std::string& location);
};

// Whether the SSE stream may carry a payload of the in-process bus to a caller of `reach`: a
// payload that does not say it is published goes only to callers whose reach covers it.
bool bus_payload_visible(const std::string& payload, const ConfidentialReach& reach);

// The durable consumer through which the installation `installation_id` reads the alert stream.
std::string federation_consumer_name(const std::string& installation_id);

struct AlertUpdate {
  int64_t alert_id = 0;
  bool opened = false;  // false: joined an open alert of the same group
  AlertState state = AlertState::kOpen;
};

class LiaisonService {
 public:
  // Opens the liaison tables (creating or upgrading them if needed) in options.db_path.
  static Result<std::unique_ptr<LiaisonService>> open(LiaisonOptions options);
  ~LiaisonService();
  LiaisonService(const LiaisonService&) = delete;
  LiaisonService& operator=(const LiaisonService&) = delete;

  // Background delivery and escalation threads. Without them, deliver_due()/escalate_due() do
  // the same work on the caller's thread (tests with a ManualClock).
  void start();
  void stop();

  // Signals of one detection run: each alarm opens an alert or joins the open alert of its
  // location+indicator. `report_received_at` (default: now) is when the report that triggered
  // detection arrived, for the latency histograms.
  Result<std::vector<AlertUpdate>> on_signals(const std::vector<Signal>& signals,
                                              std::optional<Timestamp> report_received_at = std::nullopt);
  // Group commit: reports arriving while a transaction is being written wait and then share the
  // next one, so the commit cost is paid once per batch, not once per report. The caller gets its
  // answer only after the transaction holding its report has committed.
  Result<AlertUpdate> report_event(const EventReport& report, const std::string& actor);
  // Stores the reports in one transaction, each in its own savepoint: a report that fails leaves
  // no trace and the others are stored; when the transaction itself fails, none is stored and
  // every report gets the error. Results are in the order of `reports`.
  std::vector<Result<AlertUpdate>> report_events(const std::vector<const EventSubmission*>& reports);

  Result<Alert> acknowledge(int64_t alert_id, const std::string& actor, const std::string& note = "");
  Result<Alert> resolve(int64_t alert_id, const std::string& actor, const std::string& note = "");
  // Makes an alert public (idempotent: the first publication stands), records who did it in its
  // transitions and announces it on the in-process bus only: webhook and NATS subscribers, focal
  // points all, were told when it opened.
  Result<Alert> publish(int64_t alert_id, const std::string& actor, const std::string& note = "");
  // Every alert, confidential or not: for callers that checked who asks (or need not).
  Result<Alert> get_alert(int64_t alert_id);
  Result<std::vector<Alert>> list_alerts(const AlertFilter& filter);
  // What a caller of `reach` may see: an alert it may not see is NotFound exactly as an id that
  // does not exist, and is left out of lists.
  Result<bool> may_see(const ConfidentialReach& reach, const Alert& alert);
  Result<Alert> get_visible_alert(int64_t alert_id, const ConfidentialReach& reach);
  Result<std::vector<Alert>> list_visible_alerts(AlertFilter filter, const ConfidentialReach& reach);
  Result<std::vector<Transition>> list_transitions(int64_t alert_id);

  Result<Subscription> add_subscription(Subscription subscription);
  Result<std::vector<Subscription>> list_subscriptions();
  Status delete_subscription(int64_t id);
  Result<EscalationPolicy> add_escalation_policy(EscalationPolicy policy);
  Result<std::vector<EscalationPolicy>> list_escalation_policies();

  // One delivery pass over the due outbox entries of one channel ("webhook", "nats"), or of all
  // when empty; returns how many were delivered. Each channel has its own background thread, so
  // a slow webhook does not hold NATS messages back.
  Result<int> deliver_due(const std::string& channel = "");
  // One escalation pass; returns how many escalations fired.
  Result<int> escalate_due();
  Result<int64_t> pending_deliveries();
  // One pass of the federation consumer (the background thread runs it in a loop): fetches the
  // stream's next messages, waiting up to `wait` for them, queues the webhooks of other
  // installations' transitions and acknowledges each message once that is committed. Returns how
  // many transitions were new. The first pass creates the durable consumer if it is missing, and
  // the consumer starts from the messages published after that.
  Result<int> receive_remote(std::chrono::milliseconds wait);
  // This database's installation id (16 hex digits), the same for every server sharing it.
  const std::string& installation_id() const { return installation_id_; }
  // Delivered outbox entries of an alert (what reached whom), oldest first.
  Result<std::vector<OutboxEntry>> delivered_entries(int64_t alert_id);

  Result<store::Token> authenticate(const std::string& secret);
  // Is `location` equal to `ancestor` or below it? NotFound for an unknown location.
  Result<bool> covers(const std::string& ancestor, const std::string& location);
  Status check_location(const std::string& code);

  AlertBus& bus() { return *bus_; }
  // Shared so that an SSE stream still open at shutdown never outlives the bus it reads.
  std::shared_ptr<AlertBus> shared_bus() { return bus_; }
  LiaisonMetrics& metrics() { return metrics_; }
  const Clock& clock() const { return *options_.clock; }
  const LiaisonOptions& options() const { return options_; }
  std::string render_metrics();

 private:
  explicit LiaisonService(LiaisonOptions options) : options_(std::move(options)) {}

  // Everything below with the suffix _locked expects mutex_ held; those taking AlertTables run
  // their statements on that connection (inside the caller's transaction, if any).
  Status reload_locations_locked();
  Result<std::vector<const Location*>> ancestors_locked(const std::string& code);
  // `code` and every location below it.
  std::vector<std::string> within_locked(const std::string& code);
  Status refresh_routing_locked(AlertTables& tables, bool force);
  Status refresh_routing_locked(bool force);
  struct Opened {
    AlertUpdate update;
    std::string bus_payload;
    Timestamp received_at;
  };
  // Expects the group of `candidate` locked (AlertTables::lock_groups) in the current transaction.
  Result<Opened> open_or_join_locked(AlertTables& tables, Alert candidate, Timestamp now);
  // After the commit that stored it: records the latencies and publishes a newly opened alert on
  // the in-process bus. Returns whether the alert was opened (then the delivery loop is woken).
  bool announce_committed(const Opened& opened, Timestamp committed);
  Result<Opened> open_or_join_event_locked(AlertTables& tables, const EventSubmission& submission);
  // Who hears of a transition: every channel, or only the in-process bus (a publication).
  enum class Audience { kEveryChannel, kBusOnly };
  // Queues the notifications of one transition (webhooks of matching subscriptions, NATS) unless
  // kBusOnly, and returns the payload for the in-process bus.
  Result<std::string> queue_transition_locked(AlertTables& tables, const Alert& alert, const std::string& kind,
                                              Timestamp origin_at, const std::string& actor, Timestamp now,
                                              Audience audience = Audience::kEveryChannel);
  Result<Alert> change_state(int64_t alert_id, AlertState to, const std::string& actor, const std::string& note);
  Status deliver_one(const OutboxEntry& entry);
  // Queues the webhooks of one message of another installation (payload already parsed) unless
  // it was handled before; returns the outcome counted in the metrics ("new", "duplicate",
  // "unreadable"). Called by receive_remote with feed_mutex_ held; takes mutex_.
  Result<std::string> queue_remote_transition(const StreamMessage& message, const boost::json::object& payload,
                                              const std::string& origin);
  // The codes an alert of another installation is at: its location_chain and location, country
  // and region, each with its ancestors in this installation's catalogue (which may lack a
  // subdivision the other one has).
  std::set<std::string> remote_chain_locked(const boost::json::object& payload);
  void federation_loop();
  void wake_delivery();
  void delivery_loop(const std::string& channel);
  void escalation_loop();

  LiaisonOptions options_;
  std::string server_id_;  // names this server's outbox claims
  std::string installation_id_;
  std::mutex mutex_;       // guards the caches and serialises this server's database work
  std::unique_ptr<store::sql::Database> db_;  // before alerts_, which uses it
  std::unique_ptr<AlertStore> alerts_;
  std::unique_ptr<store::Store> store_;
  std::map<std::string, Location> locations_;
  std::multimap<std::string, std::string> children_;  // parent code -> child codes, from locations_
  std::multimap<std::string, Subscription> subscriptions_by_location_;
  std::vector<EscalationPolicy> policies_;
  int64_t routing_version_ = -1;

  // Group commit of event reports (core/group_commit.h): the first waiting caller leads, writing
  // the queued reports in one transaction while later arrivals queue up for the next one.
  GroupCommit<const EventSubmission*, Result<AlertUpdate>> event_group_;

  // Tokens seen recently (by hash of the secret). A lookup on the shared store connection costs
  // more than the rest of an event report, and tokens are never changed in place; a token
  // deleted from the database stops working once its entry is older than kTokenCacheMicros.
  static constexpr int64_t kTokenCacheMicros = 1'000'000;
  std::mutex token_cache_mutex_;
  std::map<std::string, std::pair<store::Token, Timestamp>> token_cache_;

  std::mutex webhook_pass_mutex_;  // one pass per channel at a time
  std::mutex nats_pass_mutex_;
  std::shared_ptr<AlertBus> bus_ = std::make_shared<AlertBus>();
  LiaisonMetrics metrics_;

  std::atomic<bool> running_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  uint64_t wake_generation_ = 0;  // bumped by every wake-up, so each loop sees it
  std::thread delivery_thread_;
  std::thread nats_thread_;
  std::thread escalation_thread_;

  std::mutex feed_mutex_;  // one federation pass at a time; guards feed_
  std::unique_ptr<AlertFeed> feed_;  // opened by the first pass; dropped after an error, to be opened again
  std::thread federation_thread_;
};

}  // namespace shouwang::alert
