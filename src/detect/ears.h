// EARS C1, C2 and C3 as R surveillance 1.20.3's earsC computes them (Hutwagner et al. 2003; the
// package's C3 differs from the CDC text, which is available as EarsC3Definition::kCdc).
// `expected` is the baseline mean, `score` the week's C statistic (C3 for the CDC definition).
#pragma once

#include <vector>

#include "core/status.h"
#include "detect/detector.h"
#include "detect/weekly_series.h"

namespace shouwang::detect {

enum class EarsVariant { kC1, kC2, kC3 };

// Default range: baseline+1 (C1), baseline+3 (C2), baseline+5 (C3) .. n. Pure and thread-safe.
Result<std::vector<WeekResult>> ears_c(const WeeklySeries& series, const DetectorOptions& options, EarsVariant variant);

}  // namespace shouwang::detect
