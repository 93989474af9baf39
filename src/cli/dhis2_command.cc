// `shouwang dhis2 mapping --db D --file mapping.json`: stores the DHIS2 identifier mapping (the
// format of `import --format dhis2 --mapping`) in the database, where POST and GET
// /api/dataValueSets?idScheme=uid read it. The stored mapping is replaced whole.
#include <iostream>

#include "api/dhis2_mapping_store.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "ingest/importer.h"
#include "store/sql.h"

namespace shouwang::cli {
namespace {

struct MappingArgs {
  std::string db;
  std::string file;
};

void run_mapping(const MappingArgs& args) {
  auto text = ingest::read_whole_file(args.file);
  if (!text) fail(text.status());
  auto mapping = ingest::parse_dhis2_mapping(*text);
  if (!mapping) fail(invalid_argument(args.file + ": " + mapping.status().message()));
  auto database = store::sql::Database::open(args.db);
  if (!database) fail(database.status());
  auto mappings = api::Dhis2MappingStore::open(**database);
  if (!mappings) fail(mappings.status());
  Status stored = (*mappings)->replace(*mapping);
  if (!stored.is_ok()) fail(stored);
  std::cout << "stored the DHIS2 mapping: " << mapping->data_elements.size() << " dataElements, "
            << mapping->org_units.size() << " orgUnits, " << mapping->category_option_combos.size()
            << " categoryOptionCombos" << std::endl;
}

}  // namespace

void register_dhis2_commands(CLI::App& app) {
  auto* dhis2 = app.add_subcommand("dhis2", "DHIS2 interoperability (POST/GET /api/dataValueSets)");
  dhis2->require_subcommand(1);
  auto args = std::make_shared<MappingArgs>();
  auto* mapping = dhis2->add_subcommand(
      "mapping",
      "Store the mapping from DHIS2 uids to our codes that /api/dataValueSets?idScheme=uid uses, replacing\n"
      "the one stored before. The file: {\"dataElements\":{uid:indicator}, \"orgUnits\":{uid:location},\n"
      "\"categoryOptionCombos\":{uid:\"SEX=F;AGE=15-24\"}} (categoryOptionCombos optional; DHIS2's default\n"
      "combo HllvX50cXC0 is always the total).");
  mapping->add_option("--db", args->db, kDbHelp)->required();
  mapping->add_option("--file", args->file, "The mapping JSON file")->required();
  mapping->callback([args] { run_mapping(*args); });
}

}  // namespace shouwang::cli
