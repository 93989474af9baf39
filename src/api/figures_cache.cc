// The in-memory figures behind /api/v1/series and /api/v1/map, checked against the store's data
// version on every call (see figures_cache.h).
#include "api/figures_cache.h"

#include <algorithm>
#include <cmath>

#include "core/json_text.h"
#include "http/http.h"
#include "store/aggregate.h"
#include "store/export.h"

namespace shouwang::api {
namespace json = boost::json;
namespace {

std::string mark_key(const store::SeriesMark& mark) {
  return mark.location + '|' + mark.source + '|' + std::to_string(static_cast<int>(mark.kind)) + '|' +
         (mark.is_default ? "1" : "0");
}

// What of a location the figures depend on: its place in the hierarchy and its population.
bool same_figures_catalogue(const std::vector<Location>& a, const std::vector<Location>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Location& x, const Location& y) {
    return x.code == y.code && x.parent == y.parent && x.level == y.level && x.population == y.population;
  });
}

using StoredByLocation = std::unordered_map<std::string, std::vector<store::Series>>;

store::StoredSeriesOf stored_series_of(const StoredByLocation& stored) {
  return [&stored](const std::string& code) {
    std::vector<const store::Series*> out;
    if (auto it = stored.find(code); it != stored.end()) {
      for (const auto& s : it->second) out.push_back(&s);
    }
    return out;
  };
}

bool same_point(const store::SeriesPoint& a, const store::SeriesPoint& b) {
  return a.period == b.period && a.value == b.value && a.revision == b.revision && a.reported_at == b.reported_at;
}

// How a location's stored series changed: on the days `days` (none: on no day), or as a `whole`
// when a series appeared or went or changed source or kind, which a sum cannot patch by days.
struct Change {
  bool whole = false;
  std::optional<store::DayRange> days;
};

Change change_between(const std::vector<store::Series>& before, const std::vector<store::Series>& after) {
  if (before.size() != after.size()) return {true, {}};
  Change change;
  auto cover = [&](const store::SeriesPoint& p) {
    const int32_t day = p.period.start().days_since_epoch();
    if (!change.days) change.days = store::DayRange{day, day};
    change.days->first = std::min(change.days->first, day);
    change.days->last = std::max(change.days->last, day);
  };
  for (size_t i = 0; i < before.size(); ++i) {
    const auto& a = before[i].points;
    const auto& b = after[i].points;
    if (before[i].source != after[i].source || a.empty() || b.empty() ||
        a.front().period.kind() != b.front().period.kind()) {
      return {true, {}};
    }
    // Both are in period order: what differs lies between the common head and the common tail.
    size_t head = 0;
    while (head < a.size() && head < b.size() && same_point(a[head], b[head])) ++head;
    size_t tail = 0;
    while (tail < a.size() - head && tail < b.size() - head &&
           same_point(a[a.size() - 1 - tail], b[b.size() - 1 - tail])) {
      ++tail;
    }
    for (const auto* points : {&a, &b}) {
      if (head < points->size() - tail) {
        cover((*points)[head]);
        cover((*points)[points->size() - 1 - tail]);
      }
    }
  }
  return change;
}

std::shared_ptr<const CachedBody> cached_body(http::Response response) {
  auto body = std::make_shared<CachedBody>();
  body->etag = http::entity_tag(response.body);
  body->body = std::move(response.body);
  body->content_type = std::move(response.content_type);
  body->headers = std::move(response.headers);
  return body;
}

// The points of a daily series on the days [first, last], by binary search on the sorted points.
std::span<const store::SeriesPoint> days_between(const std::vector<store::SeriesPoint>& points, int32_t first,
                                                 int32_t last) {
  auto day = [](const store::SeriesPoint& p) { return p.period.start().days_since_epoch(); };
  auto begin = std::partition_point(points.begin(), points.end(), [&](const auto& p) { return day(p) < first; });
  auto end = std::partition_point(begin, points.end(), [&](const auto& p) { return day(p) <= last; });
  return {begin, end};
}

