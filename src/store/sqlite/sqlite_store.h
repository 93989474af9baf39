// The embedded Store: one SQLite file in WAL mode (readers never wait for the writer and never
// see a half-applied write). Every module's tables live in the same file.
#pragma once

#include <memory>
#include <string>

#include "core/time.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace shouwang::store {

// Opens or creates the database at `path` (":memory:" for a private test database), creating the
// schema and the built-in indicators when absent.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path);

}  // namespace shouwang::store
