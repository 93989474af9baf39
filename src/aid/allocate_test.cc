// allocate(): policies on hand-checkable rounds, conservation, monotonicity, reproducibility, errors.
#include "aid/allocate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "aid/allocation_files.h"

namespace shouwang::aid {
namespace {

Need need(std::string country, int64_t quantity, int64_t population, int64_t delivered = 0, double weight = 1.0,
          std::string item = "masks") {
  Need n;
  n.country = std::move(country);
  n.item = std::move(item);
  n.quantity = quantity;
  n.population = population;
  n.delivered = delivered;
  n.weight = weight;
  return n;
}

Offer offer(std::string donor, int64_t quantity, std::string origin = "", std::string item = "masks") {
  Offer o;
  o.donor = std::move(donor);
  o.item = std::move(item);
  o.quantity = quantity;
  o.origin = std::move(origin);
  return o;
}

const CountryOutcome& outcome(const Allocation& a, std::string_view country, std::string_view item = "masks") {
  for (const auto& c : a.countries)
    if (c.country == country && c.item == item) return c;
  ADD_FAILURE() << "no outcome for " << country;
  static CountryOutcome none;
  return none;
}

std::map<std::string, int64_t> received_per_country(const Allocation& a) {
  std::map<std::string, int64_t> received;
  for (const auto& line : a.lines) received[line.country + "/" + line.item] += line.quantity;
  return received;
}

TEST(PolicyTest, NamesRoundTrip) {
  for (Policy p : {Policy::kFair, Policy::kFairThenCost, Policy::kCost}) EXPECT_EQ(*parse_policy(policy_name(p)), p);
  EXPECT_FALSE(parse_policy("greedy").is_ok());
}

TEST(AllocateTest, FairRoundMatchesClosedFormAndNamesBindings) {
  // Supply 100: KEN needs only 10 (met); NGA and ETH share the remaining 90 equally per head.
  std::vector<Need> needs = {need("KEN", 10, 100), need("NGA", 1000, 200), need("ETH", 1000, 100)};
  std::vector<Offer> offers = {offer("donor-a", 60), offer("donor-b", 40)};
  auto a = allocate(needs, offers, std::nullopt, {Policy::kFair, std::nullopt, 0.0});
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(outcome(*a, "KEN").allocated, 10);
  EXPECT_EQ(outcome(*a, "NGA").allocated, 60);
  EXPECT_EQ(outcome(*a, "ETH").allocated, 30);
  EXPECT_EQ(outcome(*a, "KEN").binding, Binding::kNeed);
  EXPECT_EQ(outcome(*a, "NGA").binding, Binding::kSupply);
  EXPECT_NEAR(*a->items[0].theta, 0.3, 1e-12);
  EXPECT_NEAR(outcome(*a, "NGA").coverage, 0.3, 1e-12);
  EXPECT_EQ(a->items[0].unmet, 2010 - 100);
  // Donors in input order fill needs in input order.
  ASSERT_EQ(a->lines.size(), 4u);
  EXPECT_EQ(a->lines[0].donor, "donor-a");
  EXPECT_EQ(a->lines[0].country, "KEN");
  EXPECT_EQ(a->lines[0].quantity, 10);
  EXPECT_EQ(a->lines[1].country, "NGA");
  EXPECT_EQ(a->lines[1].quantity, 50);
  EXPECT_EQ(a->lines[2].donor, "donor-b");
  EXPECT_EQ(a->lines[2].country, "NGA");
  EXPECT_EQ(a->lines[2].quantity, 10);
  EXPECT_EQ(a->lines[3].country, "ETH");
  EXPECT_EQ(a->lines[3].quantity, 30);
}

TEST(AllocateTest, CapAndBufferLimitTheRound) {
  // 5% of 1000 is held back: 950 to share. The 20% cap leaves KEN 200 - 150 delivered = 50 units.
  // UGA (weight 0.5) takes the other 900: its coverage is 0.5 x theta with theta = 900 / 4000.
  std::vector<Need> needs = {need("KEN", 900, 1000, 150), need("UGA", 1200, 8000, 0, 0.5)};
  std::vector<Offer> offers = {offer("d", 1000)};
  auto a = allocate(needs, offers, std::nullopt, {Policy::kFair, 0.2, 0.05});
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->items[0].held_back, 50);
  EXPECT_EQ(a->items[0].allocated, 950);
  EXPECT_EQ(outcome(*a, "KEN").allocated, 50);
  EXPECT_EQ(outcome(*a, "KEN").binding, Binding::kCap);
  EXPECT_NEAR(outcome(*a, "KEN").coverage, 0.2, 1e-12);
  EXPECT_EQ(outcome(*a, "UGA").allocated, 900);
  EXPECT_EQ(outcome(*a, "UGA").binding, Binding::kSupply);
  EXPECT_NEAR(*a->items[0].theta, 0.225, 1e-12);
  EXPECT_NEAR(outcome(*a, "UGA").coverage, 0.5 * 0.225, 1e-12);
}

TEST(AllocateTest, CostPolicyServesCheapRoutesFirstFairThenCostKeepsFairAmounts) {
  std::vector<Need> needs = {need("KEN", 100, 1000), need("THA", 100, 1000)};
  std::vector<Offer> offers = {offer("near-ken", 100, "ETH"), offer("near-tha", 50, "VNM")};
  std::vector<TransportCost> costs = {{"ETH", "KEN", 1.0}, {"ETH", "THA", 5.0}, {"VNM", "KEN", 6.0}, {"VNM", "THA", 1.0}};
  auto cheapest = allocate(needs, offers, costs, {Policy::kCost, std::nullopt, 0.0});
  ASSERT_TRUE(cheapest.is_ok()) << cheapest.status().to_string();
  EXPECT_EQ(outcome(*cheapest, "KEN").allocated, 100);
  EXPECT_EQ(outcome(*cheapest, "THA").allocated, 50);
  EXPECT_DOUBLE_EQ(cheapest->total_cost, 100 * 1.0 + 50 * 1.0);
  EXPECT_FALSE(cheapest->items[0].theta.has_value());

  auto fair = allocate(needs, offers, costs, {Policy::kFairThenCost, std::nullopt, 0.0});
  ASSERT_TRUE(fair.is_ok()) << fair.status().to_string();
  EXPECT_EQ(outcome(*fair, "KEN").allocated, 75);
  EXPECT_EQ(outcome(*fair, "THA").allocated, 75);
  // Cheapest plan for 75/75: VNM's 50 to THA, ETH sends 75 to KEN and 25 to THA.
  EXPECT_DOUBLE_EQ(fair->total_cost, 75 * 1.0 + 25 * 5.0 + 50 * 1.0);
}

TEST(AllocateTest, CommercialOffersCostTheirPrice) {
  std::vector<Need> needs = {need("KEN", 100, 1000)};
  Offer bought = offer("seller", 100);
  bought.kind = OfferKind::kCommercial;
  bought.unit_price = 2.5;
  std::vector<Offer> offers = {bought, offer("donor", 60)};
  auto a = allocate(needs, offers, std::nullopt, {Policy::kFairThenCost, std::nullopt, 0.0});
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_DOUBLE_EQ(a->total_cost, 40 * 2.5);  // the free 60 first, 40 bought
}

// Random rounds: several items, donors and countries, with delivered units and weights.
struct RandomRound {
  std::vector<Need> needs;
  std::vector<Offer> offers;
  std::vector<TransportCost> costs;
};

RandomRound random_round(uint64_t seed, int countries, int donors) {
  std::mt19937_64 rng(seed);
  RandomRound round;
  const std::vector<std::string> items = {"masks", "test_kits"};
  const std::vector<std::string> origins = {"CHN", "USA", "DEU", "IND", "JPN"};
  for (int c = 0; c < countries; ++c) {
    std::string code = "C" + std::string(1, static_cast<char>('A' + c / 26)) + std::string(1, static_cast<char>('A' + c % 26));
    for (const auto& item : items) {
      int64_t population = 1000 + static_cast<int64_t>(rng() % 10'000'000);
      Need n = need(code, static_cast<int64_t>(rng() % (population / 10 + 1)), population,
                    static_cast<int64_t>(rng() % 1000), 0.5 + static_cast<double>(rng() % 100) / 50.0, item);
      round.needs.push_back(n);
    }
    for (const auto& origin : origins)
      round.costs.push_back({origin, code, 1.0 + static_cast<double>(rng() % 10'000) / 100.0});
  }
  for (int d = 0; d < donors; ++d) {
    for (const auto& item : items) {
      Offer o = offer("donor-" + std::to_string(d), static_cast<int64_t>(rng() % 300'000),
                      origins[rng() % origins.size()], item);
      if (rng() % 4 == 0) {
        o.kind = OfferKind::kCommercial;
        o.unit_price = static_cast<double>(rng() % 500) / 100.0;
      }
      round.offers.push_back(o);
    }
  }
  return round;
}

TEST(AllocateTest, ConservationForEveryPolicy) {
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    RandomRound r = random_round(seed, 5 + static_cast<int>(seed % 20), 1 + static_cast<int>(seed % 7));
    for (Policy policy : {Policy::kFair, Policy::kFairThenCost, Policy::kCost}) {
      auto a = allocate(r.needs, r.offers, r.costs, {policy, std::nullopt, 0.0});
      ASSERT_TRUE(a.is_ok()) << a.status().to_string();
      for (const auto& item : a->items) {
        EXPECT_EQ(item.allocated, std::min(item.need, item.supply)) << "seed " << seed << " " << policy_name(policy);
        EXPECT_EQ(item.allocated + item.unmet, item.need);
      }
      auto received = received_per_country(*a);
      for (const auto& c : a->countries) {
        EXPECT_EQ(received[c.country + "/" + c.item], c.allocated);
        EXPECT_LE(c.allocated, c.need);
      }
      std::map<std::string, int64_t> offered, sent;
      for (const auto& o : r.offers) offered[o.donor + "/" + o.item] += o.quantity;
      for (const auto& line : a->lines) sent[line.donor + "/" + line.item] += line.quantity;
      for (const auto& [key, units] : sent) EXPECT_LE(units, offered[key]);
    }
  }
}

TEST(AllocateTest, RoundedTotalsAreExactWithCapAndBuffer) {
  for (uint64_t seed = 100; seed < 120; ++seed) {
    RandomRound r = random_round(seed, 30, 4);
    auto a = allocate(r.needs, r.offers, r.costs, {Policy::kFairThenCost, 0.03, 0.05});
    ASSERT_TRUE(a.is_ok()) << a.status().to_string();
    for (const auto& item : a->items) {
      int64_t room = 0, sum = 0;
      for (const auto& c : a->countries) {
        if (c.item != item.item) continue;
        auto cap_units = static_cast<int64_t>(std::floor(0.03 * static_cast<double>(c.population) + 1e-9));
        int64_t cap_room = std::max<int64_t>(0, cap_units - c.delivered);
        room += std::min(c.need, cap_room);
        sum += c.allocated;
        EXPECT_LT(std::abs(static_cast<double>(c.allocated) - c.fair_share), 1.0);
        EXPECT_LE(c.allocated, cap_room);
      }
      EXPECT_EQ(sum, item.allocated);
      EXPECT_EQ(item.allocated, std::min(item.supply - item.held_back, room)) << "seed " << seed;
    }
  }
}

TEST(AllocateTest, MoreSupplyNeverLowersAnAllocationUnderFair) {
  // The real-valued fair shares never fall. The rounded ones may fall by one unit at most
  // (the Alabama paradox of largest-remainder rounding), never more.
  for (uint64_t seed = 200; seed < 215; ++seed) {
    RandomRound r = random_round(seed, 25, 3);
    Allocation previous;
    for (int step = 0; step < 12; ++step) {
      auto a = allocate(r.needs, r.offers, std::nullopt, {Policy::kFair, 0.05, 0.0});
      ASSERT_TRUE(a.is_ok()) << a.status().to_string();
      if (step > 0) {
        for (size_t i = 0; i < a->countries.size(); ++i) {
          EXPECT_GE(a->countries[i].fair_share, previous.countries[i].fair_share - 1e-6) << "seed " << seed;
          EXPECT_GE(a->countries[i].allocated, previous.countries[i].allocated - 1) << "seed " << seed;
        }
      }
      previous = *a;
      for (auto& o : r.offers) o.quantity += o.quantity / 5 + 17;
    }
  }
}

TEST(AllocateTest, SameInputsGiveTheSameRound) {
  RandomRound r = random_round(42, 40, 6);
  auto first = allocate(r.needs, r.offers, r.costs, {Policy::kFairThenCost, 0.2, 0.05});
  auto second = allocate(r.needs, r.offers, r.costs, {Policy::kFairThenCost, 0.2, 0.05});
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(format_allocation_csv(*first), format_allocation_csv(*second));
  EXPECT_EQ(format_allocation_report_json(*first), format_allocation_report_json(*second));
}

Status allocation_error(const std::vector<Need>& needs, const std::vector<Offer>& offers,
                        const std::optional<std::vector<TransportCost>>& costs, Policy policy = Policy::kFair) {
  return allocate(needs, offers, costs, {policy, std::nullopt, 0.0}).status();
}

TEST(AllocateErrorTest, ErrorsNameTheRow) {
  std::vector<Offer> offers = {offer("d", 10, "CHN")};
  std::vector<Need> negative = {need("KEN", 5, 10), need("UGA", -1, 10)};
  Status s = allocation_error(negative, offers, std::nullopt);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("need #2"), std::string::npos) << s.message();

  std::vector<Need> from_file = {need("Kenya", 5, 10)};
  from_file[0].source_row = 4;
  s = allocation_error(from_file, offers, std::nullopt);
  EXPECT_NE(s.message().find("needs row 4"), std::string::npos) << s.message();

  std::vector<Need> twice = {need("KEN", 5, 10), need("KEN", 6, 10)};
  s = allocation_error(twice, offers, std::nullopt);
  EXPECT_NE(s.message().find("need #2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("need #1"), std::string::npos) << s.message();
}

TEST(AllocateErrorTest, CostsNeedOriginsKnownCodesAndUsedPairs) {
  std::vector<Need> needs = {need("KEN", 5, 10), need("UGA", 5, 10)};
  std::vector<Offer> no_origin = {offer("d", 10)};
  Status s = allocation_error(needs, no_origin, std::vector<TransportCost>{});
  EXPECT_NE(s.message().find("no origin"), std::string::npos) << s.message();

  std::vector<Offer> offers = {offer("d", 10, "CHN")};
  std::vector<TransportCost> malformed = {{"CHN", "KEN", 1.0}, {"CHN", "Tanzania", 1.0}};
  malformed[1].source_row = 3;
  s = allocation_error(needs, offers, malformed);
  EXPECT_NE(s.message().find("costs row 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Tanzania"), std::string::npos) << s.message();

  std::vector<TransportCost> twice = {{"CHN", "KEN", 1.0}, {"CHN", "UGA", 1.0}, {"CHN", "KEN", 2.0}};
  s = allocation_error(needs, offers, twice);
  EXPECT_NE(s.message().find("cost #3: cost from CHN to KEN already given in cost #1"), std::string::npos)
      << s.message();

  std::vector<TransportCost> missing = {{"CHN", "KEN", 1.0}};
  s = allocation_error(needs, offers, missing, Policy::kFair);
  EXPECT_NE(s.message().find("no transport cost from CHN to UGA"), std::string::npos) << s.message();

  s = allocation_error(needs, offers, missing, Policy::kFairThenCost);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(s.details().size(), 1u);
  EXPECT_NE(s.details()[0].find("UGA"), std::string::npos) << s.details()[0];

  // Under `cost`, an unreachable country simply receives nothing.
  auto a = allocate(needs, offers, missing, {Policy::kCost, std::nullopt, 0.0});
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(outcome(*a, "KEN").allocated, 5);
  EXPECT_EQ(outcome(*a, "UGA").allocated, 0);
}

TEST(AllocateErrorTest, OptionsAreChecked) {
  std::vector<Need> needs = {need("KEN", 5, 10)};
  std::vector<Offer> offers = {offer("d", 10)};
  EXPECT_FALSE(allocate(needs, offers, std::nullopt, {Policy::kFair, -0.1, 0.0}).is_ok());
  EXPECT_FALSE(allocate(needs, offers, std::nullopt, {Policy::kFair, std::nullopt, 1.0}).is_ok());
}

}  // namespace
}  // namespace shouwang::aid
