// The long CSV format (also what `shouwang export` prints).
#include <array>

#include "core/csv_reader.h"
#include "ingest/parsers.h"
#include "ingest/validation.h"

namespace shouwang::ingest {

ParsedBatch parse_csv(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  // At least ~20 bytes a row ("ITA,cases,2020-03-01,1"): one reservation spares a large import
  // the repeated grow-and-copy of millions of rows.
  batch.observations.reserve(content.size() / 20);
  RowChecker check(context.catalog, context.today, batch);
  check.set_allow_corrections(context.allow_corrections);
  CsvReader reader(content);
  std::vector<std::string_view> fields;
  fields.reserve(8);

  // Header: the four names in any order, and optionally a fifth, disaggregation; nothing else.
  static constexpr std::array<std::string_view, 5> kNames = {"location", "indicator", "date", "value",
                                                             "disaggregation"};
  std::array<int, 5> column_of = {-1, -1, -1, -1, -1};
  if (!read_csv_header(reader, fields, check)) return batch;
  bool header_ok = fields.size() == kNames.size() || fields.size() == kNames.size() - 1;
  for (size_t c = 0; c < fields.size() && header_ok; ++c) {
    bool matched = false;
    for (size_t n = 0; n < kNames.size(); ++n) {
      if (fields[c] == kNames[n] && column_of[n] < 0) {
        column_of[n] = static_cast<int>(c);
        matched = true;
      }
    }
    header_ok = matched;
  }
  header_ok = header_ok && column_of[0] >= 0 && column_of[1] >= 0 && column_of[2] >= 0 && column_of[3] >= 0;
  if (!header_ok) {
    check.error(reader.line(), "", "header must be location,indicator,date,value[,disaggregation] (found '" +
                                       std::string(reader.raw_record().substr(0, 200)) + "')");
    return batch;
  }
  const size_t expected = fields.size();
  // Rows go to on_rows in parts of this many: large enough that a part is worth a round trip to
  // the store, small enough that writing starts early.
  constexpr size_t kRowsPerPart = 1 << 16;
  size_t given = 0;
  auto give_rows = [&] {
    if (!context.on_rows || given == batch.observations.size()) return;
    context.on_rows(std::span<const ParsedObservation>(batch.observations).subspan(given));
    given = batch.observations.size();
  };
  CsvDataRecords records(reader, fields, check, context.progress);
  while (records.next(expected)) {
    const int64_t line = reader.line();
    std::string_view location = fields[static_cast<size_t>(column_of[0])];
    std::string_view indicator = fields[static_cast<size_t>(column_of[1])];
    std::string_view date = fields[static_cast<size_t>(column_of[2])];
    std::string_view value_text = fields[static_cast<size_t>(column_of[3])];
    // Every column is checked so one pass reports all of a row's problems.
    bool location_ok = check.check_location(location, line, "location");
    auto kind = check.check_indicator(indicator, line, "indicator");
    bool indicator_ok = kind.has_value();
    auto period = check.check_period(date, line, "date");
    auto value = check.check_reported_value(value_text, line, "value", kind);
    std::optional<std::string> disaggregation = std::string();
    if (column_of[4] >= 0) {
      disaggregation = check.check_disaggregation(fields[static_cast<size_t>(column_of[4])], line, "disaggregation");
    }
    if (location_ok && indicator_ok && period && value && disaggregation) {
      check.add(location, indicator, *period, *value, line, std::move(*disaggregation));
    }
    if (batch.observations.size() - given >= kRowsPerPart) give_rows();
  }
  give_rows();
  if (records.data_records() == 0) check.error(0, "", "the file has a header but no rows");
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
