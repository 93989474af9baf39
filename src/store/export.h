// The open-data formats a reader downloads: the long CSV (`location,indicator,date,value`) and the
// JSON that `shouwang import --format json` reads back, so an export re-imports to the same data.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace shouwang::store {

// Shortest text that reads back to the same double ("573", "0.5", "1e+300").
std::string format_value(double value);

// Header line and one line per point, in the order given (callers sort by location, indicator, date);
// a fifth column, disaggregation, when a series is disaggregated.
std::string series_to_csv(const std::vector<Series>& series);
// {"observations":[{"location","indicator","date","value"[,"disaggregation"]},...]}
std::string series_to_json(const std::vector<Series>& series);

// The formats `shouwang export --format` writes, by name.
struct ExportFormat {
  std::string_view name;
  std::string_view media_type;
  std::string (*write)(const std::vector<Series>& series);
};
const std::vector<ExportFormat>& export_formats();
// NotFound names the formats there are.
Result<const ExportFormat*> find_export_format(std::string_view name);

}  // namespace shouwang::store
