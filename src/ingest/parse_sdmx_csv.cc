// SDMX-CSV 2.0 of our dataflow, as `shouwang export --format sdmx-csv` writes it
// (docs/formats/sdmx.md): STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,DISAGGREGATION,
// TIME_PERIOD,OBS_VALUE, one observation a row.
#include <array>

#include "core/csv_reader.h"
#include "ingest/parsers.h"
#include "ingest/validation.h"
#include "store/export_sdmx.h"

namespace shouwang::ingest {
namespace {

enum Column {
  kStructure,
  kStructureId,
  kAction,
  kRefArea,
  kIndicator,
  kDisaggregation,
  kTimePeriod,
  kObsValue,
  kColumns
};
constexpr std::array<std::string_view, kColumns> kNames = {"STRUCTURE", "STRUCTURE_ID",   "ACTION",      "REF_AREA",
                                                           "INDICATOR", "DISAGGREGATION", "TIME_PERIOD", "OBS_VALUE"};
// SDMX lets a file leave ACTION out (every row is then "information") and we let it leave out
// DISAGGREGATION (every row is then a total); every other column is needed.
constexpr bool optional_column(Column c) { return c == kAction || c == kDisaggregation; }

// SDMX-CSV's separator is the character after the leading STRUCTURE: a comma by default, a
// semicolon or a tab where the locale wants one.
char separator_of(std::string_view content) {
  if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);
  constexpr std::string_view kFirst = "STRUCTURE";
  if (content.starts_with(kFirst) && content.size() > kFirst.size()) {
    char c = content[kFirst.size()];
    if (c == ';' || c == '\t') return c;
  }
  return ',';
}

// SDMX's gregorian day (2020-03-01) and month (2020-03), its week (2020-W13: an ISO 8601 week,
// as SDMX reporting weeks are when the reporting year starts on 1 January, the default) and its
// reporting month (2020-M03, the same month under that default).
std::optional<Period> parse_sdmx_period(std::string_view text) {
  if (text.size() == 8 && text[4] == '-' && text[5] == 'M') {
    auto month = Period::parse(std::string(text.substr(0, 5)) + std::string(text.substr(6)));
    if (month && month->is_month()) return *month;
    return std::nullopt;
  }
  auto period = Period::parse(text);
  if (!period) return std::nullopt;
  return *period;
}

}  // namespace

ParsedBatch parse_sdmx_csv(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  check.set_allow_corrections(context.allow_corrections);
  CsvOptions options;
  options.delimiter = separator_of(content);
  CsvReader reader(content, options);
  std::vector<std::string_view> fields;
  if (!read_csv_header(reader, fields, check)) return batch;

  std::array<int, kColumns> column_of;
  column_of.fill(-1);
  for (size_t c = 0; c < fields.size(); ++c) {
    size_t n = 0;
    while (n < kColumns && fields[c] != kNames[n]) ++n;
    if (n == kColumns) {
      // An attribute we do not read (UNIT_MULT, OBS_STATUS, ...) may change what a value means.
      check.error(reader.line(), fields[c],
                  "column '" + std::string(fields[c]) + "' is not one of " + std::string(store::kSdmxHeader) +
                      " (other SDMX columns are refused)");
      return batch;
    }
    if (column_of[n] >= 0) {
      check.error(reader.line(), fields[c], "column " + std::string(kNames[n]) + " appears twice");
      return batch;
    }
    column_of[n] = static_cast<int>(c);
  }
  if (column_of[kStructure] != 0) {
    check.error(
        reader.line(), "STRUCTURE",
        "an SDMX-CSV header starts with STRUCTURE (found '" + std::string(reader.raw_record().substr(0, 200)) + "')");
    return batch;
  }
  for (int n = 0; n < kColumns; ++n) {
    if (column_of[n] < 0 && !optional_column(static_cast<Column>(n))) {
      check.error(
          reader.line(), kNames[n],
          "header has no column " + std::string(kNames[n]) + " (expected " + std::string(store::kSdmxHeader) + ")");
      return batch;
    }
  }
  auto field = [&](Column c) -> std::string_view {
    return column_of[c] < 0 ? std::string_view() : fields[static_cast<size_t>(column_of[c])];
  };

  const size_t expected = fields.size();
  CsvDataRecords records(reader, fields, check, context.progress);
  while (records.next(expected)) {
    const int64_t line = reader.line();
    bool row_ok = true;
    if (field(kStructure) != store::kSdmxStructure) {
      check.error(line, "STRUCTURE",
                  "STRUCTURE '" + std::string(field(kStructure)) + "' is not " + std::string(store::kSdmxStructure));
      row_ok = false;
    }
    if (field(kStructureId) != store::kSdmxStructureId) {
      check.error(line, "STRUCTURE_ID",
                  "STRUCTURE_ID '" + std::string(field(kStructureId)) + "' is not our dataflow " +
                      std::string(store::kSdmxStructureId));
      row_ok = false;
    }
    std::string_view action = column_of[kAction] < 0 ? std::string_view("I") : field(kAction);
    if (action == "D") {
      check.error(line, "ACTION",
                  "ACTION D (delete) is refused: nothing stored is ever deleted; "
                  "send the corrected value with ACTION R instead");
      row_ok = false;
    } else if (action != "I" && action != "A" && action != "R") {
      check.error(line, "ACTION", "ACTION '" + std::string(action) + "' is not I, A or R");
      row_ok = false;
    }
    bool location_ok = check.check_location(field(kRefArea), line, "REF_AREA");
    auto kind = check.check_indicator(field(kIndicator), line, "INDICATOR");
    auto disaggregation = check.check_disaggregation(field(kDisaggregation), line, "DISAGGREGATION");
    std::string_view period_text = field(kTimePeriod);
    auto period = parse_sdmx_period(period_text);
    if (!period) {
      check.error(line, "TIME_PERIOD",
                  period_text.empty() ? std::string("TIME_PERIOD is empty")
                                      : "TIME_PERIOD '" + std::string(period_text) +
                                            "' is not a day (2020-03-01), a week (2020-W13) "
                                            "or a month (2020-03 or 2020-M03)");
    } else if (!check.check_not_future(*period, period_text, line, "TIME_PERIOD")) {
      period.reset();
    }
    auto value = check.check_reported_value(field(kObsValue), line, "OBS_VALUE", kind);
    if (row_ok && location_ok && kind && disaggregation && period && value) {
      check.add(field(kRefArea), field(kIndicator), *period, *value, line, std::move(*disaggregation));
    }
  }
  if (records.data_records() == 0) check.error(0, "", "the file has a header but no rows");
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
