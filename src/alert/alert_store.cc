// SQL of the liaison tables. Times are stored as microseconds since the epoch (UTC).
#include "alert/alert_store.h"

#include <boost/json.hpp>

#include "core/json_text.h"

namespace shouwang::alert {
namespace {

using store::sqlite::Db;
using store::sqlite::Statement;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS alert_subscriptions(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  organisation TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL,
  indicator TEXT NOT NULL DEFAULT '',
  min_severity INTEGER NOT NULL,
  webhook TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS alert_escalation_policies(
  id INTEGER PRIMARY KEY,
  location TEXT NOT NULL,
  after_micros INTEGER NOT NULL,
  webhook TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS alert_alerts(
  id INTEGER PRIMARY KEY,
  group_key TEXT NOT NULL,
  location TEXT NOT NULL,
  indicator TEXT NOT NULL,
  severity INTEGER NOT NULL,
  state TEXT NOT NULL,
  origin TEXT NOT NULL,
  text TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  last_signal_at INTEGER NOT NULL,
  signal_count INTEGER NOT NULL,
  report_received_at INTEGER NOT NULL,
  opened_by TEXT NOT NULL DEFAULT '',
  published_at INTEGER,
  published_by TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS alert_alerts_by_group ON alert_alerts(group_key, state);
CREATE INDEX IF NOT EXISTS alert_alerts_by_state ON alert_alerts(state, opened_at);
-- The grouping lookup (newest unresolved alert of a group) walks this backwards by id instead of
-- sorting the group's alerts in a temporary b-tree on every report.
CREATE INDEX IF NOT EXISTS alert_alerts_unresolved_by_group ON alert_alerts(group_key, id)
  WHERE state != 'resolved';
CREATE TABLE IF NOT EXISTS alert_transitions(
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  actor TEXT NOT NULL,
  at INTEGER NOT NULL,
  note TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS alert_transitions_by_alert ON alert_transitions(alert_id);
CREATE TABLE IF NOT EXISTS alert_escalations(
  alert_id INTEGER NOT NULL,
  policy_id INTEGER NOT NULL,
  fired_at INTEGER NOT NULL,
  PRIMARY KEY(alert_id, policy_id));
CREATE INDEX IF NOT EXISTS alert_escalations_by_policy ON alert_escalations(policy_id, alert_id);
CREATE TABLE IF NOT EXISTS alert_outbox(
  id INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  alert_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  kind TEXT NOT NULL,
  origin_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER,
  failed INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox(next_attempt_at)
  WHERE delivered_at IS NULL AND failed = 0;
)sql";

constexpr const char* kAlertColumns =
    "id, group_key, location, indicator, severity, state, origin, text, opened_at, last_signal_at, "
    "signal_count, report_received_at, opened_by, published_at, published_by";

Result<Alert> alert_from_row(const Statement& st) {
  Alert a;
  a.id = st.column_int64(0);
  a.group_key = st.column_text(1);
  a.location = st.column_text(2);
  a.indicator = st.column_text(3);
  a.severity = static_cast<Severity>(st.column_int64(4));
  ASSIGN_OR_RETURN(a.state, parse_alert_state(st.column_text(5)));
  a.origin = st.column_text(6);
  a.text = st.column_text(7);
  a.opened_at = Timestamp(st.column_int64(8));
  a.last_signal_at = Timestamp(st.column_int64(9));
  a.signal_count = st.column_int64(10);
  a.report_received_at = Timestamp(st.column_int64(11));
  a.opened_by = st.column_text(12);
  if (!st.column_is_null(13)) a.published_at = Timestamp(st.column_int64(13));
  a.published_by = st.column_text(14);
  return a;
}

Result<std::vector<Alert>> collect_alerts(Statement& st) { return store::sqlite::all_rows(st, alert_from_row); }

Result<bool> has_publication_columns(Db& db) {
  ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT COUNT(*) FROM pragma_table_info('alert_alerts') "
                                            "WHERE name = 'published_at'"));
  ASSIGN_OR_RETURN(bool row, st.step());
  return row && st.column_int64(0) > 0;
}

// Files made before event alerts could be confidential lack the published_* columns. Their
// detection alerts are published as they opened (public by nature); their event alerts become
// confidential until a focal point publishes them: what was shown cannot be unshown, but nothing
// more is. The check is repeated inside an immediate transaction so that two processes opening
// the same old file do not both add the columns; files already migrated take no write lock.
Status add_publication_columns(Db& db) {
  ASSIGN_OR_RETURN(bool present, has_publication_columns(db));
  if (present) return Status::ok();
  ASSIGN_OR_RETURN(auto tx, store::sqlite::Transaction::begin(db));
  ASSIGN_OR_RETURN(present, has_publication_columns(db));
  if (present) return Status::ok();
  RETURN_IF_ERROR(db.exec("ALTER TABLE alert_alerts ADD COLUMN published_at INTEGER;"
                          "ALTER TABLE alert_alerts ADD COLUMN published_by TEXT NOT NULL DEFAULT '';"
                          "UPDATE alert_alerts SET published_at = opened_at, published_by = opened_by "
                          "WHERE origin = 'signal';"));
  return tx->commit();
}

constexpr const char* kOutboxColumns =
    "id, idempotency_key, alert_id, channel, target, secret, payload, kind, origin_at, attempts, next_attempt_at";

OutboxEntry outbox_entry_from_row(const Statement& st) {
  OutboxEntry e;
  e.id = st.column_int64(0);
  e.idempotency_key = st.column_text(1);
  e.alert_id = st.column_int64(2);
  e.channel = st.column_text(3);
  e.target = st.column_text(4);
  e.secret = st.column_text(5);
  e.payload = st.column_text(6);
  e.kind = st.column_text(7);
  e.origin_at = Timestamp(st.column_int64(8));
  e.attempts = st.column_int64(9);
  e.next_attempt_at = Timestamp(st.column_int64(10));
  return e;
}

Result<std::vector<OutboxEntry>> collect_entries(Statement& st) {
  return store::sqlite::all_rows(st, outbox_entry_from_row);
}

}  // namespace

Result<Statement*> AlertStore::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    ASSIGN_OR_RETURN(Statement prepared, db_->prepare(sql));
    it = statements_.emplace(sql, std::move(prepared)).first;
  }
  it->second.reset();
  return &it->second;
}

Result<std::unique_ptr<AlertStore>> AlertStore::open(const std::string& db_path) {
  ASSIGN_OR_RETURN(auto db, Db::open(db_path));
  RETURN_IF_ERROR(db->exec(kSchema));
  RETURN_IF_ERROR(add_publication_columns(*db));
  return std::unique_ptr<AlertStore>(new AlertStore(std::move(db)));
}

Result<int64_t> AlertStore::add_subscription(const Subscription& s) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement(
                                "INSERT INTO alert_subscriptions(name, organisation, location, indicator, "
                                "min_severity, webhook, secret, created_at) VALUES(?,?,?,?,?,?,?,?)"));
  Statement& st = *st_ptr;
  st.bind(1, s.name).bind(2, s.organisation).bind(3, s.location).bind(4, s.indicator);
  st.bind(5, static_cast<int64_t>(s.min_severity)).bind(6, s.webhook).bind(7, s.secret).bind(8, s.created_at.micros());
  RETURN_IF_ERROR(st.run());
  return db_->last_insert_rowid();
}

