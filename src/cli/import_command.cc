// `shouwang import`: validates a file and writes it as one all-or-nothing transaction, printing
// every problem as "line L, column C: reason" and the summary line
// "imported N observations, R new revisions, W warnings, E errors".
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "cli/cli_support.h"
#include "federation/registry.h"
#include "store/sql.h"
#include "cli/commands.h"
#include "cli/database.h"
#include "ingest/importer.h"

namespace shouwang::cli {
namespace {

struct ImportArgs {
  std::string db;
  std::string format;
  std::string file;
  std::string source;
  bool partial = false;
  bool allow_corrections = false;
  std::string indicator;
  std::string mapping;
};

void run_import(const ImportArgs& args) {
  auto format = ingest::parse_format(args.format);
  if (!format) fail(format.status());
  ingest::ImportOptions options;
  options.source = args.source;
  options.partial = args.partial;
  options.allow_corrections = args.allow_corrections;
  options.jhu_indicator = args.indicator;
  if (*format == ingest::Format::kJhu && args.indicator.empty()) {
    fail(invalid_argument("--format jhu needs --indicator cases or --indicator deaths (which file this is)"));
  }
  if (*format == ingest::Format::kDhis2 || *format == ingest::Format::kDhis2Csv) {
    if (args.mapping.empty()) {
      fail(invalid_argument("--format " + args.format + " needs --mapping FILE (DHIS2 ids -> our codes)"));
    }
    auto text = ingest::read_whole_file(args.mapping);
    if (!text) fail(text.status());
    auto mapping = ingest::parse_dhis2_mapping(*text);
    if (!mapping) fail(invalid_argument(args.mapping + ": " + mapping.status().message()));
    options.dhis2_mapping = std::move(mapping).value();
  }
  auto content = ingest::read_whole_file(args.file);
  if (!content) fail(content.status());
  auto store = open_database(args.db);
  if (!store) fail(store.status());

  SystemClock clock;
  // At a hub, a country with a registered node takes figures from that node only, whichever way
  // they would come (docs/federation.md).
  auto database = store::sql::Database::open(args.db);
  if (!database) fail(database.status());
  auto nodes = federation::NodeRegistry::open(**database);
  if (!nodes) fail(nodes.status());
  auto registered = (*nodes)->list();
  if (!registered) fail(registered.status());
  if (!registered->empty()) {
    options.authorize = [&](const ingest::ParsedBatch& batch) -> Status {
      std::set<std::string, std::less<>> checked;  // a location once, not once per row
      for (const auto& o : batch.observations) {
        if (!checked.insert(o.location).second) continue;
        RETURN_IF_ERROR(federation::check_not_owned(**nodes, o.location, clock.now()));
      }
      return Status::ok();
    };
  }
  std::unique_ptr<ProgressBar> bar;
  std::string phase;
  auto progress = [&](std::string_view now_phase, int64_t done, int64_t total) {
    if (phase != now_phase) {
      if (bar) bar->finish();
      phase = std::string(now_phase);
      bar = std::make_unique<ProgressBar>(phase == "parsing" ? "checking" : "writing ", total);
    }
    bar->update(done);
  };
  auto report = ingest::import_content(**store, *content, *format, options, clock, progress);
  if (bar) bar->finish();
  if (!report) fail(report.status());

  for (const auto& problem : report->errors) std::cerr << ingest::describe_problem(problem) << "\n";
  for (const auto& problem : report->warnings) std::cerr << "warning: " << ingest::describe_problem(problem) << "\n";
  if (!report->errors.empty() && !report->written) {
    std::cerr << "nothing was imported: fix the rows above or use --partial to import the valid rows\n";
  }
  std::cout << "imported " << report->observations << " observations, " << report->new_revisions
            << " new revisions, " << report->warnings.size() << " warnings, " << report->errors.size()
            << " errors" << std::endl;
  if (!report->errors.empty()) exit_with(kExitErrors);
}

}  // namespace

void register_import_command(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  auto* cmd = app.add_subcommand(
      "import",
      "Validate a file and store its figures as one transaction: a file with any invalid row changes\n"
      "nothing and every bad row is reported (line, column, reason); --partial stores the valid rows.\n"
      "Formats: csv (header location,indicator,date,value), json ({\"observations\":[...]}),\n"
      "jhu (JHU CSSE wide time series), who (WHO-COVID-19-global-data.csv), dhis2 (dataValueSets JSON),\n"
      "adx (IHE ADX XML), fhir (Bundle of MeasureReport), sdmx-csv (SDMX-CSV 2.0 of SHOUWANG:EPI(1.0)),\n"
      "dhis2-csv (DHIS2 data value CSV).\n"
      "Exit code 1 when rows were rejected.");
  cmd->add_option("--db", args->db, kDbHelp)->required();
  cmd->add_option("--format", args->format, "csv, json, jhu, who, dhis2, adx, fhir, sdmx-csv or dhis2-csv")
      ->required()
      ->check(CLI::IsMember({"csv", "json", "jhu", "who", "dhis2", "adx", "fhir", "sdmx-csv", "dhis2-csv"}));
  cmd->add_option("FILE", args->file, "The file to import")->required();
  cmd->add_option("--source", args->source,
                  "Source name stored with every value (default: the format name); sources never overwrite "
                  "each other");
  cmd->add_flag("--partial", args->partial, "Store the valid rows even when some rows are rejected");
  cmd->add_flag("--allow-corrections", args->allow_corrections,
                "csv, json, dhis2, adx: keep negative values of incident indicators (corrections of earlier periods, as\n"
                "JHU and WHO publish them) with a warning instead of rejecting them");
  cmd->add_option("--indicator", args->indicator, "jhu: which file this is, cases or deaths")
      ->check(CLI::IsMember({"cases", "deaths"}));
  cmd->add_option("--mapping", args->mapping,
                  "dhis2, dhis2-csv: JSON file {\"dataElements\":{id:indicator}, \"orgUnits\":{id:location},\n"
                  "\"categoryOptionCombos\":{id:\"SEX=F;AGE=15-24\"}} (the last optional)");
  cmd->callback([args] { run_import(*args); });
}

}  // namespace shouwang::cli
