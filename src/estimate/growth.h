// Exponential growth rate and doubling time from the 7-day log-linear fit on the smoothed series,
// with t-based confidence intervals: the "how fast is it growing" number beside Rt.
#pragma once

#include <span>
#include <vector>

#include "core/status.h"

namespace shouwang::estimate {

// Trailing moving average (days with fewer than `width` values before them are NaN), so the
// smoothed value at t uses only data known at t.
std::vector<double> trailing_moving_average(std::span<const double> daily, size_t width);

struct GrowthEstimate {
  double rate = 0;  // per day: the slope of log(smoothed incidence)
  double rate_lower = 0;
  double rate_upper = 0;
  // ln 2 / rate. Positive when growing, negative when halving (then |value| is the halving time);
  // infinite bounds when the interval of the rate contains 0.
  double doubling_time = 0;
  double doubling_time_lower = 0;
  double doubling_time_upper = 0;
};

// Fits log(smoothed) = a + r·t over the `fit_days` days ending at index `end` (inclusive) of the
// 7-day trailing mean of `daily`; the interval is the t interval (fit_days - 2 degrees of freedom) at
// `level`. FailedPrecondition when the window is not available or a smoothed value is 0.
Result<GrowthEstimate> estimate_growth(std::span<const double> daily, size_t end, size_t fit_days = 7,
                                       double level = 0.95);

}  // namespace shouwang::estimate