Result<std::vector<Subscription>> AlertStore::list_subscriptions() {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("SELECT id, name, organisation, location, indicator, min_severity, "
                                         "webhook, secret, created_at FROM alert_subscriptions ORDER BY id"));
  return store::sqlite::all_rows(*st_ptr, [](const Statement& st) {
    Subscription s;
    s.id = st.column_int64(0);
    s.name = st.column_text(1);
    s.organisation = st.column_text(2);
    s.location = st.column_text(3);
    s.indicator = st.column_text(4);
    s.min_severity = static_cast<Severity>(st.column_int64(5));
    s.webhook = st.column_text(6);
    s.secret = st.column_text(7);
    s.created_at = Timestamp(st.column_int64(8));
    return s;
  });
}

Status AlertStore::delete_subscription(int64_t id) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("DELETE FROM alert_subscriptions WHERE id = ?"));
  Statement& st = *st_ptr;
  st.bind(1, id);
  RETURN_IF_ERROR(st.run());
  if (db_->changes() == 0) return not_found("no subscription " + std::to_string(id));
  return Status::ok();
}

Result<int64_t> AlertStore::add_escalation_policy(const EscalationPolicy& p) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("INSERT INTO alert_escalation_policies(location, after_micros, webhook, "
                                         "secret, name, created_at) VALUES(?,?,?,?,?,?)"));
  Statement& st = *st_ptr;
  st.bind(1, p.location).bind(2, p.after_micros).bind(3, p.webhook).bind(4, p.secret).bind(5, p.name);
  st.bind(6, p.created_at.micros());
  RETURN_IF_ERROR(st.run());
  return db_->last_insert_rowid();
}

