// Small helpers around Boost.JSON shared by the json and dhis2 formats: parsing a whole document
// into a Status instead of an exception, and reading a field as text.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ingest/validation.h"

namespace shouwang::ingest {

// Parses `content`; on failure the message names the line where parsing stopped.
Result<boost::json::value> parse_json_document(std::string_view content);

// The records of a JSON import: `document` is parsed from `content`, and the array under
// `array_name` of its root object is returned. Nothing usable (empty file, invalid UTF-8, malformed
// JSON, no such array, an empty one) is reported to `check` as a whole-file error, with
// `shape_message` saying what the document must look like, and nullptr is returned.
const boost::json::array* json_records(std::string_view content, std::string_view array_name,
                                       std::string_view shape_message, RowChecker& check,
                                       boost::json::value& document);

// A field's text: strings as they are, numbers printed; nullopt when absent or another type.
std::optional<std::string> json_field_text(const boost::json::object& object, std::string_view field);

// One record of an import, seen by the format's code: its number (the "line" its problems name)
// and its object. `required` reads a field as text and reports it to the checker when it is
// missing or of the wrong type.
struct JsonRecord {
  int64_t line;
  const boost::json::object& object;
  RowChecker& check;
  std::optional<std::string> required(std::string_view field) const;
};

// Calls `visit` for each record that is an object (any other is reported as a row error), with
// progress every 65,536 records and at the end.
void for_each_json_record(const boost::json::array& records, RowChecker& check,
                          const std::function<void(int64_t done, int64_t total)>& progress,
                          const std::function<void(const JsonRecord&)>& visit);

}  // namespace shouwang::ingest
