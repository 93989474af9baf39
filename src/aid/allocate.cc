// Validation, per-item water-filling or cost minimisation, donor assignment and the round's summary.
#include "aid/allocate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "aid/transport.h"
#include "aid/water_filling.h"
#include "core/location.h"

namespace shouwang::aid {

std::string_view policy_name(Policy policy) {
  switch (policy) {
    case Policy::kFair:
      return "fair";
    case Policy::kFairThenCost:
      return "fair-then-cost";
    case Policy::kCost:
      return "cost";
  }
  return "fair";
}

Result<Policy> parse_policy(std::string_view name) {
  if (name == "fair") return Policy::kFair;
  if (name == "fair-then-cost") return Policy::kFairThenCost;
  if (name == "cost") return Policy::kCost;
  return invalid_argument("unknown policy '" + std::string(name) + "' (expected fair, fair-then-cost or cost)");
}

std::string_view binding_name(Binding binding) {
  switch (binding) {
    case Binding::kNeed:
      return "need";
    case Binding::kCap:
      return "cap";
    case Binding::kSupply:
      return "supply";
  }
  return "supply";
}

namespace {

// "needs row 7" when the value came from a file, "need #3" when it came from the API.
std::string where(std::string_view table, std::string_view singular, int source_row, size_t index) {
  if (source_row > 0) return std::string(table) + " row " + std::to_string(source_row);
  return std::string(singular) + " #" + std::to_string(index + 1);
}
std::string where(const Need& need, size_t i) { return where("needs", "need", need.source_row, i); }
std::string where(const Offer& offer, size_t i) { return where("offers", "offer", offer.source_row, i); }
std::string where(const TransportCost& cost, size_t i) { return where("costs", "cost", cost.source_row, i); }

bool is_country_code(std::string_view code) {
  auto level = level_of_location_code(code);
  return level.is_ok() && *level == LocationLevel::kCountry;
}
bool is_recipient_code(std::string_view code) {
  auto level = level_of_location_code(code);
  return level.is_ok() && (*level == LocationLevel::kCountry || *level == LocationLevel::kSubnational);
}

Status check_options(const AllocationOptions& options) {
  if (options.cap && (!std::isfinite(*options.cap) || *options.cap <= 0))
    return invalid_argument("--cap must be a coverage share > 0, e.g. 0.2");
  if (!std::isfinite(options.buffer) || options.buffer < 0 || options.buffer >= 1)
    return invalid_argument("--buffer must be a share in [0, 1), e.g. 0.05");
  return Status::ok();
}

Status check_needs(const std::vector<Need>& needs) {
  std::map<std::pair<std::string, std::string>, size_t> seen;
  for (size_t i = 0; i < needs.size(); ++i) {
    const Need& n = needs[i];
    const std::string at = where(n, i);
    if (!is_recipient_code(n.country))
      return invalid_argument(at + ": '" + n.country + "' is not a country code (ISO 3166-1 alpha-3, e.g. NGA) or subnational code (e.g. NGA-LA)");
    if (n.item.empty()) return invalid_argument(at + ": item is empty");
    if (n.quantity < 0) return invalid_argument(at + ": quantity " + std::to_string(n.quantity) + " is negative");
    if (n.population <= 0) return invalid_argument(at + ": population must be > 0");
    if (n.delivered < 0) return invalid_argument(at + ": delivered " + std::to_string(n.delivered) + " is negative");
    if (!std::isfinite(n.weight) || n.weight <= 0) return invalid_argument(at + ": weight must be > 0");
    auto [it, inserted] = seen.emplace(std::make_pair(n.country, n.item), i);
    if (!inserted)
      return invalid_argument(at + ": " + n.country + " already needs " + n.item + " in " + where(needs[it->second], it->second));
  }
  return Status::ok();
}

Status check_offers(const std::vector<Offer>& offers, bool costs_given) {
  for (size_t i = 0; i < offers.size(); ++i) {
    const Offer& o = offers[i];
    const std::string at = where(o, i);
    if (o.donor.empty()) return invalid_argument(at + ": donor is empty");
    if (o.item.empty()) return invalid_argument(at + ": item is empty");
    if (o.quantity < 0) return invalid_argument(at + ": quantity " + std::to_string(o.quantity) + " is negative");
    if (o.origin.empty() && costs_given)
      return invalid_argument(at + ": offer of " + o.donor + " has no origin, but transport costs are given");
    if (!o.origin.empty() && !is_country_code(o.origin))
      return invalid_argument(at + ": origin '" + o.origin + "' is not a country code (ISO 3166-1 alpha-3)");
    if (!std::isfinite(o.unit_price) || o.unit_price < 0) return invalid_argument(at + ": unit_price must be >= 0");
  }
  return Status::ok();
}

// Dense indices for origins and recipients so a route cost is one hash lookup of two integers.
struct CostTable {
  std::unordered_map<std::string, uint32_t> origin_index;
  std::unordered_map<std::string, uint32_t> country_index;
  std::unordered_map<uint64_t, double> unit_cost;

