// The IHE ADX export (urn:ihe:qrph:adx:2015): the series as <group>s of <dataValue>s, which
// `shouwang import --format adx` reads back (docs/formats/adx.md).
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace shouwang::store {

// One <group orgUnit period dataSet> per location, period and source, holding one <dataValue
// dataElement value [CATEGORY="option"...]/> per point, disaggregation pairs as attributes. The
// root's `exported` is the newest reported_at among the points (the export is the data as it was
// known then); an export without points has none.
std::string series_to_adx(const std::vector<Series>& series);

}  // namespace shouwang::store
