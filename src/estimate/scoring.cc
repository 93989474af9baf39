// Weighted interval score and coverage; see scoring.h.
#include "estimate/scoring.h"

#include <cmath>
#include <string>

namespace shouwang::estimate {
namespace {

constexpr double kLevelTolerance = 1e-9;

Result<size_t> index_of_level(std::span<const double> levels, double level) {
  for (size_t i = 0; i < levels.size(); ++i) {
    if (std::abs(levels[i] - level) < kLevelTolerance) return i;
  }
  return invalid_argument("the forecast has no quantile at level " + std::to_string(level));
}

}  // namespace

double interval_score(double lower, double upper, double alpha, double y) {
  double score = upper - lower;
  if (y < lower) score += 2 / alpha * (lower - y);
  if (y > upper) score += 2 / alpha * (y - upper);
  return score;
}

Result<double> weighted_interval_score(std::span<const double> levels, std::span<const double> values, double y) {
  if (levels.size() != values.size()) return invalid_argument("quantile levels and values differ in number");
  if (levels.size() % 2 == 0) return invalid_argument("WIS needs a median and symmetric quantile pairs");
  for (size_t i = 0; i < levels.size(); ++i) {
    if (!(levels[i] > 0 && levels[i] < 1)) return invalid_argument("quantile levels must lie in (0, 1)");
    if (i > 0 && !(levels[i] > levels[i - 1])) return invalid_argument("quantile levels must increase");
    if (std::isnan(values[i])) return invalid_argument("a quantile value is missing");
  }
  const size_t intervals = levels.size() / 2;
  ASSIGN_OR_RETURN(const size_t median, index_of_level(levels, 0.5));
  if (median != intervals) return invalid_argument("quantile levels must be symmetric around the median");
  double sum = 0.5 * std::abs(y - values[median]);
  for (size_t k = 0; k < intervals; ++k) {
    const size_t upper = levels.size() - 1 - k;
    if (std::abs(levels[k] + levels[upper] - 1) > kLevelTolerance) {
      return invalid_argument("quantile levels must be symmetric around the median");
    }
    const double alpha = 2 * levels[k];
    sum += alpha / 2 * interval_score(values[k], values[upper], alpha, y);
  }
  return sum / (static_cast<double>(intervals) + 0.5);
}

Result<bool> covered_by_central_interval(std::span<const double> levels, std::span<const double> values,
                                         double coverage, double y) {
  if (levels.size() != values.size()) return invalid_argument("quantile levels and values differ in number");
  ASSIGN_OR_RETURN(const size_t lower, index_of_level(levels, (1 - coverage) / 2));
  ASSIGN_OR_RETURN(const size_t upper, index_of_level(levels, (1 + coverage) / 2));
  return y >= values[lower] && y <= values[upper];
}

}  // namespace shouwang::estimate
