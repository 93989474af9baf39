// A CSV table read whole into memory with the line number each record starts on, so that every
// error can name its row. Read with core's CsvReader (RFC 4180: quotes, doubled quotes, CRLF,
// embedded newlines), strictly: a stray quote is an error. Spaces and tabs around a field are not
// part of it. The allocation files are small.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/csv_reader.h"
#include "core/status.h"

namespace shouwang::aid {

struct CsvRecord {
  int line = 0;  // line the record starts on; the header is line 1
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRecord> records;  // blank lines are skipped
};

// `label` (e.g. the file name) starts every error message.
Result<CsvTable> parse_csv(std::string_view text, std::string_view label);

// (Writers quote fields with core's csv_field.)

}  // namespace shouwang::aid
