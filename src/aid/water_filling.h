// Max-min fair division of one item's supply ("water-filling") and the largest-remainder rounding
// that turns the real-valued fair shares into whole units without changing the total.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace shouwang::aid {

// One recipient as water-filling sees it: its coverage target rises as weight x population x theta
// (in units), it already holds `delivered` units, and it may receive at most `upper` more
// (the smaller of its need and what the coverage cap leaves).
struct FillTarget {
  double weighted_population = 1.0;  // weight x population, > 0
  int64_t delivered = 0;
  int64_t upper = 0;
};

struct FillResult {
  // The common level: every recipient not stopped by `upper` ends at coverage weight x theta,
  // recipients already above it get nothing. When supply covers every upper bound, theta is the
  // lowest level at which all of them are met.
  double theta = 0.0;
  std::vector<double> quantities;  // real-valued units per target, same order
  int64_t total = 0;               // min(supply, sum of upper): what the quantities add up to
};

// Finds theta with sum_i clamp(wp_i * theta - delivered_i, 0, upper_i) = min(supply, sum upper_i)
// by sweeping the sorted breakpoints of that piecewise-linear function: O(n log n).
FillResult water_fill(std::span<const FillTarget> targets, int64_t supply);

// Whole units from real-valued shares (Hamilton's largest-remainder method): every share is rounded
// down, then the units still missing to reach `total` go one each to the largest fractional parts
// (ties to the earlier index, so a round is reproducible). No result exceeds its `upper`.
// REQUIRES: quantities[i] <= upper[i], sum(floor(quantities)) <= total <= sum(upper), and the shares
// add up to `total` up to floating-point error (so the result is within one unit of each share).
// Like every quota method, it can show the "Alabama paradox": a larger total may lower one
// recipient's rounded share by one unit even though its real-valued share grew.
std::vector<int64_t> round_largest_remainder(std::span<const double> quantities,
                                             std::span<const int64_t> upper, int64_t total);

}  // namespace shouwang::aid
