// The reference the tests and the benchmark compare with: a transport problem written as a plain
// linear program and solved by GLPK's simplex. Not part of shouwang_aid (GLPK is a test dependency).
#pragma once

#include "aid/transport.h"
#include "core/status.h"

namespace shouwang::aid {

// Which GLPK algorithm solves the LP. The tests use the primal simplex (an exact vertex); the
// benchmark can pick whichever is fastest at its size.
enum class GlpkMethod {
  kPrimalSimplex,  // glp_simplex, presolve on, primal
  kDualSimplex,    // glp_simplex, presolve on, dual phase I + II
  kInterior,       // glp_interior (primal-dual interior point, no crossover in GLPK)
};

// min sum_r cost_r x_r  s.t.  sum_{r from s} x_r <= supply_s,  sum_{r to t} x_r <= sink_upper_t,
// sum_r x_r = wanted_total,  x >= 0. Returns the optimal objective, or FailedPrecondition when GLPK
// finds the LP infeasible.
Result<double> glpk_transport_optimum(const TransportProblem& problem,
                                      GlpkMethod method = GlpkMethod::kPrimalSimplex);

}  // namespace shouwang::aid
