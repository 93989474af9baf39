// `shouwang aid allocate`: one allocation round from NEEDS.csv, OFFERS.csv and optional COSTS.csv
// into ALLOC.csv (and REPORT.json). Nothing is written unless the whole round succeeds; files are
// written beside their target and renamed into place, so a reader never sees half a file.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "aid/allocate.h"
#include "aid/allocation_files.h"
#include "cli/cli_support.h"
#include "cli/commands.h"

namespace shouwang::cli {
namespace {

struct AidAllocateArguments {
  std::string needs, offers, costs, policy, output, report;
  double cap = 0.0;
  double buffer = 0.0;
  CLI::Option* cap_option = nullptr;
};

Status write_whole_file(const std::string& path, const std::string& text, std::string* temporary) {
  *temporary = path + ".partial-" + std::to_string(::getpid());
  std::ofstream out(*temporary, std::ios::binary | std::ios::trunc);
  if (!out) return unavailable("cannot write " + path);
  out << text;
  out.close();
  if (!out) return unavailable("cannot write " + path);
  return Status::ok();
}

// Writes every (path, text) pair or none: all go to temporary files first, then are renamed.
Status write_all_or_nothing(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> temporaries;
  for (const auto& [path, text] : files) {
    std::string temporary;
    Status status = write_whole_file(path, text, &temporary);
    temporaries.push_back(temporary);
    if (!status.is_ok()) {
      for (const auto& t : temporaries) std::remove(t.c_str());
      return status;
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (std::rename(temporaries[i].c_str(), files[i].first.c_str()) != 0) {
      for (size_t j = i; j < files.size(); ++j) std::remove(temporaries[j].c_str());
      return unavailable("cannot move the result into " + files[i].first);
    }
  }
  return Status::ok();
}

Status run_aid_allocate(const AidAllocateArguments& a) {
  ASSIGN_OR_RETURN(aid::Policy policy, aid::parse_policy(a.policy));
  aid::AllocationOptions options;
  options.policy = policy;
  if (a.cap_option->count() > 0) options.cap = a.cap;
  options.buffer = a.buffer;

  ASSIGN_OR_RETURN(std::vector<aid::Need> needs, aid::read_needs_csv(a.needs));
  ASSIGN_OR_RETURN(std::vector<aid::Offer> offers, aid::read_offers_csv(a.offers));
  std::optional<std::vector<aid::TransportCost>> costs;
  if (!a.costs.empty()) {
    ASSIGN_OR_RETURN(costs, aid::read_costs_csv(a.costs));
  }
  ASSIGN_OR_RETURN(aid::Allocation allocation, aid::allocate(needs, offers, costs, options));

  std::vector<std::pair<std::string, std::string>> files = {{a.output, aid::format_allocation_csv(allocation)}};
  if (!a.report.empty()) files.emplace_back(a.report, aid::format_allocation_report_json(allocation));
  RETURN_IF_ERROR(write_all_or_nothing(files));

  for (const auto& item : allocation.items) {
    std::cerr << item.item << ": " << item.allocated << " of " << item.need << " needed allocated from " << item.supply
              << " offered (" << item.held_back << " held back)";
    if (item.theta) std::cerr << ", coverage level theta " << *item.theta;
    std::cerr << "\n";
  }
  std::cerr << allocation.lines.size() << " shipments, total cost " << allocation.total_cost << " -> " << a.output
            << "\n";
  return Status::ok();
}

}  // namespace

void register_aid_command(CLI::App& app) {
  CLI::App* aid = app.add_subcommand("aid", "Aid coordination: allocate offered supplies to needs");
  aid->require_subcommand(1);
  auto arguments = std::make_shared<AidAllocateArguments>();
  CLI::App* allocate = aid->add_subcommand(
      "allocate",
      "Run one allocation round. fair: max-min fair coverage (water-filling) with optional cap and buffer;\n"
      "fair-then-cost: the same quantities, cheapest donor-to-country plan; cost: cheapest plan, fairness ignored.");
  allocate->add_option("--needs", arguments->needs, "NEEDS.csv: country,item,quantity,population[,delivered][,weight]")
      ->required();
  allocate->add_option("--offers", arguments->offers, "OFFERS.csv: donor,item,quantity[,origin][,kind][,unit_price]")
      ->required();
  allocate->add_option("--costs", arguments->costs, "COSTS.csv: origin,country,unit_cost (transport cost per unit)");
  allocate->add_option("--policy", arguments->policy, "fair | fair-then-cost | cost")
      ->required()
      ->check(CLI::IsMember({"fair", "fair-then-cost", "cost"}));
  arguments->cap_option =
      allocate->add_option("--cap", arguments->cap, "highest coverage (allocated+delivered)/population, e.g. 0.2");
  allocate->add_option("--buffer", arguments->buffer, "share of each item's supply held back, e.g. 0.05")
      ->capture_default_str();
  allocate->add_option("--output", arguments->output, "ALLOC.csv: donor,country,item,quantity")->required();
  allocate->add_option("--report", arguments->report,
                       "REPORT.json: per-country need, allocated, coverage, binding; theta, unmet, cost");
  allocate->callback([arguments] {
    Status status = run_aid_allocate(*arguments);
    if (!status.is_ok()) fail(status);
  });
}

}  // namespace shouwang::cli
