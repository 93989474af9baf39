// The file formats: parsing with row-naming errors, and the ALLOC.csv / REPORT.json output.
#include "aid/allocation_files.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "aid/allocate.h"

namespace shouwang::aid {
namespace {

TEST(NeedsCsvTest, ReadsRequiredAndOptionalColumns) {
  auto needs = parse_needs_csv(
      "country,item,quantity,population,delivered,weight\r\n"
      "KEN,masks,1000,53771300,200,1.5\r\n"
      "\r\n"
      "\"UGA\",\"test kits, rapid\",20,45741000,,\r\n");
  ASSERT_TRUE(needs.is_ok()) << needs.status().to_string();
  ASSERT_EQ(needs->size(), 2u);
  EXPECT_EQ((*needs)[0].country, "KEN");
  EXPECT_EQ((*needs)[0].delivered, 200);
  EXPECT_DOUBLE_EQ((*needs)[0].weight, 1.5);
  EXPECT_EQ((*needs)[0].source_row, 2);
  EXPECT_EQ((*needs)[1].item, "test kits, rapid");
  EXPECT_EQ((*needs)[1].delivered, 0);
  EXPECT_DOUBLE_EQ((*needs)[1].weight, 1.0);
  EXPECT_EQ((*needs)[1].source_row, 4);
}

TEST(NeedsCsvTest, ErrorsNameTheFileAndRow) {
  auto negative = parse_needs_csv("country,item,quantity,population\nKEN,masks,10,100\nUGA,masks,-5,100\n", "NEEDS.csv");
  ASSERT_FALSE(negative.is_ok());
  EXPECT_EQ(negative.status().message(), "NEEDS.csv row 3: quantity -5 is negative");

  auto fraction = parse_needs_csv("country,item,quantity,population\nKEN,masks,2.5,100\n", "NEEDS.csv");
  EXPECT_EQ(fraction.status().message(), "NEEDS.csv row 2: quantity '2.5' is not a whole number");

  auto missing = parse_needs_csv("country,item,quantity\nKEN,masks,1\n", "NEEDS.csv");
  EXPECT_NE(missing.status().message().find("required column 'population'"), std::string::npos);

  auto typo = parse_needs_csv("country,item,quantity,population,deliverd\nKEN,masks,1,2,3\n", "NEEDS.csv");
  EXPECT_NE(typo.status().message().find("unknown column 'deliverd'"), std::string::npos);

  auto short_row = parse_needs_csv("country,item,quantity,population\nKEN,masks,1\n", "NEEDS.csv");
  EXPECT_NE(short_row.status().message().find("NEEDS.csv row 2: 3 fields"), std::string::npos);

  auto zero = parse_needs_csv("country,item,quantity,population\nKEN,masks,1,0\n", "NEEDS.csv");
  EXPECT_EQ(zero.status().message(), "NEEDS.csv row 2: population must be > 0");
}

TEST(OffersCsvTest, KindsAndPrices) {
  auto offers = parse_offers_csv(
      "donor,item,quantity,origin,kind,unit_price\n"
      "Jack Ma Foundation,masks,1000000,CHN,,\n"
      "Acme,masks,500,DEU,commercial,0.35\n");
  ASSERT_TRUE(offers.is_ok()) << offers.status().to_string();
  EXPECT_EQ((*offers)[0].kind, OfferKind::kDonation);
  EXPECT_EQ((*offers)[1].kind, OfferKind::kCommercial);
  EXPECT_DOUBLE_EQ((*offers)[1].unit_price, 0.35);

  auto no_price = parse_offers_csv("donor,item,quantity,kind\nAcme,masks,5,commercial\n", "OFFERS.csv");
  EXPECT_EQ(no_price.status().message(), "OFFERS.csv row 2: a commercial offer needs a unit_price");
  auto bad_kind = parse_offers_csv("donor,item,quantity,kind\nAcme,masks,5,loan\n", "OFFERS.csv");
  EXPECT_NE(bad_kind.status().message().find("row 2: kind 'loan'"), std::string::npos);
}

TEST(CostsCsvTest, NegativeCostIsRefused) {
  auto costs = parse_costs_csv("origin,country,unit_cost\nCHN,KEN,0.8\nCHN,UGA,-1\n", "COSTS.csv");
  EXPECT_EQ(costs.status().message(), "COSTS.csv row 3: unit_cost -1 is negative");
  auto quote = parse_costs_csv("origin,country,unit_cost\nCHN,KEN,\"0.8\n", "COSTS.csv");
  EXPECT_NE(quote.status().message().find("never closed"), std::string::npos);
  auto stray = parse_costs_csv("origin,country,unit_cost\nCHN,KE\"N,0.8\n", "COSTS.csv");
  EXPECT_EQ(stray.status().message(), "COSTS.csv line 2: stray quote inside a field");
  stray = parse_costs_csv("origin,country,unit_cost\nCHN,\"KEN\"x,0.8\n", "COSTS.csv");
  EXPECT_EQ(stray.status().message(), "COSTS.csv line 2: stray quote inside a field");
}

TEST(CostsCsvTest, ReadsClassicMacLineEndsAndQuotedLineBreaks) {
  auto costs = parse_costs_csv("origin,country,unit_cost\r\"CHN\",KEN,0.8\r\rCHN,UGA,x\r", "COSTS.csv");
  EXPECT_EQ(costs.status().message(), "COSTS.csv row 4: unit_cost 'x' is not a number");
  auto needs = parse_needs_csv("country,item,quantity,population\nKEN,\"masks,\nFFP2\",10,100\nUGA,masks,5,x\n");
  EXPECT_NE(needs.status().message().find("row 4"), std::string::npos) << needs.status().message();
}

TEST(AllocationOutputTest, CsvAndJsonCarryTheRound) {
  auto needs = parse_needs_csv("country,item,quantity,population\nKEN,masks,10,100\nNGA,masks,1000,200\n");
  auto offers = parse_offers_csv("donor,item,quantity\n\"Donor, Inc.\",masks,40\n");
  ASSERT_TRUE(needs.is_ok() && offers.is_ok());
  auto a = allocate(*needs, *offers, std::nullopt, {Policy::kFair, std::nullopt, 0.0});
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(format_allocation_csv(*a),
            "donor,country,item,quantity\n"
            "\"Donor, Inc.\",KEN,masks,10\n"
            "\"Donor, Inc.\",NGA,masks,30\n");
  boost::json::value report = boost::json::parse(format_allocation_report_json(*a));
  const auto& countries = report.at("countries").as_array();
  ASSERT_EQ(countries.size(), 2u);
  EXPECT_EQ(countries[0].at("country").as_string(), "KEN");
  EXPECT_EQ(countries[0].at("binding").as_string(), "need");
  EXPECT_EQ(countries[1].at("allocated").as_int64(), 30);
  EXPECT_DOUBLE_EQ(countries[1].at("coverage").as_double(), 0.15);
  EXPECT_EQ(countries[1].at("binding").as_string(), "supply");
  EXPECT_DOUBLE_EQ(report.at("theta").at("masks").as_double(), 0.15);
  EXPECT_EQ(report.at("unmet").at("masks").as_int64(), 1010 - 40);
  EXPECT_DOUBLE_EQ(report.at("cost").to_number<double>(), 0.0);
}

}  // namespace
}  // namespace shouwang::aid
