#include "ingest/reference_data.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace shouwang::ingest {
namespace {

TEST(ReferenceLocations, HasWorldRegionsAndEveryIsoCountry) {
  const auto& locations = reference_locations();
  std::map<std::string, Location> by_code;
  int countries = 0;
  for (const auto& l : locations) {
    EXPECT_TRUE(by_code.emplace(l.code, l).second) << "duplicate " << l.code;
    EXPECT_FALSE(l.name_en.empty()) << l.code;
    if (l.level == LocationLevel::kCountry) ++countries;
  }
  EXPECT_EQ(countries, 250);  // 249 ISO 3166-1 entries + Kosovo (XKX)
  ASSERT_TRUE(by_code.contains("WORLD"));
  EXPECT_TRUE(by_code["WORLD"].parent.empty());
  for (const auto& region : who_region_codes()) {
    ASSERT_TRUE(by_code.contains(region)) << region;
    EXPECT_EQ(by_code[region].parent, "WORLD");
    EXPECT_EQ(by_code[region].level, LocationLevel::kRegion);
  }
  // Every parent exists; countries hang under a region or WORLD.
  for (const auto& l : locations) {
    if (l.code == "WORLD") continue;
    EXPECT_TRUE(by_code.contains(l.parent)) << l.code << " -> " << l.parent;
  }
  EXPECT_EQ(by_code["ITA"].parent, "EURO");
  EXPECT_EQ(by_code["CHN"].parent, "WPRO");
  EXPECT_EQ(by_code["CHN"].name_zh, "中国");
  EXPECT_EQ(by_code["NAM"].parent, "AFRO");
  EXPECT_EQ(by_code["BRA"].parent, "AMRO");
  EXPECT_EQ(by_code["IND"].parent, "SEARO");
  EXPECT_EQ(by_code["EGY"].parent, "EMRO");
  EXPECT_GT(by_code["CHN"].population.value_or(0), 1'000'000'000);
  EXPECT_GT(by_code["WORLD"].population.value_or(0), 7'000'000'000);
}

// Debian's iso-codes package (scripts/apt-packages.txt), from which
// scripts/make-reference-locations derived the compiled-in subdivisions.
constexpr const char* kIsoSubdivisionsJson = "/usr/share/iso-codes/json/iso_3166-2.json";

TEST(ReferenceLocations, HasEveryIsoSubdivisionOfOurCountries) {
  std::ifstream in(kIsoSubdivisionsJson);
  ASSERT_TRUE(in) << kIsoSubdivisionsJson << " is missing: install the iso-codes package";
  std::stringstream text;
  text << in.rdbuf();
  std::set<std::string> expected;
  int of_unknown_countries = 0;
  const boost::json::value iso = boost::json::parse(text.str());
  for (const auto& entry : iso.at("3166-2").as_array()) {
    std::string iso(entry.at("code").as_string());  // "CN-HB"
    auto alpha3 = alpha3_for_alpha2(iso.substr(0, iso.find('-')));
    if (!alpha3) {
      ++of_unknown_countries;
      continue;
    }
    expected.insert(*alpha3 + iso.substr(iso.find('-')));
  }
  // The catalogue has every ISO 3166-1 country, and every ISO 3166-2 code starts with one, so no
  // subdivision is left out; a country missing from the catalogue would drop its subdivisions.
  EXPECT_EQ(of_unknown_countries, 0);
  EXPECT_GT(expected.size(), 5000u);

  std::map<std::string, Location> by_code;
  std::set<std::string> subdivisions;
  for (const auto& l : reference_locations()) {
    by_code.emplace(l.code, l);
    if (l.level == LocationLevel::kSubnational) subdivisions.insert(l.code);
  }
  EXPECT_EQ(subdivisions, expected) << "re-run scripts/make-reference-locations after an iso-codes update";

  // A subdivision hangs under its country or under another subdivision of that country.
  for (const auto& code : subdivisions) {
    const Location& l = by_code[code];
    EXPECT_EQ(l.parent.substr(0, 3), code.substr(0, 3)) << code;
    ASSERT_TRUE(by_code.contains(l.parent)) << code << " -> " << l.parent;
    EXPECT_NE(by_code[l.parent].level, LocationLevel::kRegion) << code;
  }
  const Location& hubei = by_code["CHN-HB"];
  EXPECT_EQ(hubei.parent, "CHN");
  EXPECT_EQ(hubei.name_en, "Hubei");  // JHU's name; ISO's is "Hubei Sheng"
  EXPECT_EQ(hubei.name_zh, "湖北省");  // iso-codes' zh_CN translation
  EXPECT_EQ(by_code["USA-NY"].parent, "USA");
  EXPECT_EQ(by_code["USA-NY"].name_en, "New York");
  EXPECT_EQ(by_code["DEU-BY"].name_en, "Bavaria");  // iso-codes' English translation of "Bayern"
  EXPECT_EQ(by_code["KEN-30"].name_en, "Nairobi City");
  EXPECT_EQ(by_code["KEN-30"].name_zh, "");  // no Chinese translation
  EXPECT_EQ(by_code["FRA-ARA"].parent, "FRA");
  EXPECT_EQ(by_code["FRA-01"].parent, "FRA-ARA");  // Ain, a department of Auvergne-Rhône-Alpes
  EXPECT_EQ(by_code["GBR-ABD"].parent, "GBR-SCT");  // iso-codes gives this parent in full
}

TEST(ReferenceLocations, MapsAlpha2IncludingNamibiaAndKosovo) {
  EXPECT_EQ(alpha3_for_alpha2("NA").value_or(""), "NAM");
  EXPECT_EQ(alpha3_for_alpha2("XK").value_or(""), "XKX");
  EXPECT_EQ(alpha3_for_alpha2("IT").value_or(""), "ITA");
  EXPECT_FALSE(alpha3_for_alpha2("XXL").has_value());
}

TEST(JhuPlaces, MapsJhuSpellings) {
  EXPECT_EQ(find_jhu_place("", "Korea, South")->code, "KOR");
  EXPECT_EQ(find_jhu_place("", "Taiwan*")->code, "TWN");
  EXPECT_EQ(find_jhu_place("", "Burma")->code, "MMR");
  EXPECT_EQ(find_jhu_place("", "US")->code, "USA");
  EXPECT_EQ(find_jhu_place("", "Congo (Kinshasa)")->code, "COD");
  EXPECT_EQ(find_jhu_place("", "Kosovo")->code, "XKX");
  auto hubei = find_jhu_place("Hubei", "China");
  ASSERT_TRUE(hubei.has_value());
  EXPECT_EQ(hubei->code, "CHN-HB");
  EXPECT_EQ(hubei->country_code, "CHN");
  EXPECT_EQ(find_jhu_place("Hong Kong", "China")->code, "HKG");
  EXPECT_EQ(find_jhu_place("Greenland", "Denmark")->code, "GRL");
  EXPECT_EQ(find_jhu_place("", "Diamond Princess")->kind, JhuPlace::Kind::kNotAPlace);
  auto ship = find_jhu_place("Grand Princess", "Canada");
  EXPECT_EQ(ship->kind, JhuPlace::Kind::kNotAPlace);
  EXPECT_EQ(ship->country_code, "CAN");
  EXPECT_FALSE(find_jhu_place("", "Atlantis").has_value());
}

}  // namespace
}  // namespace shouwang::ingest
