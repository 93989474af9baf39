// The one input and output shape of the detection engine: a weekly count series (date- or
// index-indexed, optional population, NaN for a missing week) and one result row per evaluated week.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/period.h"

namespace shouwang::detect {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// A weekly series, like one column of an R `sts` object.
struct WeeklySeries {
  // Counts per week in time order; NaN marks a missing week (R's NA).
  std::vector<double> observed;
  // Population per week (same length as observed), or empty when unknown.
  std::vector<double> population;
  // ISO date of each week (same length as observed, 7 days apart) for a date-indexed series
  // (R's epochAsDate = TRUE); empty for an index-indexed series (weeks 1..n, 52 per year).
  std::vector<Date> dates;

  int64_t size() const { return static_cast<int64_t>(observed.size()); }
  bool is_date_indexed() const { return !dates.empty(); }
  bool has_population() const { return !population.empty(); }
};

// Alarm states: R reports NA when no model could be fitted for a week.
enum class Alarm : int8_t { kNo = 0, kYes = 1, kMissing = -1 };

// One evaluated week. Fields that a method does not produce, or where R gives NA, are NaN.
struct WeekResult {
  int64_t t = 0;              // 1-based index of the week in the series
  double observed = kMissing;
  double upperbound = kMissing;
  Alarm alarm = Alarm::kMissing;
  double expected = kMissing;  // the in-control mean the week is compared with
  double score = kMissing;     // method-specific exceedance score (see docs/methods/detection.md)
  double pvalue = kMissing;
  double phi = kMissing;       // over-dispersion (GLM methods)
  double trend = kMissing;     // 1 if a time trend was kept, 0 if not (GLM methods)
};

}  // namespace shouwang::detect
