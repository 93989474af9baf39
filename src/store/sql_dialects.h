// The two dialects' connections behind sql::Connection; private to src/store.
#pragma once

#include <memory>
#include <string>

#include "store/sql.h"

namespace shouwang::store::sql {

Result<std::unique_ptr<Connection>> connect_sqlite(const std::string& path);
Result<std::unique_ptr<Connection>> connect_postgres(const std::string& url);

}  // namespace shouwang::store::sql
