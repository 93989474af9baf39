// Series up the location hierarchy: a region's (or the world's) figures are the sum of its
// countries' figures, each country taken from its default source.
#pragma once

#include "store/store.h"

namespace shouwang::store {

// The series of query.location (required) and query.indicator (required): stored directly when
// the store has it, otherwise the sum over the location's countries (for WORLD and WHO regions)
// or subdivisions (for a country reported only by subdivision). A sum covers every period any
// child reports; in a summed point `revision` is the number of children that contributed, so a
// reader can tell a partial sum.
// Daily and weekly children are not mixed: daily children are used when any child is daily.
Result<Series> read_location_series(Store& store, const SeriesQuery& query);

}  // namespace shouwang::store
