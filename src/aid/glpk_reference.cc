// GLPK model of the transport LP: one column per route, one row per source, per sink, and the total.
#include "aid/glpk_reference.h"

#include <glpk.h>

#include <vector>

namespace shouwang::aid {

Result<double> glpk_transport_optimum(const TransportProblem& problem, GlpkMethod method) {
  glp_term_out(GLP_OFF);
  glp_prob* lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MIN);
  const int sources = static_cast<int>(problem.supply.size());
  const int sinks = static_cast<int>(problem.sink_upper.size());
  const int routes = static_cast<int>(problem.routes.size());
  const int total_row = sources + sinks + 1;
  glp_add_rows(lp, total_row);
  for (int s = 0; s < sources; ++s) glp_set_row_bnds(lp, s + 1, GLP_UP, 0.0, static_cast<double>(problem.supply[s]));
  for (int t = 0; t < sinks; ++t)
    glp_set_row_bnds(lp, sources + t + 1, GLP_UP, 0.0, static_cast<double>(problem.sink_upper[t]));
  glp_set_row_bnds(lp, total_row, GLP_FX, static_cast<double>(problem.wanted_total),
                   static_cast<double>(problem.wanted_total));
  if (routes > 0) glp_add_cols(lp, routes);
  std::vector<int> row_index(1), column_index(1);
  std::vector<double> value(1);
  row_index.reserve(3 * routes + 1);
  column_index.reserve(3 * routes + 1);
  value.reserve(3 * routes + 1);
  for (int r = 0; r < routes; ++r) {
    const auto& route = problem.routes[r];
    glp_set_col_bnds(lp, r + 1, GLP_LO, 0.0, 0.0);
    glp_set_obj_coef(lp, r + 1, route.unit_cost);
    for (int row : {route.source + 1, sources + route.sink + 1, total_row}) {
      row_index.push_back(row);
      column_index.push_back(r + 1);
      value.push_back(1.0);
    }
  }
  glp_load_matrix(lp, static_cast<int>(value.size()) - 1, row_index.data(), column_index.data(), value.data());
  int error = 0, status = 0;
  double objective = 0.0;
  if (method == GlpkMethod::kInterior) {
    glp_iptcp parameters;
    glp_init_iptcp(&parameters);
    parameters.msg_lev = GLP_MSG_OFF;
    error = glp_interior(lp, &parameters);
    status = glp_ipt_status(lp);
    objective = glp_ipt_obj_val(lp);
  } else {
    glp_smcp parameters;
    glp_init_smcp(&parameters);
    parameters.msg_lev = GLP_MSG_OFF;
    parameters.presolve = GLP_ON;
    if (method == GlpkMethod::kDualSimplex) parameters.meth = GLP_DUAL;
    error = glp_simplex(lp, &parameters);
    status = glp_get_status(lp);
    objective = glp_get_obj_val(lp);
  }
  glp_delete_prob(lp);
  if (error != 0) return failed_precondition("GLPK stopped with code " + std::to_string(error));
  if (status != GLP_OPT) return failed_precondition("GLPK found no optimum (status " + std::to_string(status) + ")");
  return objective;
}

}  // namespace shouwang::aid
