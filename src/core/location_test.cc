#include "core/location.h"

#include <gtest/gtest.h>

#include "core/indicator.h"

namespace shouwang {
namespace {

TEST(LocationCode, ClassifiesEveryLevel) {
  EXPECT_EQ(*level_of_location_code("WORLD"), LocationLevel::kWorld);
  EXPECT_EQ(*level_of_location_code("AFRO"), LocationLevel::kRegion);
  EXPECT_EQ(*level_of_location_code("ITA"), LocationLevel::kCountry);
  EXPECT_EQ(*level_of_location_code("USA-NY"), LocationLevel::kSubnational);
  EXPECT_EQ(*level_of_location_code("CHN-HB"), LocationLevel::kSubnational);
  // ISO 3166-2 parts have up to three letters or digits (FRA-ARA, KEN-30, GBR-ABD); reporters' own
  // codes up to six.
  EXPECT_EQ(*level_of_location_code("FRA-ARA"), LocationLevel::kSubnational);
  EXPECT_EQ(*level_of_location_code("KEN-30"), LocationLevel::kSubnational);
  EXPECT_EQ(*level_of_location_code("ITA-ABCDEF"), LocationLevel::kSubnational);
  EXPECT_FALSE(level_of_location_code("ITA-ABCDEFG").is_ok());
  for (const char* bad : {"ita", "IT", "ITAL", "USA-", "usa-ny", "", "USA_NY"}) {
    EXPECT_FALSE(level_of_location_code(bad).is_ok()) << bad;
  }
}

TEST(Indicator, BuiltinsAndCounterparts) {
  EXPECT_EQ(builtin_indicators().size(), 7u);
  EXPECT_EQ(incident_counterpart("cases_cumulative").value(), "cases");
  EXPECT_FALSE(incident_counterpart("cases").has_value());
  EXPECT_TRUE(validate_indicator_code("icu_beds").is_ok());
  EXPECT_FALSE(validate_indicator_code("ICU beds").is_ok());
}

TEST(Indicator, DiseaseCodes) {
  for (const auto& builtin : builtin_indicators()) EXPECT_EQ(builtin.disease, "covid19") << builtin.code;
  for (const char* good : {"cholera", "covid19", "avian_influenza_h5n1", "a"}) {
    EXPECT_TRUE(validate_disease_code(good).is_ok()) << good;
  }
  for (const char* bad : {"", "Cholera", "covid-19", "yellow fever", "m\xc3\xa9ningite"}) {
    EXPECT_FALSE(validate_disease_code(bad).is_ok()) << bad;
  }
  EXPECT_TRUE(validate_disease_code(std::string(64, 'x')).is_ok());
  EXPECT_FALSE(validate_disease_code(std::string(65, 'x')).is_ok());
}

}  // namespace
}  // namespace shouwang
