// Incidence / serial interval / Rt CSV formats; see rt_csv.h. Read with core's CSV reader, so the
// engine still depends on core alone.
#include "estimate/rt_csv.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/csv_reader.h"

namespace shouwang::estimate {
namespace {

struct Record {
  size_t line;
  std::vector<std::string> fields;
};

// The non-blank records of `text` with the lines they start on. Blanks around fields are dropped
// and fields may be quoted (EpiEstim's write.csv quotes the names).
Result<std::vector<Record>> read_records(std::string_view text) {
  std::vector<Record> records;
  CsvReader reader(text, {.trim_blanks = true});
  std::vector<std::string_view> fields;
  while (reader.next(fields)) {
    if (is_blank_record(fields, reader.raw_record())) continue;
    const size_t line = static_cast<size_t>(reader.line());
    if (reader.malformed()) {
      return invalid_argument("line " + std::to_string(line) + ": " + std::string(csv_problem_text(reader.problem())));
    }
    records.push_back(Record{line, std::vector<std::string>(fields.begin(), fields.end())});
  }
  return records;
}

Result<double> parse_number(std::string_view cell, size_t line, std::string_view column, bool na_allowed) {
  if (cell.empty() || cell == "NA") {
    if (na_allowed) return std::numeric_limits<double>::quiet_NaN();
    return invalid_argument("line " + std::to_string(line) + ": " + std::string(column) + " is missing");
  }
  double value = 0;
  const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size() || !std::isfinite(value)) {
    return invalid_argument("line " + std::to_string(line) + ": " + std::string(column) + " '" + std::string(cell) +
                            "' is not a number");
  }
  return value;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NA";
    return;
  }
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  out += buffer;
}

}  // namespace

Result<IncidenceTable> parse_incidence_csv(std::string_view text) {
  ASSIGN_OR_RETURN(const std::vector<Record> records, read_records(text));
  if (records.empty()) return invalid_argument("the incidence file is empty");
  const std::vector<std::string>& header = records[0].fields;
  const std::string first = lower(header[0]);
  const bool dated = first == "date" || first == "dates";
  if (!dated && first != "day") {
    return invalid_argument("the incidence header must start with `date` or `day` (got '" + std::string(header[0]) + "')");
  }
  int column_total = -1, column_local = -1, column_imported = -1;
  for (size_t c = 1; c < header.size(); ++c) {
    if (header[c] == "I") column_total = static_cast<int>(c);
    if (header[c] == "local") column_local = static_cast<int>(c);
    if (header[c] == "imported") column_imported = static_cast<int>(c);
  }
  const bool split = column_local >= 0 && column_imported >= 0;
  if (!split && column_total < 0) {
    return invalid_argument("the incidence header needs a column `I`, or the columns `local` and `imported`");
  }
  std::vector<double> total, local, imported;
  IncidenceTable table;
  long long previous_day = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const auto& [line, fields] = records[i];
    if (fields.size() != header.size()) {
      return invalid_argument("line " + std::to_string(line) + ": " + std::to_string(fields.size()) +
                              " fields, the header has " + std::to_string(header.size()));
    }
    if (dated) {
      auto date = Date::parse(fields[0]);
      if (!date) return invalid_argument("line " + std::to_string(line) + ": bad date '" + std::string(fields[0]) + "'");
      if (!table.dates.empty() && date->days_since_epoch() != table.dates.back().days_since_epoch() + 1) {
        return invalid_argument("line " + std::to_string(line) + ": dates must be consecutive days; " +
                                date->to_string() + " follows " + table.dates.back().to_string());
      }
      table.dates.push_back(*date);
    } else {
      ASSIGN_OR_RETURN(const double day, parse_number(fields[0], line, "day", false));
      if (day != std::floor(day) || (i > 1 && day != previous_day + 1)) {
        return invalid_argument("line " + std::to_string(line) + ": days must be consecutive integers (got " +
                                std::string(fields[0]) + ")");
      }
      previous_day = static_cast<long long>(day);
    }
    auto check = [&](double value, const char* column) -> Status {
      if (value < 0) {
        return invalid_argument("line " + std::to_string(line) + ": negative count " + std::string(column) + " = " +
                                std::to_string(value));
      }
      return Status::ok();
    };
    if (split) {
      ASSIGN_OR_RETURN(const double l, parse_number(fields[column_local], line, "local", true));
      ASSIGN_OR_RETURN(const double m, parse_number(fields[column_imported], line, "imported", true));
      RETURN_IF_ERROR(check(l, "local"));
      RETURN_IF_ERROR(check(m, "imported"));
      local.push_back(l);
      imported.push_back(m);
    } else {
      ASSIGN_OR_RETURN(const double v, parse_number(fields[column_total], line, "I", true));
      RETURN_IF_ERROR(check(v, "I"));
      total.push_back(v);
    }
  }
  if (split) {
    ASSIGN_OR_RETURN(table.incidence, incidence_from_local_imported(local, imported));
  } else {
    ASSIGN_OR_RETURN(table.incidence, incidence_from_total(total));
  }
  if (table.incidence.size() == 0) return invalid_argument("the incidence file has a header but no rows");
  return table;
}

