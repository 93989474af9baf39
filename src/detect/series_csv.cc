#include "detect/series_csv.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/csv_reader.h"

namespace shouwang::detect {
namespace {

// Applied to every field after the reader, so blanks inside quotes go too (`" observed "` is the
// column observed), as the line splitter before the shared reader did.
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_missing(std::string_view text) { return text.empty() || text == "NA"; }

Result<double> parse_number(std::string_view text, int64_t line, std::string_view column) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return invalid_argument("line " + std::to_string(line) + ": '" + std::string(text) + "' in column '" +
                            std::string(column) + "' is not a number");
  }
  return value;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "NA";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

}  // namespace

Result<SeriesTable> parse_series_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> line_numbers;
  // Blanks around fields (also around quotes, as R's write.csv writes names) are not part of them.
  // A quote inside an unquoted field is an error, as it was when quotes toggled anywhere in a line.
  CsvReader reader(text, {.trim_blanks = true, .strict_quotes = true});
  std::vector<std::string_view> fields;
  while (reader.next(fields)) {
    if (is_blank_record(fields, reader.raw_record())) continue;
    if (reader.malformed()) {
      return invalid_argument("line " + std::to_string(reader.line()) + ": " +
                              std::string(csv_problem_text(reader.problem())));
    }
    std::vector<std::string>& row = rows.emplace_back();
    row.reserve(fields.size());
    for (std::string_view field : fields) row.emplace_back(trim(field));
    line_numbers.push_back(reader.line());
  }
  if (rows.empty()) return invalid_argument("the input is empty: expected a header `date,observed` or `t,observed`");
  const std::vector<std::string>& header = rows.front();
  const bool by_date = header[0] == "date";
  if (!by_date && header[0] != "t") {
    return invalid_argument("line " + std::to_string(line_numbers[0]) + ": the first column must be `date` or `t`, not '" +
                            header[0] + "'");
  }
  std::vector<size_t> value_columns;
  std::map<std::string, size_t> population_columns;
  for (size_t c = 1; c < header.size(); ++c) {
    const std::string& name = header[c];
    if (name.empty()) return invalid_argument("line 1: column " + std::to_string(c + 1) + " has no name");
    if (name == "population") {
      population_columns[""] = c;
    } else if (name.rfind("population:", 0) == 0) {
      population_columns[name.substr(11)] = c;
    } else {
      for (size_t other : value_columns) {
        if (header[other] == name) return invalid_argument("line 1: column '" + name + "' appears twice");
      }
      value_columns.push_back(c);
    }
  }
  if (value_columns.empty()) return invalid_argument("line 1: no count column (expected e.g. `observed`)");
  for (const auto& [name, column] : population_columns) {
    if (name.empty()) continue;
    bool found = false;
    for (size_t c : value_columns) found = found || header[c] == name;
    if (!found) return invalid_argument("line 1: column 'population:" + name + "' names no count column");
  }

  SeriesTable table;
  table.multiple = !(value_columns.size() == 1 && header[value_columns[0]] == "observed");
  const size_t weeks = rows.size() - 1;
  for (size_t c : value_columns) {
    NamedSeries named;
    named.name = header[c];
    named.series.observed.reserve(weeks);
    table.series.push_back(std::move(named));
  }
  std::vector<Date> dates;
  std::vector<std::vector<double>> populations(value_columns.size());
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& fields = rows[r];
    const int64_t line = line_numbers[r];
    const std::string where = "line " + std::to_string(line);
    if (fields.size() != header.size()) {
      return invalid_argument(where + ": expected " + std::to_string(header.size()) + " fields, found " +
                              std::to_string(fields.size()));
    }
    if (by_date) {
      Result<Date> date = Date::parse(fields[0]);
      if (!date) return invalid_argument(where + ": '" + fields[0] + "' is not an ISO date (YYYY-MM-DD)");
      if (!dates.empty()) {
        const int32_t gap = date->days_since_epoch() - dates.back().days_since_epoch();
        if (gap <= 0) {
          return invalid_argument(where + ": date " + fields[0] + " is not after the previous date " +
                                  dates.back().to_string() + " (weeks must be sorted, without duplicates)");
        }
        if (gap != 7) {
          return invalid_argument(where + ": date " + fields[0] + " is " + std::to_string(gap) +
                                  " days after the previous date " + dates.back().to_string() +
                                  " (weeks must be consecutive; write NA for a missing week)");
        }
      }
      dates.push_back(*date);
    } else {
      ASSIGN_OR_RETURN(double t, parse_number(fields[0], line, "t"));
      if (t != static_cast<double>(r)) {
        return invalid_argument(where + ": t is " + fields[0] + " but must be " + std::to_string(r) +
                                " (weeks in order 1, 2, 3, ... without gaps or duplicates)");
      }
    }
    for (size_t s = 0; s < value_columns.size(); ++s) {
      const std::string& name = header[value_columns[s]];
      const std::string& cell = fields[value_columns[s]];
      double value = kMissing;
      if (!is_missing(cell)) {
        ASSIGN_OR_RETURN(value, parse_number(cell, line, name));
        if (value < 0) return invalid_argument(where + ": negative count " + cell + " in column '" + name + "'");
        if (value != std::floor(value)) {
          return invalid_argument(where + ": count " + cell + " in column '" + name + "' is not a whole number");
        }
      }
      table.series[s].series.observed.push_back(value);
      auto population_column = population_columns.find(table.multiple ? name : "");
      if (population_column == population_columns.end()) population_column = population_columns.find("");
      if (population_column != population_columns.end()) {
        const std::string& pop_cell = fields[population_column->second];
        const std::string pop_name = header[population_column->second];
        if (is_missing(pop_cell)) return invalid_argument(where + ": missing population in column '" + pop_name + "'");
        ASSIGN_OR_RETURN(double population, parse_number(pop_cell, line, pop_name));
        if (!(population > 0)) {
          return invalid_argument(where + ": population " + pop_cell + " in column '" + pop_name + "' is not positive");
        }
        populations[s].push_back(population);
      }
    }
  }
  if (weeks == 0) return invalid_argument("the input has a header but no weeks");
  for (size_t s = 0; s < table.series.size(); ++s) {
    table.series[s].series.dates = dates;
    table.series[s].series.population = std::move(populations[s]);
  }
  return table;
}

std::string results_csv_header(bool with_series) {
  return std::string(with_series ? "series," : "") + "t,date,observed,upperbound,alarm,expected,score,pvalue,phi,trend\n";
}

void append_results_csv(std::string& out, const std::string* series_name, const WeeklySeries& series,
                        const std::vector<WeekResult>& weeks) {
  for (const WeekResult& week : weeks) {
    if (series_name != nullptr) {
      const bool needs_quotes = series_name->find_first_of(",\"") != std::string::npos;
      if (needs_quotes) {
        out += '"';
        for (char c : *series_name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += '"';
      } else {
        out += *series_name;
      }
      out += ',';
    }
    out += std::to_string(week.t);
    out += ',';
    out += series.is_date_indexed() ? series.dates[week.t - 1].to_string() : "NA";
    for (double value : {week.observed, week.upperbound}) {
      out += ',';
      out += format_number(value);
    }
    out += ',';
    out += week.alarm == Alarm::kYes ? "true" : week.alarm == Alarm::kNo ? "false" : "NA";
    for (double value : {week.expected, week.score, week.pvalue, week.phi, week.trend}) {
      out += ',';
      out += format_number(value);
    }
    out += '\n';
  }
}

}  // namespace shouwang::detect
