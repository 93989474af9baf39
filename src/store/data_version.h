// A cheap check that nothing was committed to a database since the last look, by this process or
// any other: what lets a cache above the store (api/figures_cache.h) answer from memory and still
// never serve figures older than the last committed write. One query, no table read.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "store/sql.h"

namespace shouwang::store {

class DataVersionWatch {
 public:
  // Opens the watch's own connection to what `db` names (a SQLite file or a PostgreSQL URL).
  static Result<std::unique_ptr<DataVersionWatch>> open(const std::string& db);

  // A token that differs from every earlier one once any other connection, in any process, has
  // committed a write to the database since the earlier one was taken. Equal tokens mean nothing
  // was committed in between. Data read after taking a token is at least as new as the token.
  //  - SQLite: PRAGMA data_version, which changes on commits of every connection but its own, so
  //    the watch keeps a connection that never writes.
  //  - PostgreSQL: the transaction snapshot (pg_current_snapshot): a transaction that wrote and
  //    committed either was in progress at the earlier snapshot or started after it, and either
  //    changes the next one. It changes on writes to any table (coarse, never stale).
  // Safe to call from several threads (one query at a time on the watch's connection).
  Result<std::string> current();

 private:
  explicit DataVersionWatch(std::unique_ptr<sql::Connection> connection) : connection_(std::move(connection)) {}
  std::mutex mutex_;
  std::unique_ptr<sql::Connection> connection_;
};

}  // namespace shouwang::store
