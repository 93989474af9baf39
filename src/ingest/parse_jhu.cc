// The JHU CSSE global time series: one row per place, one cumulative column per day (m/d/yy).
// Places are mapped with the compiled-in JHU name table; provinces that are subdivisions become
// new locations ISO3-XX; a country listed only through its provinces gets a derived total.
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/csv_reader.h"
#include "ingest/parsers.h"
#include "ingest/reference_data.h"
#include "ingest/validation.h"

namespace shouwang::ingest {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// "3/9/23" -> 2023-03-09. JHU writes two-digit years, all in 2000-2099.
std::optional<Date> parse_jhu_date(std::string_view text) {
  int part[3] = {0, 0, 0};
  size_t pos = 0;
  for (int k = 0; k < 3; ++k) {
    size_t stop = k < 2 ? text.find('/', pos) : text.size();
    if (stop == std::string_view::npos || stop == pos || stop - pos > (k < 2 ? 2u : 4u)) return std::nullopt;
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + stop, part[k]);
    if (ec != std::errc() || ptr != text.data() + stop) return std::nullopt;
    pos = stop + 1;
  }
  int year = part[2] < 100 ? 2000 + part[2] : part[2];
  char iso[16];
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", year % 10000, part[0] % 100, part[1] % 100);
  auto date = Date::parse(iso);
  if (!date) return std::nullopt;
  return *date;
}

struct PlaceSeries {
  std::string code;
  int64_t line = 0;
  std::vector<double> cumulative;  // per date column; NaN when missing or bad
};

}  // namespace

