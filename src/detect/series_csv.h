// The `detect --input` file format: weekly series in CSV (one or several series, date- or
// index-indexed, optional population) in, one result row per evaluated week out. Every input
// problem is reported as a one-line InvalidArgument naming the line and column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "detect/weekly_series.h"

namespace shouwang::detect {

struct NamedSeries {
  std::string name;  // the value column's header ("observed" for a single series)
  WeeklySeries series;
};

struct SeriesTable {
  // True unless the file has exactly one value column named `observed`; then output rows start
  // with a `series` column.
  bool multiple = false;
  std::vector<NamedSeries> series;
};

// Header `date,<value columns>` or `t,<value columns>`. A single series is `observed` (with an
// optional `population`); several series are any other names, with `population:<name>` columns
// (a plain `population` column applies to every series without its own). Empty or NA = missing.
Result<SeriesTable> parse_series_csv(std::string_view text);

// `[series,]t,date,observed,upperbound,alarm,expected,score,pvalue,phi,trend`
std::string results_csv_header(bool with_series);
// Appends one line per week: numbers with 17 significant digits, NA for missing, alarm true/false.
void append_results_csv(std::string& out, const std::string* series_name, const WeeklySeries& series,
                        const std::vector<WeekResult>& weeks);

}  // namespace shouwang::detect
