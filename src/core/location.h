// Where figures come from: WORLD -> six WHO regions -> countries (ISO 3166-1 alpha-3) ->
// subnational units ("ISO3-CODE", e.g. USA-NY), which may nest as ISO 3166-2 does (FRA-01 under
// FRA-ARA). Series aggregate up this hierarchy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shouwang {

enum class LocationLevel : uint8_t { kWorld, kRegion, kCountry, kSubnational };

std::string_view location_level_name(LocationLevel level);  // world|region|country|subnational
Result<LocationLevel> parse_location_level(std::string_view name);

struct Location {
  std::string code;     // WORLD, AFRO, ITA, USA-NY
  std::string name_en;
  std::string name_zh;  // may be empty when no Chinese name is known
  std::string parent;   // empty for WORLD
  std::optional<int64_t> population;
  LocationLevel level = LocationLevel::kCountry;
};

// The six WHO regional offices, in the order WHO lists them.
const std::vector<std::string>& who_region_codes();

// The level a well-formed code has: "WORLD", a WHO region code, three capital letters, or
// "ISO3-X" with 1-6 upper-case letters/digits after the dash. Malformed codes are InvalidArgument.
Result<LocationLevel> level_of_location_code(std::string_view code);

// Is `code` the country `country` or one of its subdivisions (CHN covers CHN and CHN-HB)? Read off
// the codes, as every subdivision's code begins with its country's.
bool is_country_or_below(std::string_view code, std::string_view country);

}  // namespace shouwang
