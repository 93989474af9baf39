// The one way to open the Store that a `--db` value names: a PostgreSQL server for a
// postgresql:// (or postgres://) URL, otherwise a SQLite file.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace shouwang::store {

// `db` is a URL such as postgresql://user@host:5432/shouwang, or the path of a SQLite database
// file (created when absent; ":memory:" for a private test database).
Result<std::unique_ptr<Store>> open_store(const std::string& db);

}  // namespace shouwang::store
