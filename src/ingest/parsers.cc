// Format names and dispatch.
#include "ingest/parsers.h"

namespace shouwang::ingest {

std::string_view format_name(Format format) {
  switch (format) {
    case Format::kCsv: return "csv";
    case Format::kJson: return "json";
    case Format::kJhu: return "jhu";
    case Format::kWho: return "who";
    case Format::kDhis2: return "dhis2";
    case Format::kAdx: return "adx";
    case Format::kFhir: return "fhir";
    case Format::kSdmxCsv: return "sdmx-csv";
    case Format::kDhis2Csv: return "dhis2-csv";
  }
  return "csv";
}

Result<Format> parse_format(std::string_view name) {
  for (auto f : {Format::kCsv, Format::kJson, Format::kJhu, Format::kWho, Format::kDhis2, Format::kAdx, Format::kFhir, Format::kSdmxCsv, Format::kDhis2Csv}) {
    if (format_name(f) == name) return f;
  }
  return invalid_argument("unknown format '" + std::string(name) + "' (csv, json, jhu, who, dhis2, adx, fhir, sdmx-csv or dhis2-csv)");
}

ParsedBatch parse_file(Format format, std::string_view content, const ParseContext& context) {
  switch (format) {
    case Format::kCsv: return parse_csv(content, context);
    case Format::kJson: return parse_json(content, context);
    case Format::kJhu: return parse_jhu(content, context);
    case Format::kWho: return parse_who(content, context);
    case Format::kDhis2: return parse_dhis2(content, context);
    case Format::kAdx: return parse_adx(content, context);
    case Format::kFhir: return parse_fhir(content, context);
    case Format::kSdmxCsv: return parse_sdmx_csv(content, context);
    case Format::kDhis2Csv: return parse_dhis2_csv(content, context);
  }
  return parse_csv(content, context);
}

}  // namespace shouwang::ingest