Result<std::vector<double>> parse_serial_interval_csv(std::string_view text) {
  ASSIGN_OR_RETURN(const std::vector<Record> records, read_records(text));
  if (records.empty()) return invalid_argument("the serial interval file is empty");
  const std::vector<std::string>& header = records[0].fields;
  if (header.size() != 2 || header[0] != "t" || header[1] != "si_distr") {
    return invalid_argument("the serial interval header must be `t,si_distr`");
  }
  std::vector<double> w;
  for (size_t i = 1; i < records.size(); ++i) {
    const auto& [line, fields] = records[i];
    if (fields.size() != 2) return invalid_argument("line " + std::to_string(line) + ": expected 2 fields");
    ASSIGN_OR_RETURN(const double t, parse_number(fields[0], line, "t", false));
    if (t != static_cast<double>(w.size())) {
      return invalid_argument("line " + std::to_string(line) + ": t must run 0, 1, 2, ... (expected " +
                              std::to_string(w.size()) + ")");
    }
    ASSIGN_OR_RETURN(const double value, parse_number(fields[1], line, "si_distr", false));
    w.push_back(value);
  }
  RETURN_IF_ERROR(check_serial_interval(w));
  return w;
}

std::string format_rt_csv(const RtEstimate& estimate, std::optional<Date> first_day) {
  std::string out = first_day ? "t_start,t_end,mean,std,q0.025,q0.05,q0.25,median,q0.75,q0.95,q0.975,date_start,date_end\n"
                              : "t_start,t_end,mean,std,q0.025,q0.05,q0.25,median,q0.75,q0.95,q0.975\n";
  out.reserve(out.size() + estimate.windows.size() * 200);
  for (const RtWindow& window : estimate.windows) {
    out += std::to_string(window.t_start);
    out += ',';
    out += std::to_string(window.t_end);
    out += ',';
    append_number(out, window.mean);
    out += ',';
    append_number(out, window.sd);
    for (double q : window.quantiles) {
      out += ',';
      append_number(out, q);
    }
    if (first_day) {
      out += ',';
      out += first_day->plus_days(window.t_start - 1).to_string();
      out += ',';
      out += first_day->plus_days(window.t_end - 1).to_string();
    }
    out += '\n';
  }
  return out;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return unavailable("cannot read " + path);
  return buffer.str();
}

Result<std::vector<int>> parse_int_list(std::string_view text) {
  std::vector<int> values;
  ASSIGN_OR_RETURN(const std::vector<std::string> items, split_csv_list(text, {.trim_blanks = true}));
  for (std::string_view item : items) {
    int value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || error != std::errc() || end != item.data() + item.size()) {
      return invalid_argument("'" + std::string(item) + "' is not an integer");
    }
    values.push_back(value);
  }
  return values;
}

}  // namespace shouwang::estimate