// The metric of one country's daily series on `day`, or nothing where the series cannot tell.
std::optional<double> metric_on(const std::vector<store::SeriesPoint>& points, MapMetric metric, int32_t day,
                                std::optional<int64_t> population) {
  if (points.empty()) return std::nullopt;
  const int32_t first = points.front().period.start().days_since_epoch();
  const int32_t last = points.back().period.start().days_since_epoch();
  if (day < first || day > last) return std::nullopt;
  switch (metric) {
    case MapMetric::kValue: {
      auto on_day = days_between(points, day, day);
      if (on_day.empty()) return std::nullopt;
      return on_day.front().value;
    }
    case MapMetric::kAverage7: {
      // The dashboard's trailing average: usable days (reported, not a negative correction) of
      // the 7 ending on the day, none for the series' first 6 days.
      if (day - first < 6) return std::nullopt;
      double sum = 0;
      int usable = 0;
      for (const auto& p : days_between(points, day - 6, day)) {
        if (p.value >= 0) sum += p.value, ++usable;
      }
      if (usable == 0) return std::nullopt;
      return sum / usable;
    }
    case MapMetric::kPer100k7:
    case MapMetric::kPer100k14: {
      // As the dashboard's map has always shown it: the window's sum (a missing day counts as
      // nothing, a correction as reported) per 100,000 people, floored at 0; no value for a window
      // reaching before the series began.
      const int window = metric == MapMetric::kPer100k7 ? 7 : 14;
      if (!population || *population <= 0 || day - window + 1 < first) return std::nullopt;
      double sum = 0;
      for (const auto& p : days_between(points, day - window + 1, day)) sum += p.value;
      return std::max(0.0, sum) / static_cast<double>(*population) * 1e5;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<MapMetric> parse_map_metric(const std::string& name) {
  if (name.empty() || name == "per100k_7d") return MapMetric::kPer100k7;
  if (name == "per100k_14d") return MapMetric::kPer100k14;
  if (name == "value") return MapMetric::kValue;
  if (name == "avg_7d") return MapMetric::kAverage7;
  return invalid_argument("parameter 'metric': one of value, avg_7d, per100k_7d, per100k_14d");
}

std::string_view map_metric_name(MapMetric metric) {
  switch (metric) {
    case MapMetric::kValue: return "value";
    case MapMetric::kAverage7: return "avg_7d";
    case MapMetric::kPer100k7: return "per100k_7d";
    case MapMetric::kPer100k14: return "per100k_14d";
  }
  return "";
}

json::object series_json(const store::Series& series, const store::SeriesQuery& query) {
  json::array points;
  points.reserve(series.points.size());
  for (const auto& p : series.points) {
    points.push_back(json::object{{"date", p.period.to_string()}, {"value", json_number(p.value)}});
  }
  json::object body{{"location", series.location},
                    {"indicator", series.indicator},
                    {"source", series.source},
                    {"points", std::move(points)}};
  if (!series.disaggregation.empty()) body["disaggregation"] = series.disaggregation;
  if (query.as_of) body["as_of"] = query.as_of->to_string();
  if (query.lag) body["lag"] = *query.lag;
  return body;
}

int64_t FiguresCache::series_loads() const {
  std::lock_guard lock(mutex_);
  return series_loads_;
}

int64_t FiguresCache::whole_sums() const {
  std::lock_guard lock(mutex_);
  return whole_sums_;
}

size_t FiguresCache::held_entries() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [indicator, state] : states_) n += state.shown.size();
  return n;
}

Result<FiguresCache::IndicatorState*> FiguresCache::current_state(const std::string& indicator) {
  if (!watch_) {
    ASSIGN_OR_RETURN(watch_, store::DataVersionWatch::open(pool_.db_path()));
  }
  auto version = watch_->current();
  if (!version) {
    watch_.reset();  // a lost connection is opened again by the next call
    return version.status();
  }
  auto found = states_.find(indicator);
  if (found != states_.end() && found->second.version == *version) return &found->second;

  ASSIGN_OR_RETURN(auto lease, pool_.acquire());
  if (found == states_.end()) {
    // Only indicators the store knows get a state: a request naming anything else must not make
    // the cache grow.
    ASSIGN_OR_RETURN(auto indicators, lease->list_indicators());
    if (std::none_of(indicators.begin(), indicators.end(), [&](const Indicator& i) { return i.code == indicator; })) {
      return not_found("unknown indicator '" + indicator + "'");
    }
    found = states_.emplace(indicator, IndicatorState{}).first;
  }
  IndicatorState& state = found->second;
  // The catalogue, marks and series are read after the version was taken, so they are at least as
  // new as it: a commit that lands in between is seen now and makes the next version differ, never
  // missed.
  if (catalogue_version_ != *version) {
    auto catalogue = lease->list_locations();
    if (!catalogue) {
      states_.erase(found);
      return catalogue.status();
    }
    catalogue_ = std::move(*catalogue);
    catalogue_version_ = *version;
  }
  if (Status status = refresh(state, indicator, *lease, catalogue_); !status.is_ok()) {
    states_.erase(found);
    return status;
  }
  state.version = std::move(*version);
  return &state;
}

Status FiguresCache::refresh(IndicatorState& state, const std::string& indicator, store::Store& store,
                             const std::vector<Location>& catalogue) {
  ASSIGN_OR_RETURN(auto mark_list, store.series_marks(indicator));
  std::map<std::string, int64_t> marks;
  for (const auto& mark : mark_list) marks[mark_key(mark)] = mark.revisions;

  // The stored series do not depend on the catalogue; what is derived from them (sums, the map's
  // rates) does.
  if (!same_figures_catalogue(catalogue, state.catalogue)) state.shown.clear();
  if (state.version.empty()) {
    store::SeriesQuery all;
    all.indicator = indicator;
    ASSIGN_OR_RETURN(auto series, store.read_series(all));
    state.stored.clear();
    series_loads_ += static_cast<int64_t>(series.size());
    for (auto& s : series) state.stored[s.location].push_back(std::move(s));
  } else {
    // The locations whose series gained a revision, appeared, or changed default source.
    std::vector<std::string> changed;
    auto note = [&](const std::string& key) { changed.push_back(key.substr(0, key.find('|'))); };
    for (const auto& [key, revisions] : marks) {
      auto old = state.marks.find(key);
      if (old == state.marks.end() || old->second != revisions) note(key);
    }
    for (const auto& [key, revisions] : state.marks) {
      if (!marks.contains(key)) note(key);
    }
    std::map<std::string, std::vector<store::Series>> before;  // the changed locations' series as they were
    for (const auto& location : changed) {
      if (before.contains(location)) continue;
      store::SeriesQuery one;
      one.location = location;
      one.indicator = indicator;
      ASSIGN_OR_RETURN(auto series, store.read_series(one));
      series_loads_ += static_cast<int64_t>(series.size());
      auto& old = before[location];
      if (auto it = state.stored.find(location); it != state.stored.end()) old = std::move(it->second);
      if (series.empty()) state.stored.erase(location);
      else state.stored[location] = std::move(series);
    }
    if (!before.empty()) update_shown(state, indicator, before);
  }
  state.catalogue = catalogue;
  state.marks = std::move(marks);
  return Status::ok();
}

void FiguresCache::update_shown(IndicatorState& state, const std::string& indicator,
                                const std::map<std::string, std::vector<store::Series>>& before) {
  static const std::vector<store::Series> kNone;
  std::map<std::string, Change> changes;
  for (const auto& [location, series] : before) {
    auto now = state.stored.find(location);
    changes[location] = change_between(series, now == state.stored.end() ? kNone : now->second);
  }
  for (auto it = state.shown.begin(); it != state.shown.end();) {
    auto& [location, entry] = *it;
    bool keep = true;
    if (changes.contains(location) || !entry.series) {
      keep = false;  // its own series changed, or it had none and may have one now
    } else if (!entry.contributors.empty()) {
      std::optional<store::DayRange> days;
      for (const auto& c : entry.contributors) {
        auto change = changes.find(c);
        if (change == changes.end()) continue;
        if (change->second.whole) {
          keep = false;
          break;
        }
        if (const auto& d = change->second.days) {
          days = days ? store::DayRange{std::min(days->first, d->first), std::max(days->last, d->last)} : *d;
        }
      }
      if (keep && days) {
        // Those days summed again, in contributor order as a whole sum adds them, replace the
        // sum's points on those days.
        auto window = store::sum_of_contributors(location, indicator, entry.contributors,
                                                 stored_series_of(state.stored), days);
        if (!window) {
          keep = false;
        } else {
          std::vector<store::SeriesPoint> points;
          points.reserve(entry.series->points.size() + window->points.size());
          auto day = [](const store::SeriesPoint& p) { return p.period.start().days_since_epoch(); };
          for (const auto& p : entry.series->points) {
            if (day(p) < days->first) points.push_back(p);
          }
          points.insert(points.end(), window->points.begin(), window->points.end());
          for (const auto& p : entry.series->points) {
            if (day(p) > days->last) points.push_back(p);
          }
          entry.series->points = std::move(points);
          entry.series->source = std::move(window->source);
          entry.json.reset();
          entry.csv.reset();
        }
      }
    }
    it = keep ? std::next(it) : state.shown.erase(it);
  }
}

FiguresCache::Shown& FiguresCache::shown(IndicatorState& state, const std::string& location,
                                         const std::string& indicator) {
  auto found = state.shown.find(location);
  if (found != state.shown.end()) return found->second;
  Shown entry;
  if (auto own = state.stored.find(location); own != state.stored.end()) {
    entry.series = store::preferred_series(own->second);
  } else {
    auto contributors = store::contributors_of(state.catalogue, location);
    if (!contributors) {
      entry.series = contributors.status();
    } else {
      entry.series = store::sum_of_contributors(location, indicator, *contributors, stored_series_of(state.stored));
      entry.contributors = std::move(*contributors);
      ++whole_sums_;
    }
  }
  return state.shown.emplace(location, std::move(entry)).first->second;
}

Result<std::shared_ptr<const CachedBody>> FiguresCache::series(const std::string& location,
                                                               const std::string& indicator, bool csv) {
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(IndicatorState * state, current_state(indicator));
  // Only catalogue locations get an entry, for the same reason as indicators.
  if (std::none_of(state->catalogue.begin(), state->catalogue.end(),
                   [&](const Location& l) { return l.code == location; })) {
    return not_found("unknown location '" + location + "'");
  }
  Shown& entry = shown(*state, location, indicator);
  if (!entry.series) return entry.series.status();
  auto& body = csv ? entry.csv : entry.json;
  if (!body) {
    if (csv) {
      http::Response r = http::Response::text(store::series_to_csv({*entry.series}), "text/csv; charset=utf-8");
      r.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + location + "-" + indicator + ".csv\"");
      body = cached_body(std::move(r));
    } else {
      body = cached_body(http::Response::json(series_json(*entry.series, store::SeriesQuery{})));
    }
  }
  return body;
}

