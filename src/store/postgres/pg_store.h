// The server Store: one PostgreSQL database that several Shouwang processes share, reached through
// libpq. Same semantics as the SQLite store, checked by the same conformance suite.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace shouwang::store {

// Connects to `url` (postgresql://user@host:port/dbname) and brings the database's schema up to
// date, applying each missing migration once even when several processes start together. A
// server that cannot be reached is Unavailable; a schema newer than this build knows is
// FailedPrecondition.
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url);

}  // namespace shouwang::store
