// The liaison's tables in the Shouwang database file (prefix alert_): subscriptions, escalation
// policies, alerts with their transitions, fired escalations and the delivery outbox. Everything
// the background threads need lives here, so timers and undelivered notifications survive a
// restart. Not thread-safe: one owner (LiaisonService) serialises access.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alert/model.h"
#include "store/sqlite/sqlite_db.h"

namespace shouwang::alert {

// One notification to send: a webhook POST or a NATS message, with the exact bytes to send.
struct OutboxEntry {
  int64_t id = 0;
  std::string idempotency_key;  // unique: a transition is queued at most once per recipient
  int64_t alert_id = 0;
  std::string channel;          // "webhook" or "nats"
  std::string target;           // URL or subject
  std::string secret;
  std::string payload;
  std::string kind;             // opened, acknowledged, resolved, escalated
  Timestamp origin_at;          // the report (opened) or transition the latency is measured from
  int64_t attempts = 0;
  Timestamp next_attempt_at;
};

struct AlertFilter {
  std::optional<AlertState> state;
  std::string location;  // exact code; empty: all
  int64_t limit = 100;
  // Unpublished alerts are listed only at these locations (none when empty); nullopt lists them
  // all. Published alerts are listed regardless.
  std::optional<std::vector<std::string>> confidential_within;
};

class AlertStore {
 public:
  static Result<std::unique_ptr<AlertStore>> open(const std::string& db_path);
  store::sqlite::Db& db() { return *db_; }

  Result<int64_t> add_subscription(const Subscription& s);
  Result<std::vector<Subscription>> list_subscriptions();
  // NotFound when no subscription has this id.
  Status delete_subscription(int64_t id);

  Result<int64_t> add_escalation_policy(const EscalationPolicy& p);
  Result<std::vector<EscalationPolicy>> list_escalation_policies();

  // The newest alert of the group that is not resolved and had a signal at or after `since`.
  Result<std::optional<Alert>> find_groupable_alert(const std::string& group_key, Timestamp since);
  Result<int64_t> insert_alert(const Alert& a);
  Status record_joined_signal(int64_t alert_id, Timestamp at, Severity severity);
  Result<Alert> get_alert(int64_t id);
  Result<std::vector<Alert>> list_alerts(const AlertFilter& filter);
  Status set_state(int64_t alert_id, AlertState state);
  // Leaves an alert already published as it is: the first publication stands.
  Status set_published(int64_t alert_id, Timestamp at, const std::string& by);
  Status add_transition(const Transition& t);
  Result<std::vector<Transition>> list_transitions(int64_t alert_id);

  // Open (unacknowledged) alerts opened at or before `opened_before` that `policy_id` has not
  // yet escalated.
  Result<std::vector<Alert>> unescalated_open_alerts(int64_t policy_id, Timestamp opened_before);
  // `at` is when it fired; Timestamp(0) records that the policy does not apply to the alert
  // (outside its location), so later passes skip it.
  Status record_escalation(int64_t alert_id, int64_t policy_id, Timestamp at);

  // false when an entry with the same idempotency key exists (nothing is queued twice).
  Result<bool> enqueue(const OutboxEntry& e);
  // Undelivered entries due at `now`, of one channel ("webhook", "nats") or of all when empty.
  Result<std::vector<OutboxEntry>> due_entries(Timestamp now, int64_t limit, const std::string& channel = "");
  // The earliest next_attempt_at of an undelivered entry, if any.
  Result<std::optional<Timestamp>> next_due_time();
  Status mark_delivered(int64_t id, Timestamp at, int64_t attempts);
  Status mark_attempt_failed(int64_t id, int64_t attempts, Timestamp next_attempt_at, const std::string& error,
                             bool give_up);
  Result<int64_t> pending_count();
  Result<std::vector<OutboxEntry>> delivered_entries(int64_t alert_id);

  // PRAGMA data_version: changes when another connection has committed.
  Result<int64_t> data_version();
  // BEGIN IMMEDIATE / COMMIT / ROLLBACK through statements prepared once: the group commit runs
  // them hundreds of times a second, and parsing them each time showed in the profile.
  Status begin_immediate();
  Status commit();
  Status rollback();
  // One report's writes inside a larger transaction (group commit): a savepoint that is released
  // on success or rolled back alone on failure, leaving the other reports' writes in place.
  Status begin_report_savepoint();
  Status release_report_savepoint();
  Status rollback_report_savepoint();

 private:
  explicit AlertStore(std::unique_ptr<store::sqlite::Db> db) : db_(std::move(db)) {}
  // Prepared once, reset before each use: preparing costs more than running these small queries.
  Result<store::sqlite::Statement*> statement(const std::string& sql);
  // Runs a cached statement that returns no rows (transaction and savepoint control).
  Status run_statement(const std::string& sql);
  // The integer in the first column of a cached statement's first row (0 without rows).
  Result<int64_t> single_integer(const std::string& sql);
  std::unique_ptr<store::sqlite::Db> db_;
  std::map<std::string, store::sqlite::Statement> statements_;  // declared after db_: finalized first
};

}  // namespace shouwang::alert