Result<std::shared_ptr<const CachedBody>> FiguresCache::map(const std::string& indicator, MapMetric metric,
                                                            std::optional<Date> date) {
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(IndicatorState * state, current_state(indicator));
  struct Country {
    const Location* location;
    const std::vector<store::SeriesPoint>* points;
  };
  std::vector<Country> countries;
  std::optional<int32_t> first, last;
  for (const auto& loc : state->catalogue) {
    if (loc.level != LocationLevel::kCountry) continue;
    Shown& entry = shown(*state, loc.code, indicator);
    if (!entry.series || entry.series->points.empty() || entry.series->points.front().period.kind() != Period::Kind::kDay) {
      continue;
    }
    const auto& points = entry.series->points;
    countries.push_back({&loc, &points});
    int32_t a = points.front().period.start().days_since_epoch(), b = points.back().period.start().days_since_epoch();
    first = first ? std::min(*first, a) : a;
    last = last ? std::max(*last, b) : b;
  }
  std::optional<int32_t> day = date ? std::optional(date->days_since_epoch()) : last;
  json::object values;
  if (day) {
    for (const auto& c : countries) {
      if (auto v = metric_on(*c.points, metric, *day, c.location->population)) values[c.location->code] = json_number(*v);
    }
  }
  auto day_text = [](std::optional<int32_t> d) { return d ? json::value(Date(*d).to_string()) : json::value(nullptr); };
  json::object body{{"indicator", indicator},
                    {"metric", std::string(map_metric_name(metric))},
                    {"date", day_text(day)},
                    {"first_date", day_text(first)},
                    {"last_date", day_text(last)},
                    {"values", std::move(values)}};
  return cached_body(http::Response::json(body));
}

}  // namespace shouwang::api
