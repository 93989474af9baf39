// `shouwang node add --db H --country CHN [--label L]`: registers a national node at this hub and
// prints its token as the last line; `shouwang node list --db H`: the nodes and their replication.
// The node then runs `shouwang serve --db N --hub URL --hub-token TOKEN` (docs/federation.md).
#include <iomanip>
#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/database.h"
#include "federation/registry.h"
#include "store/auth.h"
#include "store/sql.h"

namespace shouwang::cli {
namespace {

struct NodeArgs {
  std::string db;
  std::string country;
  std::string label;
};

void run_add(const NodeArgs& args) {
  auto figures = open_database(args.db);
  if (!figures) fail(figures.status());
  auto level = level_of_location_code(args.country);
  if (!level || *level != LocationLevel::kCountry) {
    fail(invalid_argument("--country must be an ISO 3166-1 alpha-3 code such as CHN, not '" + args.country + "'"));
  }
  auto locations = (*figures)->list_locations();
  if (!locations) fail(locations.status());
  bool known = false;
  for (const auto& l : *locations) known = known || l.code == args.country;
  if (!known) fail(invalid_argument("unknown country '" + args.country + "'"));
  // The node becomes the only source of the country's figures here: figures the hub holds already
  // would mix with the node's history under the same revision numbers.
  auto held = (*figures)->read_feed(0, args.country, 1);
  if (!held) fail(held.status());
  if (!held->entries.empty()) {
    fail(failed_precondition("this hub holds figures of " + args.country +
                             " already; a node's country must have none here before it is registered, "
                             "since the node becomes the only source of them"));
  }
  auto database = store::sql::Database::open(args.db);
  if (!database) fail(database.status());
  auto registry = federation::NodeRegistry::open(**database);
  if (!registry) fail(registry.status());
  SystemClock clock;
  const std::string label = args.label.empty() ? args.country + " national node" : args.label;
  // The token first (its hash is the node's key), then the registration; a registration that fails
  // leaves a node token nobody knows and no route accepts.
  auto secret = store::issue_token(**figures, store::Role::kNode, args.country, label, clock.now());
  if (!secret) fail(secret.status());
  federation::Node node;
  node.country = args.country;
  node.label = label;
  node.token_hash = store::hash_token_secret(*secret);
  node.registered_at = clock.now();
  Status added = (*registry)->add(node);
  if (!added.is_ok()) fail(added);
  std::cerr << "Registered the node '" << label << "' for " << args.country
            << ". This hub now takes " << args.country
            << "'s figures from that node only. Start it with:\n  shouwang serve --db <its database> --hub <this "
               "hub's URL> --hub-token <the token below>\nKeep the token secret: it is not stored and cannot be "
               "shown again.\n";
  std::cout << *secret << "\n";
}

void run_list(const NodeArgs& args) {
  auto database = store::sql::Database::open(args.db);
  if (!database) fail(database.status());
  auto registry = federation::NodeRegistry::open(**database);
  if (!registry) fail(registry.status());
  auto nodes = (*registry)->list();
  if (!nodes) fail(nodes.status());
  SystemClock clock;
  const Timestamp now = clock.now();
  std::cout << "country\tlabel\tcursor\tnode_head\tlag_entries\tlag_seconds\tlast_batch_at\tlast_error\n";
  for (const auto& n : *nodes) {
    std::cout << n.country << "\t" << n.label << "\t" << n.cursor << "\t" << n.node_head << "\t" << n.lag_entries()
              << "\t" << std::fixed << std::setprecision(1) << n.lag_seconds(now) << "\t"
              << (n.last_batch_at ? n.last_batch_at->to_string() : "") << "\t" << n.last_error << "\n";
  }
}

}  // namespace

void register_node_command(CLI::App& app) {
  auto* node = app.add_subcommand("node", "Federation: the national nodes registered at this hub");
  node->require_subcommand(1);
  auto args = std::make_shared<NodeArgs>();
  auto* add = node->add_subcommand(
      "add",
      "Register a national node for a country and print its token as the last line (shown only once).\n"
      "From then on this hub takes that country's figures (and its subdivisions') from the node only:\n"
      "reports of them by anyone else are refused with 409 owned_by_node.");
  add->add_option("--db", args->db, kDbHelp)->required();
  add->add_option("--country", args->country, "The node's country (ISO 3166-1 alpha-3, e.g. CHN)")->required();
  add->add_option("--label", args->label, "A name for the node, e.g. \"China CDC node\"");
  add->callback([args] { run_add(*args); });
  auto* list = node->add_subcommand("list", "The registered nodes with their replication cursor and lag");
  list->add_option("--db", args->db, kDbHelp)->required();
  list->callback([args] { run_list(*args); });
}

}  // namespace shouwang::cli
