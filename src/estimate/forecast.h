// Weekly quantile forecasts (the hubs' 23 quantiles, 1-4 weeks ahead) of a daily count series: a
// renewal-equation projection driven by the Rt posterior, and the hubs' naive baseline beside it.
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
  int samples = 1000;
  // Past weeks used to measure how fast Rt drifts and how noisy the weekly totals are.
  int history_weeks = 10;
  // log R in week h ahead is log R̂ · first_week_log_r_factor · damping_per_week^(h-1): epidemics
  // rarely keep a growth rate for weeks because behaviour, policy and immunity respond, and the
  // latest window's R̂ is noisy. The defaults were chosen on the JHU backtest (8 European countries,
  // cases, 2020-06..2022-12; see docs/methods/rt.md): 0.5 and 0, i.e. half the latest log growth
  // for one week, then a flat level. Set both to 1 for the undamped renewal projection.
  double first_week_log_r_factor = 0.5;
  double damping_per_week = 0.0;
  // Guards for erratic reporting (batches of late reports, long runs of zeros): |log R| used in a
  // projection, and the log-scale sd of the spread.
  double max_abs_log_r = std::log(2.0);
  double max_log_error_sd = 1.0;
  double prior_mean = 5;
  double prior_sd = 5;
};

// Sum of the 7 daily values ending `weeks_back` weeks before the last day (0 = the last 7 days).
// Negative corrections count as 0.
double weekly_total(std::span<const double> daily, size_t weeks_back);

// Forecasts of the weekly totals after the last day of `daily` (the origin; data known then). Each
// sample draws R from the posterior of the last window, shrinks log R toward 0 (see ForecastConfig),
// projects daily incidence by the renewal equation from the 7-day smoothed history, and adds
// log-normal noise whose sd at horizon h is the root mean square of the same projection's h-week
// errors over the past `history_weeks` origins. NaN and negative daily values count as 0.
Result<std::vector<WeeklyQuantileForecast>> forecast_weekly(std::span<const double> daily,
                                                            const ForecastConfig& config, std::mt19937_64& rng);

// The COVID-19 Forecast Hub baseline: the median is the last weekly total; the spread comes from the
// past week-to-week changes, symmetrised (each change also taken negated) and summed over h weeks
// for horizon h; values below 0 are set to 0.
Result<std::vector<WeeklyQuantileForecast>> naive_baseline_weekly(std::span<const double> daily, int horizons,
                                                                  int samples, std::mt19937_64& rng);

// R's quantile(type = 7) of sorted values.
double sorted_quantile(std::span<const double> sorted, double level);

}  // namespace shouwang::estimate