Result<std::vector<EscalationPolicy>> AlertStore::list_escalation_policies() {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("SELECT id, location, after_micros, webhook, secret, name, created_at "
                                         "FROM alert_escalation_policies ORDER BY id"));
  return store::sqlite::all_rows(*st_ptr, [](const Statement& st) {
    EscalationPolicy p;
    p.id = st.column_int64(0);
    p.location = st.column_text(1);
    p.after_micros = st.column_int64(2);
    p.webhook = st.column_text(3);
    p.secret = st.column_text(4);
    p.name = st.column_text(5);
    p.created_at = Timestamp(st.column_int64(6));
    return p;
  });
}

Result<std::optional<Alert>> AlertStore::find_groupable_alert(const std::string& group_key, Timestamp since) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement(std::string("SELECT ") + kAlertColumns +
                                         " FROM alert_alerts WHERE group_key = ? AND state != 'resolved' "
                                         "AND last_signal_at >= ? ORDER BY id DESC LIMIT 1"));
  Statement& st = *st_ptr;
  st.bind(1, group_key).bind(2, since.micros());
  ASSIGN_OR_RETURN(auto alerts, collect_alerts(st));
  if (alerts.empty()) return std::optional<Alert>();
  return std::optional<Alert>(std::move(alerts.front()));
}

Result<int64_t> AlertStore::insert_alert(const Alert& a) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("INSERT INTO alert_alerts(group_key, location, indicator, severity, state, "
                                         "origin, text, opened_at, last_signal_at, signal_count, "
                                         "report_received_at, opened_by, published_at, published_by) "
                                         "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  Statement& st = *st_ptr;
  st.bind(1, a.group_key).bind(2, a.location).bind(3, a.indicator).bind(4, static_cast<int64_t>(a.severity));
  st.bind(5, alert_state_name(a.state)).bind(6, a.origin).bind(7, a.text).bind(8, a.opened_at.micros());
  st.bind(9, a.last_signal_at.micros()).bind(10, a.signal_count).bind(11, a.report_received_at.micros());
  st.bind(12, a.opened_by);
  st.bind(13, a.published_at ? std::optional(a.published_at->micros()) : std::nullopt).bind(14, a.published_by);
  RETURN_IF_ERROR(st.run());
  return db_->last_insert_rowid();
}

Status AlertStore::record_joined_signal(int64_t alert_id, Timestamp at, Severity severity) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("UPDATE alert_alerts SET signal_count = signal_count + 1, "
                                         "last_signal_at = MAX(last_signal_at, ?), severity = MAX(severity, ?) "
                                         "WHERE id = ?"));
  Statement& st = *st_ptr;
  st.bind(1, at.micros()).bind(2, static_cast<int64_t>(severity)).bind(3, alert_id);
  return st.run();
}

Result<Alert> AlertStore::get_alert(int64_t id) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement(std::string("SELECT ") + kAlertColumns + " FROM alert_alerts WHERE id = ?"));
  Statement& st = *st_ptr;
  st.bind(1, id);
  ASSIGN_OR_RETURN(auto alerts, collect_alerts(st));
  if (alerts.empty()) return alert_not_found(id);
  return std::move(alerts.front());
}

