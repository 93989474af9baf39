// The persistence layer every module's tables go through: a Database named by a `--db` value (a
// SQLite file or a postgresql:// URL) hands out pooled connections; statements are parameterised
// with `?` placeholders and run alike on both dialects; transactions roll back unless committed;
// each module's schema is a list of versioned migrations applied once per database under a lock.
// No module outside src/store sees sqlite3.h or libpq-fe.h.
//
// Portable SQL, written once for both dialects: `INSERT ... ON CONFLICT ... DO NOTHING/UPDATE`,
// `INSERT ... RETURNING id`, BIGINT for integers (microsecond times overflow PostgreSQL's INTEGER),
// DOUBLE PRECISION, TEXT, `CAST(? AS TEXT)` where a parameter's type is otherwise unknown.
// Migration DDL may write {id} for an auto-numbered primary key and {blob} for bytes.
#pragma once

#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/status.h"

namespace shouwang::store::sql {

enum class Dialect : uint8_t { kSqlite, kPostgres };

// A parameter or a cell. PostgreSQL cells arrive as text and are converted on reading.
using Value = std::variant<std::monostate, int64_t, double, std::string>;

inline Value value_of(int64_t v) { return v; }
inline Value value_of(int v) { return static_cast<int64_t>(v); }
inline Value value_of(bool v) { return static_cast<int64_t>(v ? 1 : 0); }
inline Value value_of(double v) { return v; }
inline Value value_of(std::string_view v) { return std::string(v); }
inline Value value_of(const char* v) { return std::string(v); }
inline Value value_of(const std::string& v) { return v; }
inline Value value_of(std::nullopt_t) { return std::monostate{}; }
template <typename T>
Value value_of(const std::optional<T>& v) {
  return v ? value_of(*v) : Value{};
}

// One row of a result.
class Row {
 public:
  Row(const Value* cells, int columns) : cells_(cells), columns_(columns) {}
  int columns() const { return columns_; }
  bool is_null(int col) const;
  int64_t int64(int col) const;  // also reads PostgreSQL's booleans as 0/1
  double float8(int col) const;
  std::string text(int col) const;

 private:
  const Value* cells_;
  int columns_;
};

// Every row a statement gave, read into memory.
class Rows {
 public:
  Rows() = default;
  Rows(int columns, std::vector<Value> cells, int64_t affected)
      : columns_(columns), cells_(std::move(cells)), affected_(affected) {}
  size_t size() const { return columns_ == 0 ? 0 : cells_.size() / columns_; }
  bool empty() const { return size() == 0; }
  Row operator[](size_t i) const { return Row(cells_.data() + i * columns_, columns_); }
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const { return affected_; }

 private:
  int columns_ = 0;
  std::vector<Value> cells_;
  int64_t affected_ = 0;
};

// One connection, used by one thread at a time (a Database lends it out).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Fixed SQL without parameters, possibly several statements.
  virtual Status exec(std::string_view sql) = 0;
  // One statement with `?` placeholders, prepared once per connection and SQL text.
  virtual Result<Rows> query(std::string_view sql, std::span<const Value> params) = 0;

  template <typename... Values>
  Result<Rows> query(std::string_view sql, const Values&... values) {
    const Value params[] = {Value{}, value_of(values)...};
    return query(sql, std::span<const Value>(params + 1, sizeof...(values)));
  }
  // A statement whose rows are not needed; gives how many rows it touched.
  template <typename... Values>
  Result<int64_t> run(std::string_view sql, const Values&... values) {
    ASSIGN_OR_RETURN(Rows rows, query(sql, values...));
    return rows.affected();
  }
  // The single integer a statement gives (COUNT(*), RETURNING id, ...); NotFound when no row.
  template <typename... Values>
  Result<int64_t> scalar(std::string_view sql, const Values&... values) {
    ASSIGN_OR_RETURN(Rows rows, query(sql, values...));
    if (rows.empty()) return not_found("the statement returned no row");
    return rows[0].int64(0);
  }

