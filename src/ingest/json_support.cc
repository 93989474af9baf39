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

std::optional<std::string> JsonRecord::required(std::string_view field) const {
  auto text = json_field_text(object, field);
  if (!text) {
    check.error(line, field, object.contains(field) ? "\"" + std::string(field) + "\" has the wrong type"
                                                    : "\"" + std::string(field) + "\" is missing");
  }
  return text;
}

void for_each_json_record(const boost::json::array& records, RowChecker& check,
                          const std::function<void(int64_t done, int64_t total)>& progress,
                          const std::function<void(const JsonRecord&)>& visit) {
  const int64_t total = static_cast<int64_t>(records.size());
  int64_t line = 0;
  for (const auto& record : records) {
    ++line;
    if ((line & 0xffff) == 0 && progress) progress(line, total);
    if (const auto* object = record.if_object()) {
      visit(JsonRecord{line, *object, check});
    } else {
      check.error(line, "", "record is not an object");
    }
  }
  if (progress) progress(total, total);
}

const boost::json::array* json_records(std::string_view content, std::string_view array_name,
                                       std::string_view shape_message, RowChecker& check,
                                       boost::json::value& document) {
  if (content.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    check.error(0, "", "the file is empty");
    return nullptr;
  }
  if (int64_t bad_line = line_of_invalid_utf8(content); bad_line > 0) {
    check.error(bad_line, "", "line is not valid UTF-8");
    return nullptr;
  }
  auto parsed = parse_json_document(content);
  if (!parsed) {
    check.error(0, "", parsed.status().message());
    return nullptr;
  }
  document = std::move(parsed).value();
  const auto* root = document.if_object();
  const boost::json::value* list = root ? root->if_contains(array_name) : nullptr;
  if (list == nullptr || !list->is_array()) {
    check.error(0, array_name, std::string(shape_message));
    return nullptr;
  }
  if (list->get_array().empty()) {
    check.error(0, array_name, "the \"" + std::string(array_name) + "\" array is empty");
    return nullptr;
  }
  return &list->get_array();
}

}  // namespace shouwang::ingest
