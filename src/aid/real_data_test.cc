// A realistic round from real data in ../shared (read in place): every African and South-East Asian
// country (UN M49 regions in datahub country-codes) sized by its latest World Bank population,
// vaccine courses still missing to reach 70% fully vaccinated (WHO vaccination data), donors in real
// countries, and transport cost proportional to the great-circle distance between JHU CSSE centroids.
#include <gtest/gtest.h>

#include <boost/geometry/algorithms/distance.hpp>
#include <boost/geometry/geometries/point.hpp>
#include <boost/geometry/strategies/spherical/distance_haversine.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "aid/allocate.h"
#include "aid/csv_table.h"
#include "aid/glpk_reference.h"

namespace shouwang::aid {
namespace {

const std::string kMetadata = std::string(SHOUWANG_SHARED_DIR) + "/data/metadata/";

CsvTable read_table(const std::string& relative) {
  std::ifstream in(kMetadata + relative);
  EXPECT_TRUE(in.good()) << "missing " << kMetadata + relative;
  std::stringstream text;
  text << in.rdbuf();
  auto table = parse_csv(text.str(), relative);
  EXPECT_TRUE(table.is_ok()) << table.status().to_string();
  return table.is_ok() ? *table : CsvTable{};
}

size_t column(const CsvTable& table, const std::string& name) {
  for (size_t i = 0; i < table.header.size(); ++i)
    if (table.header[i] == name) return i;
  ADD_FAILURE() << "no column " << name;
  return 0;
}

double number(const std::string& text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() ? value : std::nan("");
}

using LatLong = boost::geometry::model::point<double, 2, boost::geometry::cs::spherical_equatorial<boost::geometry::degree>>;

struct RealRound {
  std::vector<Need> needs;
  std::vector<Offer> offers;
  std::vector<TransportCost> costs;
  std::map<std::string, int64_t> population;
};

RealRound build_real_round() {
  RealRound round;
  CsvTable codes = read_table("datahub/country-codes.csv");
  std::vector<std::string> recipients;
  size_t iso3 = column(codes, "ISO3166-1-Alpha-3"), region = column(codes, "Region Name"),
         subregion = column(codes, "Sub-region Name");
  for (const auto& r : codes.records)
    if (r.fields[region] == "Africa" || r.fields[subregion] == "South-eastern Asia") recipients.push_back(r.fields[iso3]);

  CsvTable population = read_table("datahub/population.csv");
  std::map<std::string, std::pair<int, int64_t>> latest;  // code -> (year, people)
  size_t code = column(population, "Country Code"), year = column(population, "Year"), value = column(population, "Value");
  for (const auto& r : population.records) {
    int y = static_cast<int>(number(r.fields[year]));
    auto& slot = latest[r.fields[code]];
    if (y > slot.first) slot = {y, static_cast<int64_t>(number(r.fields[value]))};
  }

  CsvTable jhu = read_table("jhu_csse/UID_ISO_FIPS_LookUp_Table.csv");
  std::map<std::string, LatLong> centroid;
  size_t jiso3 = column(jhu, "iso3"), province = column(jhu, "Province_State"), admin2 = column(jhu, "Admin2"),
         lat = column(jhu, "Lat"), lon = column(jhu, "Long_");
  for (const auto& r : jhu.records) {
    if (!r.fields[province].empty() || !r.fields[admin2].empty() || r.fields[lat].empty()) continue;
    if (!centroid.count(r.fields[jiso3])) centroid[r.fields[jiso3]] = LatLong(number(r.fields[lon]), number(r.fields[lat]));
  }

  CsvTable who = read_table("who/vaccination-data.csv");
  std::map<std::string, int64_t> fully_vaccinated;
  size_t wiso3 = column(who, "ISO3"), fully = column(who, "PERSONS_FULLY_VACCINATED");
  for (const auto& r : who.records)
    if (!r.fields[fully].empty()) fully_vaccinated[r.fields[wiso3]] = static_cast<int64_t>(number(r.fields[fully]));

  const std::vector<std::string> donor_countries = {"CHN", "USA", "DEU", "GBR", "FRA", "JPN", "IND", "ARE"};
  int64_t total_need = 0;
  for (const auto& country : recipients) {
    if (!latest.count(country) || !centroid.count(country) || latest[country].second <= 0) continue;
    int64_t people = latest[country].second;
    round.population[country] = people;
    Need need;
    need.country = country;
    need.item = "vaccine_courses";
    need.population = people;
    need.delivered = std::min(people, fully_vaccinated[country]);
    need.quantity = std::max<int64_t>(0, static_cast<int64_t>(0.7 * static_cast<double>(people)) - need.delivered);
    total_need += need.quantity;
    round.needs.push_back(need);
    Need oxygen = need;
    oxygen.item = "oxygen_concentrators";
    oxygen.delivered = 0;
    oxygen.quantity = people / 100'000 + 1;
    round.needs.push_back(oxygen);
    for (const auto& origin : donor_countries) {
      double km = boost::geometry::distance(centroid.at(origin), centroid.at(country),
                                            boost::geometry::strategy::distance::haversine<double>(6371.0));
      round.costs.push_back({origin, country, 0.1 * km / 1000.0});  // 0.10 per unit per 1000 km
    }
  }
  // A quarter of the missing courses is on offer, split among donors; oxygen is plentiful.
  const std::vector<double> shares = {0.30, 0.20, 0.10, 0.08, 0.07, 0.05, 0.15, 0.05};
  for (size_t d = 0; d < donor_countries.size(); ++d) {
    Offer courses;
    courses.donor = "donor-" + donor_countries[d];
    courses.origin = donor_countries[d];
    courses.item = "vaccine_courses";
    courses.quantity = static_cast<int64_t>(0.25 * shares[d] * static_cast<double>(total_need));
    if (donor_countries[d] == "IND") {
      courses.kind = OfferKind::kCommercial;  // bought from a manufacturer, not donated
      courses.unit_price = 3.0;
    }
    round.offers.push_back(courses);
    Offer oxygen = courses;
    oxygen.item = "oxygen_concentrators";
    oxygen.kind = OfferKind::kDonation;
    oxygen.quantity = 5'000;
    round.offers.push_back(oxygen);
  }
  return round;
}

// The LP for one item from the round's inputs and the fair amounts, every offer to every need.
TransportProblem item_problem(const RealRound& round, const Allocation& a, const std::string& item) {
  std::map<std::pair<std::string, std::string>, double> transport;
  for (const auto& c : round.costs) transport[{c.origin, c.country}] = c.unit_cost;
  TransportProblem problem;
  std::vector<const Offer*> offers;
  for (const auto& o : round.offers)
    if (o.item == item) offers.push_back(&o);
  std::vector<const CountryOutcome*> sinks;
  for (const auto& c : a.countries)
    if (c.item == item) {
      sinks.push_back(&c);
      problem.sink_upper.push_back(c.allocated);
      problem.wanted_total += c.allocated;
    }
  for (size_t s = 0; s < offers.size(); ++s) {
    problem.supply.push_back(offers[s]->quantity);
    for (size_t t = 0; t < sinks.size(); ++t) {
      double price = offers[s]->kind == OfferKind::kCommercial ? offers[s]->unit_price : 0.0;
      problem.routes.push_back({static_cast<int>(s), static_cast<int>(t), transport.at({offers[s]->origin, sinks[t]->country}) + price});
    }
  }
  return problem;
}

TEST(RealDataRoundTest, AfricaAndSouthEastAsiaFromSharedData) {
  RealRound round = build_real_round();
  ASSERT_GE(round.population.size(), 60u);
  EXPECT_GT(round.population.at("NGA"), 150'000'000);
  EXPECT_GT(round.population.at("IDN"), 250'000'000);

  AllocationOptions options{Policy::kFairThenCost, std::nullopt, 0.05};
  auto a = allocate(round.needs, round.offers, round.costs, options);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();

  for (const auto& item : a->items) {
    EXPECT_EQ(item.allocated, std::min(item.supply - item.held_back, item.need)) << item.item;
    EXPECT_EQ(item.allocated + item.unmet, item.need);
  }
  // Courses are scarce: every country that receives some ends at the common level theta (to one
  // unit), and a country receiving none is already at or above it.
  const double theta = *a->items[0].theta;
  EXPECT_EQ(a->items[0].item, "vaccine_courses");
  int supply_bound = 0, above_level = 0;
  for (const auto& c : a->countries) {
    if (c.item != "vaccine_courses") continue;
    double one_unit = 1.0 / static_cast<double>(c.population);
    if (c.binding == Binding::kSupply && c.allocated > 0) {
      EXPECT_NEAR(c.coverage, theta, one_unit + 1e-12) << c.country;
      ++supply_bound;
    } else if (c.allocated == 0 && c.need > 0) {
      EXPECT_GE(c.coverage, theta - one_unit) << c.country;
      ++above_level;
    }
  }
  EXPECT_GT(supply_bound, 30);
  EXPECT_GT(above_level, 0);  // some countries had vaccinated beyond the level already
  // Oxygen is plentiful: every need is met.
  for (const auto& c : a->countries)
    if (c.item == "oxygen_concentrators") EXPECT_EQ(c.binding, Binding::kNeed) << c.country;

  double reference = 0;
  for (const auto& item : a->items) {
    auto optimum = glpk_transport_optimum(item_problem(round, *a, item.item));
    ASSERT_TRUE(optimum.is_ok()) << optimum.status().to_string();
    reference += *optimum;
  }
  EXPECT_NEAR(a->total_cost, reference, 1e-9 * reference);

  // Same fair amounts, donors in input order: costlier. Cost alone: no dearer than fair-then-cost.
  auto in_order = allocate(round.needs, round.offers, round.costs, {Policy::kFair, std::nullopt, 0.05});
  auto cheapest = allocate(round.needs, round.offers, round.costs, {Policy::kCost, std::nullopt, 0.05});
  ASSERT_TRUE(in_order.is_ok() && cheapest.is_ok());
  EXPECT_LT(a->total_cost, in_order->total_cost);
  EXPECT_LE(cheapest->total_cost, a->total_cost * (1 + 1e-12));
  EXPECT_EQ(cheapest->items[0].allocated, a->items[0].allocated);
}

}  // namespace
}  // namespace shouwang::aid
