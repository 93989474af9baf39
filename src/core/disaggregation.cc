#include "core/disaggregation.h"

#include <algorithm>

namespace shouwang {
namespace {

bool is_category(std::string_view c) {
  if (c.empty() || c.size() > 32) return false;
  auto alpha = [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); };
  if (!alpha(c[0])) return false;
  return std::all_of(c.begin(), c.end(), [&](char ch) { return alpha(ch) || (ch >= '0' && ch <= '9') || ch == '_'; });
}

bool is_option(std::string_view o) {
  if (o.empty() || o.size() > 64 || o.front() == ' ' || o.back() == ' ') return false;
  return std::all_of(o.begin(), o.end(), [](char ch) {
    auto u = static_cast<unsigned char>(ch);
    return u >= 0x20 && u != 0x7f && ch != ';' && ch != '=';  // bytes >= 0x80: UTF-8 text
  });
}

// ADX carries a disaggregation as extra attributes of <dataValue>, beside these: a category of
// the same name could not be written there.
bool is_reserved(std::string_view c) { return c == "dataElement" || c == "value" || c == "period" || c == "orgUnit"; }

}  // namespace

Result<std::string> disaggregation_from_pairs(std::vector<DisaggregationPair> pairs) {
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [category, option] = pairs[i];
    if (!is_category(category)) {
      return invalid_argument("disaggregation category '" + category +
                              "' must be letters, digits and '_' starting with a letter (at most 32)");
    }
    if (is_reserved(category)) {
      return invalid_argument("disaggregation category '" + category +
                              "' is reserved (dataElement, value, period and orgUnit name the figure itself)");
    }
    if (!is_option(option)) {
      return invalid_argument("disaggregation option '" + option + "' of " + category +
                              " must be 1-64 characters without ';', '=' or surrounding spaces");
    }
    if (i > 0 && pairs[i - 1].first == category) {
      return invalid_argument("disaggregation names category " + category + " twice");
    }
    if (i > 0) out += ';';
    out += category + "=" + option;
  }
  return out;
}

Result<std::string> canonical_disaggregation(std::string_view text) {
  std::vector<DisaggregationPair> pairs;
  if (text.empty()) return std::string();
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = std::min(text.find(';', pos), text.size());
    std::string_view pair = text.substr(pos, end - pos);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return invalid_argument("disaggregation '" + std::string(text) + "' is not category=option pairs joined by ';'");
    }
    pairs.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    pos = end + 1;
  }
  return disaggregation_from_pairs(std::move(pairs));
}

std::vector<DisaggregationPair> disaggregation_pairs(std::string_view canonical) {
  std::vector<DisaggregationPair> out;
  size_t pos = 0;
  while (pos < canonical.size()) {
    size_t end = std::min(canonical.find(';', pos), canonical.size());
    std::string_view pair = canonical.substr(pos, end - pos);
    size_t eq = pair.find('=');
    out.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq == std::string_view::npos ? pair.size() : eq + 1)));
    pos = end + 1;
  }
  return out;
}

}  // namespace shouwang
