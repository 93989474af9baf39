// Count CUSUM charts of R surveillance 1.20.3: algo.cusum (Rossi et al. 1999 style, with the
// standard, rossi, anscombe, anscombe2nd, pearsonNegBin and none transforms) and algo.glrpois
// (Poisson GLR intercept chart, Hoehle & Paul 2008, unbounded window, "value" output).
#pragma once

#include <vector>

#include "core/status.h"
#include "detect/detector.h"
#include "detect/weekly_series.h"

namespace shouwang::detect {

// In-control mean m = mean of the weeks before the range. `expected` = m, `score` = the CUSUM S_t,
// `upperbound` = the count that would make S_t reach h. Default range: last 52 weeks (second half
// of a series shorter than 104 weeks); the package has no default.
Result<std::vector<WeekResult>> cusum(const WeeklySeries& series, const DetectorOptions& options);

// In-control mean from a Poisson GLM y ~ 1 [+ t] + S harmonic pairs fitted on the weeks before the
// range. `expected` = mu0, `score` and `upperbound` = the GLR statistic (the package's
// upperbound with ret = "value"); the chart restarts after each alarm. Default range as cusum.
Result<std::vector<WeekResult>> glr_poisson(const WeeklySeries& series, const DetectorOptions& options);

}  // namespace shouwang::detect
