// SQL of the liaison tables, portable between SQLite and PostgreSQL. Times are stored as
// microseconds since the epoch (UTC).
#include "alert/alert_store.h"

#include <algorithm>

namespace shouwang::alert {
namespace {

namespace sql = store::sql;
using sql::Dialect;
using sql::Row;
using sql::Value;

// Step 1 is the schema the SQLite-only releases created with CREATE ... IF NOT EXISTS (their
// INTEGER is SQLite's 64-bit integer), so a database file made before the migrations existed
// keeps its tables and rows. Released steps are never edited: a change is a new step.
constexpr sql::Migration kSteps[] = {
    {1, R"sql(
CREATE TABLE IF NOT EXISTS alert_subscriptions(
  id {id},
  name TEXT NOT NULL,
  organisation TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL,
  indicator TEXT NOT NULL DEFAULT '',
  min_severity BIGINT NOT NULL,
  webhook TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_escalation_policies(
  id {id},
  location TEXT NOT NULL,
  after_micros BIGINT NOT NULL,
  webhook TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_alerts(
  id {id},
  group_key TEXT NOT NULL,
  location TEXT NOT NULL,
  indicator TEXT NOT NULL,
  severity BIGINT NOT NULL,
  state TEXT NOT NULL,
  origin TEXT NOT NULL,
  text TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  last_signal_at BIGINT NOT NULL,
  signal_count BIGINT NOT NULL,
  report_received_at BIGINT NOT NULL,
  opened_by TEXT NOT NULL DEFAULT '',
  published_at BIGINT,
  published_by TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS alert_alerts_by_group ON alert_alerts(group_key, state);
CREATE INDEX IF NOT EXISTS alert_alerts_by_state ON alert_alerts(state, opened_at);
-- The grouping lookup (newest unresolved alert of a group) walks this backwards by id instead of
-- sorting the group's alerts on every report.
CREATE INDEX IF NOT EXISTS alert_alerts_unresolved_by_group ON alert_alerts(group_key, id)
  WHERE state != 'resolved';
CREATE TABLE IF NOT EXISTS alert_transitions(
  id {id},
  alert_id BIGINT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  actor TEXT NOT NULL,
  at BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS alert_transitions_by_alert ON alert_transitions(alert_id);
CREATE TABLE IF NOT EXISTS alert_escalations(
  alert_id BIGINT NOT NULL,
  policy_id BIGINT NOT NULL,
  fired_at BIGINT NOT NULL,
  PRIMARY KEY(alert_id, policy_id));
CREATE INDEX IF NOT EXISTS alert_escalations_by_policy ON alert_escalations(policy_id, alert_id);
CREATE TABLE IF NOT EXISTS alert_outbox(
  id {id},
  idempotency_key TEXT NOT NULL UNIQUE,
  alert_id BIGINT NOT NULL,
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  kind TEXT NOT NULL,
  origin_at BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  delivered_at BIGINT,
  failed BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox(next_attempt_at)
  WHERE delivered_at IS NULL AND failed = 0;
)sql"},
    // Several servers on one database: an outbox entry is held by the server sending it until
    // claimed_until (microseconds; 0: held by none), and routing changes are counted so every
    // server notices them.
    {2, R"sql(
ALTER TABLE alert_outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_outbox ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS alert_routing(
  id BIGINT PRIMARY KEY,
  version BIGINT NOT NULL);
INSERT INTO alert_routing(id, version) VALUES(1, 0) ON CONFLICT(id) DO NOTHING;
)sql"},
    // Federation over NATS: the database's installation id (one row, written by the first server
    // to open it), the ids of the stream messages already handled (a redelivered message queues
    // nothing twice), and for an outbox entry the installation its alert lives in ('' for this one).
    {3, R"sql(
CREATE TABLE IF NOT EXISTS alert_installation(
  id BIGINT PRIMARY KEY,
  installation_id TEXT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_received(
  message_id TEXT PRIMARY KEY,
  origin_installation TEXT NOT NULL,
  subject TEXT NOT NULL,
  received_at BIGINT NOT NULL);
ALTER TABLE alert_outbox ADD COLUMN origin_installation TEXT NOT NULL DEFAULT '';
)sql"},
    // Records of handled messages are forgotten after a while (AlertTables::record_received).
    {4, R"sql(
CREATE INDEX IF NOT EXISTS alert_received_at ON alert_received(received_at);
)sql"},
};

// How long the record of a handled stream message is kept. JetStream hands a message out again
// only while it is unacknowledged (every ack wait, 10 s); a record is needed past that only when a
// server died between its commit and its acknowledgement and stayed down, so a month is ample.
constexpr int64_t kReceivedKeptMicros = int64_t{30} * 24 * 3600 * 1'000'000;
constexpr sql::Schema kSchema{"alert", kSteps};

// The first key of every group lock ("alrt"): PostgreSQL's two-key advisory locks are a space of
// their own, apart from the one-key locks migrations take.
constexpr int64_t kGroupLockClass = 0x616c7274;

// FNV-1a: the same number for a group in every server process and build (std::hash need not be).
int32_t group_lock_key(const std::string& group_key) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : group_key) {
    hash ^= c;
    hash *= 16777619u;
  }
  return static_cast<int32_t>(hash);
}

constexpr const char* kAlertColumns =
    "id, group_key, location, indicator, severity, state, origin, text, opened_at, last_signal_at, "
    "signal_count, report_received_at, opened_by, published_at, published_by";

Result<Alert> alert_from_row(const Row& row) {
  Alert a;
  a.id = row.int64(0);
  a.group_key = row.text(1);
  a.location = row.text(2);
  a.indicator = row.text(3);
  a.severity = static_cast<Severity>(row.int64(4));
  ASSIGN_OR_RETURN(a.state, parse_alert_state(row.text(5)));
  a.origin = row.text(6);
  a.text = row.text(7);
  a.opened_at = Timestamp(row.int64(8));
  a.last_signal_at = Timestamp(row.int64(9));
  a.signal_count = row.int64(10);
  a.report_received_at = Timestamp(row.int64(11));
  a.opened_by = row.text(12);
  if (!row.is_null(13)) a.published_at = Timestamp(row.int64(13));
  a.published_by = row.text(14);
  return a;
}

constexpr const char* kOutboxColumns =
    "id, idempotency_key, alert_id, channel, target, secret, payload, kind, origin_at, attempts, next_attempt_at";

OutboxEntry outbox_entry_from_row(const Row& row) {
  OutboxEntry e;
  e.id = row.int64(0);
  e.idempotency_key = row.text(1);
  e.alert_id = row.int64(2);
  e.channel = row.text(3);
  e.target = row.text(4);
  e.secret = row.text(5);
  e.payload = row.text(6);
  e.kind = row.text(7);
  e.origin_at = Timestamp(row.int64(8));
  e.attempts = row.int64(9);
  e.next_attempt_at = Timestamp(row.int64(10));
  return e;
}

// ", ?" n times after the first: the placeholders of an IN list of n values (n > 0).
std::string placeholders(size_t n) {
  std::string out = "?";
  for (size_t i = 1; i < n; ++i) out += ", ?";
  return out;
}

// Files made before event alerts could be confidential lack the published_* columns (only SQLite
// files are that old). Their detection alerts are published as they opened (public by nature);
// their event alerts become confidential until a focal point publishes them: what was shown
// cannot be unshown, but nothing more is. The check is repeated inside the write transaction so
// that two processes opening the same old file do not both add the columns.
Status add_publication_columns(sql::Database& db) {
  if (db.dialect() != Dialect::kSqlite) return Status::ok();
  ASSIGN_OR_RETURN(auto lease, db.acquire());
  sql::Connection& conn = *lease;
  // Either statement fails to prepare when its table or column is missing.
  auto lacks_columns = [&] {
    return conn.query("SELECT id FROM alert_alerts WHERE 0 = 1").is_ok() &&
           !conn.query("SELECT published_at FROM alert_alerts WHERE 0 = 1").is_ok();
  };
  if (!lacks_columns()) return Status::ok();
  ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin(conn));
  if (!lacks_columns()) return Status::ok();
  RETURN_IF_ERROR(conn.exec("ALTER TABLE alert_alerts ADD COLUMN published_at INTEGER;"
                            "ALTER TABLE alert_alerts ADD COLUMN published_by TEXT NOT NULL DEFAULT '';"
                            "UPDATE alert_alerts SET published_at = opened_at, published_by = opened_by "
                            "WHERE origin = 'signal';"));
  return tx.commit();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// AlertStore

Result<std::unique_ptr<AlertStore>> AlertStore::open(sql::Database& db) {
  RETURN_IF_ERROR(add_publication_columns(db));
  RETURN_IF_ERROR(sql::migrate(db, kSchema));
  return std::unique_ptr<AlertStore>(new AlertStore(db));
}

Status AlertStore::in_transaction(const std::function<Status(AlertTables&)>& work) {
  ASSIGN_OR_RETURN(auto lease, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin(*lease));
  AlertTables tables(*lease);
  RETURN_IF_ERROR(work(tables));
  return tx.commit();
}

Result<std::string> AlertStore::installation_id(const std::string& candidate, Timestamp now) {
  return on_connection([&](AlertTables& t) { return t.installation_id(candidate, now); });
}

Result<bool> AlertStore::enqueue(const OutboxEntry& e) {
  return on_connection([&](AlertTables& t) { return t.enqueue(e); });
}

Result<int64_t> AlertStore::pending_count() {
  return on_connection([](AlertTables& t) { return t.pending_count(); });
}

Result<std::vector<OutboxEntry>> AlertStore::claim_due(Timestamp now, int64_t limit, const std::string& channel,
                                                       const std::string& claimed_by, Timestamp lease_until) {
  std::vector<OutboxEntry> claimed;
  RETURN_IF_ERROR(in_transaction([&](AlertTables& t) -> Status {
    ASSIGN_OR_RETURN(claimed, t.claim_due(now, limit, channel, claimed_by, lease_until));
    return Status::ok();
  }));
  return claimed;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions, policies and routing

Result<int64_t> AlertTables::add_subscription(const Subscription& s) {
  ASSIGN_OR_RETURN(int64_t id, conn_.scalar("INSERT INTO alert_subscriptions(name, organisation, location, indicator, "
                                            "min_severity, webhook, secret, created_at) VALUES(?,?,?,?,?,?,?,?) "
                                            "RETURNING id",
                                            s.name, s.organisation, s.location, s.indicator,
                                            static_cast<int64_t>(s.min_severity), s.webhook, s.secret,
                                            s.created_at.micros()));
  RETURN_IF_ERROR(conn_.run("UPDATE alert_routing SET version = version + 1 WHERE id = 1").status());
  return id;
}

Result<std::vector<Subscription>> AlertTables::list_subscriptions() {
  ASSIGN_OR_RETURN(auto rows, conn_.query("SELECT id, name, organisation, location, indicator, min_severity, "
                                          "webhook, secret, created_at FROM alert_subscriptions ORDER BY id"));
  return sql::all_rows(rows, [](const Row& row) {
    Subscription s;
    s.id = row.int64(0);
    s.name = row.text(1);
    s.organisation = row.text(2);
    s.location = row.text(3);
    s.indicator = row.text(4);
    s.min_severity = static_cast<Severity>(row.int64(5));
    s.webhook = row.text(6);
    s.secret = row.text(7);
    s.created_at = Timestamp(row.int64(8));
    return s;
  });
}

Status AlertTables::delete_subscription(int64_t id) {
  ASSIGN_OR_RETURN(int64_t deleted, conn_.run("DELETE FROM alert_subscriptions WHERE id = ?", id));
  if (deleted == 0) return not_found("no subscription " + std::to_string(id));
  return conn_.run("UPDATE alert_routing SET version = version + 1 WHERE id = 1").status();
}

Result<int64_t> AlertTables::add_escalation_policy(const EscalationPolicy& p) {
  ASSIGN_OR_RETURN(int64_t id, conn_.scalar("INSERT INTO alert_escalation_policies(location, after_micros, webhook, "
                                            "secret, name, created_at) VALUES(?,?,?,?,?,?) RETURNING id",
                                            p.location, p.after_micros, p.webhook, p.secret, p.name,
                                            p.created_at.micros()));
  RETURN_IF_ERROR(conn_.run("UPDATE alert_routing SET version = version + 1 WHERE id = 1").status());
  return id;
}

Result<std::vector<EscalationPolicy>> AlertTables::list_escalation_policies() {
  ASSIGN_OR_RETURN(auto rows, conn_.query("SELECT id, location, after_micros, webhook, secret, name, created_at "
                                          "FROM alert_escalation_policies ORDER BY id"));
  return sql::all_rows(rows, [](const Row& row) {
    EscalationPolicy p;
    p.id = row.int64(0);
    p.location = row.text(1);
    p.after_micros = row.int64(2);
    p.webhook = row.text(3);
    p.secret = row.text(4);
    p.name = row.text(5);
    p.created_at = Timestamp(row.int64(6));
    return p;
  });
}

Result<int64_t> AlertTables::routing_version() {
  return conn_.scalar("SELECT version FROM alert_routing WHERE id = 1");
}

// ---------------------------------------------------------------------------------------------
// Alerts and transitions

Result<std::vector<Alert>> AlertTables::alerts(std::string_view sql_text, std::span<const Value> params) {
  ASSIGN_OR_RETURN(auto rows, conn_.query(sql_text, params));
  return sql::all_rows(rows, alert_from_row);
}

Status AlertTables::lock_groups(const std::vector<std::string>& group_keys) {
  if (conn_.dialect() != Dialect::kPostgres || group_keys.empty()) return Status::ok();
  std::vector<int32_t> keys;
  for (const auto& group : group_keys) keys.push_back(group_lock_key(group));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (int32_t key : keys) {
    RETURN_IF_ERROR(conn_.query("SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))",
                                kGroupLockClass, static_cast<int64_t>(key))
                        .status());
  }
  return Status::ok();
}

Result<std::optional<Alert>> AlertTables::find_groupable_alert(const std::string& group_key, Timestamp since) {
  const Value params[] = {group_key, since.micros()};
  ASSIGN_OR_RETURN(auto found, alerts(std::string("SELECT ") + kAlertColumns +
                                          " FROM alert_alerts WHERE group_key = ? AND state != 'resolved' "
                                          "AND last_signal_at >= ? ORDER BY id DESC LIMIT 1",
                                      params));
  if (found.empty()) return std::optional<Alert>();
  return std::optional<Alert>(std::move(found.front()));
}

Result<int64_t> AlertTables::insert_alert(const Alert& a) {
  return conn_.scalar("INSERT INTO alert_alerts(group_key, location, indicator, severity, state, origin, text, "
                      "opened_at, last_signal_at, signal_count, report_received_at, opened_by, published_at, "
                      "published_by) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                      a.group_key, a.location, a.indicator, static_cast<int64_t>(a.severity),
                      alert_state_name(a.state), a.origin, a.text, a.opened_at.micros(), a.last_signal_at.micros(),
                      a.signal_count, a.report_received_at.micros(), a.opened_by,
                      a.published_at ? std::optional(a.published_at->micros()) : std::nullopt, a.published_by);
}

Status AlertTables::record_joined_signal(int64_t alert_id, Timestamp at, Severity severity) {
  // CASE rather than the two-argument MAX, which PostgreSQL spells GREATEST.
  return conn_
      .run("UPDATE alert_alerts SET signal_count = signal_count + 1, "
           "last_signal_at = CASE WHEN last_signal_at > CAST(? AS BIGINT) THEN last_signal_at "
           "ELSE CAST(? AS BIGINT) END, "
           "severity = CASE WHEN severity > CAST(? AS BIGINT) THEN severity ELSE CAST(? AS BIGINT) END "
           "WHERE id = ?",
           at.micros(), at.micros(), static_cast<int64_t>(severity), static_cast<int64_t>(severity), alert_id)
      .status();
}

Result<Alert> AlertTables::get_alert(int64_t id) {
  const Value params[] = {id};
  ASSIGN_OR_RETURN(auto found,
                   alerts(std::string("SELECT ") + kAlertColumns + " FROM alert_alerts WHERE id = ?", params));
  if (found.empty()) return alert_not_found(id);
  return std::move(found.front());
}

Result<Alert> AlertTables::lock_alert(int64_t id) {
  if (conn_.dialect() != Dialect::kPostgres) return get_alert(id);
  const Value params[] = {id};
  ASSIGN_OR_RETURN(auto found, alerts(std::string("SELECT ") + kAlertColumns +
                                          " FROM alert_alerts WHERE id = ? FOR UPDATE",
                                      params));
  if (found.empty()) return alert_not_found(id);
  return std::move(found.front());
}

Result<std::vector<Alert>> AlertTables::list_alerts(const AlertFilter& filter) {
  std::string sql_text = std::string("SELECT ") + kAlertColumns + " FROM alert_alerts WHERE 1 = 1";
  std::vector<Value> params;
  if (filter.state) {
    sql_text += " AND state = ?";
    params.emplace_back(std::string(alert_state_name(*filter.state)));
  }
  if (!filter.location.empty()) {
    sql_text += " AND location = ?";
    params.emplace_back(filter.location);
  }
  if (filter.confidential_within) {
    const auto& within = *filter.confidential_within;
    if (within.empty()) {
      sql_text += " AND published_at IS NOT NULL";
    } else {
      sql_text += " AND (published_at IS NOT NULL OR location IN (" + placeholders(within.size()) + "))";
      for (const auto& code : within) params.emplace_back(code);
    }
  }
  sql_text += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(filter.limit);
  return alerts(sql_text, params);
}

Status AlertTables::set_published(int64_t alert_id, Timestamp at, const std::string& by) {
  return conn_
      .run("UPDATE alert_alerts SET published_at = ?, published_by = ? WHERE id = ? AND published_at IS NULL",
           at.micros(), by, alert_id)
      .status();
}

Status AlertTables::set_state(int64_t alert_id, AlertState state) {
  return conn_.run("UPDATE alert_alerts SET state = ? WHERE id = ?", alert_state_name(state), alert_id).status();
}

Status AlertTables::add_transition(const Transition& t) {
  return conn_
      .run("INSERT INTO alert_transitions(alert_id, from_state, to_state, actor, at, note) VALUES(?,?,?,?,?,?)",
           t.alert_id, t.from_state, t.to_state, t.actor, t.at.micros(), t.note)
      .status();
}

Result<std::vector<Transition>> AlertTables::list_transitions(int64_t alert_id) {
  ASSIGN_OR_RETURN(auto rows, conn_.query("SELECT alert_id, from_state, to_state, actor, at, note FROM "
                                          "alert_transitions WHERE alert_id = ? ORDER BY id",
                                          alert_id));
  return sql::all_rows(rows, [](const Row& row) {
    return Transition{row.int64(0), row.text(1), row.text(2), row.text(3), Timestamp(row.int64(4)), row.text(5)};
  });
}

// ---------------------------------------------------------------------------------------------
// Escalations

Result<std::vector<Alert>> AlertTables::unescalated_open_alerts(int64_t policy_id, Timestamp opened_before) {
  const Value params[] = {opened_before.micros(), policy_id};
  return alerts(std::string("SELECT ") + kAlertColumns +
                    " FROM alert_alerts WHERE state = 'open' AND opened_at <= ? AND id NOT IN "
                    "(SELECT alert_id FROM alert_escalations WHERE policy_id = ?) ORDER BY id",
                params);
}

Result<bool> AlertTables::record_escalation(int64_t alert_id, int64_t policy_id, Timestamp at) {
  // On PostgreSQL a second server inserting the same pair waits for the first one's commit and
  // then inserts nothing.
  ASSIGN_OR_RETURN(int64_t inserted,
                   conn_.run("INSERT INTO alert_escalations(alert_id, policy_id, fired_at) VALUES(?,?,?) "
                             "ON CONFLICT(alert_id, policy_id) DO NOTHING",
                             alert_id, policy_id, at.micros()));
  return inserted > 0;
}

// ---------------------------------------------------------------------------------------------
// Outbox

Result<bool> AlertTables::enqueue(const OutboxEntry& e) {
  ASSIGN_OR_RETURN(int64_t inserted,
                   conn_.run("INSERT INTO alert_outbox(idempotency_key, alert_id, channel, target, secret, payload, "
                             "kind, origin_at, next_attempt_at, origin_installation) VALUES(?,?,?,?,?,?,?,?,?,?) "
                             "ON CONFLICT(idempotency_key) DO NOTHING",
                             e.idempotency_key, e.alert_id, e.channel, e.target, e.secret, e.payload, e.kind,
                             e.origin_at.micros(), e.next_attempt_at.micros(), e.origin_installation));
  return inserted > 0;
}

Result<std::string> AlertTables::installation_id(const std::string& candidate, Timestamp now) {
  // Two servers opening a new database at once: the first insert stands, and both read it.
  RETURN_IF_ERROR(conn_.run("INSERT INTO alert_installation(id, installation_id, created_at) VALUES(1, ?, ?) "
                            "ON CONFLICT(id) DO NOTHING",
                            candidate, now.micros())
                      .status());
  ASSIGN_OR_RETURN(auto rows, conn_.query("SELECT installation_id FROM alert_installation WHERE id = 1"));
  if (rows.empty()) return internal_error("the installation id was not stored");
  return rows[0].text(0);
}

Result<bool> AlertTables::record_received(const std::string& message_id, const std::string& origin_installation,
                                          const std::string& subject, Timestamp at) {
  // On PostgreSQL a second server recording the same message waits for the first one's commit
  // and then inserts nothing.
  ASSIGN_OR_RETURN(int64_t inserted,
                   conn_.run("INSERT INTO alert_received(message_id, origin_installation, subject, received_at) "
                             "VALUES(?,?,?,?) ON CONFLICT(message_id) DO NOTHING",
                             message_id, origin_installation, subject, at.micros()));
  if (inserted > 0) {
    RETURN_IF_ERROR(
        conn_.run("DELETE FROM alert_received WHERE received_at < ?", at.micros() - kReceivedKeptMicros).status());
  }
  return inserted > 0;
}

Result<std::vector<OutboxEntry>> AlertTables::claim_due(Timestamp now, int64_t limit, const std::string& channel,
                                                        const std::string& claimed_by, Timestamp lease_until) {
  std::string select = std::string("SELECT ") + kOutboxColumns +
                       " FROM alert_outbox WHERE delivered_at IS NULL AND failed = 0 AND next_attempt_at <= ? "
                       "AND claimed_until <= ?";
  std::vector<Value> params = {now.micros(), now.micros()};
  if (!channel.empty()) {
    select += " AND channel = ?";
    params.emplace_back(channel);
  }
  select += " ORDER BY next_attempt_at, id LIMIT ?";
  params.emplace_back(limit);
  // PostgreSQL locks the rows it returns until the claim commits, and passes over rows another
  // server is claiming at this moment. SQLite's transaction already holds the only write lock.
  if (conn_.dialect() == Dialect::kPostgres) select += " FOR UPDATE SKIP LOCKED";
  ASSIGN_OR_RETURN(auto rows, conn_.query(select, std::span<const Value>(params)));
  ASSIGN_OR_RETURN(auto entries, sql::all_rows(rows, outbox_entry_from_row));
  if (entries.empty()) return entries;

  std::vector<Value> claim = {claimed_by, lease_until.micros()};
  for (const auto& e : entries) claim.emplace_back(e.id);
  ASSIGN_OR_RETURN(auto updated, conn_.query("UPDATE alert_outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (" +
                                                 placeholders(entries.size()) + ")",
                                             std::span<const Value>(claim)));
  (void)updated;
  return entries;
}

Status AlertTables::mark_delivered(int64_t id, const std::string& claimed_by, Timestamp at, int64_t attempts) {
  return conn_
      .run("UPDATE alert_outbox SET delivered_at = ?, attempts = ?, last_error = '', claimed_by = '', "
           "claimed_until = 0 WHERE id = ? AND claimed_by = ?",
           at.micros(), attempts, id, claimed_by)
      .status();
}

Status AlertTables::mark_attempt_failed(int64_t id, const std::string& claimed_by, int64_t attempts,
                                        Timestamp next_attempt_at, const std::string& error, bool give_up) {
  return conn_
      .run("UPDATE alert_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, failed = ?, claimed_by = '', "
           "claimed_until = 0 WHERE id = ? AND claimed_by = ?",
           attempts, next_attempt_at.micros(), error, give_up ? int64_t{1} : int64_t{0}, id, claimed_by)
      .status();
}

Status AlertTables::release_claim(int64_t id, const std::string& claimed_by) {
  return conn_
      .run("UPDATE alert_outbox SET claimed_by = '', claimed_until = 0 WHERE id = ? AND claimed_by = ?", id,
           claimed_by)
      .status();
}

Result<int64_t> AlertTables::pending_count() {
  return conn_.scalar("SELECT COUNT(*) FROM alert_outbox WHERE delivered_at IS NULL AND failed = 0");
}

Result<std::vector<OutboxEntry>> AlertTables::delivered_entries(int64_t alert_id) {
  ASSIGN_OR_RETURN(auto rows, conn_.query(std::string("SELECT ") + kOutboxColumns +
                                              " FROM alert_outbox WHERE alert_id = ? AND origin_installation = '' "
                                              "AND delivered_at IS NOT NULL ORDER BY id",
                                          alert_id));
  return sql::all_rows(rows, outbox_entry_from_row);
}

// SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT are spelled alike in both dialects.
Status AlertTables::begin_report_savepoint() { return conn_.exec("SAVEPOINT liaison_report"); }
Status AlertTables::release_report_savepoint() { return conn_.exec("RELEASE SAVEPOINT liaison_report"); }

Status AlertTables::rollback_report_savepoint() {
  RETURN_IF_ERROR(conn_.exec("ROLLBACK TO SAVEPOINT liaison_report"));
  return conn_.exec("RELEASE SAVEPOINT liaison_report");
}

}  // namespace shouwang::alert
