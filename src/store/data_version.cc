// The data version of a database, per dialect (see data_version.h).
#include "store/data_version.h"

namespace shouwang::store {

Result<std::unique_ptr<DataVersionWatch>> DataVersionWatch::open(const std::string& db) {
  ASSIGN_OR_RETURN(auto connection, sql::connect(db));
  return std::unique_ptr<DataVersionWatch>(new DataVersionWatch(std::move(connection)));
}

Result<std::string> DataVersionWatch::current() {
  std::lock_guard lock(mutex_);
  if (!connection_->healthy()) return unavailable("the data version connection was lost");
  const bool sqlite = connection_->dialect() == sql::Dialect::kSqlite;
  ASSIGN_OR_RETURN(sql::Rows rows, connection_->query(sqlite ? "PRAGMA data_version" : "SELECT CAST(pg_current_snapshot() AS TEXT)"));
  if (rows.empty()) return internal_error("the database gave no data version");
  return sqlite ? std::to_string(rows[0].int64(0)) : rows[0].text(0);
}

}  // namespace shouwang::store
