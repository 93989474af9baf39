// Opening the Shouwang database a `--db` value names (SQLite file or PostgreSQL URL): the store, with the reference catalogue
// (WORLD, WHO regions, every country) seeded into a new database.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace shouwang::cli {

Result<std::unique_ptr<store::Store>> open_database(const std::string& path);

}  // namespace shouwang::cli
