// sql::Connection over SQLite: statements prepared once per SQL text and kept for the
// connection's life; rows read into memory with their stored types.
#include <sqlite3.h>

#include <unordered_map>

#include "store/sql_dialects.h"
#include "store/sqlite/sqlite_db.h"

namespace shouwang::store::sql {
namespace {

Value cell(const sqlite::Statement& st, int col) {
  switch (st.column_type(col)) {
    case SQLITE_NULL: return Value{};
    case SQLITE_INTEGER: return st.column_int64(col);
    case SQLITE_FLOAT: return st.column_double(col);
    default: return st.column_text(col);
  }
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(std::unique_ptr<sqlite::Db> db) : db_(std::move(db)) {}

  Dialect dialect() const override { return Dialect::kSqlite; }
  Status exec(std::string_view sql) override { return db_->exec(sql); }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto found = statements_.find(std::string(sql));
    if (found == statements_.end()) {
      ASSIGN_OR_RETURN(sqlite::Statement prepared, db_->prepare(sql));
      found = statements_.emplace(std::string(sql), std::move(prepared)).first;
    }
    sqlite::Statement& st = found->second;
    st.reset();
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i + 1);
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              st.bind_null(index);
            } else {
              st.bind(index, v);
            }
          },
          params[i]);
    }
    std::vector<Value> cells;
    int columns = 0;
    while (true) {
      Result<bool> row = st.step();
      if (!row.is_ok()) {
        st.reset();
        return row.status();
      }
      if (!*row) break;
      columns = st.column_count();
      for (int c = 0; c < columns; ++c) cells.push_back(cell(st, c));
    }
    int64_t affected = db_->changes();
    st.reset();
    return Rows(columns, std::move(cells), affected);
  }

  // IMMEDIATE takes the write lock at BEGIN: two writers then queue on the busy timeout instead of
  // one failing at its first write with SQLITE_BUSY.
  Status begin() override { return db_->exec("BEGIN IMMEDIATE"); }
  Status commit() override { return db_->exec("COMMIT"); }
  Status rollback() override {
    if (sqlite3_get_autocommit(db_->handle())) return Status::ok();
    return db_->exec("ROLLBACK");
  }
  // BEGIN IMMEDIATE already holds the database's one write lock.
  Status lock_for_migration() override { return Status::ok(); }
  bool healthy() const override { return true; }

 private:
  std::unique_ptr<sqlite::Db> db_;
  std::unordered_map<std::string, sqlite::Statement> statements_;
};

}  // namespace

Result<std::unique_ptr<Connection>> connect_sqlite(const std::string& path) {
  ASSIGN_OR_RETURN(auto db, sqlite::Db::open(path));
  return std::unique_ptr<Connection>(new SqliteConnection(std::move(db)));
}

}  // namespace shouwang::store::sql
