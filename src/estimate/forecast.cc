// Renewal-equation weekly forecasts and the hub baseline; see forecast.h and docs/methods/rt.md.
#include "estimate/forecast.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include <boost/math/distributions/students_t.hpp>

#include "estimate/growth.h"
#include "estimate/rt.h"

namespace shouwang::estimate {
namespace {

std::vector<double> clean_counts(std::span<const double> daily) {
  std::vector<double> clean(daily.size());
  for (size_t t = 0; t < daily.size(); ++t) clean[t] = std::isfinite(daily[t]) && daily[t] > 0 ? daily[t] : 0.0;
  return clean;
}

// A 7-day trailing mean describes the day 3 days before its last day: the projection first fills
// those 3 days in (nowcast) so weekly targets are not shifted.
constexpr int kSmoothingLag = 3;

// Appends `days` days of R·Λ_t to `path` (whose tail is the history) and returns the sum of the
// last `counted` of them (all by default).
double project_renewal(std::vector<double>& path, std::span<const double> w, double r, int days, int counted = -1) {
  if (counted < 0) counted = days;
  double total = 0;
  for (int d = 0; d < days; ++d) {
    const size_t t = path.size();
    double lambda = 0;
    const size_t lags = std::min(w.size() - 1, t);
    for (size_t j = 1; j <= lags; ++j) lambda += w[j] * path[t - j];
    const double value = r * lambda;
    path.push_back(value);
    if (d >= days - counted) total += value;
  }
  return total;
}

WeeklyQuantileForecast quantiles_of(std::vector<double>& samples, int horizon) {
  std::sort(samples.begin(), samples.end());
  WeeklyQuantileForecast forecast;
  forecast.horizon_weeks = horizon;
  for (size_t q = 0; q < kHubQuantileLevels.size(); ++q) {
    forecast.values[q] = sorted_quantile(samples, kHubQuantileLevels[q]);
  }
  return forecast;
}

}  // namespace

double sorted_quantile(std::span<const double> sorted, double level) {
  if (sorted.empty()) return std::nan("");
  const double position = level * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

double weekly_total(std::span<const double> daily, size_t weeks_back) {
  const size_t end = daily.size() - 7 * weeks_back;  // exclusive
  double sum = 0;
  for (size_t t = end - 7; t < end; ++t) sum += std::isfinite(daily[t]) ? daily[t] : 0.0;
  return std::max(sum, 0.0);
}

std::vector<LogErrorSpread> calibrate_log_error_spread(const std::vector<std::vector<double>>& errors,
                                                       const ForecastConfig& config) {
  std::vector<LogErrorSpread> spread(errors.size());
  for (size_t h = 0; h < errors.size(); ++h) {
    const size_t window = std::min(errors[h].size(), static_cast<size_t>(config.error_weeks_per_horizon) * (h + 1));
    double mean_square = 0, mean_absolute = 0;
    for (size_t j = 0; j < window; ++j) {
      const double e = std::clamp(errors[h][j], -config.max_abs_log_error, config.max_abs_log_error);
      mean_square += e * e;
      mean_absolute += std::abs(e);
    }
    const double count = static_cast<double>(std::max<size_t>(window, 1));
    spread[h].scale = std::clamp(std::sqrt(mean_square / count), config.min_log_error_sd, config.max_log_error_sd);
    // A normal error of sd `min_log_error_sd` has mean absolute value min_log_error_sd·sqrt(2/π).
    spread[h].laplace_scale = std::clamp(mean_absolute / count, config.min_log_error_sd * std::sqrt(2 / std::numbers::pi),
                                         config.max_log_error_sd);
    // Errors can only grow with the horizon; a short history can say otherwise by chance.
    if (h > 0) {
      spread[h].scale = std::max(spread[h].scale, spread[h - 1].scale);
      spread[h].laplace_scale = std::max(spread[h].laplace_scale, spread[h - 1].laplace_scale);
    }
    // Forecasts h weeks ahead from consecutive weekly origins share h - 1 weeks of their targets: their
    // errors are correlated like an MA(h - 1) with lag-k autocorrelation (h - k)/h. The variance of a
    // mean of squares of such errors is 1 + 2·Σ_k ρ_k² times that of independent ones, so the
    // effective degrees of freedom are the window divided by that factor.
    const double weeks = static_cast<double>(h + 1);
    double inflation = 1;
    for (size_t k = 1; k <= h; ++k) {
      const double rho = (weeks - static_cast<double>(k)) / weeks;
      inflation += 2 * rho * rho;
    }
    spread[h].degrees_of_freedom = std::max(1.0, static_cast<double>(window) / inflation);
  }
  return spread;
}

Result<std::vector<WeeklyQuantileForecast>> forecast_weekly(std::span<const double> daily,
                                                            const ForecastConfig& config) {
  if (config.horizons < 1 || config.history_weeks < 3 || config.error_weeks_per_horizon < 1 ||
      config.rt_window_days < 1) {
    return invalid_argument(
        "forecast needs horizons >= 1, history_weeks >= 3, error_weeks_per_horizon >= 1 and a window >= 1");
  }
  const size_t horizons = static_cast<size_t>(config.horizons);
  // Every past origin needs its own Rt window and serial-interval history before it.
  const size_t base_days = 6 + static_cast<size_t>(config.rt_window_days) + config.si_days + 1;
  const size_t needed = base_days + 7 * (horizons + static_cast<size_t>(config.history_weeks));
  if (daily.size() < needed) {
    return failed_precondition("the series has " + std::to_string(daily.size()) + " days; the forecast needs " +
                               std::to_string(needed));
  }
  // Past origins whose errors are used: as many as the series holds, up to the longest window.
  const size_t longest_window = static_cast<size_t>(config.error_weeks_per_horizon) * horizons;
  const size_t history = std::max(static_cast<size_t>(config.history_weeks),
                                  std::min(longest_window, (daily.size() - base_days) / 7 - horizons));
  const size_t lookback_weeks = horizons + history;
  const std::vector<double> counts = clean_counts(daily);
  // The 7-day trailing mean removes the weekday pattern of reporting before the renewal model sees it.
  const std::vector<double> smoothed_all = trailing_moving_average(counts, 7);
  const std::vector<double> smoothed(smoothed_all.begin() + 6, smoothed_all.end());
  const size_t n = smoothed.size();

  ASSIGN_OR_RETURN(std::vector<double> w, discretise_gamma_serial_interval(config.si_days, config.si_mean, config.si_sd));
  ASSIGN_OR_RETURN(Incidence incidence, incidence_from_total(smoothed));

  // Rt over the windows ending at the origin (m = 0) and m = 1, 2, ... weeks before it.
  RtConfig rt_config;
  rt_config.method = SerialIntervalMethod::kNonParametric;
  rt_config.si_distr = w;
  rt_config.prior_mean = config.prior_mean;
  rt_config.prior_sd = config.prior_sd;
  for (size_t m = 0; m <= lookback_weeks; ++m) {
    const int end = static_cast<int>(n - 7 * m);
    rt_config.t_start.push_back(end - config.rt_window_days + 1);
    rt_config.t_end.push_back(end);
  }
  ASSIGN_OR_RETURN(RtEstimate rt, estimate_rt(incidence, rt_config));

  // Weekly totals projected from `origin` days of smoothed history with R = r_start, shrunk toward
  // R = 1 in the first week and damped further each week.
  auto project_weeks = [&](size_t origin, double r_start, std::vector<double>& weekly) {
    std::vector<double> path(smoothed.begin() + static_cast<long>(origin - std::min(origin, config.si_days)),
                             smoothed.begin() + static_cast<long>(origin));
    double log_r = std::log(std::max(r_start, 1e-12));
    for (size_t h = 0; h < weekly.size(); ++h) {
      log_r *= h == 0 ? config.first_week_log_r_factor : config.damping_per_week;
      // A batch of late reports can make R̂ huge for one window; no week is projected beyond this.
      log_r = std::clamp(log_r, -config.max_abs_log_r, config.max_abs_log_r);
      const int days = h == 0 ? 7 + kSmoothingLag : 7;
      weekly[h] = project_renewal(path, w, std::exp(log_r), days, 7);
    }
  };

  // The spread at horizon h comes from the same projection's h-week-ahead errors (log scale) at past
  // origins, scored against what happened: it carries the drift of R, the error of R̂, the reporting
  // noise and the model's own misfit, measured on this series with data known at the origin. So the
  // forecast is the projection at the posterior mean: drawing R from its posterior as well would
  // count the error of R̂ twice.
  std::vector<double> weekly(horizons);
  std::vector<std::vector<double>> errors(horizons);
  // One projection from each past origin m (weeks before the current one) scores every horizon h whose
  // target week, ending j = m - h weeks back, is among the `history` latest.
  for (size_t m = 1; m < horizons + history; ++m) {
    project_weeks(n - 7 * m, rt.windows[m].mean, weekly);
    for (size_t h = 1; h <= std::min(m, horizons); ++h) {
      const size_t j = m - h;
      if (j >= history) continue;
      errors[h - 1].push_back(std::log1p(weekly_total(counts, j)) - std::log1p(weekly[h - 1]));
    }
  }
  const std::vector<LogErrorSpread> spread = calibrate_log_error_spread(errors, config);

  project_weeks(n, rt.windows.front().mean, weekly);
  std::vector<WeeklyQuantileForecast> forecasts;
  for (size_t h = 0; h < horizons; ++h) {
    forecasts.push_back(quantiles_around_point(weekly[h], spread[h], static_cast<int>(h + 1)));
  }
  return forecasts;
}

WeeklyQuantileForecast quantiles_around_point(double point, const LogErrorSpread& spread, int horizon_weeks) {
  const boost::math::students_t t(spread.degrees_of_freedom);
  WeeklyQuantileForecast forecast;
  forecast.horizon_weeks = horizon_weeks;
  for (size_t q = 0; q < kHubQuantileLevels.size(); ++q) {
    const double level = kHubQuantileLevels[q];
    const double normal_model = spread.scale * boost::math::quantile(t, level);
    const double laplace_model =
        spread.laplace_scale * (level < 0.5 ? std::log(2 * level) : -std::log(2 * (1 - level)));
    const double log_value = std::log1p(point) + 0.5 * (normal_model + laplace_model);
    forecast.values[q] = std::max(0.0, std::expm1(log_value));
  }
  return forecast;
}

Result<std::vector<WeeklyQuantileForecast>> naive_baseline_weekly(std::span<const double> daily, int horizons,
                                                                  int samples, std::mt19937_64& rng) {
  if (horizons < 1 || samples < 10) return invalid_argument("the baseline needs horizons >= 1 and samples >= 10");
  const size_t weeks = daily.size() / 7;
  if (weeks < 2) return failed_precondition("the baseline needs at least two weeks of data");
  std::vector<double> totals(weeks);
  for (size_t k = 0; k < weeks; ++k) totals[weeks - 1 - k] = weekly_total(daily, k);
  std::vector<double> changes;
  for (size_t k = 1; k < weeks; ++k) {
    changes.push_back(totals[k] - totals[k - 1]);
    changes.push_back(totals[k - 1] - totals[k]);
  }
  const double last = totals.back();
  std::uniform_int_distribution<size_t> pick(0, changes.size() - 1);
  std::vector<WeeklyQuantileForecast> forecasts;
  std::vector<double> draws(static_cast<size_t>(samples));
  for (int h = 1; h <= horizons; ++h) {
    for (double& draw : draws) {
      double sum = last;
      for (int step = 0; step < h; ++step) sum += changes[pick(rng)];
      draw = std::max(0.0, sum);
    }
    WeeklyQuantileForecast forecast = quantiles_of(draws, h);
    // The median is the last value by definition; sampling only approximates it.
    forecast.values[11] = last;
    std::sort(forecast.values.begin(), forecast.values.end());
    forecasts.push_back(forecast);
  }
  return forecasts;
}

}  // namespace shouwang::estimate
