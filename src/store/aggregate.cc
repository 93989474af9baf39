// Summing children up the location hierarchy.
#include "store/aggregate.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>

namespace shouwang::store {

namespace {

// A location may have daily, weekly and monthly series from one source: the finest is shown.
int coarseness(const Series& s) {
  if (s.points.empty()) return 3;
  switch (s.points.front().period.kind()) {
    case Period::Kind::kDay: return 0;
    case Period::Kind::kWeek: return 1;
    case Period::Kind::kMonth: return 2;
  }
  return 3;
}

}  // namespace

Series preferred_series(std::vector<Series> stored) {
  auto finest = std::min_element(stored.begin(), stored.end(),
                                 [](const Series& a, const Series& b) { return coarseness(a) < coarseness(b); });
  return std::move(*finest);
}

Result<std::vector<std::string>> contributors_of(std::span<const Location> catalogue, const std::string& location) {
  std::unordered_map<std::string, LocationLevel> level_of;
  std::unordered_map<std::string, std::vector<std::string>> children_of;
  bool known = false;
  for (const auto& loc : catalogue) {
    level_of[loc.code] = loc.level;
    children_of[loc.parent].push_back(loc.code);
    known = known || loc.code == location;
  }
  if (!known) return not_found("unknown location '" + location + "'");

  // The contributing children: countries below a region/world; below a country or a subdivision
  // only its direct subdivisions, never theirs (a department reported beside its region would
  // otherwise count twice in the country).
  std::vector<std::string> contributors;
  LocationLevel own = level_of[location];
  LocationLevel wanted = own == LocationLevel::kWorld || own == LocationLevel::kRegion ? LocationLevel::kCountry
                                                                                      : LocationLevel::kSubnational;
  std::vector<std::string> stack = {location};
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
  return contributors;
}

Result<Series> sum_of_contributors(const std::string& location, const std::string& indicator,
                                   std::span<const std::string> contributors, const StoredSeriesOf& stored_of,
                                   std::optional<DayRange> days) {
  if (contributors.empty()) return not_found("no " + indicator + " data for " + location);
  // Children of one period kind only, the finest any child has (days, else weeks, else months).
  std::array<std::unordered_map<std::string, const Series*>, 3> by_coarseness;
  for (const auto& c : contributors) {
    for (const Series* s : stored_of(c)) {
      if (!s->points.empty()) by_coarseness[static_cast<size_t>(coarseness(*s))][s->location] = s;
    }
  }
  auto& chosen = !by_coarseness[0].empty() ? by_coarseness[0] : !by_coarseness[1].empty() ? by_coarseness[1] : by_coarseness[2];

  // Sums per period start day in one flat array (a sum over the world touches every point of every
  // country: a tree keyed by period was most of a WORLD request). Children are added in
  // contributor order, so each period's floating-point sum is the same whatever the layout.
  std::optional<int32_t> first, last;
  std::string source;
  std::string disaggregation;  // the same for every child: they come from one query
  bool any = false;
  for (const auto& c : contributors) {
    auto it = chosen.find(c);
    if (it == chosen.end()) continue;
    if (!any) disaggregation = it->second->disaggregation;
    any = true;
    if (source.empty()) source = it->second->source;
    else if (source != it->second->source) source = "mixed";
    int32_t a = it->second->points.front().period.start().days_since_epoch();
    int32_t b = it->second->points.back().period.start().days_since_epoch();
    if (days) a = std::max(a, days->first), b = std::min(b, days->last);
    if (a > b) continue;
    first = first ? std::min(*first, a) : a;
    last = last ? std::max(*last, b) : b;
  }
  if (!any) return not_found("no " + indicator + " data for " + location);
  Series out{location, indicator, "aggregate:" + source, disaggregation, {}};
  if (!first) return out;  // nothing on the days asked for
  std::vector<SeriesPoint> sums(static_cast<size_t>(*last - *first) + 1);
  for (const auto& c : contributors) {
    auto it = chosen.find(c);
    if (it == chosen.end()) continue;
    for (const auto& p : it->second->points) {
      const int32_t day = p.period.start().days_since_epoch();
      if (day < *first) continue;
      if (day > *last) break;  // points are in period order
      auto& sum = sums[static_cast<size_t>(day - *first)];
      sum.period = p.period;
      sum.value += p.value;
      sum.revision += 1;
      if (p.reported_at > sum.reported_at) sum.reported_at = p.reported_at;
    }
  }
  for (auto& point : sums) {
    if (point.revision > 0) out.points.push_back(point);
  }
  return out;
}

Result<Series> read_location_series(Store& store, const SeriesQuery& asked) {
  if (!asked.location || !asked.indicator) return invalid_argument("a series needs a location and an indicator");
  // One disaggregation (the total unless one is named): the same part of every child is summed.
  SeriesQuery query = asked;
  if (!query.disaggregation) query.disaggregation = std::string();
  ASSIGN_OR_RETURN(auto direct, store.read_series(query));
  if (!direct.empty()) return preferred_series(std::move(direct));

  ASSIGN_OR_RETURN(auto locations, store.list_locations());
  ASSIGN_OR_RETURN(auto contributors, contributors_of(locations, *query.location));
  // One indexed read per contributor: cheaper than reading every series of the indicator.
  std::unordered_map<std::string, std::vector<Series>> stored;
  for (const auto& c : contributors) {
    SeriesQuery one = query;
    one.location = c;
    ASSIGN_OR_RETURN(stored[c], store.read_series(one));
  }
  return sum_of_contributors(*query.location, *query.indicator, contributors, [&](const std::string& code) {
    std::vector<const Series*> out;
    for (const auto& s : stored[code]) out.push_back(&s);
    return out;
  });
}

}  // namespace shouwang::store
