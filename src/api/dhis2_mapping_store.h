// The DHIS2 identifier mapping kept in the Shouwang database (module "dhis2", table
// dhis2_identifiers) through store::sql: which DHIS2 dataElement, orgUnit and categoryOptionCombo
// uids name which of our indicators, locations and disaggregations. `shouwang dhis2 mapping` stores
// it; POST/GET /api/dataValueSets?idScheme=uid read it. Each call leases a connection from the
// shared pool, so one instance serves every thread.
#pragma once

#include <memory>

#include "core/status.h"
#include "ingest/parsers.h"
#include "store/sql.h"

namespace shouwang::api {

class Dhis2MappingStore {
 public:
  // Migrates the module's tables when needed.
  static Result<std::unique_ptr<Dhis2MappingStore>> open(store::sql::Database& db);

  // The stored mapping becomes `mapping`, whole, in one transaction.
  Status replace(const ingest::Dhis2Mapping& mapping);
  // The stored mapping (empty maps when none was stored).
  Result<ingest::Dhis2Mapping> load();

 private:
  explicit Dhis2MappingStore(store::sql::Database& db) : db_(db) {}
  store::sql::Database& db_;
};

}  // namespace shouwang::api
