// libpq connection, statements, COPY and transactions.
#include "store/postgres/pg_db.h"

#include <libpq-fe.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <system_error>

namespace shouwang::store::postgres {
namespace {

// libpq's messages end in a newline and may continue on indented lines; one line reads better in a
// Status.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// SQLSTATE classes: a connection or server that went away, resources the server lacks, and a
// transaction the server chose to abort (deadlock, serialisation) are worth retrying later, as
// SQLite's busy database is; a violated constraint maps as SQLite's does.
Status status_for_sqlstate(std::string_view sqlstate, std::string message) {
  if (sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate.starts_with("57") ||
      sqlstate == "40001" || sqlstate == "40P01") {
    return unavailable(std::move(message));
  }
  if (sqlstate.starts_with("23")) return already_exists(std::move(message));
  if (sqlstate.starts_with("22")) return invalid_argument(std::move(message));
  return internal_error(std::move(message));
}

void discard_notice(void*, const char*) {}

// The shortest text that reads back as the same number; for doubles "inf" and "nan", which float8
// accepts too.
template <typename Number>
std::string number_text(Number value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

bool succeeded(const PGresult* result) {
  ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

std::string Params::add(std::string_view text) {
  values_.emplace_back(std::string(text));
  return placeholder();
}

std::string Params::add(int64_t value) {
  values_.emplace_back(number_text(value));
  return placeholder();
}

std::string Params::add(double value) {
  values_.emplace_back(number_text(value));
  return placeholder();
}

std::string Params::add(Timestamp value) {
  values_.emplace_back(value.to_string());
  return placeholder();
}

std::string Params::add_null() {
  values_.emplace_back(std::nullopt);
  return placeholder();
}

void Rows::Clear::operator()(pg_result* result) const { PQclear(result); }

int Rows::size() const { return PQntuples(result_.get()); }

int Rows::columns() const { return PQnfields(result_.get()); }

bool Rows::is_null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }

std::string Rows::text(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Rows::int64(int row, int col) const {
  const char* text = PQgetvalue(result_.get(), row, col);
  // A boolean (EXISTS, comparisons) prints as "t" or "f".
  if (PQgetlength(result_.get(), row, col) == 1 && (*text == 't' || *text == 'f')) return *text == 't';
  int64_t value = 0;
  std::from_chars(text, text + PQgetlength(result_.get(), row, col), value);
  return value;
}

double Rows::float8(int row, int col) const {
  const char* text = PQgetvalue(result_.get(), row, col);
  double value = 0;
  // float8 prints its shortest exact form (extra_float_digits >= 1, the default since PG 12), and
  // "Infinity" / "-Infinity" / "NaN", which from_chars also reads.
  std::from_chars(text, text + PQgetlength(result_.get(), row, col), value);
  return value;
}

int64_t Rows::affected() const {
  const char* text = PQcmdTuples(result_.get());
  int64_t value = 0;
  std::from_chars(text, text + std::char_traits<char>::length(text), value);
  return value;
}

void CopyData::separate() {
  if (row_open_) text_ += '\t';
  row_open_ = true;
}

CopyData& CopyData::field(std::string_view text) {
  separate();
  for (char c : text) {
    switch (c) {
      case '\\': text_ += "\\\\"; break;
      case '\t': text_ += "\\t"; break;
      case '\n': text_ += "\\n"; break;
      case '\r': text_ += "\\r"; break;
      default: text_ += c;
    }
  }
  return *this;
}

CopyData& CopyData::field(int64_t value) {
  separate();
  text_ += number_text(value);
  return *this;
}

CopyData& CopyData::field(double value) {
  separate();
  text_ += number_text(value);
  return *this;
}

CopyData& CopyData::null_field() {
  separate();
  text_ += "\\N";
  return *this;
}

void CopyData::end_row() {
  text_ += '\n';
  row_open_ = false;
}

Result<std::unique_ptr<Db>> Db::connect(const std::string& url) {
  // The URL comes last and is expanded into its parts, so whatever it says overrides these.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "client_encoding", "dbname", nullptr};
  const char* values[] = {"10", "shouwang", "UTF8", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return unavailable("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status s = unavailable("cannot connect to PostgreSQL: " + one_line(PQerrorMessage(conn)));
    PQfinish(conn);
    return s;
  }
  // Notices ("relation already exists, skipping") would otherwise go to stderr.
  PQsetNoticeProcessor(conn, discard_notice, nullptr);
  return std::unique_ptr<Db>(new Db(conn));
}

Db::~Db() { PQfinish(conn_); }

Status Db::error(pg_result* result) const {
  if (PQstatus(conn_) == CONNECTION_BAD) {
    return unavailable("lost the connection to PostgreSQL: " + one_line(PQerrorMessage(conn_)));
  }
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary == nullptr) return internal_error("postgresql: " + one_line(PQerrorMessage(conn_)));
  std::string message = std::string("postgresql: ") + primary;
  if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) {
    message += " (" + one_line(detail) + ")";
  }
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return status_for_sqlstate(sqlstate ? sqlstate : "", std::move(message));
}

Status Db::exec(std::string_view sql) {
  std::unique_ptr<pg_result, Rows::Clear> result(PQexec(conn_, std::string(sql).c_str()));
  if (!succeeded(result.get())) return error(result.get());
  return Status::ok();
}

Result<Rows> Db::query(std::string_view sql, const Params& params) {
  const auto& values = params.values();
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& value : values) {
    // Text parameters are C strings: a NUL would silently cut the value short.
    if (value && value->find('\0') != std::string::npos) {
      return invalid_argument("PostgreSQL text cannot hold a NUL character");
    }
    pointers.push_back(value ? value->c_str() : nullptr);
  }
  auto [entry, fresh] = prepared_.try_emplace(std::string(sql));
  if (fresh) {
    entry->second = "shouwang_" + std::to_string(++statements_named_);
    std::unique_ptr<pg_result, Rows::Clear> prepared(
        PQprepare(conn_, entry->second.c_str(), entry->first.c_str(), 0, nullptr));
    if (!succeeded(prepared.get())) {
      Status s = error(prepared.get());
      prepared_.erase(entry);
      return s;
    }
  }
  Rows rows(PQexecPrepared(conn_, entry->second.c_str(), static_cast<int>(pointers.size()), pointers.data(),
                           nullptr, nullptr, 0));
  if (!succeeded(rows.result_.get())) return error(rows.result_.get());
  return rows;
}

Status Db::copy_in(std::string_view copy_statement, const CopyData& data) {
  {
    std::unique_ptr<pg_result, Rows::Clear> start(PQexec(conn_, std::string(copy_statement).c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) return error(start.get());
  }
  const std::string& text = data.text();
  constexpr size_t kChunk = size_t{1} << 20;
  const char* failure = nullptr;
  for (size_t at = 0; at < text.size() && failure == nullptr; at += kChunk) {
    int length = static_cast<int>(std::min(kChunk, text.size() - at));
    if (PQputCopyData(conn_, text.data() + at, length) != 1) failure = "sending COPY data failed";
  }
  Status status;
  if (PQputCopyEnd(conn_, failure) != 1) status = error(nullptr);
  // The outcome of COPY, then nothing: libpq wants every result read before the next command.
  while (pg_result* raw = PQgetResult(conn_)) {
    std::unique_ptr<pg_result, Rows::Clear> result(raw);
    if (status.is_ok() && !succeeded(result.get())) status = error(result.get());
  }
  return status;
}

namespace {
// What libpq is handed per PQputCopyData: large enough that calls are few, small enough that the
// server starts work early and the buffer stays out of the way of memory.
constexpr size_t kCopyPiece = size_t{256} << 10;
// PostgreSQL's binary dates and timestamps count from 2000-01-01.
constexpr int32_t kPgEpochDays = 10957;
constexpr int64_t kPgEpochMicros = int64_t{kPgEpochDays} * 86'400'000'000;
}  // namespace

BinaryCopy::BinaryCopy(Db& db) : db_(db) {
  buffer_.reserve(kCopyPiece + 256);
  // Signature, flags (no OIDs), header extension length.
  buffer_.append("PGCOPY\n\377\r\n\0", 11);
  put_be(0, 4);
  put_be(0, 4);
}

Result<std::unique_ptr<BinaryCopy>> BinaryCopy::start(Db& db, std::string_view copy_statement) {
  std::unique_ptr<pg_result, Rows::Clear> started(PQexec(db.conn_, std::string(copy_statement).c_str()));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) return db.error(started.get());
  return std::unique_ptr<BinaryCopy>(new BinaryCopy(db));
}

BinaryCopy::~BinaryCopy() {
  if (ended_) return;
  if (PQputCopyEnd(db_.conn_, "the writer stopped before the end of its rows") == 1) {
    while (pg_result* raw = PQgetResult(db_.conn_)) PQclear(raw);
  }
}

void BinaryCopy::put_be(uint64_t value, int bytes) {
  char out[8];
  for (int i = bytes - 1; i >= 0; --i, value >>= 8) out[i] = static_cast<char>(value & 0xff);
  buffer_.append(out, static_cast<size_t>(bytes));
}

void BinaryCopy::flush_if_full() {
  if (buffer_.size() < kCopyPiece || failure_ != nullptr) return;
  if (PQputCopyData(db_.conn_, buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    failure_ = "sending COPY data failed";
  }
  buffer_.clear();
}

BinaryCopy& BinaryCopy::row(int fields) {
  flush_if_full();
  put_be(static_cast<uint16_t>(fields), 2);
  return *this;
}

BinaryCopy& BinaryCopy::int64(int64_t value) {
  put_be(8, 4);
  put_be(static_cast<uint64_t>(value), 8);
  return *this;
}

BinaryCopy& BinaryCopy::int32(int32_t value) {
  put_be(4, 4);
  put_be(static_cast<uint32_t>(value), 4);
  return *this;
}

BinaryCopy& BinaryCopy::int16(int16_t value) {
  put_be(2, 4);
  put_be(static_cast<uint16_t>(value), 2);
  return *this;
}

BinaryCopy& BinaryCopy::float8(double value) {
  put_be(8, 4);
  put_be(std::bit_cast<uint64_t>(value), 8);
  return *this;
}

BinaryCopy& BinaryCopy::date(int32_t days_since_1970) { return int32(days_since_1970 - kPgEpochDays); }

BinaryCopy& BinaryCopy::timestamp(Timestamp value) { return int64(value.micros() - kPgEpochMicros); }

BinaryCopy& BinaryCopy::text(std::string_view value) {
  put_be(static_cast<uint32_t>(value.size()), 4);
  buffer_.append(value);
  return *this;
}

Status BinaryCopy::finish() {
  put_be(0xffff, 2);  // the trailer: a field count of -1
  if (failure_ == nullptr && PQputCopyData(db_.conn_, buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    failure_ = "sending COPY data failed";
  }
  buffer_.clear();
  ended_ = true;
  Status status;
  if (PQputCopyEnd(db_.conn_, failure_) != 1) status = db_.error(nullptr);
  while (pg_result* raw = PQgetResult(db_.conn_)) {
    std::unique_ptr<pg_result, Rows::Clear> result(raw);
    if (status.is_ok() && !succeeded(result.get())) status = db_.error(result.get());
  }
  if (status.is_ok() && failure_ != nullptr) status = db_.error(nullptr);
  return status;
}

bool Db::transaction_failed() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

bool Db::connection_lost() const { return PQstatus(conn_) == CONNECTION_BAD; }

Result<std::unique_ptr<Transaction>> Transaction::begin(Db& db) {
  RETURN_IF_ERROR(db.exec("BEGIN"));
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  if (!done_) (void)db_.exec("ROLLBACK");
}

Status Transaction::commit() {
  // COMMIT of an aborted transaction "succeeds" by rolling back; report the abort instead.
  if (db_.transaction_failed()) return internal_error("postgresql: the transaction was aborted by an earlier error");
  RETURN_IF_ERROR(db_.exec("COMMIT"));
  done_ = true;
  return Status::ok();
}

}  // namespace shouwang::store::postgres
