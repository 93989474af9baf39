// A thin RAII layer over the SQLite C API: a connection, prepared statements with typed binds,
// and transactions, all reporting failures as Status. Private to src/store: the figures' SQLite store
// and sql::Connection's SQLite dialect are built on it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/status.h"

namespace shouwang::store::sqlite {

class Statement;

class Db {
 public:
  // Opens (creating if needed) the database file in WAL mode with a busy timeout, so readers and
  // one writer share it. ":memory:" gives a private in-memory database for tests.
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements with no results (DDL, PRAGMA, BEGIN...).
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  int64_t last_insert_rowid() const;
  int64_t changes() const;
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  // Binds are 1-based, as in SQLite.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // Advances to the next row: true when a row is available, false when done.
  Result<bool> step();
  // Runs a statement that returns no rows.
  Status run();
  void reset();

  int64_t column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double column_double(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string column_text(int col) const;
  bool column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int column_count() const { return sqlite3_column_count(stmt_); }
  int column_type(int col) const { return sqlite3_column_type(stmt_, col); }

 private:
  friend class Db;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction (one writer at a time), ROLLBACK on destruction unless
// commit() succeeded: an error or a crash mid-way leaves the database as it was.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> begin(Db& db);
  // A deferred transaction for consistent reads: takes no write lock.
  static Result<std::unique_ptr<Transaction>> begin_read(Db& db);
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Db& db) : db_(db) {}
  Db& db_;
  bool done_ = false;
};

}  // namespace shouwang::store::sqlite
