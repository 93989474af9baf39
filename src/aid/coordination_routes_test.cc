// HTTP tests of /api/v1/aid against a server on loopback: the whole flow from a need to a
// confirmed partial delivery in the public report, the refusals of wrong roles and countries,
// invalid shipment transitions, rounds over an updated snapshot, expert teams, and CSV. On SQLite
// and on PostgreSQL.
#include <gtest/gtest.h>

#include "aid/coordination_routes.h"
#include "api/store_pool.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/auth.h"
#include "store/open_store.h"
#include "store/sql.h"
#include "tests/support/backends.h"

namespace shouwang::aid {
namespace {

namespace json = boost::json;
using http::testing::ClientResponse;
using http::testing::expect_json_object;
using http::testing::expect_refusal_message;
using http::testing::http_request;
using shouwang::testing::Backend;

class AidRoutesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto store = fresh_.create_store(GetParam());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    path_ = fresh_.db();
    auto issue = [&](store::Role role, const std::string& location, const std::string& label) {
      return *store::issue_token(**store, role, location, label, clock_.now());
    };
    nga_ = issue(store::Role::kReporter, "NGA", "Nigeria CDC");
    eth_ = issue(store::Role::kReporter, "ETH", "Ethiopia PHI");
    donor_ = issue(store::Role::kDonor, "CHN", "Jack Ma Foundation");
    other_donor_ = issue(store::Role::kDonor, "DEU", "Other Fund");
    coordinator_ = issue(store::Role::kCoordinator, "", "Africa CDC hub");
    admin_ = issue(store::Role::kAdmin, "", "admin");
    pool_ = std::make_unique<api::StorePool>(path_);
    auto database = store::sql::Database::open(path_);
    ASSERT_TRUE(database.is_ok()) << database.status().to_string();
    database_ = std::move(database).value();
    auto coordination = CoordinationStore::open(*database_);
    ASSERT_TRUE(coordination.is_ok()) << coordination.status().to_string();
    coordination_ = std::move(coordination).value();
    auto router = std::make_shared<http::Router>();
    // Wired as `shouwang serve` wires it: tokens and locations through the figures' store pool.
    const http::RouteContext context{.clock = &clock_, .authenticate = pool_->authenticator()};
    add_aid_routes(*router, context, *coordination_, pool_->location_catalogue());
    server_ = http::testing::start_loopback_server(router);
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    server_.reset();
    pool_.reset();
    coordination_.reset();
    database_.reset();
  }

  ClientResponse call(const std::string& method, const std::string& target, const std::string& token,
                      const json::value& body = nullptr, std::map<std::string, std::string> headers = {}) {
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    std::string text;
    if (!body.is_null()) {
      text = json::serialize(body);
      headers["Content-Type"] = "application/json";
    }
    return http_request(server_->port(), method, target, text, headers);
  }

  // NGA (population 100,000) and ETH (300,000) each need 1,000 masks; the foundation offers 800.
  void post_basic_needs_and_offer() {
    expect_json_object(call("POST", "/api/v1/aid/needs", nga_, {{"item", "masks"}, {"quantity", 1000}, {"population", 100000}}), 201);
    expect_json_object(call("POST", "/api/v1/aid/needs", eth_,
            {{"country", "ETH"}, {"item", "masks"}, {"quantity", 1000}, {"population", 300000}}), 201);
    expect_json_object(call("POST", "/api/v1/aid/offers", donor_, {{"item", "masks"}, {"quantity", 800}}), 201);
  }
  int64_t line_to(const json::object& round, const std::string& country) {
    for (const auto& l : round.at("allocation").as_array())
      if (l.at("country").as_string() == country) return l.at("id").as_int64();
    ADD_FAILURE() << "no allocation line to " << country;
    return 0;
  }

  ManualClock clock_{*Timestamp::parse("2020-06-01T00:00:00Z")};
  shouwang::testing::FreshDatabase fresh_;
  std::string path_, nga_, eth_, donor_, other_donor_, coordinator_, admin_;
  std::unique_ptr<api::StorePool> pool_;
  std::unique_ptr<store::sql::Database> database_;
  std::unique_ptr<CoordinationStore> coordination_;
  std::unique_ptr<http::HttpServer> server_;
};

