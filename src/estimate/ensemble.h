// A quantile ensemble of cheap, robust weekly forecasters: the renewal projection (forecast.h), a
// damped log-linear trend, damped Holt exponential smoothing on log weekly totals and, for a series
// with a leading indicator (deaths after cases), a lagged ratio to it; each member's spread is
// calibrated on the series' own past errors and the ensemble takes the median or mean of the
// members' quantiles, as the forecast hubs do. Pure functions; docs/methods/forecast.md.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "estimate/forecast.h"

namespace shouwang::estimate {

// log1p(weekly total) at week T + h is fitted + slope·(φ + φ² + ... + φ^h), where slope and the fitted
// value at T come from least squares over the latest `fit_weeks` weekly log totals.
struct DampedTrendConfig {
  int fit_weeks = 2;
  double damping = 0.5;  // φ
};

// Holt's linear method with a damped trend (ETS(A,Ad,N)) on log1p(weekly totals) over the latest
// `window_weeks` weeks: level ℓ and trend b are updated with smoothing α and β, and the forecast
// h weeks ahead is ℓ + (φ + ... + φ^h)·b.
struct DampedHoltConfig {
  int window_weeks = 16;
  double level_smoothing = 1.0;  // α
  double trend_smoothing = 0.8;  // β
  double damping = 0.4;          // φ
};

// Weekly total of the series at week t ≈ ratio · weekly total of the leading series at week
// t - lag_weeks, the ratio being the one of the latest `ratio_weeks` weeks; weeks of the leading
// series after the origin come from its own damped-trend forecast.
struct LaggedRatioConfig {
  int lag_weeks = 2;
  int ratio_weeks = 1;
};

enum class EnsembleCombination { kMedian, kMean };

// Which forecaster `forecast_by_model` runs: one member, or the ensemble of all that apply.
enum class ForecastModel { kEnsemble, kRenewal, kDampedTrend, kDampedHolt, kLaggedRatio };
Result<ForecastModel> forecast_model_from_name(std::string_view name);
std::string_view forecast_model_name(ForecastModel model);

struct EnsembleConfig {
  // The renewal member, and the error calibration every member shares (history_weeks,
  // error_weeks_per_horizon, max_abs_log_error, min/max_log_error_sd, horizons).
  ForecastConfig renewal;
  DampedTrendConfig trend;
  DampedHoltConfig holt;
  LaggedRatioConfig lagged;
  // The members combined (the lagged ratio only where a leading series is given).
  std::vector<ForecastModel> members = {ForecastModel::kRenewal, ForecastModel::kDampedTrend,
                                        ForecastModel::kDampedHolt, ForecastModel::kLaggedRatio};
  EnsembleCombination combination = EnsembleCombination::kMedian;
  // Each ensemble quantile's distance from the ensemble median on the log1p scale is multiplied
  // by this: combining members whose spreads were each calibrated alone gives intervals whose
  // coverage can differ from nominal (chosen_ensemble_config sets the factor chosen on 2020 data).
  double interval_scale = 1.0;
};

// The settings chosen for an indicator on the European Forecast Hub's countries with forecast dates
// in 2020 only (docs/methods/forecast.md): the member parameters above, and for "deaths" the damped
// trend and the lagged ratio to cases, for anything else the damped trend and damped Holt, each
// with interval_scale 0.9.
EnsembleConfig chosen_ensemble_config(std::string_view indicator);

// A member's forecasts, named.
struct MemberForecast {
  std::string model;  // forecast_model_name
  std::vector<WeeklyQuantileForecast> forecasts;
};

struct EnsembleForecast {
  std::vector<WeeklyQuantileForecast> combined;
  std::vector<MemberForecast> members;
};

// Point forecasts (weekly totals, horizons 1..H) from the first `known_days` days of a series.
using WeeklyPointProjection = std::function<Result<std::vector<double>>(size_t known_days)>;

// Quantile forecasts around `project(counts.size())` whose log-scale spread is calibrated as the
// renewal forecast's is (calibrate_log_error_spread on the same projection's log1p errors at past
// weekly origins, normal and Laplace halves averaged). `counts` are the cleaned daily counts
// (NaN and negatives as 0) that the errors are scored against.
Result<std::vector<WeeklyQuantileForecast>> calibrated_weekly_forecast(std::span<const double> counts,
                                                                       const WeeklyPointProjection& project,
                                                                       const ForecastConfig& calibration);

// The point projections of the three statistical members from the daily series (its last day is the
// origin). FailedPrecondition when the series is too short.
Result<std::vector<double>> damped_trend_projection(std::span<const double> daily, const DampedTrendConfig& config,
                                                    int horizons);
Result<std::vector<double>> damped_holt_projection(std::span<const double> daily, const DampedHoltConfig& config,
                                                   int horizons);
// `leading` holds the leading indicator's daily counts over the same days as `daily`.
Result<std::vector<double>> lagged_ratio_projection(std::span<const double> daily, std::span<const double> leading,
                                                    const LaggedRatioConfig& lagged, const DampedTrendConfig& trend,
                                                    int horizons);

// The calibrated quantile forecasts of each of config.members that applies (the lagged ratio only when
// `leading` is not empty; it must then be as long as `daily`) and their combination. A member that
// cannot forecast this series (too short) is left out; FailedPrecondition when none can.
Result<EnsembleForecast> ensemble_forecast_weekly(std::span<const double> daily, std::span<const double> leading,
                                                  const EnsembleConfig& config);

// The per-level median or mean of the members' quantiles, scaled around the median by
// `interval_scale` on the log1p scale. All members must have the same horizons.
Result<std::vector<WeeklyQuantileForecast>> combine_quantile_forecasts(const std::vector<MemberForecast>& members,
                                                                       EnsembleCombination combination,
                                                                       double interval_scale);

// One model's forecasts (a member alone, or the ensemble's combination).
Result<std::vector<WeeklyQuantileForecast>> forecast_by_model(ForecastModel model, std::span<const double> daily,
                                                              std::span<const double> leading,
                                                              const EnsembleConfig& config);

}  // namespace shouwang::estimate