Result<std::vector<Alert>> AlertStore::list_alerts(const AlertFilter& filter) {
  std::string sql = std::string("SELECT ") + kAlertColumns + " FROM alert_alerts WHERE 1=1";
  if (filter.state) sql += " AND state = ?1";
  if (!filter.location.empty()) sql += " AND location = ?2";
  if (filter.confidential_within) {
    sql += " AND (published_at IS NOT NULL OR location IN (SELECT value FROM json_each(?4)))";
  }
  sql += " ORDER BY id DESC LIMIT ?3";
  ASSIGN_OR_RETURN(Statement * st_ptr, statement(sql));
  Statement& st = *st_ptr;
  if (filter.state) st.bind(1, alert_state_name(*filter.state));
  if (!filter.location.empty()) st.bind(2, filter.location);
  st.bind(3, filter.limit);
  if (filter.confidential_within) {
    st.bind(4, json_text(boost::json::array(filter.confidential_within->begin(), filter.confidential_within->end())));
  }
  return collect_alerts(st);
}

Status AlertStore::set_published(int64_t alert_id, Timestamp at, const std::string& by) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("UPDATE alert_alerts SET published_at = ?, published_by = ? "
                                                 "WHERE id = ? AND published_at IS NULL"));
  Statement& st = *st_ptr;
  st.bind(1, at.micros()).bind(2, by).bind(3, alert_id);
  return st.run();
}

Status AlertStore::set_state(int64_t alert_id, AlertState state) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("UPDATE alert_alerts SET state = ? WHERE id = ?"));
  Statement& st = *st_ptr;
  st.bind(1, alert_state_name(state)).bind(2, alert_id);
  return st.run();
}

Status AlertStore::add_transition(const Transition& t) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("INSERT INTO alert_transitions(alert_id, from_state, to_state, actor, at, "
                                         "note) VALUES(?,?,?,?,?,?)"));
  Statement& st = *st_ptr;
  st.bind(1, t.alert_id).bind(2, t.from_state).bind(3, t.to_state).bind(4, t.actor).bind(5, t.at.micros());
  st.bind(6, t.note);
  return st.run();
}

Result<std::vector<Transition>> AlertStore::list_transitions(int64_t alert_id) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("SELECT alert_id, from_state, to_state, actor, at, note FROM "
                                         "alert_transitions WHERE alert_id = ? ORDER BY id"));
  Statement& st = *st_ptr;
  st.bind(1, alert_id);
  return store::sqlite::all_rows(st, [](const Statement& row) {
    return Transition{row.column_int64(0), row.column_text(1), row.column_text(2), row.column_text(3),
                      Timestamp(row.column_int64(4)), row.column_text(5)};
  });
}

Result<std::vector<Alert>> AlertStore::unescalated_open_alerts(int64_t policy_id, Timestamp opened_before) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement(std::string("SELECT ") + kAlertColumns +
                                         " FROM alert_alerts WHERE state = 'open' AND opened_at <= ? AND id NOT IN "
                                         "(SELECT alert_id FROM alert_escalations WHERE policy_id = ?) ORDER BY id"));
  Statement& st = *st_ptr;
  st.bind(1, opened_before.micros()).bind(2, policy_id);
  return collect_alerts(st);
}

Status AlertStore::record_escalation(int64_t alert_id, int64_t policy_id, Timestamp at) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("INSERT OR IGNORE INTO alert_escalations(alert_id, policy_id, fired_at) "
                                         "VALUES(?,?,?)"));
  Statement& st = *st_ptr;
  st.bind(1, alert_id).bind(2, policy_id).bind(3, at.micros());
  return st.run();
}

Result<bool> AlertStore::enqueue(const OutboxEntry& e) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("INSERT OR IGNORE INTO alert_outbox(idempotency_key, alert_id, channel, "
                                         "target, secret, payload, kind, origin_at, next_attempt_at) "
                                         "VALUES(?,?,?,?,?,?,?,?,?)"));
  Statement& st = *st_ptr;
  st.bind(1, e.idempotency_key).bind(2, e.alert_id).bind(3, e.channel).bind(4, e.target).bind(5, e.secret);
  st.bind(6, e.payload).bind(7, e.kind).bind(8, e.origin_at.micros()).bind(9, e.next_attempt_at.micros());
  RETURN_IF_ERROR(st.run());
  return db_->changes() > 0;
}

