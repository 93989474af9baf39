// The transport problem under the allocation policies: move units from offers (sources) to
// recipients (sinks) along priced routes at least cost, solved as a min-cost flow by LEMON's
// NetworkSimplex.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace shouwang::aid {

struct TransportRoute {
  int source = 0;  // index into TransportProblem::supply
  int sink = 0;    // index into TransportProblem::sink_upper
  double unit_cost = 0.0;  // >= 0
};

struct TransportProblem {
  std::vector<int64_t> supply;      // units each source can send
  std::vector<int64_t> sink_upper;  // units each sink may receive at most
  int64_t wanted_total = 0;         // units to move in all; fewer only if routes cannot carry them
  std::vector<TransportRoute> routes;
};

struct TransportSolution {
  std::vector<int64_t> flow;  // units per route, same order as the routes
  int64_t moved = 0;          // units actually moved: the most the routes allow, up to wanted_total
  double cost = 0.0;          // sum of flow x unit_cost, in the input's units
};

// Moves as many units as possible (up to wanted_total) and, among those plans, the cheapest one.
// Flows are integers because all capacities are (the network matrix is totally unimodular).
// Costs are scaled to integers for NetworkSimplex so that the largest becomes 1e12: the plan is
// optimal for the real costs up to 5e-13 x the largest unit cost per unit moved.
Result<TransportSolution> solve_min_cost_transport(const TransportProblem& problem);

}  // namespace shouwang::aid
