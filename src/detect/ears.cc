#include "detect/ears.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "detect/distributions.h"

namespace shouwang::detect {
namespace {

struct Baseline {
  double mean;
  double sd;  // sample sd (n - 1), NaN if any week is missing
};

// Weeks t - last_lag .. t - first_lag (1-based t).
Baseline baseline_of(const WeeklySeries& series, int64_t t, int first_lag, int count) {
  double sum = 0;
  for (int i = 0; i < count; ++i) sum += series.observed[t - first_lag - i - 1];
  const double mean = sum / count;
  double squares = 0;
  for (int i = 0; i < count; ++i) {
    const double d = series.observed[t - first_lag - i - 1] - mean;
    squares += d * d;
  }
  return {mean, std::sqrt(squares / (count - 1))};
}

// R's pmax(sd, minSigma) keeps NA.
double floored_sd(double sd, double min_sigma) { return std::isnan(sd) ? sd : std::max(sd, min_sigma); }

}  // namespace

Result<std::vector<WeekResult>> ears_c(const WeeklySeries& series, const DetectorOptions& options, EarsVariant variant) {
  if (options.min_sigma < 0) return invalid_argument("min-sigma must not be negative");
  if (options.baseline < 3) return invalid_argument("the minimum baseline is 3 weeks");
  if (!(options.alpha > 0 && options.alpha < 1)) return invalid_argument("alpha must lie strictly between 0 and 1");
  const int baseline = options.baseline;
  const int max_lag = variant == EarsVariant::kC1 ? baseline : variant == EarsVariant::kC2 ? baseline + 2 : baseline + 4;
  const int64_t default_from = max_lag + 1;
  ASSIGN_OR_RETURN(auto range, resolve_range(options, series.size(), default_from));
  if (range.first - max_lag < 1) {
    return failed_precondition("series too short: week " + std::to_string(range.first) + " needs " +
                               std::to_string(max_lag) + " earlier weeks");
  }
  const double z = normal_quantile(1 - options.alpha);
  const auto c2_statistic = [&](int64_t t) {
    const Baseline b = baseline_of(series, t, 3, baseline);
    return (series.observed[t - 1] - b.mean) / floored_sd(b.sd, options.min_sigma);
  };
  std::vector<WeekResult> results;
  results.reserve(range.second - range.first + 1);
  for (int64_t t = range.first; t <= range.second; ++t) {
    WeekResult week;
    week.t = t;
    const double y = series.observed[t - 1];
    week.observed = y;
    const Baseline b = baseline_of(series, t, variant == EarsVariant::kC1 ? 1 : 3, baseline);
    const double sd = floored_sd(b.sd, options.min_sigma);
    week.expected = b.mean;
    week.score = (y - b.mean) / sd;
    if (variant != EarsVariant::kC3) {
      week.upperbound = b.mean + z * sd;
    } else {
      const double lag_excess = std::max(0.0, c2_statistic(t - 2) - 1) + std::max(0.0, c2_statistic(t - 1) - 1);
      const double lag2 = c2_statistic(t - 2);
      const double lag1 = c2_statistic(t - 1);
      // R's pmax(0, NA) is NA: a missing week in a lag baseline makes the bound missing.
      const double excess = (std::isnan(lag2) || std::isnan(lag1)) ? kMissing : lag_excess;
      if (options.c3_definition == EarsC3Definition::kSurveillancePackage) {
        // The package's bound is anchored at y_t, not at the baseline mean (see detection.md).
        const double upper = y + sd * (z - excess);
        week.upperbound = std::isnan(upper) ? upper : std::max(0.0, upper);
      } else {
        // CDC: C3 = sum over t-2..t of max(0, C2 - 1), alarm when C3 > z; the bound is the count
        // that makes C3 reach z given the two lags.
        const double c3 = excess + std::max(0.0, week.score - 1);
        week.score = (std::isnan(week.score) || std::isnan(excess)) ? kMissing : c3;
        const double upper = b.mean + sd * (1 + z - excess);
        week.upperbound = std::isnan(upper) ? upper : std::max(0.0, upper);
        week.alarm = std::isnan(week.score) ? Alarm::kMissing : week.score > z ? Alarm::kYes : Alarm::kNo;
        results.push_back(week);
        continue;
      }
    }
    week.alarm = (std::isnan(y) || std::isnan(week.upperbound)) ? Alarm::kMissing
                 : y > week.upperbound                         ? Alarm::kYes
                                                                : Alarm::kNo;
    results.push_back(week);
  }
  return results;
}

}  // namespace shouwang::detect
