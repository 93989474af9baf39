// farringtonFlexible of R surveillance 1.20.3: the quasi-Poisson GLM detector of Farrington et al.
// (1996) with the Noufaily et al. (2013) extensions (seasonal factor, excluded recent weeks,
// negative-binomial thresholds). Reproduces the package's results, quirks included, unless
// options.compat_r_surveillance is false. Specification: docs/methods/detection.md.
#pragma once

#include <vector>

#include "core/status.h"
#include "detect/detector.h"
#include "detect/weekly_series.h"

namespace shouwang::detect {

// Evaluates the weeks options.range_from..range_to (default 52*b + w + 1 .. n). Pure and thread-safe.
Result<std::vector<WeekResult>> farrington_flexible(const WeeklySeries& series, const DetectorOptions& options);

// algo.farrington: the original Farrington et al. (1996) algorithm as the package's legacy function
// runs it (index-based reference windows, two-sided alpha, weightsThreshold 1, no seasonal factor).
// Default range 52*b - w .. n. `expected` is mu0, `score` the exceedance X (0 without enough cases),
// `pvalue` the upper normal tail on the power-transformed scale.
Result<std::vector<WeekResult>> farrington_1996(const WeeklySeries& series, const DetectorOptions& options);

}  // namespace shouwang::detect
