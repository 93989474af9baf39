// The figures cache on both backends: answered from memory while nothing is committed, only what a
// commit touched reloaded, and nothing a client names outside the catalogue kept.
#include "api/figures_cache.h"

#include <gtest/gtest.h>

#include "store/aggregate.h"
#include "store/export.h"
#include "store/open_store.h"
#include "tests/support/backends.h"

namespace shouwang::api {
namespace {

class FiguresCacheTest : public ::testing::TestWithParam<shouwang::testing::Backend> {
 protected:
  void SetUp() override {
    auto store = fresh_.create_store(GetParam());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    path_ = fresh_.db();
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

  void write(const std::vector<store::ObservationWrite>& rows, const std::string& source = "csv") {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE((*store)->write_observations(rows, source, *Timestamp::parse("2020-03-05T00:00:00Z")).is_ok());
  }

  // The series as the store path gives it (read and summed on the spot), in the cache's CSV.
  std::string store_answer(const std::string& location) {
    auto store = store::open_store(path_);
    EXPECT_TRUE(store.is_ok());
    if (!store) return "";
    store::SeriesQuery query;
    query.location = location;
    query.indicator = "cases";
    auto series = store::read_location_series(**store, query);
    EXPECT_TRUE(series.is_ok()) << series.status().to_string();
    return series ? store::series_to_csv({*series}) : "";
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

TEST_P(FiguresCacheTest, ACommitResumsOnlyTheDaysItChangedInTheSumsThatIncludeIt) {
  {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    std::vector<Location> more = {{"AFRO", "WHO African Region", "", "WORLD", std::nullopt, LocationLevel::kRegion},
                                  {"NGA", "Nigeria", "", "AFRO", 220'000'000, LocationLevel::kCountry}};
    ASSERT_TRUE((*store)->upsert_locations(more).is_ok());
  }
  std::vector<store::ObservationWrite> days;
  for (int d = 2; d <= 9; ++d) {
    for (const char* country : {"ITA", "FRA", "DEU", "NGA"}) {
      days.push_back({country, "cases", *Period::parse("2020-03-0" + std::to_string(d)), 10.5 * d});
    }
  }
  write(days);
  auto all_as_the_store_answers = [&](const std::string& after) {
    for (const char* location : {"WORLD", "EURO", "AFRO", "FRA", "DEU"}) {
      EXPECT_EQ(body(location), store_answer(location)) << location << " after " << after;
    }
  };
  all_as_the_store_answers("the first reads");
  const int64_t sums = cache_->whole_sums();
  EXPECT_EQ(sums, 3);  // WORLD, EURO and AFRO, summed once each

  // Changes on some days: a correction inside the series, a day after the last, a day before the
  // first, two countries in two regions at once, and a source that is not the default.
  write({{"FRA", "cases", *Period::parse("2020-03-05"), 77}});
  all_as_the_store_answers("a correction");
  write({{"FRA", "cases", *Period::parse("2020-03-10"), 5}});
  all_as_the_store_answers("a new last day");
  write({{"DEU", "cases", *Period::parse("2020-02-20"), 1}});
  all_as_the_store_answers("a new first day");
  write({{"NGA", "cases", *Period::parse("2020-03-03"), 9}, {"ITA", "cases", *Period::parse("2020-03-07"), 0.25}});
  all_as_the_store_answers("two regions");
  write({{"FRA", "cases", *Period::parse("2020-03-05"), 1e6}}, "who");
  all_as_the_store_answers("another source");
  EXPECT_EQ(cache_->whole_sums(), sums);

  // A series of another kind changes what a sum adds up: the sums that include it are summed
  // whole again (EURO and WORLD), AFRO is not.
  write({{"DEU", "cases", *Period::parse("2020-W12"), 70}});
  all_as_the_store_answers("a weekly series");
  EXPECT_EQ(cache_->whole_sums(), sums + 2);
}

// ISO 3166-2 nests subdivisions (Spanish provinces under their autonomous community): a country
// sums only its direct subdivisions, so a province reported beside its community is not counted
// twice; a community reported only by its provinces is their sum. Cache and store agree.
TEST_P(FiguresCacheTest, NestedSubdivisionsCountOnceInTheirCountry) {
  {
    auto store = store::open_store(path_);
    ASSERT_TRUE(store.is_ok());
    std::vector<Location> spain = {
        {"ESP", "Spain", "", "EURO", 48'000'000, LocationLevel::kCountry},
        {"ESP-AN", "Andalucía", "", "ESP", std::nullopt, LocationLevel::kSubnational},
        {"ESP-AL", "Almería", "", "ESP-AN", std::nullopt, LocationLevel::kSubnational},
        {"ESP-CT", "Catalunya", "", "ESP", std::nullopt, LocationLevel::kSubnational},
        {"ESP-B", "Barcelona", "", "ESP-CT", std::nullopt, LocationLevel::kSubnational},
        {"ESP-GI", "Girona", "", "ESP-CT", std::nullopt, LocationLevel::kSubnational},
    };
    ASSERT_TRUE((*store)->upsert_locations(spain).is_ok());
  }
  const Period day = *Period::parse("2020-03-01");
  write({{"ESP-AN", "cases", day, 10}, {"ESP-AL", "cases", day, 4}, {"ESP-B", "cases", day, 1},
         {"ESP-GI", "cases", day, 2}});
  EXPECT_EQ(body("ESP-CT"), "location,indicator,date,value\nESP-CT,cases,2020-03-01,3\n");
  EXPECT_EQ(body("ESP"), "location,indicator,date,value\nESP,cases,2020-03-01,10\n");
  for (const char* location : {"ESP", "ESP-AN", "ESP-CT"}) EXPECT_EQ(body(location), store_answer(location)) << location;
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
