// One rule for corrections and gaps in reported counts, applied by every analysis (detection, Rt,
// forecasts, the dashboard's averages) to a copy of the stored series; stored values are never
// altered. docs/methods/corrections.md gives the rule and the reasons:
//   - a negative count is a correction of earlier periods, not a count of what happened in its own;
//   - detection evaluates whole weeks of usable days only (a week with a missing day or a
//     correction has no verdict and is left out of every baseline);
//   - renewal models (Rt, forecasts) count a missing day or a correction as zero incidence.
// A cumulative series is analysed through its differences, the same rule then applying to them.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/period.h"

namespace shouwang {

inline constexpr double kNoCount = std::numeric_limits<double>::quiet_NaN();

// A stored value of one period.
struct PeriodCount {
  Period period;
  double value = 0;
};

// A series of counts of one period kind as reported, one slot per period from `first` to the last
// reported one: NaN where nothing was reported, negative where a correction was reported.
struct ReportedCounts {
  Period::Kind kind = Period::Kind::kDay;
  Date first;                  // start of the first period
  std::vector<double> values;  // one per period: day, ISO week or month
  // The cumulative indicator these counts were differenced from, or empty when reported as counts.
  std::string derived_from;

  size_t size() const { return values.size(); }
  Date start_of(size_t i) const { return Period::containing(kind, first).plus(static_cast<int32_t>(i)).start(); }
  int64_t corrections() const;  // negative values
  int64_t missing() const;      // periods with nothing reported
};

// Incident counts as reported. `points` hold one period kind (the first point's) in any order;
// points of another kind are ignored. Empty points give an empty series.
ReportedCounts reported_counts(std::span<const PeriodCount> points);

// Incident counts derived from a cumulative series: the difference of consecutive reported
// periods (a period after a gap is missing: what it adds up cannot be told apart by period).
// A decrease of the running total is a correction like any other negative count.
ReportedCounts counts_from_cumulative(std::span<const PeriodCount> cumulative, std::string cumulative_indicator);

// Whole ISO weeks for detection: a daily series summed by week when all seven days are usable
// (reported and not a correction), a weekly one used as is when not a correction; NaN otherwise.
struct WeeklyCounts {
  std::vector<IsoWeek> weeks;
  std::vector<double> values;
};
WeeklyCounts weekly_for_detection(const ReportedCounts& counts);

// Daily incidence for renewal models: missing days and corrections are zero.
std::vector<double> daily_for_renewal(const ReportedCounts& counts);

// The mean of the usable days (reported, not a correction) among the `window` days ending at each
// day; NaN where the window holds none and for the first window - 1 days (not an average of fewer
// reports). The dashboard's 7-day average (web/src/series.ts follows the same rule).
std::vector<double> trailing_average(const ReportedCounts& counts, int window);

}  // namespace shouwang
