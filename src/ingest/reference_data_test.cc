#include "ingest/reference_data.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

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
