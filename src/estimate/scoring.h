// Scoring quantile forecasts as the COVID-19 Forecast Hubs do: the weighted interval score (Bracher,
// Ray, Gneiting & Reich 2021) and interval coverage.
#pragma once

#include <array>
#include <span>

#include "core/status.h"

namespace shouwang::estimate {

// The hubs' 23 quantile levels: the median and 11 central intervals (alpha 0.02, 0.05, 0.1, ..., 0.9).
inline constexpr std::array<double, 23> kHubQuantileLevels = {
    0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99};

// Interval score of the central (1 - alpha) interval [lower, upper] for observation y.
double interval_score(double lower, double upper, double alpha, double y);

// WIS = (0.5·|y - median| + Σ_k (alpha_k / 2)·IS_alpha_k) / (K + 0.5) for quantiles at `levels`
// (sorted, symmetric around a median 0.5). Invalid levels or values of another length are errors.
Result<double> weighted_interval_score(std::span<const double> levels, std::span<const double> values, double y);

// Whether y lies in the central interval of the given coverage (e.g. 0.5 -> [q0.25, q0.75]), bounds included.
Result<bool> covered_by_central_interval(std::span<const double> levels, std::span<const double> values,
                                         double coverage, double y);

}  // namespace shouwang::estimate
