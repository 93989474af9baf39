// CSV and JSON writers for exports.
#include "store/export.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/csv_reader.h"
#include "core/json_text.h"
#include "store/export_adx.h"
#include "store/export_fhir.h"
#include "store/export_sdmx.h"

namespace shouwang::store {

std::string format_value(double value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

std::string series_to_csv(const std::vector<Series>& series) {
  // The disaggregation column only when a series has one: files of totals keep the four columns
  // every earlier reader knows.
  const bool disaggregated =
      std::any_of(series.begin(), series.end(), [](const Series& s) { return !s.disaggregation.empty(); });
  std::string out = disaggregated ? "location,indicator,date,value,disaggregation\n" : "location,indicator,date,value\n";
  for (const auto& s : series) {
    const std::string disaggregation = disaggregated ? "," + csv_field(s.disaggregation) : "";
    for (const auto& p : s.points) {
      out += s.location;
      out += ',';
      out += s.indicator;
      out += ',';
      out += p.period.to_string();
      out += ',';
      out += format_value(p.value);
      out += disaggregation;
      out += '\n';
    }
  }
  return out;
}

std::string series_to_json(const std::vector<Series>& series) {
  boost::json::array observations;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      boost::json::object o{
          {"location", s.location}, {"indicator", s.indicator}, {"date", p.period.to_string()}, {"value", p.value}};
      if (!s.disaggregation.empty()) o["disaggregation"] = s.disaggregation;
      observations.push_back(std::move(o));
    }
  }
  return json_text(boost::json::object{{"observations", std::move(observations)}}) + "\n";
}

const std::vector<ExportFormat>& export_formats() {
  static const std::vector<ExportFormat> kFormats = {
      {"csv", "text/csv; charset=utf-8", series_to_csv},
      {"json", "application/json", series_to_json},
      {"adx", "application/adx+xml", series_to_adx},
      {"fhir", "application/fhir+json", series_to_fhir},
      {"sdmx-csv", "text/csv; charset=utf-8", series_to_sdmx_csv},
  };
  return kFormats;
}

Result<const ExportFormat*> find_export_format(std::string_view name) {
  std::string names;
  for (const auto& format : export_formats()) {
    if (format.name == name) return &format;
    names += names.empty() ? "" : ", ";
    names += format.name;
  }
  return not_found("no export format '" + std::string(name) + "' (there are: " + names + ")");
}

}  // namespace shouwang::store
