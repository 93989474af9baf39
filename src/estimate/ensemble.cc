// The ensemble's statistical members, their calibration and the quantile combination; see ensemble.h.
#include "estimate/ensemble.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace shouwang::estimate {
namespace {

// A batch of late reports can make one week's log growth huge; no member extrapolates a weekly log
// growth beyond ±ln 2 (doubling or halving each week), which the epidemics of 2020 stayed within.
constexpr double kMaxAbsWeeklyLogGrowth = 0.6931471805599453;

std::vector<double> clean_counts(std::span<const double> daily) {
  std::vector<double> clean(daily.size());
  for (size_t t = 0; t < daily.size(); ++t) clean[t] = std::isfinite(daily[t]) && daily[t] > 0 ? daily[t] : 0.0;
  return clean;
}

// log1p of the latest `weeks` weekly totals, oldest first.
std::vector<double> log_weekly_totals(std::span<const double> counts, size_t weeks) {
  std::vector<double> out(weeks);
  for (size_t k = 0; k < weeks; ++k) out[weeks - 1 - k] = std::log1p(weekly_total(counts, k));
  return out;
}

// φ + φ² + ... + φ^h
double damped_sum(double damping, int h) {
  double sum = 0, power = 1;
  for (int i = 0; i < h; ++i) {
    power *= damping;
    sum += power;
  }
  return sum;
}

Status check_horizons(int horizons) {
  if (horizons < 1) return invalid_argument("a forecast needs at least one horizon");
  return Status();
}

}  // namespace

Result<ForecastModel> forecast_model_from_name(std::string_view name) {
  for (ForecastModel model : {ForecastModel::kEnsemble, ForecastModel::kRenewal, ForecastModel::kDampedTrend,
                              ForecastModel::kDampedHolt, ForecastModel::kLaggedRatio}) {
    if (forecast_model_name(model) == name) return model;
  }
  return invalid_argument("unknown forecast model '" + std::string(name) +
                          "' (ensemble, renewal, damped_trend, damped_holt, lagged_ratio)");
}

std::string_view forecast_model_name(ForecastModel model) {
  switch (model) {
    case ForecastModel::kEnsemble: return "ensemble";
    case ForecastModel::kRenewal: return "renewal";
    case ForecastModel::kDampedTrend: return "damped_trend";
    case ForecastModel::kDampedHolt: return "damped_holt";
    case ForecastModel::kLaggedRatio: return "lagged_ratio";
  }
  return "unknown";
}

EnsembleConfig chosen_ensemble_config(std::string_view indicator) {
  EnsembleConfig config;
  config.members = indicator == "deaths"
                       ? std::vector<ForecastModel>{ForecastModel::kDampedTrend, ForecastModel::kLaggedRatio}
                       : std::vector<ForecastModel>{ForecastModel::kDampedTrend, ForecastModel::kDampedHolt};
  config.interval_scale = 0.9;
  return config;
}

Result<std::vector<double>> damped_trend_projection(std::span<const double> daily, const DampedTrendConfig& config,
                                                    int horizons) {
  RETURN_IF_ERROR(check_horizons(horizons));
  if (config.fit_weeks < 2 || !(config.damping >= 0 && config.damping <= 1)) {
    return invalid_argument("the damped trend needs fit_weeks >= 2 and a damping in [0, 1]");
  }
  const size_t weeks = static_cast<size_t>(config.fit_weeks);
  if (daily.size() < 7 * weeks) {
    return failed_precondition("the damped trend needs " + std::to_string(weeks) + " weeks of data");
  }
  const std::vector<double> y = log_weekly_totals(clean_counts(daily), weeks);
  // Least squares of y on x = 0..k-1.
  const double x_mean = static_cast<double>(weeks - 1) / 2;
  double y_mean = 0;
  for (double v : y) y_mean += v;
  y_mean /= static_cast<double>(weeks);
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < weeks; ++i) {
    const double dx = static_cast<double>(i) - x_mean;
    sxy += dx * (y[i] - y_mean);
    sxx += dx * dx;
  }
  const double level = y_mean + sxy / sxx * x_mean;  // the fitted value at the latest week
  const double slope = std::clamp(sxy / sxx, -kMaxAbsWeeklyLogGrowth, kMaxAbsWeeklyLogGrowth);
  std::vector<double> out;
  for (int h = 1; h <= horizons; ++h) out.push_back(std::expm1(level + slope * damped_sum(config.damping, h)));
  return out;
}

