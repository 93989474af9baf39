// Weekly quantile forecasts (the hubs' 23 quantiles, 1-4 weeks ahead) of a daily count series: a
// renewal-equation projection at the Rt posterior mean with a spread calibrated on the series' own past
// errors, and the hubs' naive baseline beside it.
#pragma once

#include <array>
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "core/status.h"
#include "estimate/scoring.h"

namespace shouwang::estimate {

struct WeeklyQuantileForecast {
  int horizon_weeks = 0;  // 1 = the 7 days after the origin
  std::array<double, kHubQuantileLevels.size()> values{};
};

struct ForecastConfig {
  // Serial interval of COVID-19 (Nishiura, Linton & Akhmetzhanov 2020: mean 4.7, sd 2.9 days),
  // discretised as EpiEstim does and truncated at `si_days`.
  double si_mean = 4.7;
  double si_sd = 2.9;
  size_t si_days = 30;
  int rt_window_days = 7;
  int horizons = 4;
  // Monte Carlo draws of the naive baseline (the renewal forecast's quantiles are exact).
  int samples = 1000;
  // Past weekly origins whose errors calibrate the spread: at least `history_weeks` (a series with
  // fewer is too short to forecast), and at horizon h the latest `error_weeks_per_horizon`·h when
  // the series holds them. An h-week error overlaps the next h - 1 origins' errors, so a window
  // h times as long holds about as much independent information at every horizon. 8 and the
  // winsorisation at 1.25 below were chosen on the JHU backtest (docs/methods/rt.md).
  int history_weeks = 10;
  int error_weeks_per_horizon = 8;
  // log R in week h ahead is log R̂ · first_week_log_r_factor · damping_per_week^(h-1): epidemics
  // rarely keep a growth rate for weeks because behaviour, policy and immunity respond, and the
  // latest window's R̂ is noisy. The defaults were chosen on the JHU backtest (8 European countries,
  // cases, 2020-06..2022-12; see docs/methods/rt.md): 0.5 and 0, i.e. half the latest log growth
  // for one week, then a flat level. Set both to 1 for the undamped renewal projection.
  double first_week_log_r_factor = 0.5;
  double damping_per_week = 0.0;
  // Guards for erratic reporting (batches of late reports, long runs of zeros): |log R| used in a
  // projection; each past log error is winsorised to ±max_abs_log_error before it enters the scale
  // (one batch report must not widen a series' intervals for months); and the scale's range.
  double max_abs_log_r = std::log(2.0);
  double max_abs_log_error = 1.25;
  double min_log_error_sd = 0.05;
  double max_log_error_sd = 1.0;
  double prior_mean = 5;
  double prior_sd = 5;
};

// Sum of the 7 daily values ending `weeks_back` weeks before the last day (0 = the last 7 days).
// Negative corrections count as 0.
double weekly_total(std::span<const double> daily, size_t weeks_back);

// Forecasts of the weekly totals after the last day of `daily` (the origin; data known then), from the
// renewal projection at the posterior mean of the last window's R (log R shrunk toward 0, see
// ForecastConfig), with a log-scale spread calibrated on this series' own past errors:
// log1p(weekly total) = log1p(projection) + E_h, and the quantile of E_h at level p is the average of
// two error models fitted to the same projection's h-week log errors at past origins (winsorised, in
// a window of error_weeks_per_horizon·h weeks): a normal error of unknown variance (s_h·t_ν(p), s_h
// the root mean square, ν the errors' effective degrees of freedom) and a Laplace error (b_h·L(p), b_h
// the mean absolute error). Averaging quantiles is how the forecast hubs combine models; the Laplace
// half gives the heavy tails and narrow centre that log errors of reported counts have. Both scales
// are clamped and non-decreasing in h. The quantiles are exact (no sampling), so the same data always
// gives the same forecast. NaN and negative daily values count as 0. See docs/methods/rt.md.
Result<std::vector<WeeklyQuantileForecast>> forecast_weekly(std::span<const double> daily,
                                                            const ForecastConfig& config);

// The predictive spread at each horizon from past log errors: errors[h][j] is the error of the
// h+1-week forecast whose target week ended j weeks before the origin (j = 0 latest). Exposed for
// tests.
struct LogErrorSpread {
  double scale = 0;               // s_h: root mean square
  double degrees_of_freedom = 0;  // ν of the Student t
  double laplace_scale = 0;       // b_h: mean absolute error
};
std::vector<LogErrorSpread> calibrate_log_error_spread(const std::vector<std::vector<double>>& errors,
                                                       const ForecastConfig& config);

// The forecast at every hub level of log1p(value) = log1p(point) + E, E's quantile being the average
// of the two error models of `spread` (Student t and Laplace); values below 0 are set to 0.
WeeklyQuantileForecast quantiles_around_point(double point, const LogErrorSpread& spread, int horizon_weeks);

// The COVID-19 Forecast Hub baseline: the median is the last weekly total; the spread comes from the
// past week-to-week changes, symmetrised (each change also taken negated) and summed over h weeks
// for horizon h; values below 0 are set to 0.
Result<std::vector<WeeklyQuantileForecast>> naive_baseline_weekly(std::span<const double> daily, int horizons,
                                                                  int samples, std::mt19937_64& rng);

// R's quantile(type = 7) of sorted values.
double sorted_quantile(std::span<const double> sorted, double level);

}  // namespace shouwang::estimate
