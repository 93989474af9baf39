// The reference catalogue compiled into the binary: WORLD, the six WHO regions, every ISO 3166-1
// country (plus Kosovo, XKX) with English and Chinese names, parent region and population, and
// every ISO 3166-2 subdivision of those countries (ISO3-PART, parent its country or its ISO parent
// subdivision); and the name tables the JHU and WHO importers need (JHU "Country/Region" names,
// ISO alpha-2 codes). Derived from the shared metadata and Debian's iso-codes by
// scripts/make-reference-locations; see docs/formats/locations.md for the rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/location.h"

namespace shouwang::ingest {

// WORLD first, then the regions, then countries sorted by code, then subdivisions sorted by code.
const std::vector<Location>& reference_locations();

// The ISO alpha-3 code of an ISO 3166-1 alpha-2 code (NA is Namibia; XK is Kosovo, XKX).
std::optional<std::string> alpha3_for_alpha2(std::string_view alpha2);

// Where a JHU CSSE (Province/State, Country/Region) pair goes.
struct JhuPlace {
  enum class Kind {
    kLocation,  // `code` is a country (ITA, HKG) or a subdivision (CHN-HB)
    kNotAPlace, // a ship, an event or "Unknown": skipped, but counted in its country's total
  };
  Kind kind = Kind::kLocation;
  std::string code;          // empty for kNotAPlace
  std::string country_code;  // the ISO3 of Country/Region; empty for rows like "Diamond Princess"
};
// nullopt when the pair is not in the table.
std::optional<JhuPlace> find_jhu_place(std::string_view province, std::string_view country);

}  // namespace shouwang::ingest
