// Compact JSON writer that delegates strings to Boost.JSON (escaping) and formats doubles with
// std::to_chars, which gives the shortest text that reads back to the same double.
#include "core/json_text.h"

#include <charconv>
#include <cmath>

#include <boost/json/serialize.hpp>

namespace shouwang {
namespace {

void write_double(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, d);
  // A 32-byte buffer always holds a double's shortest form, so to_chars cannot fail here.
  if (error == std::errc()) out.append(buffer, end);
}

void write(const boost::json::value& value, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::null: out += "null"; return;
    case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; return;
    case boost::json::kind::int64: out += std::to_string(value.get_int64()); return;
    case boost::json::kind::uint64: out += std::to_string(value.get_uint64()); return;
    case boost::json::kind::double_: write_double(value.get_double(), out); return;
    case boost::json::kind::string: out += boost::json::serialize(value.get_string()); return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) out += ',';
        first = false;
        write(element, out);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(boost::json::string_view(member.key()));
        out += ':';
        write(member.value(), out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string json_text(const boost::json::value& value) {
  std::string out;
  write(value, out);
  return out;
}

boost::json::value json_number(double value) {
  if (!std::isfinite(value)) return nullptr;
  if (value == std::floor(value) && std::fabs(value) < 9.0e15) return static_cast<int64_t>(value);
  return value;
}

}  // namespace shouwang
