// CSV and JSON writers for exports.
#include "store/export.h"

#include <boost/json.hpp>
#include <charconv>

#include "core/json_text.h"
#include "store/export_fhir.h"
#include "store/export_sdmx.h"

namespace shouwang::store {

std::string format_value(double value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

std::string series_to_csv(const std::vector<Series>& series) {
  std::string out = "location,indicator,date,value\n";
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      out += s.location;
      out += ',';
      out += s.indicator;
      out += ',';
      out += p.period.to_string();
      out += ',';
      out += format_value(p.value);
      out += '\n';
    }
  }
  return out;
}

std::string series_to_json(const std::vector<Series>& series) {
  boost::json::array observations;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      observations.push_back(boost::json::object{
          {"location", s.location}, {"indicator", s.indicator}, {"date", p.period.to_string()}, {"value", p.value}});
    }
  }
  return json_text(boost::json::object{{"observations", std::move(observations)}}) + "\n";
}

const std::vector<ExportFormat>& export_formats() {
  static const std::vector<ExportFormat> kFormats = {
      {"csv", "text/csv; charset=utf-8", series_to_csv},
      {"json", "application/json", series_to_json},
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
