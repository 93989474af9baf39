// A thin RAII layer over libpq: a connection, parameterised statements (each SQL text prepared once
// per connection), COPY ... FROM STDIN, and transactions, all reporting failures as Status. Values
// only ever travel as statement parameters or COPY data, never inside SQL text. libpq's own header
// stays inside src/store: this one names libpq's types by forward declaration only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/time.h"

struct pg_conn;
struct pg_result;

namespace shouwang::store::postgres {

// Statement parameters in PostgreSQL's text form. Each add returns its placeholder ("$3"), so SQL
// put together from fixed fragments stays free of values.
class Params {
 public:
  std::string add(std::string_view text);
  std::string add(const char* text) { return add(std::string_view(text)); }
  std::string add(const std::string& text) { return add(std::string_view(text)); }
  std::string add(int64_t value);
  std::string add(int value) { return add(static_cast<int64_t>(value)); }
  std::string add(double value);
  std::string add(Timestamp value);  // ISO 8601 in UTC, for a $n::timestamptz
  std::string add_null();
  template <typename T>
  std::string add(const std::optional<T>& value) {
    return value ? add(*value) : add_null();
  }

  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::string placeholder() const { return std::string("$").append(std::to_string(values_.size())); }
  std::vector<std::optional<std::string>> values_;
};

// The rows a statement returned, in text form.
class Rows {
 public:
  int size() const;
  int columns() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  int64_t int64(int row, int col) const;  // booleans read as 0 and 1
  double float8(int row, int col) const;
  // How many rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const;

 private:
  friend class Db;
  friend class BinaryCopy;
  struct Clear {
    void operator()(pg_result* result) const;
  };
  explicit Rows(pg_result* result) : result_(result) {}
  std::unique_ptr<pg_result, Clear> result_;
};

// Rows for COPY ... FROM STDIN in PostgreSQL's text format: tab-separated fields, one row a line,
// backslash escapes, \N for NULL.
class CopyData {
 public:
  CopyData& field(std::string_view text);
  CopyData& field(int64_t value);
  CopyData& field(int value) { return field(static_cast<int64_t>(value)); }
  CopyData& field(double value);
  CopyData& null_field();
  template <typename T>
  CopyData& field(const std::optional<T>& value) {
    return value ? field(*value) : null_field();
  }
  void end_row();
  const std::string& text() const { return text_; }

 private:
  void separate();
  std::string text_;
  bool row_open_ = false;
};

class Db;

// Rows for COPY ... FROM STDIN WITH (FORMAT binary), handed to libpq a piece at a time as they are
// encoded, so the server stores the first rows while later ones are still being built. Binary input
// spares the server parsing each date, timestamp and number from text, about a third of its time in
// a bulk import. libpq has no encoder for this format, so this follows PostgreSQL's documented
// COPY BINARY layout (header, then per row a field count and length-prefixed big-endian values).
class BinaryCopy {
 public:
  // Starts `copy_statement` on db. Until finish(), db runs nothing else.
  static Result<std::unique_ptr<BinaryCopy>> start(Db& db, std::string_view copy_statement);
  // Ends the COPY as failed if finish() was not reached, so the transaction rolls back.
  ~BinaryCopy();
  BinaryCopy(const BinaryCopy&) = delete;
  BinaryCopy& operator=(const BinaryCopy&) = delete;

  BinaryCopy& row(int fields);
  BinaryCopy& int64(int64_t value);    // bigint
  BinaryCopy& int32(int32_t value);    // integer
  BinaryCopy& int16(int16_t value);    // smallint
  BinaryCopy& float8(double value);    // double precision
  BinaryCopy& date(int32_t days_since_1970);
  BinaryCopy& timestamp(Timestamp value);  // timestamptz
  BinaryCopy& text(std::string_view value);
  // Sends the trailer and what is buffered, ends the COPY and gives its outcome.
  Status finish();

 private:
  explicit BinaryCopy(Db& db);
  void put_be(uint64_t value, int bytes);
  void flush_if_full();
  Db& db_;
  std::string buffer_;
  const char* failure_ = nullptr;
  bool ended_ = false;
};

// One connection; like a SQLite handle, used by one thread at a time.
class Db {
 public:
  // Connects to a postgresql:// URL (any libpq connection string works). A server that cannot be
  // reached or refuses the login is Unavailable, with the server's message.
  static Result<std::unique_ptr<Db>> connect(const std::string& url);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs fixed SQL without parameters, possibly several statements (DDL, BEGIN, ...).
  Status exec(std::string_view sql);
  // Runs one parameterised statement, prepared on first use by this connection.
  Result<Rows> query(std::string_view sql, const Params& params);
  template <typename... Values>
  Result<Rows> query(std::string_view sql, const Values&... values) {
    Params params;
    (params.add(values), ...);
    return query(sql, params);
  }
  // Runs `copy_statement` (COPY table(columns) FROM STDIN) and streams `data` to it.
  Status copy_in(std::string_view copy_statement, const CopyData& data);
  // True when the connection is inside a transaction that an error has aborted.
  bool transaction_failed() const;
  // True once the server or the network dropped the connection; it cannot be used again.
  bool connection_lost() const;

 private:
  friend class BinaryCopy;
  explicit Db(pg_conn* conn) : conn_(conn) {}
  // The Status for a failed result (nullptr when libpq gave none).
  Status error(pg_result* result) const;
  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
  int64_t statements_named_ = 0;
};

// BEGIN on construction, ROLLBACK on destruction unless commit() succeeded: an error, a crash or a
// lost connection mid-way leaves the database as it was.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> begin(Db& db);
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Db& db) : db_(db) {}
  Db& db_;
  bool done_ = false;
};

}  // namespace shouwang::store::postgres
