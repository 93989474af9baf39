// fair-then-cost at district scale: D donors (each in its own origin) x N district needs, every
// donor-district pair priced by great-circle distance, some offers commercial. Times our whole
// allocate() (validation, water-filling, rounding, LEMON min-cost flow) and GLPK's simplex on the
// same transport LP with the same fair amounts, and prints both costs and the speed ratio.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "aid/allocate.h"
#include "aid/glpk_reference.h"

namespace {

using namespace shouwang::aid;

struct Site {
  double lat, lon;
};

double great_circle_km(Site a, Site b) {
  constexpr double kRadians = M_PI / 180.0;
  double dlat = (b.lat - a.lat) * kRadians, dlon = (b.lon - a.lon) * kRadians;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(a.lat * kRadians) * std::cos(b.lat * kRadians) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0 * std::asin(std::sqrt(h));
}

std::string letters(int index, int width) {
  std::string code(width, 'A');
  for (int i = width - 1; i >= 0; --i) {
    code[i] = static_cast<char>('A' + index % 26);
    index /= 26;
  }
  return code;
}

// Process CPU time: both solvers are single-threaded, and the machine is shared, so CPU seconds
// compare them more fairly than wall-clock seconds (both are printed).
struct Stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::clock_t cpu = std::clock();
  double wall_seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count(); }
  double cpu_seconds() const { return static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC; }
};

}  // namespace

int main(int argc, char** argv) {
  int donors = argc > 1 ? std::atoi(argv[1]) : 200;
  int districts = argc > 2 ? std::atoi(argv[2]) : 5000;
  uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  std::string method_name = argc > 4 ? argv[4] : "primal";
  GlpkMethod method = GlpkMethod::kPrimalSimplex;
  if (method_name == "dual") {
    method = GlpkMethod::kDualSimplex;
  } else if (method_name == "interior") {
    method = GlpkMethod::kInterior;
  } else if (method_name != "primal") {
    std::fprintf(stderr, "GLPK method must be primal, dual or interior, not %s\n", method_name.c_str());
    return 2;
  }
  const char* method_label = method == GlpkMethod::kInterior      ? "glp_interior (no crossover)"
                             : method == GlpkMethod::kDualSimplex ? "glp_simplex dual+presolve"
                                                                  : "glp_simplex primal+presolve";
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);

  std::vector<Need> needs;
  std::vector<Site> district_sites;
  int64_t total_need = 0;
  for (int d = 0; d < districts; ++d) {
    Need need;
    need.country = letters(d % 60, 3) + "-D" + std::to_string(10000 + d);
    need.item = "vaccine_courses";
    need.population = 20'000 + static_cast<int64_t>(unit(rng) * 2'000'000);
    need.delivered = static_cast<int64_t>(unit(rng) * 0.3 * static_cast<double>(need.population));
    need.quantity = static_cast<int64_t>(0.7 * static_cast<double>(need.population)) - need.delivered;
    need.weight = 0.8 + 0.4 * unit(rng);
    total_need += need.quantity;
    needs.push_back(need);
    district_sites.push_back({-35 + 60 * unit(rng), -18 + 140 * unit(rng)});  // Africa to South-East Asia
  }
  std::vector<Offer> offers;
  std::vector<TransportCost> costs;
  costs.reserve(static_cast<size_t>(donors) * districts);
  for (int k = 0; k < donors; ++k) {
    Offer offer;
    offer.donor = "donor-" + std::to_string(k);
    offer.item = "vaccine_courses";
    offer.origin = "Z" + letters(k, 2);
    offer.quantity = static_cast<int64_t>(0.6 * static_cast<double>(total_need) / donors * (0.5 + unit(rng)));
    if (k % 4 == 0) {
      offer.kind = OfferKind::kCommercial;
      offer.unit_price = 2 + 8 * unit(rng);
    }
    offers.push_back(offer);
    Site origin{-40 + 100 * unit(rng), -120 + 260 * unit(rng)};
    for (int d = 0; d < districts; ++d)
      costs.push_back({offer.origin, needs[d].country, 0.1 * great_circle_km(origin, district_sites[d]) / 1000.0});
  }

  AllocationOptions options{Policy::kFairThenCost, std::nullopt, 0.05};
  Stopwatch ours_watch;
  auto allocation = allocate(needs, offers, costs, options);
  double ours_cpu = ours_watch.cpu_seconds(), ours_wall = ours_watch.wall_seconds();
  if (!allocation.is_ok()) {
    std::fprintf(stderr, "allocate failed: %s\n", allocation.status().to_string().c_str());
    return 1;
  }

  // Ours is printed before GLPK starts: at full size GLPK can run for a long time.
  int64_t allocated = 0;
  for (const auto& c : allocation->countries) allocated += c.allocated;
  std::printf("instance: %d donors x %d district needs = %lld priced routes, %lld units allocated (seed %llu)\n",
              donors, districts, static_cast<long long>(costs.size()), static_cast<long long>(allocated),
              static_cast<unsigned long long>(seed));
  std::printf("ours (allocate fair-then-cost, LEMON NetworkSimplex): %8.3f s CPU (%8.3f s wall), cost %.6f\n",
              ours_cpu, ours_wall, allocation->total_cost);
  std::fflush(stdout);

  // The same LP for GLPK: every donor to every district, unit cost = transport + price, fair amounts.
  Stopwatch build_watch;
  TransportProblem problem;
  std::unordered_map<std::string, double> transport;
  transport.reserve(costs.size());
  for (const auto& c : costs) transport[c.origin + "/" + c.country] = c.unit_cost;
  for (const auto& o : offers) problem.supply.push_back(o.quantity);
  for (const auto& c : allocation->countries) {
    problem.sink_upper.push_back(c.allocated);
    problem.wanted_total += c.allocated;
  }
  for (size_t s = 0; s < offers.size(); ++s)
    for (size_t t = 0; t < needs.size(); ++t)
      problem.routes.push_back({static_cast<int>(s), static_cast<int>(t),
                                transport.at(offers[s].origin + "/" + needs[t].country) +
                                    (offers[s].kind == OfferKind::kCommercial ? offers[s].unit_price : 0.0)});
  double glpk_build_cpu = build_watch.cpu_seconds();
  Stopwatch glpk_watch;
  auto glpk_cost = glpk_transport_optimum(problem, method);
  double glpk_cpu = glpk_watch.cpu_seconds(), glpk_wall = glpk_watch.wall_seconds();
  if (!glpk_cost.is_ok()) {
    std::fprintf(stderr, "GLPK failed: %s\n", glpk_cost.status().to_string().c_str());
    return 1;
  }

  std::printf("GLPK 5.0 %s, same LP and fair amounts: %8.3f s CPU (%8.3f s wall), cost %.6f\n",
              method_label, glpk_cpu, glpk_wall, *glpk_cost);
  std::printf("  (GLPK's time excludes %.3f s CPU spent building its input; ours includes validation,\n"
              "   water-filling, rounding and graph building)\n", glpk_build_cpu);
  std::printf("relative cost difference: %.3g\n", std::fabs(allocation->total_cost - *glpk_cost) / *glpk_cost);
  std::printf("speed ratio (GLPK / ours, CPU): %.1fx\n", glpk_cpu / ours_cpu);
  return 0;
}