ParsedBatch parse_jhu(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  const std::string incident = context.jhu_indicator;
  const std::string cumulative = incident + "_cumulative";
  if (incident != "cases" && incident != "deaths") {
    check.error(0, "", "the jhu format needs --indicator cases or --indicator deaths");
    return batch;
  }
  if (!check.check_indicator(incident, 0, "") || !check.check_indicator(cumulative, 0, "")) return batch;

  CsvReader reader(content);
  std::vector<std::string_view> fields;
  if (!read_csv_header(reader, fields, check)) return batch;
  const int64_t header_line = reader.line();
  if (fields.size() < 5 || fields[0] != "Province/State" || fields[1] != "Country/Region" || fields[2] != "Lat" ||
      fields[3] != "Long") {
    check.error(header_line, "", "header must start Province/State,Country/Region,Lat,Long followed by dates m/d/yy");
    return batch;
  }
  std::vector<std::string> column_names;
  std::vector<std::optional<Period>> dates;  // per value column; nullopt when the header is bad
  for (size_t c = 4; c < fields.size(); ++c) {
    column_names.emplace_back(fields[c]);
    auto date = parse_jhu_date(fields[c]);
    if (!date) {
      check.error(header_line, fields[c], "column '" + std::string(fields[c]) + "' is not a date m/d/yy");
      dates.emplace_back();
    } else if (!check.check_not_future(Period::day(*date), date->to_string(), header_line, fields[c])) {
      dates.emplace_back();
    } else {
      dates.emplace_back(Period::day(*date));
    }
  }
  const size_t expected = fields.size();
  const size_t n_dates = dates.size();

  std::vector<PlaceSeries> places;                        // rows stored under their own code
  std::map<std::string, std::vector<size_t>> contributors;  // country -> rows to sum (provinces)
  std::vector<std::vector<double>> extra_series;          // values of not-a-place rows
  std::set<std::string> countries_with_own_row;
  std::map<std::string, std::vector<size_t>> not_place_contributors;  // country -> extra_series index
  std::set<std::string> added_subdivisions;

  // Rows are wide (a value per day): progress every 64 of them.
  CsvDataRecords records(reader, fields, check, context.progress, /*progress_every=*/64);
  while (records.next(expected)) {
    const int64_t line = reader.line();
    std::string_view province = fields[0], country = fields[1];
    auto place = find_jhu_place(province, country);
    std::string where = province.empty() ? std::string(country) : std::string(province) + ", " + std::string(country);
    if (!place) {
      check.error(line, province.empty() ? "Country/Region" : "Province/State",
                  "unknown JHU place '" + where + "' (not in the JHU name table)");
      continue;
    }
    std::vector<double> values(n_dates, kMissing);
    for (size_t c = 0; c < n_dates; ++c) {
      std::string_view cell = fields[4 + c];
      if (cell.empty() || !dates[c]) continue;  // not reported
      auto value = check.check_value(cell, line, column_names[c]);
      if (value) values[c] = *value;
    }
    if (place->kind == JhuPlace::Kind::kNotAPlace) {
      check.warning(line, province.empty() ? "Country/Region" : "Province/State",
                    "'" + where + "' is not a place; its row is skipped" +
                        (place->country_code.empty() ? std::string()
                                                     : " (it still counts in the total of " + place->country_code + ")"));
      if (!place->country_code.empty()) {
        not_place_contributors[place->country_code].push_back(extra_series.size());
        extra_series.push_back(std::move(values));
      }
      continue;
    }
    auto level = level_of_location_code(place->code);
    bool subnational = level && *level == LocationLevel::kSubnational;
    if (subnational && !added_subdivisions.contains(place->code)) {
      if (!check.check_location(place->country_code, line, "Country/Region")) continue;
      if (!context.catalog.has_location(place->code)) {
        Location loc;
        loc.code = place->code;
        loc.name_en = std::string(province);
        loc.parent = place->country_code;
        loc.level = LocationLevel::kSubnational;
        check.add_new_location(std::move(loc));
      }
      added_subdivisions.insert(place->code);
    }
    if (!check.check_location(place->code, line, province.empty() ? "Country/Region" : "Province/State")) continue;
    if (subnational) {
      contributors[place->country_code].push_back(places.size());
    } else if (province.empty() || place->code == place->country_code) {
      countries_with_own_row.insert(place->code);
    }
    places.push_back(PlaceSeries{place->code, line, std::move(values)});
  }

  // Countries listed only through provinces: the total is the sum of every row of that country
  // (provinces and not-a-place rows) on the days all of them reported.
  std::set<std::string> derived_countries;
  for (const auto& [country, _] : contributors) derived_countries.insert(country);
  for (const auto& [country, _] : not_place_contributors) derived_countries.insert(country);
  for (const auto& country : derived_countries) {
    if (countries_with_own_row.contains(country)) continue;
    if (!check.check_location(country, 0, "Country/Region")) continue;
    std::vector<double> sum(n_dates, 0.0);
    int64_t first_line = 0;
    auto accumulate = [&](const std::vector<double>& v) {
      for (size_t c = 0; c < n_dates; ++c) sum[c] += v[c];  // NaN propagates: a missing day stays missing
    };
    for (size_t i : contributors[country]) {
      accumulate(places[i].cumulative);
      if (first_line == 0) first_line = places[i].line;
    }
    for (size_t i : not_place_contributors[country]) accumulate(extra_series[i]);
    places.push_back(PlaceSeries{country, first_line, std::move(sum)});
  }

  // Observations: the cumulative value of every day, and the daily difference when the day
  // before is known too (the first day's increase is unknown, so it is not invented).
  for (const auto& place : places) {
    for (size_t c = 0; c < n_dates; ++c) {
      double v = place.cumulative[c];
      if (std::isnan(v)) continue;
      check.add(place.code, cumulative, *dates[c], v, place.line);
      if (c == 0 || std::isnan(place.cumulative[c - 1])) continue;
      double daily = v - place.cumulative[c - 1];
      if (daily < 0) {
        check.warning(place.line, column_names[c],
                      incident + " of " + place.code + " on " + dates[c]->to_string() + " is " + format_value(daily) +
                          " (cumulative fell from " + format_value(place.cumulative[c - 1]) + " to " +
                          format_value(v) + "); kept as a correction");
      }
      check.add(place.code, incident, *dates[c], daily, place.line);
    }
  }
  if (records.data_records() == 0) check.error(0, "", "the file has a header but no rows");
  // Decreases were reported above as negative daily values; check_batch still finds duplicates.
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/false);
  return batch;
}

}  // namespace shouwang::ingest