Result<std::vector<OutboxEntry>> AlertStore::due_entries(Timestamp now, int64_t limit, const std::string& channel) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement(std::string("SELECT ") + kOutboxColumns +
                                                 " FROM alert_outbox WHERE delivered_at IS NULL AND failed = 0 AND "
                                                 "next_attempt_at <= ?1 AND (?3 = '' OR channel = ?3) "
                                                 "ORDER BY next_attempt_at, id LIMIT ?2"));
  Statement& st = *st_ptr;
  st.bind(1, now.micros()).bind(2, limit).bind(3, channel);
  return collect_entries(st);
}

Result<std::optional<Timestamp>> AlertStore::next_due_time() {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("SELECT MIN(next_attempt_at) FROM alert_outbox WHERE delivered_at IS NULL "
                                         "AND failed = 0"));
  Statement& st = *st_ptr;
  ASSIGN_OR_RETURN(bool row, st.step());
  std::optional<Timestamp> out;
  if (row && !st.column_is_null(0)) out = Timestamp(st.column_int64(0));
  st.reset();  // an unfinished statement would pin this connection's read snapshot
  return out;
}

Status AlertStore::mark_delivered(int64_t id, Timestamp at, int64_t attempts) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("UPDATE alert_outbox SET delivered_at = ?, attempts = ?, last_error = '' "
                                         "WHERE id = ?"));
  Statement& st = *st_ptr;
  st.bind(1, at.micros()).bind(2, attempts).bind(3, id);
  return st.run();
}

Status AlertStore::mark_attempt_failed(int64_t id, int64_t attempts, Timestamp next_attempt_at,
                                       const std::string& error, bool give_up) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement("UPDATE alert_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, "
                                         "failed = ? WHERE id = ?"));
  Statement& st = *st_ptr;
  st.bind(1, attempts).bind(2, next_attempt_at.micros()).bind(3, error).bind(4, give_up ? 1 : 0).bind(5, id);
  return st.run();
}

Result<int64_t> AlertStore::pending_count() {
  return single_integer("SELECT COUNT(*) FROM alert_outbox WHERE delivered_at IS NULL AND failed = 0");
}

Result<std::vector<OutboxEntry>> AlertStore::delivered_entries(int64_t alert_id) {
  ASSIGN_OR_RETURN(Statement * st_ptr, statement(std::string("SELECT ") + kOutboxColumns +
                                         " FROM alert_outbox WHERE alert_id = ? AND delivered_at IS NOT NULL "
                                         "ORDER BY id"));
  Statement& st = *st_ptr;
  st.bind(1, alert_id);
  return collect_entries(st);
}

Result<int64_t> AlertStore::data_version() { return single_integer("PRAGMA data_version"); }

Result<int64_t> AlertStore::single_integer(const std::string& sql) {
  ASSIGN_OR_RETURN(Statement * st, statement(sql));
  ASSIGN_OR_RETURN(bool row, st->step());
  int64_t value = row ? st->column_int64(0) : 0;
  st->reset();  // an unfinished statement would pin this connection's read snapshot
  return value;
}

Status AlertStore::run_statement(const std::string& sql) {
  ASSIGN_OR_RETURN(Statement * st, statement(sql));
  return st->run();
}

Status AlertStore::begin_immediate() { return run_statement("BEGIN IMMEDIATE"); }
Status AlertStore::commit() { return run_statement("COMMIT"); }
Status AlertStore::rollback() { return run_statement("ROLLBACK"); }
Status AlertStore::begin_report_savepoint() { return run_statement("SAVEPOINT liaison_report"); }
Status AlertStore::release_report_savepoint() { return run_statement("RELEASE liaison_report"); }

Status AlertStore::rollback_report_savepoint() {
  RETURN_IF_ERROR(run_statement("ROLLBACK TO liaison_report"));
  return run_statement("RELEASE liaison_report");
}

}  // namespace shouwang::alert
