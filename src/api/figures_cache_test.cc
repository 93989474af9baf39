// The figures cache on both backends: answered from memory while nothing is committed, only what a
// commit touched reloaded, and nothing a client names outside the catalogue kept.
#include "api/figures_cache.h"

#include <gtest/gtest.h>

#include "store/open_store.h"
#include "tests/support/backends.h"

namespace shouwang::api {
namespace {

class FiguresCacheTest : public ::testing::TestWithParam<shouwang::testing::Backend> {
 protected:
  void SetUp() override {
    path_ = fresh_.create(GetParam());
    ASSERT_FALSE(path_.empty());
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    std::vector<Location> locations = {
        {"WORLD", "World", "", "", std::nullopt, LocationLevel::kWorld},
        {"EURO", "WHO European Region", "", "WORLD", std::nullopt, LocationLevel::kRegion},
        {"ITA", "Italy", "", "EURO", 59'000'000, LocationLevel::kCountry},
        {"FRA", "France", "", "EURO", 68'000'000, LocationLevel::kCountry},
        {"DEU", "Germany", "", "EURO", 84'000'000, LocationLevel::kCountry},
    };
    ASSERT_TRUE((*store)->upsert_locations(locations).is_ok());
    write({{"ITA", "cases", *Period::parse("2020-03-01"), 1}, {"FRA", "cases", *Period::parse("2020-03-01"), 2},
           {"DEU", "cases", *Period::parse("2020-03-01"), 3}});
    pool_ = std::make_unique<StorePool>(path_);
    cache_ = std::make_unique<FiguresCache>(*pool_);
  }

  void write(const std::vector<store::ObservationWrite>& rows) {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE((*store)->write_observations(rows, "csv", *Timestamp::parse("2020-03-05T00:00:00Z")).is_ok());
  }

  std::string body(const std::string& location) {
    auto cached = cache_->series(location, "cases", true);
    EXPECT_TRUE(cached.is_ok()) << cached.status().to_string();
    return cached ? (*cached)->body : "";
  }

  shouwang::testing::FreshDatabase fresh_;
  std::string path_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<FiguresCache> cache_;
};

INSTANTIATE_TEST_SUITE_P(Backends, FiguresCacheTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

TEST_P(FiguresCacheTest, UnchangedStoreIsAnsweredFromMemory) {
  EXPECT_EQ(body("WORLD"), "location,indicator,date,value\nWORLD,cases,2020-03-01,6\n");
  const int64_t loads = cache_->series_loads();
  EXPECT_EQ(loads, 3);  // the three countries' series, read once
  for (int i = 0; i < 5; ++i) {
    body("WORLD");
    body("ITA");
    ASSERT_TRUE(cache_->map("cases", MapMetric::kValue, std::nullopt).is_ok());
  }
  EXPECT_EQ(cache_->series_loads(), loads);
}

TEST_P(FiguresCacheTest, ACommitReloadsOnlyTheSeriesItTouched) {
  body("WORLD");
  const int64_t loads = cache_->series_loads();
  write({{"FRA", "cases", *Period::parse("2020-03-02"), 5}});
  EXPECT_EQ(body("WORLD"), "location,indicator,date,value\nWORLD,cases,2020-03-01,6\nWORLD,cases,2020-03-02,5\n");
  EXPECT_EQ(cache_->series_loads(), loads + 1);
  // A write that changes nothing (the same value again) creates no revision and reloads nothing.
  write({{"FRA", "cases", *Period::parse("2020-03-02"), 5}});
  body("WORLD");
  EXPECT_EQ(cache_->series_loads(), loads + 1);
}

TEST_P(FiguresCacheTest, NamesOutsideTheCatalogueAreAnsweredButNotKept) {
  body("ITA");
  for (int i = 0; i < 50; ++i) {
    auto indicator = cache_->series("ITA", "made_up_" + std::to_string(i), false);
    EXPECT_EQ(indicator.status().code(), StatusCode::kNotFound);
    auto location = cache_->series("NOWHERE" + std::to_string(i), "cases", false);
    EXPECT_EQ(location.status().code(), StatusCode::kNotFound);
  }
  EXPECT_EQ(cache_->held_entries(), 1u);  // ITA's cases, and nothing for the names made up
}

}  // namespace
}  // namespace shouwang::api
