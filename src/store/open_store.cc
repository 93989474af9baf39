// Choosing the Store dialect from the `--db` value.
#include "store/open_store.h"

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace shouwang::store {

Result<std::unique_ptr<Store>> open_store(const std::string& db) {
  // The two URI schemes libpq accepts.
  if (db.starts_with("postgresql://") || db.starts_with("postgres://")) return open_postgres_store(db);
  return open_sqlite_store(db);
}

}  // namespace shouwang::store
