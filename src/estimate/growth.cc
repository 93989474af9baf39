// Growth rate and doubling time; see growth.h.
#include "estimate/growth.h"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

namespace shouwang::estimate {

std::vector<double> trailing_moving_average(std::span<const double> daily, size_t width) {
  std::vector<double> smoothed(daily.size(), std::numeric_limits<double>::quiet_NaN());
  if (width == 0) return smoothed;
  double sum = 0;
  for (size_t t = 0; t < daily.size(); ++t) {
    sum += daily[t];
    if (t >= width) sum -= daily[t - width];
    if (t + 1 >= width) smoothed[t] = sum / static_cast<double>(width);
  }
  return smoothed;
}

Result<GrowthEstimate> estimate_growth(std::span<const double> daily, size_t end, size_t fit_days, double level) {
  constexpr size_t kSmoothing = 7;
  if (fit_days < 3) return invalid_argument("the growth fit needs at least 3 days");
  if (!(level > 0 && level < 1)) return invalid_argument("the confidence level must lie in (0, 1)");
  if (end >= daily.size() || end + 2 < kSmoothing + fit_days) {
    return failed_precondition("the growth rate needs " + std::to_string(kSmoothing + fit_days - 1) +
                               " days up to the day estimated");
  }
  const std::vector<double> smoothed = trailing_moving_average(daily.subspan(0, end + 1), kSmoothing);
  const size_t first = end + 1 - fit_days;
  // Ordinary least squares on (t, log y): two parameters, closed form.
  double mean_t = 0, mean_y = 0;
  std::vector<double> log_y(fit_days);
  for (size_t i = 0; i < fit_days; ++i) {
    const double value = smoothed[first + i];
    if (!(value > 0)) return failed_precondition("the smoothed series is 0 inside the fit window");
    log_y[i] = std::log(value);
    mean_t += static_cast<double>(i);
    mean_y += log_y[i];
  }
  const double n = static_cast<double>(fit_days);
  mean_t /= n;
  mean_y /= n;
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < fit_days; ++i) {
    sxx += (static_cast<double>(i) - mean_t) * (static_cast<double>(i) - mean_t);
    sxy += (static_cast<double>(i) - mean_t) * (log_y[i] - mean_y);
  }
  const double slope = sxy / sxx;
  double rss = 0;
  for (size_t i = 0; i < fit_days; ++i) {
    const double residual = log_y[i] - (mean_y + slope * (static_cast<double>(i) - mean_t));
    rss += residual * residual;
  }
  const double se = std::sqrt(rss / (n - 2) / sxx);
  const boost::math::students_t t_distribution(n - 2);
  const double t_quantile = boost::math::quantile(t_distribution, 0.5 + level / 2);

  GrowthEstimate growth;
  growth.rate = slope;
  growth.rate_lower = slope - t_quantile * se;
  growth.rate_upper = slope + t_quantile * se;
  const double ln2 = std::numbers::ln2;
  const double infinity = std::numeric_limits<double>::infinity();
  growth.doubling_time = slope == 0 ? infinity : ln2 / slope;
  if (growth.rate_lower > 0 || growth.rate_upper < 0) {
    // The interval excludes 0, so ln2/r is decreasing over it.
    growth.doubling_time_lower = ln2 / growth.rate_upper;
    growth.doubling_time_upper = ln2 / growth.rate_lower;
  } else {
    growth.doubling_time_lower = -infinity;
    growth.doubling_time_upper = infinity;
  }
  return growth;
}

}  // namespace shouwang::estimate
