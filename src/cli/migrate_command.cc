// `shouwang migrate --db D`: brings every table of a database (figures, signals, alerts, aid,
// genome sharing, knowledge, the DHIS2 mapping) to this binary's schema and says what it applied. `serve` and the
// other commands do the same on opening; running it first lets an operator upgrade a shared
// PostgreSQL database once, before starting several servers on it.
#include <iostream>
#include <map>

#include "aid/coordination_store.h"
#include "api/dhis2_mapping_store.h"
#include "federation/registry.h"
#include "alert/alert_store.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/database.h"
#include "genome/sharing_store.h"
#include "knowledge/knowledge_store.h"
#include "store/sql.h"
#include "watch/watch.h"

namespace shouwang::cli {
namespace {

Result<std::map<std::string, int64_t>> module_versions(store::sql::Database& db) {
  ASSIGN_OR_RETURN(auto conn, db.acquire());
  return store::sql::module_versions(*conn);
}

template <typename ModuleStore>
void open_module(store::sql::Database& db) {
  auto opened = ModuleStore::open(db);
  if (!opened) fail(opened.status());
}

void run_migrate(const std::string& db_name) {
  auto figures = open_database(db_name);  // the figures' own schema, and the reference locations
  if (!figures) fail(figures.status());
  auto db = store::sql::Database::open(db_name);
  if (!db) fail(db.status());
  auto before = module_versions(**db);
  if (!before) fail(before.status());
  open_module<watch::SignalStore>(**db);
  open_module<alert::AlertStore>(**db);
  open_module<aid::CoordinationStore>(**db);
  open_module<genome::GenomeStore>(**db);
  open_module<knowledge::KnowledgeStore>(**db);
  open_module<api::Dhis2MappingStore>(**db);
  open_module<federation::NodeRegistry>(**db);
  auto after = module_versions(**db);
  if (!after) fail(after.status());
  std::cout << "figures: ready\n";
  for (const auto& [module, version] : *after) {
    auto was = before->find(module);
    int64_t from = was == before->end() ? 0 : was->second;
    std::cout << module << ": version " << version;
    if (from != version) std::cout << " (applied " << from + 1 << ".." << version << ")";
    std::cout << "\n";
  }
}

}  // namespace

void register_migrate_command(CLI::App& app) {
  auto db = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "migrate",
      "Create or upgrade every table of a database to this version's schema and print each module's\n"
      "schema version. Safe to run again, and while other servers start: each step is applied once,\n"
      "under a lock. A database newer than this binary is refused.");
  cmd->add_option("--db", *db, kDbHelp)->required();
  cmd->callback([db] { run_migrate(*db); });
}

}  // namespace shouwang::cli