INSTANTIATE_TEST_SUITE_P(Backends, AidRoutesTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

TEST_P(AidRoutesTest, NeedOfferRoundShipmentPartialDeliveryAndPublicReport) {
  post_basic_needs_and_offer();
  auto needs = expect_json_object(call("GET", "/api/v1/aid/needs", ""));
  ASSERT_EQ(needs["needs"].as_array().size(), 2u);
  EXPECT_EQ(needs["needs"].as_array()[0].at("posted_by").as_string(), "Nigeria CDC");
  auto offers = expect_json_object(call("GET", "/api/v1/aid/offers", ""));
  ASSERT_EQ(offers["offers"].as_array().size(), 1u);
  EXPECT_EQ(offers["offers"].as_array()[0].at("donor").as_string(), "Jack Ma Foundation");
  EXPECT_EQ(offers["offers"].as_array()[0].at("origin").as_string(), "CHN") << "a donor's origin defaults to its token's";

  // Water-filling: equal coverage x/100000 = y/300000 with x + y = 800.
  auto round = expect_json_object(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fair"}}), 201);
  EXPECT_EQ(round["policy"].as_string(), "fair");
  EXPECT_EQ(round["run_by"].as_string(), "Africa CDC hub");
  ASSERT_EQ(round["allocation"].as_array().size(), 2u);
  int64_t nga_line = line_to(round, "NGA");
  for (const auto& l : round["allocation"].as_array())
    EXPECT_EQ(l.at("quantity").as_int64(), l.at("country").as_string() == "NGA" ? 200 : 600);
  auto fetched = expect_json_object(call("GET", "/api/v1/aid/rounds/" + std::to_string(round["id"].as_int64()), ""));
  EXPECT_EQ(fetched["inputs"].at("needs").as_array().size(), 2u);
  EXPECT_EQ(fetched["inputs"].at("offers").as_array()[0].at("quantity").as_int64(), 800);
  EXPECT_TRUE(fetched["inputs"].at("costs").is_null());
  EXPECT_EQ(fetched["report"].at("countries").as_array()[0].at("binding").as_string(), "supply");
  EXPECT_NEAR(fetched["report"].at("theta").at("masks").to_number<double>(), 0.002, 1e-12);

  auto shipment = expect_json_object(call("POST", "/api/v1/aid/shipments", donor_, {{"allocation_id", nga_line}}), 201);
  EXPECT_EQ(shipment["state"].as_string(), "planned");
  EXPECT_EQ(shipment["quantity"].as_int64(), 200);
  EXPECT_EQ(shipment["origin"].as_string(), "CHN");
  auto shipments_listed = [&](const std::string& query) {
    return expect_json_object(call("GET", "/api/v1/aid/shipments" + query, ""))["shipments"].as_array().size();
  };
  EXPECT_EQ(shipments_listed(""), 1u);
  EXPECT_EQ(shipments_listed("?country=NGA"), 1u);
  EXPECT_EQ(shipments_listed("?country=ZAF"), 0u);
  EXPECT_EQ(shipments_listed("?donor=Gates"), 0u);
  std::string events = "/api/v1/aid/shipments/" + std::to_string(shipment["id"].as_int64()) + "/events";
  clock_.advance_micros(3'600'000'000);
  EXPECT_EQ(expect_json_object(call("POST", events, donor_, {{"event", "dispatched"}, {"date", "2020-06-02"}}))["state"].as_string(),
            "dispatched");
  clock_.advance_micros(3'600'000'000);
  auto partial = expect_json_object(call("POST", events, nga_,
                         {{"event", "delivered"}, {"quantity_received", 150}, {"date", "2020-06-05"},
                          {"received_by", "Lagos central medical store"}}));
  EXPECT_EQ(partial["state"].as_string(), "partially_delivered");
  EXPECT_EQ(partial["received"].as_int64(), 150);

  // The report needs no login.
  auto report = expect_json_object(call("GET", "/api/v1/aid/report", ""));
  bool saw_nga = false;
  for (const auto& c : report["coverage"].as_array()) {
    if (c.at("country").as_string() != "NGA") continue;
    saw_nga = true;
    EXPECT_EQ(c.at("allocated").as_int64(), 200);
    EXPECT_EQ(c.at("shipped").as_int64(), 200);
    EXPECT_EQ(c.at("received").as_int64(), 150);
    EXPECT_NEAR(c.at("coverage").to_number<double>(), 150.0 / 100000, 1e-15);
    EXPECT_NEAR(c.at("allocated_coverage").to_number<double>(), 200.0 / 100000, 1e-15);
  }
  EXPECT_TRUE(saw_nga);
  ASSERT_EQ(report["donors"].as_array().size(), 1u);
  const auto& donor = report["donors"].as_array()[0];
  EXPECT_EQ(donor.at("pledged").as_int64(), 800);
  EXPECT_EQ(donor.at("allocated").as_int64(), 800);
  EXPECT_EQ(donor.at("shipped").as_int64(), 200);
  EXPECT_EQ(donor.at("delivered").as_int64(), 150);
  const auto& shipped = report["shipments"].as_array()[0].as_object();
  ASSERT_EQ(shipped.at("events").as_array().size(), 3u);
  const auto& delivered = shipped.at("events").as_array()[2];
  EXPECT_EQ(delivered.at("event").as_string(), "delivered");
  EXPECT_EQ(delivered.at("date").as_string(), "2020-06-05");
  EXPECT_EQ(delivered.at("received_by").as_string(), "Lagos central medical store");
  EXPECT_EQ(delivered.at("recorded_by").as_string(), "Nigeria CDC");

  // The rest arrives; the shipment is then closed.
  EXPECT_EQ(expect_json_object(call("POST", events, nga_,
                    {{"event", "delivered"}, {"quantity_received", 50}, {"date", "2020-06-06"}, {"received_by", "LCMS"}}))
                ["state"].as_string(),
            "delivered");
  EXPECT_NE(expect_refusal_message(call("POST", events, donor_, {{"event", "cancelled"}}), 409).find("already delivered"),
            std::string::npos);
}

TEST_P(AidRoutesTest, ReportAsCsvWithoutLogin) {
  post_basic_needs_and_offer();
  auto round = expect_json_object(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fair"}}), 201);
  auto shipment = expect_json_object(call("POST", "/api/v1/aid/shipments", donor_, {{"allocation_id", line_to(round, "ETH")}}), 201);
  std::string events = "/api/v1/aid/shipments/" + std::to_string(shipment["id"].as_int64()) + "/events";
  expect_json_object(call("POST", events, donor_, {{"event", "dispatched"}, {"date", "2020-06-02"}}));
  expect_json_object(call("POST", events, eth_,
          {{"event", "delivered"}, {"quantity_received", 600}, {"date", "2020-06-04"}, {"received_by", "EPSA, Addis"}}));

  auto ledger = call("GET", "/api/v1/aid/report", "", nullptr, {{"Accept", "text/csv"}});
  ASSERT_EQ(ledger.status, 200) << ledger.body;
  EXPECT_NE(ledger.headers["Content-Type"].find("text/csv"), std::string::npos);
  EXPECT_TRUE(ledger.body.starts_with(
      "recorded_at,event,date,donor,origin,country,item,quantity,round_id,allocation_id,shipment_id,received_by,by,note\n"));
  for (const char* row : {",needed,,,,NGA,masks,1000,", ",pledged,,Jack Ma Foundation,CHN,,masks,800,",
                          ",allocated,,Jack Ma Foundation,,ETH,masks,600,", ",dispatched,2020-06-02,Jack Ma Foundation,CHN,ETH,masks,600,",
                          ",delivered,2020-06-04,Jack Ma Foundation,CHN,ETH,masks,600,", "\"EPSA, Addis\",Ethiopia PHI,"})
    EXPECT_NE(ledger.body.find(row), std::string::npos) << row << "\n" << ledger.body;

  auto coverage = call("GET", "/api/v1/aid/report?format=csv&table=coverage", "");
  ASSERT_EQ(coverage.status, 200) << coverage.body;
  EXPECT_NE(coverage.body.find("ETH,masks,300000,1000,0,600,600,600,0.002,0.002\n"), std::string::npos) << coverage.body;
  EXPECT_NE(coverage.body.find("NGA,masks,100000,1000,0,200,0,0,0.002,0\n"), std::string::npos) << coverage.body;
  auto donors = call("GET", "/api/v1/aid/report?format=csv&table=donors", "");
  EXPECT_EQ(donors.body, "donor,item,pledged,allocated,shipped,delivered\nJack Ma Foundation,masks,800,800,600,600\n");
  expect_refusal_message(call("GET", "/api/v1/aid/report?format=csv&table=nope", ""), 400);
}

TEST_P(AidRoutesTest, WrongRolesAndCountriesAreRefused) {
  json::object need{{"country", "NGA"}, {"item", "masks"}, {"quantity", 10}, {"population", 1000}};
  expect_refusal_message(call("POST", "/api/v1/aid/needs", "", need), 401);
  expect_refusal_message(call("POST", "/api/v1/aid/needs", "sw_not_a_token", need), 401);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/needs", eth_, need), 403).find("not for NGA"), std::string::npos);
  expect_refusal_message(call("POST", "/api/v1/aid/needs", donor_, need), 403);
  expect_refusal_message(call("POST", "/api/v1/aid/needs", coordinator_, need), 403);
  expect_refusal_message(call("POST", "/api/v1/aid/offers", nga_, {{"item", "masks"}, {"quantity", 5}}), 403);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/offers", donor_, {{"donor", "Other Fund"}, {"item", "masks"}, {"quantity", 5}}), 403)
                .find("not for Other Fund"),
            std::string::npos);
  expect_refusal_message(call("POST", "/api/v1/aid/rounds", "", {{"policy", "fair"}}), 401);
  expect_refusal_message(call("POST", "/api/v1/aid/rounds", donor_, {{"policy", "fair"}}), 403);
  expect_refusal_message(call("POST", "/api/v1/aid/rounds", nga_, {{"policy", "fair"}}), 403);
  EXPECT_TRUE(call("GET", "/api/v1/aid/needs", "").body.find("\"needs\":[]") != std::string::npos)
      << "nothing refused was stored";

  post_basic_needs_and_offer();
  auto round = expect_json_object(call("POST", "/api/v1/aid/rounds", admin_, {{"policy", "fair"}}), 201);
  int64_t nga_line = line_to(round, "NGA");
  expect_refusal_message(call("POST", "/api/v1/aid/shipments", "", {{"allocation_id", nga_line}}), 401);
  expect_refusal_message(call("POST", "/api/v1/aid/shipments", other_donor_, {{"allocation_id", nga_line}}), 403);
  expect_refusal_message(call("POST", "/api/v1/aid/shipments", nga_, {{"allocation_id", nga_line}}), 403);
  auto shipment = expect_json_object(call("POST", "/api/v1/aid/shipments", coordinator_, {{"allocation_id", nga_line}, {"quantity", 120}}), 201);
  std::string events = "/api/v1/aid/shipments/" + std::to_string(shipment["id"].as_int64()) + "/events";
  expect_refusal_message(call("POST", events, other_donor_, {{"event", "dispatched"}}), 403);
  expect_refusal_message(call("POST", events, nga_, {{"event", "dispatched"}}), 403);
  expect_json_object(call("POST", events, donor_, {{"event", "dispatched"}, {"date", "2020-06-02"}}));
  json::object delivery{{"event", "delivered"}, {"quantity_received", 100}, {"date", "2020-06-03"}, {"received_by", "x"}};
  expect_refusal_message(call("POST", events, "", delivery), 401);
  EXPECT_NE(expect_refusal_message(call("POST", events, donor_, delivery), 403).find("recipient"), std::string::npos)
      << "the sender cannot confirm its own delivery";
  expect_refusal_message(call("POST", events, admin_, delivery), 403);
  expect_refusal_message(call("POST", events, coordinator_, delivery), 403);
  EXPECT_NE(expect_refusal_message(call("POST", events, eth_, delivery), 403).find("goes to NGA"), std::string::npos);
  auto after = expect_json_object(call("GET", "/api/v1/aid/shipments/" + std::to_string(shipment["id"].as_int64()), ""));
  EXPECT_EQ(after["state"].as_string(), "dispatched");
  EXPECT_EQ(after["received"].as_int64(), 0);
}

TEST_P(AidRoutesTest, InvalidTransitionsAndBadInputAreExplained) {
  post_basic_needs_and_offer();
  auto round = expect_json_object(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fair"}}), 201);
  int64_t nga_line = line_to(round, "NGA");
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/shipments", donor_, {{"allocation_id", nga_line}, {"quantity", 201}}), 422)
                .find("more than the 200 units left"),
            std::string::npos);
  auto shipment = expect_json_object(call("POST", "/api/v1/aid/shipments", donor_, {{"allocation_id", nga_line}}), 201);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/shipments", donor_, {{"allocation_id", nga_line}}), 422).find("fully planned"),
            std::string::npos);
  std::string events = "/api/v1/aid/shipments/" + std::to_string(shipment["id"].as_int64()) + "/events";
  json::object delivery{{"event", "delivered"}, {"quantity_received", 100}, {"date", "2020-06-03"}, {"received_by", "x"}};
  EXPECT_NE(expect_refusal_message(call("POST", events, nga_, delivery), 422).find("must be dispatched"), std::string::npos);
  expect_json_object(call("POST", events, donor_, {{"event", "dispatched"}, {"date", "2020-06-02"}}));
  EXPECT_NE(expect_refusal_message(call("POST", events, donor_, {{"event", "dispatched"}}), 422).find("dispatched already"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", events, nga_, {{"event", "delivered"}, {"quantity_received", 201}, {"date", "2020-06-03"},
                                                {"received_by", "x"}}),
                    422)
                .find("more than the 200 units"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", events, nga_, {{"event", "delivered"}, {"date", "2020-06-03"}, {"received_by", "x"}}), 400)
                .find("'quantity_received'"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", events, nga_, {{"event", "delivered"}, {"quantity_received", 5}, {"received_by", "x"}}), 400)
                .find("'date'"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", events, nga_, {{"event", "delivered"}, {"quantity_received", 5}, {"date", "2020-06-01"},
                                                {"received_by", "x"}}),
                    400)
                .find("before the dispatch date"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", events, donor_, {{"event", "lost"}}), 400).find("'event'"), std::string::npos);
  expect_json_object(call("POST", events, nga_, delivery));
  auto cancelled = expect_json_object(call("POST", events, donor_, {{"event", "cancelled"}, {"note", "rest lost at sea"}}));
  EXPECT_EQ(cancelled["state"].as_string(), "cancelled");
  EXPECT_NE(expect_refusal_message(call("POST", events, nga_, delivery), 409).find("already cancelled"), std::string::npos);
  // The 100 undelivered units of the cancelled shipment can be planned again from the line.
  EXPECT_EQ(expect_json_object(call("POST", "/api/v1/aid/shipments", donor_, {{"allocation_id", nga_line}}), 201)["quantity"].as_int64(), 100);
  expect_refusal_message(call("POST", "/api/v1/aid/shipments/999/events", donor_, {{"event", "dispatched"}}), 404);
  expect_refusal_message(call("GET", "/api/v1/aid/rounds/999", ""), 404);

  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/needs", nga_, {{"item", "masks"}, {"population", 10}}), 400).find("'quantity'"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/needs", nga_, {{"item", "masks"}, {"quantity", "many"}, {"population", 10}}), 400)
                .find("'quantity' must be a whole number"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/needs", nga_, {{"item", "masks"}, {"quantity", 5}}), 400).find("'population'"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/needs", admin_, {{"country", "Nigeria"}, {"item", "masks"}, {"quantity", 5},
                                                             {"population", 10}}),
                    400)
                .find("'country'"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/offers", donor_, {{"item", "masks"}, {"quantity", 5}, {"kind", "commercial"}}), 400)
                .find("'unit_price'"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fastest"}}), 400).find("'policy'"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fair"}, {"buffer", 1.5}}), 400).find("'buffer'"),
            std::string::npos);
  expect_refusal_message(call("POST", "/api/v1/aid/rounds", coordinator_, json::string("not an object")), 400);
}

