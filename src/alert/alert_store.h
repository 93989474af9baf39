// The liaison's tables (prefix alert_) in the Shouwang database, SQLite or PostgreSQL alike:
// subscriptions, escalation policies, alerts with their transitions, fired escalations, the
// delivery outbox, and for federation the installation id and the stream messages received.
// Everything the background threads need lives here, so timers and undelivered
// notifications survive a restart, and several servers sharing one database divide the work
// between them: an outbox entry is claimed by one server (with a lease) before it is sent, an
// escalation is sent by the server whose record of it was stored, and the alerts of one group are
// found or opened under that group's lock.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "alert/model.h"
#include "store/sql.h"

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
  // The installation whose alert this is, when another installation's transition reached this
  // one over NATS (alert_id is then that installation's id); empty for this installation's alerts.
  std::string origin_installation;
};

struct AlertFilter {
  std::optional<AlertState> state;
  std::string location;  // exact code; empty: all
  int64_t limit = 100;
  // Unpublished alerts are listed only at these locations (none when empty); nullopt lists them
  // all. Published alerts are listed regardless.
  std::optional<std::vector<std::string>> confidential_within;
};

// The liaison's statements on one connection: alone, or inside the transaction that
// AlertStore::in_transaction opened on it.
class AlertTables {
 public:
  explicit AlertTables(store::sql::Connection& conn) : conn_(conn) {}

  Result<int64_t> add_subscription(const Subscription& s);
  Result<std::vector<Subscription>> list_subscriptions();
  // NotFound when no subscription has this id.
  Status delete_subscription(int64_t id);

  Result<int64_t> add_escalation_policy(const EscalationPolicy& p);
  Result<std::vector<EscalationPolicy>> list_escalation_policies();
  // Changes with every subscription or policy added or deleted, by any server or the CLI, so a
  // server knows when its routing cache is stale without reading the tables on every report.
  Result<int64_t> routing_version();

  // Inside a transaction: holds these alert groups until it ends, so that two servers receiving
  // reports of one group at once do not both open an alert for it. The locks are taken in one
  // global order, so two batches never wait for each other in a cycle. PostgreSQL only: on SQLite
  // the transaction's write lock (BEGIN IMMEDIATE) already serialises every writer.
  Status lock_groups(const std::vector<std::string>& group_keys);
  // The newest alert of the group that is not resolved and had a signal at or after `since`.
  Result<std::optional<Alert>> find_groupable_alert(const std::string& group_key, Timestamp since);
  Result<int64_t> insert_alert(const Alert& a);
  Status record_joined_signal(int64_t alert_id, Timestamp at, Severity severity);
  Result<Alert> get_alert(int64_t id);
  // get_alert that, inside a transaction, also holds the alert's row until it ends (PostgreSQL),
  // so two servers changing one alert at once see each other's change.
  Result<Alert> lock_alert(int64_t id);
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
  // (outside its location), so later passes skip it. False when it was already recorded (by
  // another server, or by an earlier pass): only the server whose record was stored sends it.
  Result<bool> record_escalation(int64_t alert_id, int64_t policy_id, Timestamp at);

  // false when an entry with the same idempotency key exists (nothing is queued twice).
  Result<bool> enqueue(const OutboxEntry& e);
  // Inside a transaction: takes up to `limit` undelivered entries due at `now` (of one channel,
  // or of all when empty) that no server holds, oldest due first, and marks them held by
  // `claimed_by` until `lease_until`. Another server skips them until the lease runs out (the
  // holder died mid-send), and then takes them over. PostgreSQL skips rows another server is
  // claiming at this moment instead of waiting for it.
  Result<std::vector<OutboxEntry>> claim_due(Timestamp now, int64_t limit, const std::string& channel,
                                             const std::string& claimed_by, Timestamp lease_until);
  // Record the outcome of a claimed entry and release it; nothing when `claimed_by` no longer
  // holds it (its lease ran out and another server took it over).
  Status mark_delivered(int64_t id, const std::string& claimed_by, Timestamp at, int64_t attempts);
  Status mark_attempt_failed(int64_t id, const std::string& claimed_by, int64_t attempts, Timestamp next_attempt_at,
                             const std::string& error, bool give_up);
  // Gives a claimed entry back unsent, for any server's next pass.
  Status release_claim(int64_t id, const std::string& claimed_by);
  Result<int64_t> pending_count();
  // This installation's alert's delivered entries.
  Result<std::vector<OutboxEntry>> delivered_entries(int64_t alert_id);
  // The installation id stored in the database, or `candidate` (stored now) when none is.
  Result<std::string> installation_id(const std::string& candidate, Timestamp now);
  // Records that the stream message `message_id` was handled; false when it already was (a
  // redelivery, or another server of this installation took it first): then nothing is queued.
  Result<bool> record_received(const std::string& message_id, const std::string& origin_installation,
                               const std::string& subject, Timestamp at);

  // One report's writes inside a larger transaction (group commit): a savepoint that is released
  // on success or rolled back alone on failure, leaving the other reports' writes in place.
  Status begin_report_savepoint();
  Status release_report_savepoint();
  Status rollback_report_savepoint();

 private:
  Result<std::vector<Alert>> alerts(std::string_view sql, std::span<const store::sql::Value> params);
  store::sql::Connection& conn_;
};

class AlertStore {
 public:
  // Creates or upgrades the tables in `db`, which must outlive the store.
  static Result<std::unique_ptr<AlertStore>> open(store::sql::Database& db);

  // `work` on one pooled connection, without a transaction of its own.
  template <typename Work>
  auto on_connection(Work&& work) -> std::invoke_result_t<Work&, AlertTables&> {
    ASSIGN_OR_RETURN(auto lease, db_.acquire());
    AlertTables tables(*lease);
    return work(tables);
  }
  // `work` in one transaction on one pooled connection: committed when it returns OK, rolled
  // back otherwise.
  Status in_transaction(const std::function<Status(AlertTables&)>& work);

  // AlertTables::installation_id on a pooled connection.
  Result<std::string> installation_id(const std::string& candidate, Timestamp now);

  // Single statements, each on a pooled connection for its duration.
  Result<bool> enqueue(const OutboxEntry& e);
  Result<int64_t> pending_count();
  // AlertTables::claim_due in a transaction of its own.
  Result<std::vector<OutboxEntry>> claim_due(Timestamp now, int64_t limit, const std::string& channel,
                                             const std::string& claimed_by, Timestamp lease_until);

 private:
  explicit AlertStore(store::sql::Database& db) : db_(db) {}
  store::sql::Database& db_;
};

}  // namespace shouwang::alert
