// RFC 4180 parsing with line tracking.
#include "aid/csv_table.h"

namespace shouwang::aid {

Result<CsvTable> parse_csv(std::string_view text, std::string_view label) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark from spreadsheets
  CsvTable table;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;
  std::vector<std::string> fields;
  std::string field;
  int line = 1, record_line = 1;
  bool in_quotes = false, field_was_quoted = false, record_has_content = false;
  auto end_field = [&] {
    fields.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    if (record_has_content) {
      rows.push_back(std::move(fields));
      row_lines.push_back(record_line);
    }
    fields.clear();
    record_has_content = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || field_was_quoted)
        return invalid_argument(std::string(label) + " line " + std::to_string(line) + ": stray quote inside a field");
      in_quotes = field_was_quoted = record_has_content = true;
    } else if (c == ',') {
      record_has_content = true;
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
      record_line = line;
    } else {
      if (c != ' ' && c != '\t') record_has_content = true;
      field.push_back(c);
    }
  }
  if (in_quotes)
    return invalid_argument(std::string(label) + " line " + std::to_string(record_line) + ": quote opened but never closed");
  end_record();

  if (rows.empty()) return invalid_argument(std::string(label) + ": empty file (a header line is required)");
  table.header = std::move(rows[0]);
  for (auto& name : table.header) {
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.erase(name.begin());
  }
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != table.header.size())
      return invalid_argument(std::string(label) + " row " + std::to_string(row_lines[r]) + ": " +
                              std::to_string(rows[r].size()) + " fields, but the header has " +
                              std::to_string(table.header.size()));
    table.records.push_back({row_lines[r], std::move(rows[r])});
  }
  return table;
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

}  // namespace shouwang::aid
