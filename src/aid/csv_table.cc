// RFC 4180 parsing with line tracking, on core's reader.
#include "aid/csv_table.h"

#include "core/csv_reader.h"

namespace shouwang::aid {

Result<CsvTable> parse_csv(std::string_view text, std::string_view label) {
  // Strict quoting: a quote inside a field, or text after a closing quote, is refused rather than
  // guessed at. Blanks around fields are dropped (cells are read trimmed anyway), so `"KEN" , 5`
  // reads. A lone CR ends a line too, as classic Mac OS spreadsheets write them.
  CsvReader reader(text, {.trim_blanks = true, .strict_quotes = true, .bare_cr_ends_line = true});
  std::vector<CsvRecord> rows;
  std::vector<std::string_view> fields;
  while (reader.next(fields)) {
    if (reader.malformed()) {
      const bool unterminated = reader.problem() == CsvProblem::kUnterminatedQuote;
      return invalid_argument(std::string(label) + " line " + std::to_string(reader.line()) +
                              (unterminated ? ": quote opened but never closed" : ": stray quote inside a field"));
    }
    if (is_blank_record(fields, reader.raw_record())) continue;
    rows.push_back({static_cast<int>(reader.line()), std::vector<std::string>(fields.begin(), fields.end())});
  }

  if (rows.empty()) return invalid_argument(std::string(label) + ": empty file (a header line is required)");
  CsvTable table;
  table.header = std::move(rows[0].fields);
  for (auto& name : table.header) {
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.erase(name.begin());
  }
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].fields.size() != table.header.size())
      return invalid_argument(std::string(label) + " row " + std::to_string(rows[r].line) + ": " +
                              std::to_string(rows[r].fields.size()) + " fields, but the header has " +
                              std::to_string(table.header.size()));
    table.records.push_back(std::move(rows[r]));
  }
  return table;
}

}  // namespace shouwang::aid
