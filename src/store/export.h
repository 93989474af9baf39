// The open-data formats a reader downloads: the long CSV (`location,indicator,date,value`) and the
// JSON that `shouwang import --format json` reads back, so an export re-imports to the same data.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace shouwang::store {

// Shortest text that reads back to the same double ("573", "0.5", "1e+300").
std::string format_value(double value);

// Header line and one line per point, in the order given (callers sort by location, indicator, date).
std::string series_to_csv(const std::vector<Series>& series);
// {"observations":[{"location","indicator","date","value"},...]}
std::string series_to_json(const std::vector<Series>& series);

}  // namespace shouwang::store
