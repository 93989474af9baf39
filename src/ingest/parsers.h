// The import formats. Each parser turns a whole file (already in memory) into a ParsedBatch:
// valid observations plus one problem per bad row or cell. Parsers never write and never throw.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "core/period.h"
#include "core/status.h"
#include "ingest/batch.h"

namespace shouwang::ingest {

enum class Format { kCsv, kJson, kJhu, kWho, kDhis2, kAdx, kFhir, kSdmxCsv };
std::string_view format_name(Format format);  // csv|json|jhu|who|dhis2|adx|fhir|sdmx-csv
Result<Format> parse_format(std::string_view name);

// DHIS2 identifiers -> our codes.
struct Dhis2Mapping {
  std::map<std::string, std::string, std::less<>> data_elements;  // dataElement id -> indicator
  std::map<std::string, std::string, std::less<>> org_units;      // orgUnit id -> location
};
// {"dataElements": {"<id>": "<indicator>", ...}, "orgUnits": {"<id>": "<location>", ...}}
Result<Dhis2Mapping> parse_dhis2_mapping(std::string_view json);

struct ParseContext {
  const Catalog& catalog;
  Date today;  // dates after today are rejected
  // Called now and then with the bytes (or records) done and the total.
  std::function<void(int64_t done, int64_t total)> progress;
  // jhu: which cumulative series the file holds, "cases" or "deaths".
  std::string jhu_indicator;
  const Dhis2Mapping* dhis2_mapping = nullptr;
  // csv, json, dhis2: a negative value of an incident indicator is a correction (kept, with a
  // warning) instead of an error. jhu and who always treat negative daily/weekly counts so.
  bool allow_corrections = false;
  // csv: called while parsing goes on with the rows accepted so far that were not yet given, in
  // file order (each row once; the last call comes before the whole-file checks, which may still
  // reject some). The importer writes them meanwhile and keeps the write only if the file is clean.
  std::function<void(std::span<const ParsedObservation> rows)> on_rows = nullptr;
};

// Long format: header location,indicator,date,value[,disaggregation] (any order), date YYYY-MM-DD,
// YYYY-Www or YYYY-MM.
ParsedBatch parse_csv(std::string_view content, const ParseContext& context);
// {"observations": [{"location", "indicator", "date", "value"}, ...]}; line = record number.
ParsedBatch parse_json(std::string_view content, const ParseContext& context);
// JHU CSSE wide time series (cumulative); stores <x>_cumulative and the daily <x>.
ParsedBatch parse_jhu(std::string_view content, const ParseContext& context);
// WHO-COVID-19-global-data.csv; weekly periods when every date is a Sunday, else daily.
ParsedBatch parse_who(std::string_view content, const ParseContext& context);
// DHIS2 dataValueSets JSON with context.dhis2_mapping; line = record number.
ParsedBatch parse_dhis2(std::string_view content, const ParseContext& context);
// IHE ADX XML (urn:ihe:qrph:adx:2015): <group orgUnit period="2020-03-30/P7D"> of <dataValue
// dataElement value [CATEGORY="option"...]/>; line = XML line. Documents with a DOCTYPE and files
// over kMaxAdxBytes are refused whole (docs/formats/adx.md).
inline constexpr size_t kMaxAdxBytes = size_t{1} << 30;
ParsedBatch parse_adx(std::string_view content, const ParseContext& context);

// FHIR R4 Bundle of MeasureReport resources (docs/formats/fhir.md); line = entry number.
ParsedBatch parse_fhir(std::string_view content, const ParseContext& context);
// SDMX-CSV 2.0 of our dataflow SHOUWANG:EPI(1.0) (docs/formats/sdmx.md).
ParsedBatch parse_sdmx_csv(std::string_view content, const ParseContext& context);

// Dispatches on the format.
ParsedBatch parse_file(Format format, std::string_view content, const ParseContext& context);

}  // namespace shouwang::ingest