// A second round allocates what is left and counts earlier allocations as delivered; costs in the
// body make fair-then-cost choose the cheaper donor.
TEST_P(AidRoutesTest, LaterRoundsUseTheUpdatedSnapshotAndCosts) {
  post_basic_needs_and_offer();
  expect_json_object(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fair"}}), 201);
  expect_json_object(call("POST", "/api/v1/aid/offers", other_donor_, {{"item", "masks"}, {"quantity", 400}}), 201);
  json::array costs{json::object{{"origin", "CHN"}, {"country", "NGA"}, {"unit_cost", 2.0}},
                    json::object{{"origin", "CHN"}, {"country", "ETH"}, {"unit_cost", 2.0}},
                    json::object{{"origin", "DEU"}, {"country", "NGA"}, {"unit_cost", 1.0}},
                    json::object{{"origin", "DEU"}, {"country", "ETH"}, {"unit_cost", 3.0}}};
  auto second = expect_json_object(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fair-then-cost"}, {"costs", costs}}), 201);
  const auto& inputs = second["inputs"].as_object();
  ASSERT_EQ(inputs.at("offers").as_array().size(), 1u) << "the foundation's 800 masks were all allocated";
  EXPECT_EQ(inputs.at("offers").as_array()[0].at("donor").as_string(), "Other Fund");
  for (const auto& n : inputs.at("needs").as_array()) {
    bool nga = n.at("country").as_string() == "NGA";
    EXPECT_EQ(n.at("quantity").as_int64(), nga ? 800 : 400);
    EXPECT_EQ(n.at("delivered").as_int64(), nga ? 200 : 600);
  }
  // Coverage rises together from 0.002: (200 + x)/100000 = (600 + 400 - x)/300000 -> x = 100.
  for (const auto& l : second["allocation"].as_array())
    EXPECT_EQ(l.at("quantity").as_int64(), l.at("country").as_string() == "NGA" ? 100 : 300);
  EXPECT_NEAR(second["total_cost"].to_number<double>(), 100 * 1.0 + 300 * 3.0, 1e-9);
  auto rounds = expect_json_object(call("GET", "/api/v1/aid/rounds", ""));
  EXPECT_EQ(rounds["rounds"].as_array().size(), 2u);

  // A new posting of a need replaces the old one for the next round.
  expect_json_object(call("POST", "/api/v1/aid/needs", nga_, {{"item", "masks"}, {"quantity", 50}, {"population", 100000}, {"delivered", 300}}),
     201);
  auto needs = expect_json_object(call("GET", "/api/v1/aid/needs?country=NGA&all=true", ""));
  ASSERT_EQ(needs["needs"].as_array().size(), 2u);
  EXPECT_FALSE(needs["needs"].as_array()[0].at("current").as_bool());
  EXPECT_TRUE(needs["needs"].as_array()[1].at("current").as_bool());
  EXPECT_EQ(needs["needs"].as_array()[0].at("allocated").as_int64(), 300);
  auto third = expect_json_object(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fair"}}), 201);
  EXPECT_TRUE(third["allocation"].as_array().empty()) << "no offer is left: the round allocates nothing";
  EXPECT_EQ(third["inputs"].at("needs").as_array()[1].at("quantity").as_int64(), 50) << "the new posting counts";
}

TEST_P(AidRoutesTest, ExpertTeamsAreAnItemKind) {
  auto need = expect_json_object(call("POST", "/api/v1/aid/needs", nga_,
                      {{"item_kind", "expert_team"}, {"specialty", "icu"}, {"team_size", 8}, {"quantity", 2},
                       {"population", 100000}, {"start_date", "2020-06-10"}, {"end_date", "2020-08-10"}}),
                 201);
  EXPECT_EQ(need["item"].as_string(), "expert_team_icu");
  EXPECT_EQ(need["team_size"].as_int64(), 8);
  EXPECT_EQ(need["start_date"].as_string(), "2020-06-10");
  expect_json_object(call("POST", "/api/v1/aid/offers", donor_,
          {{"item_kind", "expert_team"}, {"specialty", "icu"}, {"team_size", 10}, {"quantity", 1},
           {"start_date", "2020-06-05"}, {"end_date", "2020-09-01"}}),
     201);
  // An offer whose window closed before today takes no part in the round.
  expect_json_object(call("POST", "/api/v1/aid/offers", other_donor_,
          {{"item_kind", "expert_team"}, {"specialty", "icu"}, {"team_size", 6}, {"quantity", 1}, {"end_date", "2020-05-01"}}),
     201);
  auto round = expect_json_object(call("POST", "/api/v1/aid/rounds", coordinator_, {{"policy", "fair"}}), 201);
  ASSERT_EQ(round["allocation"].as_array().size(), 1u);
  EXPECT_EQ(round["allocation"].as_array()[0].at("item").as_string(), "expert_team_icu");
  EXPECT_EQ(round["allocation"].as_array()[0].at("donor").as_string(), "Jack Ma Foundation");
  EXPECT_EQ(round["allocation"].as_array()[0].at("quantity").as_int64(), 1);

  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/needs", nga_,
                         {{"item_kind", "expert_team"}, {"team_size", 8}, {"quantity", 1}, {"population", 10}}),
                    400)
                .find("'specialty'"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/aid/needs", nga_,
                         {{"item_kind", "expert_team"}, {"specialty", "icu"}, {"team_size", 8}, {"quantity", 1},
                          {"population", 10}, {"start_date", "2020-07-01"}, {"end_date", "2020-06-01"}}),
                    400)
                .find("'end_date'"),
            std::string::npos);
}

}  // namespace
}  // namespace shouwang::aid