  // BEGIN (BEGIN IMMEDIATE on SQLite, so the writer is decided up front) and its ends.
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual Status rollback() = 0;
  // Serialises migrations across processes inside the current transaction.
  virtual Status lock_for_migration() = 0;
  // False once the connection was lost; the pool then closes it instead of lending it again.
  virtual bool healthy() const = 0;
};

// Rolls back on destruction unless commit() succeeded: an error or a crash mid-way leaves the
// database as it was.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

// Opens one connection to what `db` names: a postgresql:// (or postgres://) URL, otherwise a
// SQLite file created when absent.
Result<std::unique_ptr<Connection>> connect(const std::string& db);
bool is_postgres_url(std::string_view db);

// A bounded pool of connections to one database. acquire() waits up to `wait` for a free one and
// then answers Unavailable, so a burst of requests queues instead of opening connections without
// end. A ":memory:" SQLite database has one connection (each would otherwise be its own database).
class Database {
 public:
  struct Options {
    size_t max_connections = 16;
    std::chrono::milliseconds wait{10000};
  };
  static Result<std::unique_ptr<Database>> open(const std::string& db, Options options);
  static Result<std::unique_ptr<Database>> open(const std::string& db) { return open(db, Options{}); }
  ~Database();

  class Lease {
   public:
    Lease(Database* owner, std::unique_ptr<Connection> conn) : owner_(owner), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }
    // A connection that failed mid-statement is closed instead of pooled.
    void discard() { broken_ = true; }

   private:
    Database* owner_;
    std::unique_ptr<Connection> conn_;
    bool broken_ = false;
  };
  Result<Lease> acquire();

  const std::string& name() const { return name_; }
  Dialect dialect() const { return dialect_; }

 private:
  Database(std::string name, Dialect dialect, Options options)
      : name_(std::move(name)), dialect_(dialect), options_(options) {}
  void give_back(std::unique_ptr<Connection> conn, bool broken);
  std::string name_;
  Dialect dialect_;
  Options options_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;
};

// One step of a module's schema. Released steps are never edited: a change is a new step.
struct Migration {
  int64_t version;
  std::string_view sql;  // portable DDL; {id} and {blob} are replaced per dialect
};
// A module's schema: its name (the key in shouwang_migrations) and steps in version order.
struct Schema {
  std::string_view module;
  std::span<const Migration> steps;
};

// Applies every step not yet applied, each schema in one transaction under the migration lock, so
// concurrent openers (several servers starting at once) apply each step exactly once. A database
// whose schema is newer than this binary's is FailedPrecondition.
Status migrate(Connection& conn, std::span<const Schema> schemas);
Status migrate(Connection& conn, const Schema& schema);
// The schema version of each module as this database records it (absent: nothing applied).
Result<std::map<std::string, int64_t>> module_versions(Connection& conn);
// Opens a connection from `db` and migrates it; for modules' open() functions.
Status migrate(Database& db, const Schema& schema);

// Reading rows into records: a reader takes a Row and gives the record, or a Result of it when a
// row can be refused.
template <typename T>
struct RecordOf {
  using type = T;
};
template <typename T>
struct RecordOf<Result<T>> {
  using type = T;
};
template <typename Read>
using RowOf = typename RecordOf<std::invoke_result_t<Read, const Row&>>::type;

template <typename T>
Result<T> as_result(Result<T> record) {
  return record;
}
template <typename T>
Result<T> as_result(T record) {
  return record;
}

template <typename Read>
Result<std::vector<RowOf<Read>>> all_rows(const Rows& rows, Read read) {
  std::vector<RowOf<Read>> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSIGN_OR_RETURN(auto record, as_result(read(rows[i])));
    out.push_back(std::move(record));
  }
  return out;
}

// The one row a lookup gives, or NotFound with `missing`.
template <typename Read>
Result<RowOf<Read>> the_row(const Rows& rows, Read read, const std::string& missing) {
  if (rows.empty()) return not_found(missing);
  return as_result(read(rows[0]));
}

}  // namespace shouwang::store::sql
