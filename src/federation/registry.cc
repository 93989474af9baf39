// SQL of the node register, portable between SQLite and PostgreSQL.
#include "federation/registry.h"

#include <algorithm>

#include "core/location.h"

namespace shouwang::federation {
namespace {

namespace sql = store::sql;

// Released steps are never edited: a change is a new step.
constexpr sql::Migration kSteps[] = {
    {1, R"sql(
CREATE TABLE federation_nodes(
  country TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  registered_at BIGINT NOT NULL,
  cursor BIGINT NOT NULL DEFAULT 0,
  node_head BIGINT NOT NULL DEFAULT 0,
  revisions_received BIGINT NOT NULL DEFAULT 0,
  last_batch_at BIGINT,
  caught_up_at BIGINT,
  last_error TEXT NOT NULL DEFAULT '',
  last_error_at BIGINT);
)sql"},
};
constexpr sql::Schema kSchema{"federation", kSteps};

constexpr std::string_view kColumns =
    "country, label, token_hash, registered_at, cursor, node_head, revisions_received, last_batch_at, "
    "caught_up_at, last_error, last_error_at";

std::optional<Timestamp> optional_time(const sql::Row& row, int col) {
  if (row.is_null(col)) return std::nullopt;
  return Timestamp(row.int64(col));
}

Node node_from_row(const sql::Row& row) {
  Node n;
  n.country = row.text(0);
  n.label = row.text(1);
  n.token_hash = row.text(2);
  n.registered_at = Timestamp(row.int64(3));
  n.cursor = row.int64(4);
  n.node_head = row.int64(5);
  n.revisions_received = row.int64(6);
  n.last_batch_at = optional_time(row, 7);
  n.caught_up_at = optional_time(row, 8);
  n.last_error = row.text(9);
  n.last_error_at = optional_time(row, 10);
  return n;
}

constexpr int64_t kOwnersCacheMicros = 1'000'000;

}  // namespace

double Node::lag_seconds(Timestamp now) const {
  if (node_head <= cursor && last_batch_at) return 0;
  Timestamp since = caught_up_at ? *caught_up_at : registered_at;
  return std::max<double>(0, static_cast<double>(now.micros() - since.micros()) / 1e6);
}

std::string country_of(const std::string& location) {
  auto level = level_of_location_code(location);
  if (!level || *level == LocationLevel::kWorld || *level == LocationLevel::kRegion) return "";
  return location.substr(0, location.find('-'));
}

Result<std::unique_ptr<NodeRegistry>> NodeRegistry::open(sql::Database& db) {
  RETURN_IF_ERROR(sql::migrate(db, kSchema));
  return std::unique_ptr<NodeRegistry>(new NodeRegistry(db));
}

Status NodeRegistry::add(const Node& node) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin(*conn));
  ASSIGN_OR_RETURN(auto existing, conn->query("SELECT label FROM federation_nodes WHERE country = ?", node.country));
  if (!existing.empty()) {
    return already_exists(node.country + " has a registered node already ('" + existing[0].text(0) + "')");
  }
  RETURN_IF_ERROR(conn->run("INSERT INTO federation_nodes(country, label, token_hash, registered_at) VALUES(?, ?, ?, ?)",
                            node.country, node.label, node.token_hash, node.registered_at.micros())
                      .status());
  RETURN_IF_ERROR(tx.commit());
  std::lock_guard lock(cache_mutex_);
  owned_read_at_.reset();
  return Status::ok();
}

Result<std::vector<Node>> NodeRegistry::list() {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto rows, conn->query("SELECT " + std::string(kColumns) + " FROM federation_nodes ORDER BY country"));
  return sql::all_rows(rows, node_from_row);
}

Result<Node> NodeRegistry::find_by_token(const std::string& token_hash) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto rows, conn->query("SELECT " + std::string(kColumns) + " FROM federation_nodes WHERE token_hash = ?",
                                          token_hash));
  if (rows.empty()) return not_found("this token belongs to no registered node");
  return node_from_row(rows[0]);
}

Result<std::optional<std::string>> NodeRegistry::owner_of(const std::string& location, Timestamp now) {
  const std::string country = country_of(location);
  if (country.empty()) return std::optional<std::string>();
  std::lock_guard lock(cache_mutex_);
  if (!owned_read_at_ || now.micros() - owned_read_at_->micros() >= kOwnersCacheMicros ||
      now.micros() < owned_read_at_->micros()) {
    ASSIGN_OR_RETURN(auto conn, db_.acquire());
    ASSIGN_OR_RETURN(auto rows, conn->query("SELECT country FROM federation_nodes"));
    owned_.clear();
    for (size_t i = 0; i < rows.size(); ++i) owned_.insert(rows[i].text(0));
    owned_read_at_ = now;
  }
  if (owned_.contains(country)) return std::optional<std::string>(country);
  return std::optional<std::string>();
}

Status NodeRegistry::record_batch(const std::string& country, int64_t through, int64_t head, int64_t revisions,
                                  Timestamp now) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  // The cursor never moves back (a late retry of an older batch), and the hub has caught up when it
  // holds the node's head.
  return conn
      ->run("UPDATE federation_nodes SET "
            "caught_up_at = CASE WHEN ? = 1 THEN ? ELSE caught_up_at END, "
            "cursor = CASE WHEN cursor > ? THEN cursor ELSE ? END, node_head = ?, "
            "revisions_received = revisions_received + ?, last_batch_at = ?, last_error = '', last_error_at = NULL "
            "WHERE country = ?",
            through >= head, now.micros(), through, through, head, revisions, now.micros(), country)
      .status();
}

Status NodeRegistry::record_refusal(const std::string& country, const std::string& error, Timestamp now) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  return conn->run("UPDATE federation_nodes SET last_error = ?, last_error_at = ? WHERE country = ?", error,
                   now.micros(), country)
      .status();
}

Status check_not_owned(NodeRegistry& registry, const std::string& location, Timestamp now) {
  ASSIGN_OR_RETURN(auto owner, registry.owner_of(location, now));
  if (!owner) return Status::ok();
  return already_exists("the figures of " + *owner + " are owned by its national node: this hub takes them from " +
                        "that node only (" + location + ")");
}

}  // namespace shouwang::federation
