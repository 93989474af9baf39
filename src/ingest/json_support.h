// Small helpers around Boost.JSON shared by the json and dhis2 formats: parsing a whole document
// into a Status instead of an exception, and reading a field as text.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shouwang::ingest {

// Parses `content`; on failure the message names the line where parsing stopped.
Result<boost::json::value> parse_json_document(std::string_view content);

// A field's text: strings as they are, numbers printed; nullopt when absent or another type.
std::optional<std::string> json_field_text(const boost::json::object& object, std::string_view field);

}  // namespace shouwang::ingest
