// Water-filling by a breakpoint sweep, and largest-remainder rounding.
#include "aid/water_filling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace shouwang::aid {

FillResult water_fill(std::span<const FillTarget> targets, int64_t supply) {
  FillResult result;
  result.quantities.assign(targets.size(), 0.0);
  int64_t total_upper = 0;
  for (const auto& target : targets) total_upper += std::max<int64_t>(target.upper, 0);
  result.total = std::min(std::max<int64_t>(supply, 0), total_upper);

  // Each target with room starts receiving at level delivered/wp and is full at (delivered+upper)/wp.
  struct Event {
    long double level;
    size_t index;
    bool starts;
  };
  std::vector<Event> events;
  events.reserve(targets.size() * 2);
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    if (t.upper <= 0) continue;
    long double wp = t.weighted_population;
    events.push_back({static_cast<long double>(t.delivered) / wp, i, true});
    events.push_back({static_cast<long double>(t.delivered + t.upper) / wp, i, false});
  }
  if (events.empty()) return result;
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.level != b.level) return a.level < b.level;
    return a.starts > b.starts;  // at equal level open before close; f is continuous either way
  });

  long double theta = events.back().level;  // enough supply: the level at which the last one fills
  if (result.total == 0) {
    theta = events.front().level;
  } else if (result.total < total_upper) {
    // f(level) = slope * level + intercept between breakpoints; find where it reaches the total.
    long double slope = 0, intercept = 0;
    const long double wanted = static_cast<long double>(result.total);
    for (const auto& event : events) {
      long double at_level = slope * event.level + intercept;
      if (at_level >= wanted && slope > 0) {
        theta = (wanted - intercept) / slope;
        break;
      }
      const auto& t = targets[event.index];
      long double wp = t.weighted_population;
      if (event.starts) {
        slope += wp;
        intercept -= static_cast<long double>(t.delivered);
      } else {
        slope -= wp;
        intercept += static_cast<long double>(t.delivered + t.upper);
      }
    }
  }
  result.theta = static_cast<double>(theta);
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    if (t.upper <= 0) continue;
    long double q = static_cast<long double>(t.weighted_population) * theta - static_cast<long double>(t.delivered);
    q = std::clamp<long double>(q, 0, static_cast<long double>(t.upper));
    result.quantities[i] = static_cast<double>(q);
  }
  if (result.total == total_upper) {
    for (size_t i = 0; i < targets.size(); ++i) result.quantities[i] = static_cast<double>(std::max<int64_t>(targets[i].upper, 0));
  }
  return result;
}

std::vector<int64_t> round_largest_remainder(std::span<const double> quantities,
                                             std::span<const int64_t> upper, int64_t total) {
  const size_t n = quantities.size();
  std::vector<int64_t> rounded(n, 0);
  std::vector<double> remainder(n, 0.0);
  int64_t assigned = 0;
  for (size_t i = 0; i < n; ++i) {
    double q = std::max(0.0, quantities[i]);
    int64_t down = std::min<int64_t>(static_cast<int64_t>(std::floor(q)), upper[i]);
    rounded[i] = down;
    remainder[i] = q - static_cast<double>(down);
    assigned += down;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  // One pass suffices when the REQUIRES hold; further passes only absorb floating-point drift.
  while (assigned < total) {
    bool progressed = false;
    for (size_t i : order) {
      if (assigned >= total) break;
      if (rounded[i] >= upper[i]) continue;
      ++rounded[i];
      ++assigned;
      progressed = true;
    }
    if (!progressed) break;
  }
  return rounded;
}

}  // namespace shouwang::aid
