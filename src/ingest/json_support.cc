// Boost.JSON adapters.
#include "ingest/json_support.h"

#include <algorithm>

#include "ingest/validation.h"

namespace shouwang::ingest {

Result<boost::json::value> parse_json_document(std::string_view content) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  size_t used = parser.write_some(content.data(), content.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    int64_t line = 1 + std::count(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(
                                                                        std::min(used, content.size())), '\n');
    return invalid_argument("line " + std::to_string(line) + ": not valid JSON (" + ec.message() + ")");
  }
  return parser.release();
}

std::optional<std::string> json_field_text(const boost::json::object& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end()) return std::nullopt;
  const auto& v = it->value();
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) return format_value(v.get_double());
  return std::nullopt;
}

}  // namespace shouwang::ingest
