// WHO's WHO-COVID-19-global-data.csv: Date_reported,Country_code,Country,WHO_region,New_cases,
// Cumulative_cases,New_deaths,Cumulative_deaths, one row per country and reporting date.
#include <array>
#include <map>

#include "core/csv_reader.h"
#include "ingest/parsers.h"
#include "ingest/reference_data.h"
#include "ingest/validation.h"

namespace shouwang::ingest {
namespace {

enum Column { kDate, kCode, kCountry, kRegion, kNewCases, kCumCases, kNewDeaths, kCumDeaths, kColumns };
constexpr std::array<std::string_view, kColumns> kNames = {
    "Date_reported", "Country_code", "Country", "WHO_region",
    "New_cases", "Cumulative_cases", "New_deaths", "Cumulative_deaths"};
struct Target {
  Column column;
  std::string_view indicator;
  bool incident;
};
constexpr std::array<Target, 4> kTargets = {{{kNewCases, "cases", true},
                                             {kCumCases, "cases_cumulative", false},
                                             {kNewDeaths, "deaths", true},
                                             {kCumDeaths, "deaths_cumulative", false}}};

}  // namespace

ParsedBatch parse_who(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  CsvReader reader(content);
  std::vector<std::string_view> fields;
  if (!read_csv_header(reader, fields, check)) return batch;
  std::array<size_t, kColumns> column_of{};
  for (size_t n = 0; n < kColumns; ++n) {
    size_t c = 0;
    while (c < fields.size() && fields[c] != kNames[n]) ++c;
    if (c == fields.size()) {
      check.error(reader.line(), kNames[n], "header has no column " + std::string(kNames[n]) +
                                                " (expected the WHO-COVID-19-global-data.csv layout)");
      return batch;
    }
    column_of[n] = c;
  }
  for (const auto& t : kTargets) {
    if (!check.check_indicator(t.indicator, 0, "")) return batch;
  }
  const size_t expected = fields.size();
  bool all_sundays = true;
  std::string last_code_text, last_code;  // rows come grouped by country; cache the mapping
  struct SkippedCode {
    int64_t first_line;
    int64_t rows;
    std::string name;
  };
  std::map<std::string, SkippedCode> skipped;
  CsvDataRecords records(reader, fields, check, context.progress);
  while (records.next(expected)) {
    const int64_t line = reader.line();
    std::string_view alpha2 = fields[column_of[kCode]];
    std::string_view region = fields[column_of[kRegion]];
    if (alpha2 != last_code_text) {
      last_code_text = std::string(alpha2);
      auto code = alpha3_for_alpha2(alpha2);
      last_code = code ? *code : std::string();
    }
    if (last_code.empty()) {
      // WHO's own codes for cases on ships and other conveyances (XXF..XXL, region OTHER) are not
      // places; any other unknown code is an error.
      if (region == "OTHER" || alpha2.starts_with("XX")) {
        // One warning per code (with its row count), not one per week.
        auto [it, fresh] = skipped.try_emplace(std::string(alpha2), SkippedCode{line, 0,
                                                                                std::string(fields[column_of[kCountry]])});
        ++it->second.rows;
      } else {
        check.error(line, "Country_code", alpha2.empty() ? std::string("Country_code is empty")
                                                         : "unknown country code '" + std::string(alpha2) + "'");
      }
      continue;
    }
    bool location_ok = check.check_location(last_code, line, "Country_code");
    std::string_view date_text = fields[column_of[kDate]];
    auto date = Date::parse(date_text);
    std::optional<Period> period;
    if (!date) {
      check.error(line, "Date_reported", "date '" + std::string(date_text) + "' is not YYYY-MM-DD");
    } else if (check.check_not_future(Period::day(*date), date_text, line, "Date_reported")) {
      period = Period::day(*date);
      all_sundays = all_sundays && date->iso_weekday() == 7;
    }
    for (const auto& t : kTargets) {
      std::string_view cell = fields[column_of[t.column]];
      if (cell.empty()) continue;  // not reported: no observation, not zero
      // New_* may be negative when WHO corrects an earlier week; kept, with a warning.
      auto value = check.check_value(cell, line, kNames[t.column], /*allow_negative=*/t.incident);
      if (!value || !location_ok || !period) continue;
      if (*value < 0) {
        check.warning(line, kNames[t.column], std::string(kNames[t.column]) + " is " + std::string(cell) + " for " +
                                                 last_code + " on " + std::string(date_text) + "; kept as a correction");
      }
      check.add(last_code, t.indicator, *period, *value, line);
    }
  }
  for (const auto& [code, info] : skipped) {
    check.warning(info.first_line, "Country_code",
                  "'" + code + "' (" + info.name + ") is not a country; its " + std::to_string(info.rows) +
                      (info.rows == 1 ? " row is" : " rows are") + " skipped");
  }
  if (records.data_records() == 0) check.error(0, "", "the file has a header but no rows");
  // The current file reports weekly, dated on the Sunday that ends each ISO week.
  if (all_sundays) {
    for (auto& o : batch.observations) o.period = Period::week(IsoWeek::containing(o.period.start()));
  }
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
