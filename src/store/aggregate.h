// Series up the location hierarchy: a region's (or the world's) figures are the sum of its
// countries' figures, each country taken from its default source.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/store.h"

namespace shouwang::store {

// The series of query.location (required) and query.indicator (required): stored directly when
// the store has it, otherwise the sum over the location's countries (for WORLD and WHO regions)
// or its direct subdivisions (for a country, or a subdivision such as a French region, reported
// only by subdivision). A subdivision's own subdivisions never count in its country, so a
// department reported beside its region is not counted twice; the price is that a country
// reported only by departments gets no sum from them. A sum covers every period any
// child reports; in a summed point `revision` is the number of children that contributed, so a
// reader can tell a partial sum.
// Children of different period kinds are not mixed: the finest kind any child has is used (days,
// then weeks, then months). A disaggregation (the total when none is asked) is summed from the
// same disaggregation of the children; parts are never summed into a total.
Result<Series> read_location_series(Store& store, const SeriesQuery& query);

// The steps of read_location_series, for a caller that holds an indicator's stored series in
// memory (api/figures_cache.h) and must answer exactly as it does.

// The series shown for a location with series of its own (`stored`, not empty): the one of the
// finest period kind (daily before weekly before monthly).
Series preferred_series(std::vector<Series> stored);
// The locations whose series a location without series of its own sums, in summing order:
// countries below a region or WORLD, direct subdivisions below a country or a subdivision.
// NotFound for a location the catalogue does not know.
Result<std::vector<std::string>> contributors_of(std::span<const Location> catalogue, const std::string& location);
// The sum over `contributors` of their series (`stored_of` gives a contributor's default-source
// series, possibly none), as read_location_series describes; NotFound when none has a point.
// With `days`, only the periods starting on those days are summed (the result may have no point):
// what a cache needs to bring a sum up to date when one contributor changed on those days. The
// choice of daily or weekly children and the source are still made over the whole series, so
// those periods come out exactly as in the whole sum.
using StoredSeriesOf = std::function<std::vector<const Series*>(const std::string& location)>;
struct DayRange {
  int32_t first = 0;  // days since the epoch, both included
  int32_t last = 0;
};
Result<Series> sum_of_contributors(const std::string& location, const std::string& indicator,
                                   std::span<const std::string> contributors, const StoredSeriesOf& stored_of,
                                   std::optional<DayRange> days = std::nullopt);

}  // namespace shouwang::store
