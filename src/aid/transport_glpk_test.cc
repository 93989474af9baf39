// fair-then-cost and cost give the optimum of the same transport LP solved by GLPK's simplex,
// on random seeded instances. The LP is built here from the inputs, independently of allocate().
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "aid/allocate.h"
#include "aid/glpk_reference.h"

namespace shouwang::aid {
namespace {

struct Instance {
  std::vector<Need> needs;
  std::vector<Offer> offers;
  std::vector<TransportCost> costs;
};

Instance random_instance(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Instance instance;
  const int countries = 5 + static_cast<int>(rng() % 40);
  const int donors = 2 + static_cast<int>(rng() % 15);
  const std::vector<std::string> origins = {"CHN", "USA", "DEU", "IND", "JPN", "BRA", "ZAF", "ARE"};
  for (int c = 0; c < countries; ++c) {
    Need need;
    need.country = std::string("Q") + static_cast<char>('A' + c / 26) + static_cast<char>('A' + c % 26);
    need.item = "kits";
    need.population = 10'000 + static_cast<int64_t>(rng() % 50'000'000);
    need.quantity = static_cast<int64_t>(unit(rng) * 0.05 * static_cast<double>(need.population));
    need.delivered = static_cast<int64_t>(unit(rng) * 0.01 * static_cast<double>(need.population));
    need.weight = 0.5 + unit(rng);
    instance.needs.push_back(need);
    for (const auto& origin : origins) instance.costs.push_back({origin, need.country, 0.1 + 20 * unit(rng)});
  }
  for (int d = 0; d < donors; ++d) {
    Offer offer;
    offer.donor = "donor-" + std::to_string(d);
    offer.item = "kits";
    offer.quantity = static_cast<int64_t>(rng() % 2'000'000);
    offer.origin = origins[rng() % origins.size()];
    if (rng() % 3 == 0) {
      offer.kind = OfferKind::kCommercial;
      offer.unit_price = 5 * unit(rng);
    }
    instance.offers.push_back(offer);
  }
  return instance;
}

// The transport LP of one item: every offer to every need, unit cost = transport + purchase price.
TransportProblem reference_problem(const Instance& instance, const std::vector<int64_t>& sink_upper, int64_t wanted) {
  std::map<std::pair<std::string, std::string>, double> transport;
  for (const auto& c : instance.costs) transport[{c.origin, c.country}] = c.unit_cost;
  TransportProblem problem;
  for (const auto& o : instance.offers) problem.supply.push_back(o.quantity);
  problem.sink_upper = sink_upper;
  problem.wanted_total = wanted;
  for (size_t s = 0; s < instance.offers.size(); ++s) {
    const Offer& o = instance.offers[s];
    for (size_t t = 0; t < instance.needs.size(); ++t) {
      double price = o.kind == OfferKind::kCommercial ? o.unit_price : 0.0;
      problem.routes.push_back({static_cast<int>(s), static_cast<int>(t),
                                transport.at({o.origin, instance.needs[t].country}) + price});
    }
  }
  return problem;
}

TEST(TransportVersusGlpkTest, FairThenCostCostIsTheLpOptimum) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Instance instance = random_instance(seed);
    AllocationOptions options{Policy::kFairThenCost, seed % 2 ? std::optional<double>(0.03) : std::nullopt,
                              seed % 3 ? 0.05 : 0.0};
    auto a = allocate(instance.needs, instance.offers, instance.costs, options);
    ASSERT_TRUE(a.is_ok()) << a.status().to_string();
    std::vector<int64_t> fair_amounts;
    int64_t total = 0;
    for (const auto& c : a->countries) {
      fair_amounts.push_back(c.allocated);
      total += c.allocated;
    }
    auto optimum = glpk_transport_optimum(reference_problem(instance, fair_amounts, total));
    ASSERT_TRUE(optimum.is_ok()) << optimum.status().to_string();
    EXPECT_NEAR(a->total_cost, *optimum, 1e-9 * std::max(1.0, *optimum)) << "seed " << seed;
    // The fair plan costs at least as much as the cheapest plan delivering the same total.
    std::vector<int64_t> needs_only;
    for (const auto& n : instance.needs) needs_only.push_back(n.quantity);
    auto unconstrained = glpk_transport_optimum(reference_problem(instance, needs_only, total));
    ASSERT_TRUE(unconstrained.is_ok());
    EXPECT_LE(*unconstrained, a->total_cost * (1 + 1e-9) + 1e-9);
  }
}

TEST(TransportVersusGlpkTest, CostPolicyIsTheLpOptimumForTheMaximumTotal) {
  for (uint64_t seed = 100; seed < 120; ++seed) {
    Instance instance = random_instance(seed);
    auto a = allocate(instance.needs, instance.offers, instance.costs, {Policy::kCost, std::nullopt, 0.0});
    ASSERT_TRUE(a.is_ok()) << a.status().to_string();
    std::vector<int64_t> needs_only;
    int64_t total_need = 0, supply = 0;
    for (const auto& n : instance.needs) {
      needs_only.push_back(n.quantity);
      total_need += n.quantity;
    }
    for (const auto& o : instance.offers) supply += o.quantity;
    EXPECT_EQ(a->items[0].allocated, std::min(total_need, supply));
    auto optimum = glpk_transport_optimum(reference_problem(instance, needs_only, std::min(total_need, supply)));
    ASSERT_TRUE(optimum.is_ok()) << optimum.status().to_string();
    EXPECT_NEAR(a->total_cost, *optimum, 1e-9 * std::max(1.0, *optimum)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace shouwang::aid
