// Summing children up the location hierarchy.
#include "store/aggregate.h"

#include <map>
#include <unordered_map>

namespace shouwang::store {

Result<Series> read_location_series(Store& store, const SeriesQuery& query) {
  if (!query.location || !query.indicator) return invalid_argument("a series needs a location and an indicator");
  ASSIGN_OR_RETURN(auto direct, store.read_series(query));
  if (!direct.empty()) {
    // A location may have a daily and a weekly series from one source; prefer the daily one.
    for (auto& s : direct) {
      if (!s.points.empty() && !s.points.front().period.is_week()) return std::move(s);
    }
    return std::move(direct.front());
  }

  ASSIGN_OR_RETURN(auto locations, store.list_locations());
  std::unordered_map<std::string, LocationLevel> level_of;
  std::unordered_map<std::string, std::vector<std::string>> children_of;
  bool known = false;
  for (const auto& loc : locations) {
    level_of[loc.code] = loc.level;
    children_of[loc.parent].push_back(loc.code);
    known = known || loc.code == *query.location;
  }
  if (!known) return not_found("unknown location '" + *query.location + "'");

  // The contributing children: countries below a region/world, subdivisions below a country.
  std::vector<std::string> contributors;
  LocationLevel own = level_of[*query.location];
  LocationLevel wanted = own == LocationLevel::kCountry ? LocationLevel::kSubnational : LocationLevel::kCountry;
  std::vector<std::string> stack = {*query.location};
  while (!stack.empty()) {
    std::string code = std::move(stack.back());
    stack.pop_back();
    for (const auto& child : children_of[code]) {
      if (level_of[child] == wanted) {
        contributors.push_back(child);
      } else if (level_of[child] != LocationLevel::kSubnational) {
        stack.push_back(child);
      }
    }
  }

  if (contributors.empty()) return not_found("no " + *query.indicator + " data for " + *query.location);
  // One indexed read per contributor: cheaper than reading every series of the indicator.
  std::vector<Series> children;
  std::unordered_map<std::string, const Series*> daily, weekly;
  for (const auto& c : contributors) {
    SeriesQuery one = query;
    one.location = c;
    ASSIGN_OR_RETURN(auto found, store.read_series(one));
    for (auto& s : found) {
      if (!s.points.empty()) children.push_back(std::move(s));
    }
  }
  for (const auto& s : children) (s.points.front().period.is_week() ? weekly : daily)[s.location] = &s;
  bool use_daily = !daily.empty();
  auto& chosen = use_daily ? daily : weekly;

  std::map<Period, SeriesPoint> sums;
  std::string source;
  for (const auto& c : contributors) {
    auto it = chosen.find(c);
    if (it == chosen.end()) continue;
    if (source.empty()) source = it->second->source;
    else if (source != it->second->source) source = "mixed";
    for (const auto& p : it->second->points) {
      auto& sum = sums[p.period];
      sum.period = p.period;
      sum.value += p.value;
      sum.revision += 1;
      if (p.reported_at > sum.reported_at) sum.reported_at = p.reported_at;
    }
  }
  if (sums.empty()) return not_found("no " + *query.indicator + " data for " + *query.location);
  Series out{*query.location, *query.indicator, "aggregate:" + source, {}};
  out.points.reserve(sums.size());
  for (auto& [period, point] : sums) out.points.push_back(point);
  return out;
}

}  // namespace shouwang::store
