// The import formats. Each parser turns a whole file (already in memory) into a ParsedBatch:
// valid observations plus one problem per bad row or cell. Parsers never write and never throw.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/period.h"
#include "core/status.h"
#include "ingest/batch.h"

namespace shouwang::ingest {

enum class Format { kCsv, kJson, kJhu, kWho, kDhis2, kAdx, kFhir, kSdmxCsv, kDhis2Csv };
std::string_view format_name(Format format);  // csv|json|jhu|who|dhis2|adx|fhir|sdmx-csv|dhis2-csv
Result<Format> parse_format(std::string_view name);

// DHIS2 identifiers -> our codes.
struct Dhis2Mapping {
  std::map<std::string, std::string, std::less<>> data_elements;  // dataElement id -> indicator
  std::map<std::string, std::string, std::less<>> org_units;      // orgUnit id -> location
  // categoryOptionCombo id -> canonical disaggregation (core/disaggregation.h); DHIS2's default
  // combo (kDhis2DefaultCombo) and an absent combo are the total without being listed.
  std::map<std::string, std::string, std::less<>> category_option_combos;
  // DHIS2's idScheme=code: identifiers are our own codes (indicator, location, and for a combo its
  // disaggregation text or "default"); the maps above are not consulted.
  bool by_code = false;
};
// The uid DHIS2 gives its default category option combo (and default attribute option combo).
inline constexpr std::string_view kDhis2DefaultCombo = "HllvX50cXC0";
// {"dataElements": {"<id>": "<indicator>", ...}, "orgUnits": {"<id>": "<location>", ...},
//  "categoryOptionCombos": {"<id>": "SEX=F;AGE=15-24", ...}}; categoryOptionCombos is optional.
Result<Dhis2Mapping> parse_dhis2_mapping(std::string_view json);
// The same document, maps in key order (what `shouwang dhis2 mapping` stores reads back as).
std::string dhis2_mapping_json(const Dhis2Mapping& mapping);
// DHIS2 period notation: daily yyyyMMdd, weekly yyyyWn (ISO weeks), monthly yyyyMM. nullopt for
// anything else (DHIS2's quarters, years, financial years... are no periods of ours).
std::optional<Period> parse_dhis2_period(std::string_view text);
// The period in DHIS2 notation (20200301, 2020W13, 202003).
std::string dhis2_period_text(Period period);

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
// DHIS2 dataValueSets JSON with context.dhis2_mapping; line = record number. The set's own
// "period", "orgUnit" and "attributeOptionCombo" apply to values that lack them.
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

// DHIS2 data value CSV with context.dhis2_mapping: a header row, then columns by position
// dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value[,storedby,lastupdated,
// comment,followup,deleted], as DHIS2 reads them.
ParsedBatch parse_dhis2_csv(std::string_view content, const ParseContext& context);

// Dispatches on the format.
ParsedBatch parse_file(Format format, std::string_view content, const ParseContext& context);

}  // namespace shouwang::ingest
