// Min-cost transport through LEMON NetworkSimplex on a SmartDigraph built once per item.
#include "aid/transport.h"

#include <algorithm>
#include <cmath>
#include <string>

// LEMON 1.3.1 predates C++20 and trips a few of GCC's warnings in its headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wdeprecated-copy"
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>
#pragma GCC diagnostic pop

namespace shouwang::aid {

namespace {
constexpr double kLargestScaledCost = 1e12;
}

Result<TransportSolution> solve_min_cost_transport(const TransportProblem& problem) {
  const int sources = static_cast<int>(problem.supply.size());
  const int sinks = static_cast<int>(problem.sink_upper.size());
  double largest_cost = 0.0;
  for (const auto& route : problem.routes) {
    if (route.source < 0 || route.source >= sources || route.sink < 0 || route.sink >= sinks)
      return internal_error("transport route refers to a source or sink that does not exist");
    if (!(route.unit_cost >= 0) || !std::isfinite(route.unit_cost))
      return invalid_argument("transport unit cost must be a finite number >= 0");
    largest_cost = std::max(largest_cost, route.unit_cost);
  }
  const double scale = largest_cost > 0 ? kLargestScaledCost / largest_cost : 1.0;

  TransportSolution solution;
  solution.flow.assign(problem.routes.size(), 0);
  if (problem.wanted_total <= 0) return solution;

  // Nodes: the super source, one per source, one per sink, the super sink. The super source sends
  // wanted_total units, either through the real network or, at a price above any real route,
  // straight to the super sink: so the real flow is maximal first and cheapest second.
  lemon::SmartDigraph graph;
  graph.reserveNode(sources + sinks + 2);
  graph.reserveArc(static_cast<int>(problem.routes.size()) + sources + sinks + 1);
  auto super_source = graph.addNode();
  auto super_sink = graph.addNode();
  std::vector<lemon::SmartDigraph::Node> source_nodes, sink_nodes;
  source_nodes.reserve(sources);
  sink_nodes.reserve(sinks);
  for (int i = 0; i < sources; ++i) source_nodes.push_back(graph.addNode());
  for (int j = 0; j < sinks; ++j) sink_nodes.push_back(graph.addNode());

  lemon::SmartDigraph::ArcMap<int64_t> capacity(graph), cost(graph);
  std::vector<lemon::SmartDigraph::Arc> route_arcs;
  route_arcs.reserve(problem.routes.size());
  for (const auto& route : problem.routes) {
    auto arc = graph.addArc(source_nodes[route.source], sink_nodes[route.sink]);
    capacity[arc] = problem.supply[route.source];
    cost[arc] = std::llround(route.unit_cost * scale);
    route_arcs.push_back(arc);
  }
  int64_t largest_scaled = 0;
  for (const auto& arc : route_arcs) largest_scaled = std::max(largest_scaled, cost[arc]);
  for (int i = 0; i < sources; ++i) {
    auto arc = graph.addArc(super_source, source_nodes[i]);
    capacity[arc] = std::max<int64_t>(problem.supply[i], 0);
    cost[arc] = 0;
  }
  for (int j = 0; j < sinks; ++j) {
    auto arc = graph.addArc(sink_nodes[j], super_sink);
    capacity[arc] = std::max<int64_t>(problem.sink_upper[j], 0);
    cost[arc] = 0;
  }
  auto unmet_arc = graph.addArc(super_source, super_sink);
  capacity[unmet_arc] = problem.wanted_total;
  cost[unmet_arc] = largest_scaled + 1;

  lemon::NetworkSimplex<lemon::SmartDigraph, int64_t, int64_t> simplex(graph);
  simplex.upperMap(capacity).costMap(cost).stSupply(super_source, super_sink, problem.wanted_total);
  auto outcome = simplex.run();
  if (outcome != decltype(simplex)::OPTIMAL)
    return internal_error("min-cost flow found no optimal plan (the bypass arc makes one always exist)");

  for (size_t r = 0; r < route_arcs.size(); ++r) {
    int64_t units = simplex.flow(route_arcs[r]);
    solution.flow[r] = units;
    solution.moved += units;
    solution.cost += static_cast<double>(units) * problem.routes[r].unit_cost;
  }
  return solution;
}

}  // namespace shouwang::aid
