// SQL of the DHIS2 mapping, portable between SQLite and PostgreSQL.
#include "api/dhis2_mapping_store.h"

namespace shouwang::api {
namespace {

namespace sql = store::sql;

// Released steps are never edited: a change is a new step.
constexpr sql::Migration kSteps[] = {
    {1, R"sql(
CREATE TABLE dhis2_identifiers(
  kind TEXT NOT NULL,
  dhis2_id TEXT NOT NULL,
  code TEXT NOT NULL,
  PRIMARY KEY(kind, dhis2_id));
)sql"},
};
constexpr sql::Schema kSchema{"dhis2", kSteps};

using IdMap = std::map<std::string, std::string, std::less<>>;
// The kinds as stored: the mapping file's own key names.
struct KindOf {
  std::string_view kind;
  IdMap ingest::Dhis2Mapping::*map;
};
constexpr KindOf kKinds[] = {{"dataElements", &ingest::Dhis2Mapping::data_elements},
                             {"orgUnits", &ingest::Dhis2Mapping::org_units},
                             {"categoryOptionCombos", &ingest::Dhis2Mapping::category_option_combos}};

}  // namespace

Result<std::unique_ptr<Dhis2MappingStore>> Dhis2MappingStore::open(sql::Database& db) {
  RETURN_IF_ERROR(sql::migrate(db, kSchema));
  return std::unique_ptr<Dhis2MappingStore>(new Dhis2MappingStore(db));
}

Status Dhis2MappingStore::replace(const ingest::Dhis2Mapping& mapping) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin(*conn));
  RETURN_IF_ERROR(conn->run("DELETE FROM dhis2_identifiers").status());
  for (const auto& [kind, map] : kKinds) {
    for (const auto& [id, code] : mapping.*map) {
      RETURN_IF_ERROR(conn->run("INSERT INTO dhis2_identifiers(kind, dhis2_id, code) VALUES(?, ?, ?)", kind, id, code)
                          .status());
    }
  }
  return tx.commit();
}

Result<ingest::Dhis2Mapping> Dhis2MappingStore::load() {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto rows, conn->query("SELECT kind, dhis2_id, code FROM dhis2_identifiers"));
  ingest::Dhis2Mapping mapping;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string kind = rows[i].text(0);
    for (const auto& k : kKinds) {
      if (k.kind == kind) (mapping.*k.map).emplace(rows[i].text(1), rows[i].text(2));
    }
  }
  return mapping;
}

}  // namespace shouwang::api