Result<std::vector<double>> damped_holt_projection(std::span<const double> daily, const DampedHoltConfig& config,
                                                   int horizons) {
  RETURN_IF_ERROR(check_horizons(horizons));
  const auto in_unit = [](double v) { return v >= 0 && v <= 1; };
  if (config.window_weeks < 3 || !in_unit(config.level_smoothing) || !in_unit(config.trend_smoothing) ||
      !in_unit(config.damping)) {
    return invalid_argument("damped Holt needs window_weeks >= 3 and smoothing and damping in [0, 1]");
  }
  // The window is what the series holds, up to window_weeks, and at least 3 weeks.
  const size_t weeks = std::min(static_cast<size_t>(config.window_weeks), daily.size() / 7);
  if (weeks < 3) return failed_precondition("damped Holt needs 3 weeks of data");
  const std::vector<double> y = log_weekly_totals(clean_counts(daily), weeks);
  const double alpha = config.level_smoothing, beta = config.trend_smoothing, phi = config.damping;
  double level = y[0];
  double trend = 0;
  for (size_t i = 1; i < weeks; ++i) {
    const double previous = level;
    level = alpha * y[i] + (1 - alpha) * (previous + phi * trend);
    trend = beta * (level - previous) + (1 - beta) * phi * trend;
  }
  trend = std::clamp(trend, -kMaxAbsWeeklyLogGrowth, kMaxAbsWeeklyLogGrowth);
  std::vector<double> out;
  for (int h = 1; h <= horizons; ++h) out.push_back(std::expm1(level + trend * damped_sum(phi, h)));
  return out;
}

Result<std::vector<double>> lagged_ratio_projection(std::span<const double> daily, std::span<const double> leading,
                                                    const LaggedRatioConfig& lagged, const DampedTrendConfig& trend,
                                                    int horizons) {
  RETURN_IF_ERROR(check_horizons(horizons));
  if (leading.size() != daily.size()) return invalid_argument("the leading series must cover the same days");
  if (lagged.lag_weeks < 0 || lagged.ratio_weeks < 1) {
    return invalid_argument("the lagged ratio needs lag_weeks >= 0 and ratio_weeks >= 1");
  }
  const size_t lag = static_cast<size_t>(lagged.lag_weeks);
  const size_t ratio_weeks = static_cast<size_t>(lagged.ratio_weeks);
  if (daily.size() < 7 * (lag + ratio_weeks)) return failed_precondition("the lagged ratio needs more weeks of data");
  const std::vector<double> counts = clean_counts(daily);
  const std::vector<double> leading_counts = clean_counts(leading);
  double numerator = 0, denominator = 0;
  for (size_t k = 0; k < ratio_weeks; ++k) {
    numerator += weekly_total(counts, k);
    denominator += weekly_total(leading_counts, k + lag);
  }
  if (denominator <= 0) return failed_precondition("the leading series has no counts in the ratio's weeks");
  const double ratio = numerator / denominator;
  // Leading weeks after the origin come from its own damped trend.
  std::vector<double> leading_ahead;
  if (static_cast<size_t>(horizons) > lag) {
    ASSIGN_OR_RETURN(leading_ahead,
                     damped_trend_projection(leading_counts, trend, horizons - static_cast<int>(lag)));
  }
  std::vector<double> out;
  for (size_t h = 1; h <= static_cast<size_t>(horizons); ++h) {
    const double lead = h <= lag ? weekly_total(leading_counts, lag - h) : leading_ahead[h - lag - 1];
    out.push_back(ratio * lead);
  }
  return out;
}

Result<std::vector<WeeklyQuantileForecast>> calibrated_weekly_forecast(std::span<const double> counts,
                                                                       const WeeklyPointProjection& project,
                                                                       const ForecastConfig& calibration) {
  if (calibration.horizons < 1 || calibration.history_weeks < 3 || calibration.error_weeks_per_horizon < 1) {
    return invalid_argument("calibration needs horizons >= 1, history_weeks >= 3 and error_weeks_per_horizon >= 1");
  }
  const size_t horizons = static_cast<size_t>(calibration.horizons);
  const size_t n = counts.size();
  if (n < 7 * (horizons + static_cast<size_t>(calibration.history_weeks))) {
    return failed_precondition("the series is too short to calibrate a forecast");
  }
  ASSIGN_OR_RETURN(const std::vector<double> point, project(n));
  if (point.size() != horizons) return internal_error("a projection gave the wrong number of horizons");
  // Errors of the projection from past origins m weeks back: target week j = m - h weeks back.
  const size_t longest_window = static_cast<size_t>(calibration.error_weeks_per_horizon) * horizons;
  std::vector<std::vector<double>> errors(horizons);
  for (size_t m = 1; m < horizons + longest_window && 7 * m < n; ++m) {
    auto past = project(n - 7 * m);
    if (!past && past.status().code() == StatusCode::kFailedPrecondition) break;  // older origins hold less
    if (!past) return past.status();
    for (size_t h = 1; h <= std::min(m, horizons); ++h) {
      const size_t j = m - h;
      if (j >= longest_window) continue;
      errors[h - 1].push_back(std::log1p(weekly_total(counts.first(n - 7 * j), 0)) - std::log1p((*past)[h - 1]));
    }
  }
  if (errors.back().size() < static_cast<size_t>(calibration.history_weeks)) {
    return failed_precondition("too few past origins to calibrate the forecast's spread");
  }
  const std::vector<LogErrorSpread> spread = calibrate_log_error_spread(errors, calibration);
  std::vector<WeeklyQuantileForecast> forecasts;
  for (size_t h = 0; h < horizons; ++h) {
    forecasts.push_back(quantiles_around_point(point[h], spread[h], static_cast<int>(h + 1)));
  }
  return forecasts;
}

