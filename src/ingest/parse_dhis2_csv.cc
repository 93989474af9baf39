// DHIS2 data value CSV, read by position as DHIS2 reads it: a header row, then
// dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value and optionally
// storedby,lastupdated,comment,followup,deleted (ignored but for deleted).
#include "core/csv_reader.h"
#include "ingest/dhis2_values.h"
#include "ingest/parsers.h"
#include "ingest/validation.h"

namespace shouwang::ingest {

ParsedBatch parse_dhis2_csv(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  check.set_allow_corrections(context.allow_corrections);
  if (context.dhis2_mapping == nullptr) {
    check.error(0, "", "the dhis2-csv format needs --mapping FILE (DHIS2 ids -> our codes)");
    return batch;
  }
  constexpr size_t kValueColumn = 5, kDeletedColumn = 10, kMaxColumns = 11;
  CsvReader reader(content);
  std::vector<std::string_view> fields;
  if (!read_csv_header(reader, fields, check)) return batch;  // its names are DHIS2's business, not ours
  auto optional_field = [&](size_t column) -> std::optional<std::string> {
    if (column >= fields.size() || fields[column].empty()) return std::nullopt;
    return std::string(fields[column]);
  };
  // Any number of columns is read; the count is checked below with DHIS2's own bounds.
  CsvDataRecords records(reader, fields, check, context.progress);
  while (records.next(std::nullopt)) {
    const int64_t line = reader.line();
    if (fields.size() <= kValueColumn || fields.size() > kMaxColumns) {
      check.error(line, "", "expected 6 to 11 columns (dataelement,period,orgunit,categoryoptioncombo,"
                            "attributeoptioncombo,value,...), found " + std::to_string(fields.size()));
      continue;
    }
    Dhis2Value value;
    value.data_element = optional_field(0);
    value.period = optional_field(1);
    value.org_unit = optional_field(2);
    value.category_option_combo = optional_field(3);
    value.attribute_option_combo = optional_field(4);
    value.value = optional_field(kValueColumn);
    value.deleted = optional_field(kDeletedColumn).value_or("") == "true";
    add_dhis2_value(value, *context.dhis2_mapping, line, check);
  }
  if (records.data_records() == 0) check.error(0, "", "the file has a header but no rows");
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
