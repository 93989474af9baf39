// The vocabulary of aid allocation: needs posted by countries, offers made by donors, transport
// costs between them, the policy a coordinator chooses, and the allocation a round produces.
// Plain values so that the store, the API and the file-mode command line all share them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shouwang::aid {

// What a country (or a district inside it) still needs of one item.
struct Need {
  std::string country;      // ISO 3166-1 alpha-3 code, or "ISO3-X" for a subnational unit
  std::string item;         // free label: "masks", "vaccine_doses", "expert_team_icu"
  int64_t quantity = 0;     // units still needed beyond what was delivered
  int64_t population = 0;   // people the need serves; coverage is measured against it
  int64_t delivered = 0;    // units already delivered; they count toward coverage
  double weight = 1.0;      // risk weight: the country's coverage target is weight x theta
  int source_row = 0;       // line in the input file (header = 1) for error messages; 0 if none
};

enum class OfferKind { kDonation, kCommercial };

// What a donor offers of one item.
struct Offer {
  std::string donor;
  std::string item;
  int64_t quantity = 0;
  std::string origin;        // country the goods leave from; required when transport costs apply
  OfferKind kind = OfferKind::kDonation;
  double unit_price = 0.0;   // paid per unit when kind is commercial; ignored for donations
  int source_row = 0;
};

// Cost of moving one unit from an origin country to a receiving country or district.
struct TransportCost {
  std::string origin;
  std::string country;
  double unit_cost = 0.0;
  int source_row = 0;
};

enum class Policy {
  kFair,          // water-filling quantities; donors assigned in input order
  kFairThenCost,  // water-filling quantities; cheapest assignment of donors delivering exactly them
  kCost,          // cheapest way to meet as much need as possible, fairness ignored
};

std::string_view policy_name(Policy policy);  // fair | fair-then-cost | cost
Result<Policy> parse_policy(std::string_view name);

struct AllocationOptions {
  Policy policy = Policy::kFair;
  // Highest coverage ((allocated + delivered) / population) any country may reach, e.g. 0.2.
  std::optional<double> cap;
  // Share of each item's supply held back for emergencies (COVAX kept 5%), in [0, 1).
  double buffer = 0.0;
};

// Which limit stopped a country's allocation from growing further.
enum class Binding {
  kNeed,    // it received all it asked for
  kCap,     // it reached the coverage cap
  kSupply,  // supply ran out (or, under `cost`, cheaper countries were served first)
};
std::string_view binding_name(Binding binding);  // need | cap | supply

// One row of ALLOC.csv: units one donor sends to one country.
struct AllocationLine {
  std::string donor;
  std::string country;
  std::string item;
  int64_t quantity = 0;
};

struct CountryOutcome {
  std::string country;
  std::string item;
  int64_t need = 0;
  int64_t delivered = 0;
  int64_t population = 0;
  int64_t allocated = 0;
  double fair_share = 0.0;  // the real-valued quantity before rounding (fair policies), else = allocated
  double share = 0.0;       // allocated / all allocated of the item
  double coverage = 0.0;    // (allocated + delivered) / population
  Binding binding = Binding::kSupply;
};

struct ItemSummary {
  std::string item;
  int64_t supply = 0;       // all units offered
  int64_t held_back = 0;    // the buffer kept out of this round
  int64_t need = 0;         // all units asked for
  int64_t allocated = 0;
  int64_t unmet = 0;        // need - allocated
  std::optional<double> theta;  // common coverage level reached (fair policies only)
};

struct Allocation {
  Policy policy = Policy::kFair;
  std::vector<AllocationLine> lines;       // non-zero rows, by item, then donor, then country order
  std::vector<CountryOutcome> countries;   // one per need, in input order
  std::vector<ItemSummary> items;          // in order of first appearance in the needs
  double total_cost = 0.0;                 // transport plus purchase of commercial offers
};

}  // namespace shouwang::aid
