// The figures the public reads most, kept in memory: each location's current series of an indicator
// (its default source, as GET /api/v1/series answers without from/to/as_of/lag/source), with
// regions and WORLD summed once per change instead of on every request, their JSON and CSV bodies
// and ETags rendered once, and the dashboard's map (GET /api/v1/map) computed from them.
//
// Never stale: every call first takes the store's data version (store/data_version.h). When
// anything was committed since the cache last looked (by this server, another server on the same
// PostgreSQL database, or an import), it reads the series marks of the indicator
// (Store::series_marks), reloads the series whose marks moved and drops what was derived from
// them, all before answering. So an answer always includes every commit that preceded the request.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/store_pool.h"
#include "core/period.h"
#include "store/data_version.h"
#include "store/store.h"

namespace shouwang::api {

// A response body rendered once, with what the route sends beside it.
struct CachedBody {
  std::string body;
  std::string content_type;
  std::string etag;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. a CSV's Content-Disposition
};

// What GET /api/v1/map colours the countries by, on one day of their daily series.
enum class MapMetric {
  kValue,      // "value": the count reported for the day
  kAverage7,   // "avg_7d": the 7-day average by the corrections rule (docs/methods/corrections.md)
  kPer100k7,   // "per100k_7d": the sum of the 7 days ending on the day per 100,000 people (floored at 0)
  kPer100k14,  // "per100k_14d": the same over 14 days
};
Result<MapMetric> parse_map_metric(const std::string& name);  // "" is per100k_7d
std::string_view map_metric_name(MapMetric metric);

// The JSON body of a series as GET /api/v1/series gives it (as_of and lag when the query had them).
boost::json::object series_json(const store::Series& series, const store::SeriesQuery& query);

class FiguresCache {
 public:
  // `pool` must outlive the cache; the cache opens its own connection for the data version.
  explicit FiguresCache(StorePool& pool) : pool_(pool) {}

  // GET /api/v1/series?location=&indicator= (JSON, or CSV when `csv`), or the error the store gives.
  Result<std::shared_ptr<const CachedBody>> series(const std::string& location, const std::string& indicator,
                                                   bool csv);
  // GET /api/v1/map: every country's metric on `date` (default: the last day any country reported).
  Result<std::shared_ptr<const CachedBody>> map(const std::string& indicator, MapMetric metric,
                                                std::optional<Date> date);

  // Series (re)loaded from the store since the cache began: tests show with it that an unchanged
  // store is answered from memory and that a commit reloads only what it touched.
  int64_t series_loads() const;
  // Sums over the whole of their contributors' series since the cache began (a sum brought up to
  // date on a few days does not count): tests show with it that a report re-sums only days.
  int64_t whole_sums() const;
  // Locations' entries held over every indicator: bounded by the catalogue, whatever clients ask.
  size_t held_entries() const;

 private:
  // One location's series as shown, or why there is none, and its bodies once rendered.
  struct Shown {
    Result<store::Series> series = not_found("");
    std::vector<std::string> contributors;  // for a sum (a region, WORLD): what it adds up, in order
    std::shared_ptr<const CachedBody> json, csv;
  };
  // Everything held for one indicator, valid at `version`.
  struct IndicatorState {
    std::string version;
    std::vector<Location> catalogue;
    std::map<std::string, int64_t> marks;                           // by "location|source|kind|default"
    std::unordered_map<std::string, std::vector<store::Series>> stored;  // default-source series by location
    std::unordered_map<std::string, Shown> shown;                   // derived: cleared when anything changes
  };

  // The indicator's state brought up to the store's current data version. Needs mutex_.
  Result<IndicatorState*> current_state(const std::string& indicator);
  Status refresh(IndicatorState& state, const std::string& indicator, store::Store& store,
                 const std::vector<Location>& catalogue);
  // After `changed` locations' stored series were reloaded (`before`: what they were), every shown
  // entry that depended on them is dropped, except sums whose contributors changed only on some
  // days: those days are summed again in place, so a report does not cost a whole WORLD sum.
  void update_shown(IndicatorState& state, const std::string& indicator,
                    const std::map<std::string, std::vector<store::Series>>& before);
  // The shown series of a location, summed from the stored ones when it has none of its own. Needs mutex_.
  Shown& shown(IndicatorState& state, const std::string& location, const std::string& indicator);

  StorePool& pool_;
  mutable std::mutex mutex_;
  std::unique_ptr<store::DataVersionWatch> watch_;
  std::unordered_map<std::string, IndicatorState> states_;
  // The location catalogue as of catalogue_version_: read once per data version, not once per
  // indicator brought up to it.
  std::string catalogue_version_;
  std::vector<Location> catalogue_;
  int64_t series_loads_ = 0;
  int64_t whole_sums_ = 0;
};

}  // namespace shouwang::api
