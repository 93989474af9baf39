// sql::Connection over libpq: `?` placeholders become $1, $2, ... once per SQL text; values
// travel as text parameters, never inside the SQL.
#include <unordered_map>

#include "store/postgres/pg_db.h"
#include "store/sql_dialects.h"

namespace shouwang::store::sql {
namespace {

// The advisory lock migrations take: "shouwang" in ASCII, the same key the figures schema uses,
// so every migration of one database runs one at a time.
constexpr int64_t kMigrationLock = 0x73686f7577616e67;

// Rewrites each `?` outside string literals, quoted identifiers and comments as $n.
std::string numbered_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      size_t end = sql.find(c, i + 1);
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++next);
    } else {
      out += c;
    }
  }
  return out;
}

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(std::unique_ptr<postgres::Db> db) : db_(std::move(db)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }
  Status exec(std::string_view sql) override { return db_->exec(sql); }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto found = rewritten_.find(std::string(sql));
    if (found == rewritten_.end()) {
      found = rewritten_.emplace(std::string(sql), numbered_placeholders(sql)).first;
    }
    postgres::Params pg_params;
    for (const Value& value : params) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              pg_params.add_null();
            } else {
              pg_params.add(v);
            }
          },
          value);
    }
    ASSIGN_OR_RETURN(postgres::Rows rows, db_->query(found->second, pg_params));
    int columns = rows.columns();
    std::vector<Value> cells;
    cells.reserve(static_cast<size_t>(rows.size()) * columns);
    for (int r = 0; r < rows.size(); ++r) {
      for (int c = 0; c < columns; ++c) {
        if (rows.is_null(r, c)) {
          cells.emplace_back();
        } else {
          cells.emplace_back(rows.text(r, c));
        }
      }
    }
    return Rows(columns, std::move(cells), rows.affected());
  }

  Status begin() override { return db_->exec("BEGIN"); }
  Status commit() override {
    // COMMIT of an aborted transaction "succeeds" by rolling back; report the abort instead.
    if (db_->transaction_failed()) {
      (void)db_->exec("ROLLBACK");
      return internal_error("postgresql: the transaction was aborted by an earlier error");
    }
    return db_->exec("COMMIT");
  }
  Status rollback() override {
    if (db_->connection_lost()) return Status::ok();  // the server rolled it back
    return db_->exec("ROLLBACK");
  }
  Status lock_for_migration() override {
    return db_->query("SELECT pg_advisory_xact_lock($1::bigint)", kMigrationLock).status();
  }
  bool healthy() const override { return !db_->connection_lost(); }

 private:
  std::unique_ptr<postgres::Db> db_;
  std::unordered_map<std::string, std::string> rewritten_;
};

}  // namespace

Result<std::unique_ptr<Connection>> connect_postgres(const std::string& url) {
  ASSIGN_OR_RETURN(auto db, postgres::Db::connect(url));
  return std::unique_ptr<Connection>(new PostgresConnection(std::move(db)));
}

}  // namespace shouwang::store::sql
