// Parses the compiled-in reference tables once, on first use.
#include "ingest/reference_data.h"

#include <charconv>
#include <map>
#include <unordered_map>
#include <utility>

#include "core/csv_reader.h"

namespace shouwang::ingest {
namespace detail {
extern const char kLocationsCsv[];
extern const char kJhuPlacesCsv[];
}  // namespace detail

namespace {

struct LocationTables {
  std::vector<Location> locations;
  std::unordered_map<std::string, std::string> alpha3_by_alpha2;
};

const LocationTables& location_tables() {
  static const LocationTables tables = [] {
    LocationTables t;
    CsvReader reader(detail::kLocationsCsv);
    std::vector<std::string_view> f;
    reader.next(f);  // header: code,alpha2,name_en,name_zh,parent,population
    while (reader.next(f)) {
      if (f.size() != 6) continue;
      Location loc;
      loc.code = std::string(f[0]);
      loc.name_en = std::string(f[2]);
      loc.name_zh = std::string(f[3]);
      loc.parent = std::string(f[4]);
      int64_t population = 0;
      if (!f[5].empty() &&
          std::from_chars(f[5].data(), f[5].data() + f[5].size(), population).ec == std::errc()) {
        loc.population = population;
      }
      auto level = level_of_location_code(loc.code);
      loc.level = level ? *level : LocationLevel::kCountry;
      if (!f[1].empty()) t.alpha3_by_alpha2.emplace(std::string(f[1]), loc.code);
      t.locations.push_back(std::move(loc));
    }
    return t;
  }();
  return tables;
}

using PlaceKey = std::pair<std::string, std::string>;  // (province, country)

const std::map<PlaceKey, std::string, std::less<>>& jhu_codes() {
  static const std::map<PlaceKey, std::string, std::less<>> codes = [] {
    std::map<PlaceKey, std::string, std::less<>> m;
    CsvReader reader(detail::kJhuPlacesCsv);
    std::vector<std::string_view> f;
    reader.next(f);  // header: province,country,code
    while (reader.next(f)) {
      if (f.size() == 3) m.emplace(PlaceKey(f[0], f[1]), std::string(f[2]));
    }
    return m;
  }();
  return codes;
}

std::optional<std::string> jhu_code(std::string_view province, std::string_view country) {
  const auto& codes = jhu_codes();
  auto it = codes.find(PlaceKey(province, country));
  if (it == codes.end()) return std::nullopt;
  return it->second;
}

}  // namespace

const std::vector<Location>& reference_locations() { return location_tables().locations; }

std::optional<std::string> alpha3_for_alpha2(std::string_view alpha2) {
  const auto& m = location_tables().alpha3_by_alpha2;
  auto it = m.find(std::string(alpha2));
  if (it == m.end()) return std::nullopt;
  return it->second;
}

std::optional<JhuPlace> find_jhu_place(std::string_view province, std::string_view country) {
  auto code = jhu_code(province, country);
  if (!code) return std::nullopt;
  JhuPlace place;
  auto country_code = province.empty() ? code : jhu_code("", country);
  if (country_code && *country_code != "-") place.country_code = *country_code;
  if (*code == "-") {
    place.kind = JhuPlace::Kind::kNotAPlace;
  } else {
    place.code = *code;
  }
  return place;
}

}  // namespace shouwang::ingest
