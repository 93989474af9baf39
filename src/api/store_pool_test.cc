// What the store pool hands every module's routes: the authenticator behind their token guards
// (store tokens seen as http::Caller) and the location catalogue.
#include <gtest/gtest.h>

#include "api/store_pool.h"
#include "store/auth.h"
#include "store/open_store.h"
#include "tests/support/backends.h"

namespace shouwang::api {
namespace {

class StorePoolTest : public ::testing::TestWithParam<shouwang::testing::Backend> {
 protected:
  void SetUp() override {
    auto store = fresh_.create_store(GetParam());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    path_ = fresh_.db();
    std::vector<Location> locations = {
        {"WORLD", "World", "世界", "", std::nullopt, LocationLevel::kWorld},
        {"EURO", "WHO European Region", "", "WORLD", std::nullopt, LocationLevel::kRegion},
        {"ITA", "Italy", "意大利", "EURO", 59'000'000, LocationLevel::kCountry},
    };
    ASSERT_TRUE((*store)->upsert_locations(locations).is_ok());
    auto secret = store::issue_token(**store, store::Role::kFocalPoint, "ITA", "Rome desk",
                                     *Timestamp::parse("2020-03-10T00:00:00Z"));
    ASSERT_TRUE(secret.is_ok()) << secret.status().to_string();
    secret_ = *secret;
  }

  shouwang::testing::FreshDatabase fresh_;
  std::string path_;
  std::string secret_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StorePoolTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

TEST_P(StorePoolTest, ATokenIsSeenAsItsCallerWithTheRoleByName) {
  StorePool pool(path_);
  auto authenticate = pool.authenticator();
  auto caller = authenticate(secret_);
  ASSERT_TRUE(caller.is_ok()) << caller.status().to_string();
  EXPECT_EQ(caller->role, "focal_point");
  EXPECT_EQ(caller->location, "ITA");
  EXPECT_EQ(caller->label, "Rome desk");
  EXPECT_EQ(caller->token_hash, store::hash_token_secret(secret_));

  auto stranger = authenticate("sw_not_a_token");
  ASSERT_FALSE(stranger.is_ok());
  EXPECT_EQ(http::http_status_for(stranger.status().code()), 401);
}

TEST_P(StorePoolTest, TheLocationCatalogueIsReadOnEachCall) {
  StorePool pool(path_);
  auto catalogue = pool.location_catalogue();
  auto locations = catalogue();
  ASSERT_TRUE(locations.is_ok()) << locations.status().to_string();
  EXPECT_EQ(locations->size(), 3u);
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease.is_ok());
    std::vector<Location> more = {{"FRA", "France", "法国", "EURO", 68'000'000, LocationLevel::kCountry}};
    ASSERT_TRUE((*lease)->upsert_locations(more).is_ok());
  }
  locations = catalogue();
  ASSERT_TRUE(locations.is_ok());
  EXPECT_EQ(locations->size(), 4u);
}

TEST(StorePoolAuth, AStoreThatCannotBeOpenedIs503NotA401) {
  StorePool pool("/nonexistent-folder/for/shouwang.db");
  auto auth = pool.authenticator();
  auto caller = auth("sw_anything");
  ASSERT_FALSE(caller.is_ok());
  EXPECT_EQ(http::http_status_for(caller.status().code()), 503) << caller.status().to_string();
}

}  // namespace
}  // namespace shouwang::api
