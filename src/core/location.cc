// Location code grammar.
#include "core/location.h"

#include <algorithm>

namespace shouwang {

std::string_view location_level_name(LocationLevel level) {
  switch (level) {
    case LocationLevel::kWorld: return "world";
    case LocationLevel::kRegion: return "region";
    case LocationLevel::kCountry: return "country";
    case LocationLevel::kSubnational: return "subnational";
  }
  return "country";
}

Result<LocationLevel> parse_location_level(std::string_view name) {
  for (auto level : {LocationLevel::kWorld, LocationLevel::kRegion, LocationLevel::kCountry,
                     LocationLevel::kSubnational}) {
    if (location_level_name(level) == name) return level;
  }
  return invalid_argument("unknown location level '" + std::string(name) +
                          "' (world, region, country or subnational)");
}

const std::vector<std::string>& who_region_codes() {
  static const std::vector<std::string> kRegions = {"AFRO", "AMRO", "SEARO", "EURO", "EMRO", "WPRO"};
  return kRegions;
}

Result<LocationLevel> level_of_location_code(std::string_view code) {
  auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto is_upper_or_digit = [&](char c) { return is_upper(c) || (c >= '0' && c <= '9'); };
  if (code == "WORLD") return LocationLevel::kWorld;
  const auto& regions = who_region_codes();
  if (std::find(regions.begin(), regions.end(), code) != regions.end()) return LocationLevel::kRegion;
  if (code.size() == 3 && std::all_of(code.begin(), code.end(), is_upper)) return LocationLevel::kCountry;
  if (code.size() >= 5 && code.size() <= 10 && code[3] == '-' &&
      std::all_of(code.begin(), code.begin() + 3, is_upper) &&
      std::all_of(code.begin() + 4, code.end(), is_upper_or_digit)) {
    return LocationLevel::kSubnational;
  }
  return invalid_argument("location code '" + std::string(code) +
                          "' is not WORLD, a WHO region, an ISO 3166-1 alpha-3 code or ISO3-SUB");
}

bool is_country_or_below(std::string_view code, std::string_view country) {
  if (country.empty()) return false;
  if (code == country) return true;
  return code.size() > country.size() && code.starts_with(country) && code[country.size()] == '-';
}

}  // namespace shouwang