Result<std::vector<WeeklyQuantileForecast>> combine_quantile_forecasts(const std::vector<MemberForecast>& members,
                                                                       EnsembleCombination combination,
                                                                       double interval_scale) {
  if (members.empty()) return invalid_argument("an ensemble needs at least one member");
  if (!(interval_scale > 0)) return invalid_argument("the interval scale must be positive");
  const size_t horizons = members.front().forecasts.size();
  for (const MemberForecast& member : members) {
    if (member.forecasts.size() != horizons) return invalid_argument("ensemble members differ in horizons");
  }
  constexpr size_t kMedian = kHubQuantileLevels.size() / 2;
  std::vector<WeeklyQuantileForecast> combined(horizons);
  std::vector<double> values(members.size());
  for (size_t h = 0; h < horizons; ++h) {
    combined[h].horizon_weeks = members.front().forecasts[h].horizon_weeks;
    for (size_t q = 0; q < kHubQuantileLevels.size(); ++q) {
      for (size_t i = 0; i < members.size(); ++i) values[i] = members[i].forecasts[h].values[q];
      double value = 0;
      if (combination == EnsembleCombination::kMean) {
        for (double v : values) value += v;
        value /= static_cast<double>(values.size());
      } else {
        std::sort(values.begin(), values.end());
        value = sorted_quantile(values, 0.5);
      }
      combined[h].values[q] = value;
    }
    const double log_median = std::log1p(combined[h].values[kMedian]);
    for (double& value : combined[h].values) {
      value = std::max(0.0, std::expm1(log_median + interval_scale * (std::log1p(value) - log_median)));
    }
    // The per-level median of monotone quantile functions is monotone; this guards rounding only.
    std::sort(combined[h].values.begin(), combined[h].values.end());
  }
  return combined;
}

namespace {

Result<MemberForecast> member_forecast(ForecastModel model, std::span<const double> daily,
                                       std::span<const double> leading, const EnsembleConfig& config) {
  const int horizons = config.renewal.horizons;
  const std::vector<double> counts = clean_counts(daily);
  const std::vector<double> leading_counts = clean_counts(leading);
  WeeklyPointProjection project;
  switch (model) {
    case ForecastModel::kRenewal: {
      ASSIGN_OR_RETURN(auto forecasts, forecast_weekly(daily, config.renewal));
      return MemberForecast{std::string(forecast_model_name(model)), std::move(forecasts)};
    }
    case ForecastModel::kDampedTrend:
      project = [&](size_t days) {
        return damped_trend_projection(std::span<const double>(counts).first(days), config.trend, horizons);
      };
      break;
    case ForecastModel::kDampedHolt:
      project = [&](size_t days) {
        return damped_holt_projection(std::span<const double>(counts).first(days), config.holt, horizons);
      };
      break;
    case ForecastModel::kLaggedRatio:
      if (leading.empty()) return failed_precondition("the lagged ratio needs a leading series");
      project = [&](size_t days) {
        return lagged_ratio_projection(std::span<const double>(counts).first(days),
                                       std::span<const double>(leading_counts).first(days), config.lagged,
                                       config.trend, horizons);
      };
      break;
    case ForecastModel::kEnsemble:
      return invalid_argument("the ensemble is not a member");
  }
  ASSIGN_OR_RETURN(auto forecasts, calibrated_weekly_forecast(counts, project, config.renewal));
  return MemberForecast{std::string(forecast_model_name(model)), std::move(forecasts)};
}

}  // namespace

Result<EnsembleForecast> ensemble_forecast_weekly(std::span<const double> daily, std::span<const double> leading,
                                                  const EnsembleConfig& config) {
  if (!leading.empty() && leading.size() != daily.size()) {
    return invalid_argument("the leading series must cover the same days as the series");
  }
  EnsembleForecast ensemble;
  for (ForecastModel model : config.members) {
    if (model == ForecastModel::kEnsemble) return invalid_argument("the ensemble cannot be its own member");
    if (model == ForecastModel::kLaggedRatio && leading.empty()) continue;
    auto member = member_forecast(model, daily, leading, config);
    if (!member && member.status().code() == StatusCode::kFailedPrecondition) continue;
    if (!member) return member.status();
    ensemble.members.push_back(std::move(member).value());
  }
  if (ensemble.members.empty()) return failed_precondition("the series is too short for every ensemble member");
  ASSIGN_OR_RETURN(ensemble.combined,
                   combine_quantile_forecasts(ensemble.members, config.combination, config.interval_scale));
  return ensemble;
}

Result<std::vector<WeeklyQuantileForecast>> forecast_by_model(ForecastModel model, std::span<const double> daily,
                                                              std::span<const double> leading,
                                                              const EnsembleConfig& config) {
  if (model == ForecastModel::kEnsemble) {
    ASSIGN_OR_RETURN(EnsembleForecast ensemble, ensemble_forecast_weekly(daily, leading, config));
    return std::move(ensemble.combined);
  }
  ASSIGN_OR_RETURN(MemberForecast member, member_forecast(model, daily, leading, config));
  return std::move(member.forecasts);
}

}  // namespace shouwang::estimate
