// The reference the tests and the benchmark compare with: a transport problem written as a plain
// linear program and solved by GLPK's simplex. Not part of shouwang_aid (GLPK is a test dependency).
#pragma once

#include "aid/transport.h"
#include "core/status.h"

namespace shouwang::aid {

// min sum_r cost_r x_r  s.t.  sum_{r from s} x_r <= supply_s,  sum_{r to t} x_r <= sink_upper_t,
// sum_r x_r = wanted_total,  x >= 0. Returns the optimal objective, or FailedPrecondition when GLPK
// finds the LP infeasible.
Result<double> glpk_transport_optimum(const TransportProblem& problem);

}  // namespace shouwang::aid