  static uint64_t key(uint32_t origin, uint32_t country) { return (uint64_t{origin} << 32) | country; }

  // Nothing when no cost is listed for the pair.
  std::optional<double> find(const std::string& origin, const std::string& country) const {
    auto o = origin_index.find(origin);
    auto c = country_index.find(country);
    if (o == origin_index.end() || c == country_index.end()) return std::nullopt;
    auto it = unit_cost.find(key(o->second, c->second));
    if (it == unit_cost.end()) return std::nullopt;
    return it->second;
  }
};

Result<CostTable> build_cost_table(const std::vector<TransportCost>& costs, const std::vector<Need>& needs,
                                   const std::vector<Offer>& offers) {
  CostTable table;
  for (const Need& n : needs) table.country_index.emplace(n.country, static_cast<uint32_t>(table.country_index.size()));
  for (const Offer& o : offers)
    if (!o.origin.empty()) table.origin_index.emplace(o.origin, static_cast<uint32_t>(table.origin_index.size()));
  std::unordered_map<uint64_t, size_t> row_of;
  for (size_t i = 0; i < costs.size(); ++i) {
    const TransportCost& c = costs[i];
    const std::string at = where(c, i);
    if (!is_country_code(c.origin))
      return invalid_argument(at + ": origin '" + c.origin + "' is not a country code (ISO 3166-1 alpha-3)");
    if (!is_recipient_code(c.country))
      return invalid_argument(at + ": '" + c.country + "' is not a country or subnational code");
    if (!std::isfinite(c.unit_cost) || c.unit_cost < 0) return invalid_argument(at + ": unit_cost must be >= 0");
    // A cost table may cover more of the world than this round: pairs nobody can use are skipped.
    auto o = table.origin_index.find(c.origin);
    auto k = table.country_index.find(c.country);
    if (o == table.origin_index.end() || k == table.country_index.end()) continue;
    uint64_t key = CostTable::key(o->second, k->second);
    auto [it, inserted] = row_of.emplace(key, i);
    if (!inserted)
      return invalid_argument(at + ": cost from " + c.origin + " to " + c.country + " already given in " +
                              where(costs[it->second], it->second));
    table.unit_cost.emplace(key, c.unit_cost);
  }
  return table;
}

// Everything the per-item step needs to see of the round.
struct RoundInputs {
  const std::vector<Need>& needs;
  const std::vector<Offer>& offers;
  const std::optional<CostTable>& costs;
  const AllocationOptions& options;
  std::unordered_map<std::string, size_t> donor_order;  // donor -> first appearance among offers
};

double purchase_price(const Offer& offer) { return offer.kind == OfferKind::kCommercial ? offer.unit_price : 0.0; }

// Units per (offer, need) pair for one item; `flows[k]` belongs to pairs[k].
struct Assignment {
  std::vector<std::pair<size_t, size_t>> pairs;  // (offer index, need index)
  std::vector<int64_t> flows;
};

// `fair`: donors in input order fill needs in input order ("north-west corner"): simple to explain
// and to check by hand, and it ignores cost on purpose.
Result<Assignment> assign_in_input_order(const RoundInputs& in, const std::vector<size_t>& offer_ids,
                                         const std::vector<size_t>& need_ids, const std::vector<int64_t>& amounts) {
  Assignment assignment;
  size_t o = 0;
  int64_t left_in_offer = offer_ids.empty() ? 0 : in.offers[offer_ids[0]].quantity;
  for (size_t k = 0; k < need_ids.size(); ++k) {
    int64_t wanted = amounts[k];
    while (wanted > 0) {
      while (left_in_offer == 0 && o + 1 < offer_ids.size()) left_in_offer = in.offers[offer_ids[++o]].quantity;
      if (left_in_offer == 0) return internal_error("fair quantities exceed the supply");
      int64_t units = std::min(wanted, left_in_offer);
      const Offer& offer = in.offers[offer_ids[o]];
      const Need& need = in.needs[need_ids[k]];
      if (in.costs && !in.costs->find(offer.origin, need.country))
        return invalid_argument("no transport cost from " + offer.origin + " to " + need.country + ", needed to send " +
                                offer.donor + "'s " + need.item + " (" + where(offer, offer_ids[o]) + ", " +
                                where(need, need_ids[k]) + ")");
      assignment.pairs.emplace_back(offer_ids[o], need_ids[k]);
      assignment.flows.push_back(units);
      wanted -= units;
      left_in_offer -= units;
    }
  }
  return assignment;
}

// `fair-then-cost` (exact amounts, sink_upper = amounts) and `cost` (sink_upper = room, any amount
// up to `wanted_total`): the cheapest plan over the priced routes.
Result<Assignment> assign_cheapest(const RoundInputs& in, const std::vector<size_t>& offer_ids,
                                   const std::vector<size_t>& need_ids, const std::vector<int64_t>& sink_upper,
                                   int64_t wanted_total, TransportSolution* solution_out) {
  TransportProblem problem;
  problem.supply.reserve(offer_ids.size());
  for (size_t id : offer_ids) problem.supply.push_back(in.offers[id].quantity);
  problem.sink_upper = sink_upper;
  problem.wanted_total = wanted_total;
  problem.routes.reserve(offer_ids.size() * need_ids.size());
  Assignment assignment;
  for (size_t s = 0; s < offer_ids.size(); ++s) {
    const Offer& offer = in.offers[offer_ids[s]];
    if (offer.quantity == 0) continue;
    for (size_t t = 0; t < need_ids.size(); ++t) {
      if (sink_upper[t] == 0) continue;
      double unit_cost = purchase_price(offer);
      if (in.costs) {
        auto transport = in.costs->find(offer.origin, in.needs[need_ids[t]].country);
        if (!transport) continue;  // no priced route: goods cannot travel this way
        unit_cost += *transport;
      }
      problem.routes.push_back({static_cast<int>(s), static_cast<int>(t), unit_cost});
      assignment.pairs.emplace_back(offer_ids[s], need_ids[t]);
    }
  }
  ASSIGN_OR_RETURN(TransportSolution solution, solve_min_cost_transport(problem));
  assignment.flows = solution.flow;
  *solution_out = std::move(solution);
  return assignment;
}

Status allocate_item(const RoundInputs& in, const std::string& item, const std::vector<size_t>& need_ids,
                     Allocation& out) {
  std::vector<size_t> offer_ids;
  int64_t supply = 0;
  for (size_t i = 0; i < in.offers.size(); ++i) {
    if (in.offers[i].item != item) continue;
    offer_ids.push_back(i);
    supply += in.offers[i].quantity;
  }
  const int64_t held_back = std::llround(in.options.buffer * static_cast<double>(supply));
  const int64_t distributable = supply - held_back;

  // Room: what each need may still receive, the smaller of its need and what the cap leaves.
  std::vector<int64_t> room(need_ids.size());
  int64_t total_need = 0;
  for (size_t k = 0; k < need_ids.size(); ++k) {
    const Need& n = in.needs[need_ids[k]];
    room[k] = n.quantity;
    if (in.options.cap) {
      auto cap_units = static_cast<int64_t>(std::floor(*in.options.cap * static_cast<double>(n.population) + 1e-9));
      room[k] = std::min(room[k], std::max<int64_t>(0, cap_units - n.delivered));
    }
    total_need += n.quantity;
  }

  std::unordered_map<size_t, size_t> position;  // need index -> position among this item's needs
  for (size_t k = 0; k < need_ids.size(); ++k) position[need_ids[k]] = k;

  ItemSummary summary;
  summary.item = item;
  summary.supply = supply;
  summary.held_back = held_back;
  summary.need = total_need;

  std::vector<int64_t> amounts(need_ids.size(), 0);
  std::vector<double> fair_shares(need_ids.size(), 0.0);
  Assignment assignment;
  if (in.options.policy == Policy::kCost) {
    int64_t total_room = 0;
    for (int64_t r : room) total_room += r;
    TransportSolution solution;
    ASSIGN_OR_RETURN(assignment, assign_cheapest(in, offer_ids, need_ids, room, std::min(distributable, total_room),
                                                 &solution));
    for (size_t p = 0; p < assignment.pairs.size(); ++p) amounts[position[assignment.pairs[p].second]] += assignment.flows[p];
    for (size_t k = 0; k < amounts.size(); ++k) fair_shares[k] = static_cast<double>(amounts[k]);
  } else {
    std::vector<FillTarget> targets(need_ids.size());
    for (size_t k = 0; k < need_ids.size(); ++k) {
      const Need& n = in.needs[need_ids[k]];
      targets[k] = {n.weight * static_cast<double>(n.population), n.delivered, room[k]};
    }
    FillResult fill = water_fill(targets, distributable);
    fair_shares = fill.quantities;
    amounts = round_largest_remainder(fill.quantities, room, fill.total);
    summary.theta = fill.theta;
    if (in.options.policy == Policy::kFair) {
      ASSIGN_OR_RETURN(assignment, assign_in_input_order(in, offer_ids, need_ids, amounts));
    } else {
      TransportSolution solution;
      ASSIGN_OR_RETURN(assignment, assign_cheapest(in, offer_ids, need_ids, amounts, fill.total, &solution));
      if (solution.moved < fill.total) {
        std::vector<int64_t> received(need_ids.size(), 0);
        for (size_t p = 0; p < assignment.pairs.size(); ++p)
          received[position[assignment.pairs[p].second]] += assignment.flows[p];
        std::vector<std::string> short_rows;
        for (size_t k = 0; k < need_ids.size(); ++k) {
          if (received[k] >= amounts[k]) continue;
          const Need& n = in.needs[need_ids[k]];
          short_rows.push_back(where(n, need_ids[k]) + ": " + n.country + " can be sent " + std::to_string(received[k]) +
                               " of its fair " + std::to_string(amounts[k]) + " " + item);
        }
        return invalid_argument("the priced routes in the costs cannot deliver the fair quantities of " + item +
                                    " (add costs for more origin-country pairs)",
                                short_rows);
      }
    }
  }

  // Lines: aggregate per (donor, need), ordered by donor first appearance, then need order.
  std::map<std::pair<size_t, size_t>, int64_t> per_donor_need;
  for (size_t p = 0; p < assignment.pairs.size(); ++p) {
    if (assignment.flows[p] == 0) continue;
    const Offer& offer = in.offers[assignment.pairs[p].first];
    const Need& need = in.needs[assignment.pairs[p].second];
    per_donor_need[{in.donor_order.at(offer.donor), assignment.pairs[p].second}] += assignment.flows[p];
    double unit_cost = purchase_price(offer);
    if (in.costs) unit_cost += in.costs->find(offer.origin, need.country).value_or(0.0);
    out.total_cost += unit_cost * static_cast<double>(assignment.flows[p]);
  }
  std::vector<std::string> donor_names(in.donor_order.size());
  for (const auto& [name, index] : in.donor_order) donor_names[index] = name;
  for (const auto& [key, units] : per_donor_need)
    out.lines.push_back({donor_names[key.first], in.needs[key.second].country, item, units});

  int64_t allocated = 0;
  for (int64_t a : amounts) allocated += a;
  for (size_t k = 0; k < need_ids.size(); ++k) {
    const Need& n = in.needs[need_ids[k]];
    CountryOutcome& c = out.countries[need_ids[k]];
    c.country = n.country;
    c.item = item;
    c.need = n.quantity;
    c.delivered = n.delivered;
    c.population = n.population;
    c.allocated = amounts[k];
    c.fair_share = fair_shares[k];
    c.share = allocated > 0 ? static_cast<double>(amounts[k]) / static_cast<double>(allocated) : 0.0;
    c.coverage = static_cast<double>(amounts[k] + n.delivered) / static_cast<double>(n.population);
    if (amounts[k] >= room[k])
      c.binding = room[k] >= n.quantity ? Binding::kNeed : Binding::kCap;
    else
      c.binding = Binding::kSupply;
  }
  summary.allocated = allocated;
  summary.unmet = total_need - allocated;
  out.items.push_back(std::move(summary));
  return Status::ok();
}

}  // namespace

Result<Allocation> allocate(const std::vector<Need>& needs, const std::vector<Offer>& offers,
                            const std::optional<std::vector<TransportCost>>& costs,
                            const AllocationOptions& options) {
  RETURN_IF_ERROR(check_options(options));
  RETURN_IF_ERROR(check_needs(needs));
  RETURN_IF_ERROR(check_offers(offers, costs.has_value()));
  std::optional<CostTable> cost_table;
  if (costs) {
    ASSIGN_OR_RETURN(CostTable table, build_cost_table(*costs, needs, offers));
    cost_table = std::move(table);
  }

  RoundInputs in{needs, offers, cost_table, options, {}};
  for (const Offer& o : offers) in.donor_order.emplace(o.donor, in.donor_order.size());

  Allocation allocation;
  allocation.policy = options.policy;
  allocation.countries.resize(needs.size());
  std::vector<std::string> items;
  std::unordered_map<std::string, std::vector<size_t>> needs_of_item;
  for (size_t i = 0; i < needs.size(); ++i) {
    auto [it, inserted] = needs_of_item.try_emplace(needs[i].item);
    if (inserted) items.push_back(needs[i].item);
    it->second.push_back(i);
  }
  for (const std::string& item : items) RETURN_IF_ERROR(allocate_item(in, item, needs_of_item[item], allocation));
  return allocation;
}

}  // namespace shouwang::aid
