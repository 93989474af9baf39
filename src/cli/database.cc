// Seeding a new database with the compiled-in reference locations.
#include "cli/database.h"

#include "ingest/reference_data.h"
#include "store/open_store.h"

namespace shouwang::cli {

Result<std::unique_ptr<store::Store>> open_database(const std::string& path) {
  ASSIGN_OR_RETURN(auto db, store::open_store(path));
  ASSIGN_OR_RETURN(auto locations, db->list_locations());
  if (locations.empty()) {
    const auto& reference = ingest::reference_locations();
    RETURN_IF_ERROR(db->upsert_locations(reference));
  }
  return db;
}

}  // namespace shouwang::cli
