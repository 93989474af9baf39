// SDMX-CSV 2.0 writer (docs/formats/sdmx.md).
#include "store/export_sdmx.h"

#include "store/export.h"

namespace shouwang::store {
namespace {

// RFC 4180 quoting, needed only by the disaggregation: its options may hold commas or quotes.
void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string series_to_sdmx_csv(const std::vector<Series>& series) {
  std::string out(kSdmxHeader);
  out += '\n';
  std::string prefix = std::string(kSdmxStructure) + "," + std::string(kSdmxStructureId) + ",I,";
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      out += prefix;
      out += s.location;
      out += ',';
      out += s.indicator;
      out += ',';
      append_csv_field(out, s.disaggregation);
      out += ',';
      // Our period texts are SDMX's: 2020-03-01, 2020-W13 (ISO week), 2020-03 (gregorian month).
      out += p.period.to_string();
      out += ',';
      out += format_value(p.value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace shouwang::store
