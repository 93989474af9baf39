// The aid_ tables through store::sql, on SQLite and on PostgreSQL alike: postings superseding
// earlier ones, rounds over the remaining snapshot, shipment transitions and their refusals, expert
// teams' nullable columns, writers taking turns under concurrency, and a database file made before
// the migrations existed.
#include "aid/coordination_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/support/backends.h"

namespace shouwang::aid {
namespace {

using shouwang::testing::Backend;
using shouwang::testing::FreshDatabase;

const Timestamp kNow(1'590'969'600'000'000);  // 2020-06-01T00:00:00Z
const Date kToday = *Date::parse("2020-06-01");

NeedRecord need(const std::string& country, const std::string& item, int64_t quantity, int64_t population) {
  NeedRecord n;
  n.country = country;
  n.item = item;
  n.quantity = quantity;
  n.population = population;
  n.posted_at = kNow;
  n.posted_by = "reporter " + country;
  return n;
}

OfferRecord offer(const std::string& donor, const std::string& item, int64_t quantity, const std::string& origin) {
  OfferRecord o;
  o.donor = donor;
  o.item = item;
  o.quantity = quantity;
  o.origin = origin;
  o.posted_at = kNow;
  o.posted_by = donor;
  return o;
}

ShipmentEventRequest event(ShipmentEventKind kind, const std::string& date = "", int64_t received = 0,
                           const std::string& received_by = "") {
  ShipmentEventRequest e;
  e.kind = kind;
  if (!date.empty()) e.date = *Date::parse(date);
  e.quantity_received = received;
  e.received_by = received_by;
  return e;
}

class CoordinationStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string name = fresh_.create(GetParam());
    ASSERT_FALSE(name.empty());
    auto db = store::sql::Database::open(name);
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    db_ = std::move(db).value();
    auto store = CoordinationStore::open(*db_);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
  }

  // NGA (population 100,000) and ETH (300,000) each need 1,000 masks; the foundation offers 800
  // from CHN. A fair round gives NGA 200 and ETH 600.
  int64_t post_basic_and_run_round() {
    EXPECT_TRUE(store_->post_need(need("NGA", "masks", 1000, 100000)).is_ok());
    EXPECT_TRUE(store_->post_need(need("ETH", "masks", 1000, 300000)).is_ok());
    EXPECT_TRUE(store_->post_offer(offer("Foundation", "masks", 800, "CHN")).is_ok());
    auto round = store_->run_round(AllocationOptions{}, std::nullopt, kNow, kToday, "hub");
    EXPECT_TRUE(round.is_ok()) << round.status().to_string();
    return round.is_ok() ? *round : 0;
  }
  int64_t line_to(int64_t round_id, const std::string& country) {
    auto round = store_->get_round(round_id);
    if (round.is_ok())
      for (const auto& l : round->lines)
        if (l.country == country) return l.id;
    ADD_FAILURE() << "no allocation line to " << country;
    return 0;
  }

  FreshDatabase fresh_;
  std::unique_ptr<store::sql::Database> db_;
  std::unique_ptr<CoordinationStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, CoordinationStoreTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

TEST_P(CoordinationStoreTest, ANewPostingSupersedesTheCurrentOneOfItsKey) {
  auto first = store_->post_need(need("NGA", "masks", 1000, 100000));
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  ASSERT_TRUE(store_->post_need(need("ETH", "masks", 500, 300000)).is_ok());
  ASSERT_TRUE(store_->post_need(need("NGA", "gloves", 20, 100000)).is_ok());
  NeedRecord again = need("NGA", "masks", 700, 100000);
  again.weight = 2.5;
  again.note = "revised after the census";
  auto second = store_->post_need(again);
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_GT(*second, *first);

  auto current = store_->list_needs(NeedFilter{});
  ASSERT_TRUE(current.is_ok()) << current.status().to_string();
  ASSERT_EQ(current->size(), 3u);
  auto nga_masks = store_->list_needs(NeedFilter{"NGA", "masks", true});
  ASSERT_TRUE(nga_masks.is_ok());
  ASSERT_EQ(nga_masks->size(), 2u);
  EXPECT_EQ((*nga_masks)[0].id, *first);
  EXPECT_FALSE((*nga_masks)[0].current);
  EXPECT_TRUE((*nga_masks)[1].current);
  EXPECT_EQ((*nga_masks)[1].quantity, 700);
  EXPECT_EQ((*nga_masks)[1].weight, 2.5);
  EXPECT_EQ((*nga_masks)[1].note, "revised after the census");
  EXPECT_EQ((*nga_masks)[1].posted_at, kNow);
  EXPECT_EQ((*nga_masks)[1].posted_by, "reporter NGA");
  EXPECT_FALSE((*nga_masks)[1].team.has_value());
  EXPECT_EQ(store_->list_needs(NeedFilter{"", "gloves", false})->size(), 1u);
  EXPECT_EQ(store_->list_needs(NeedFilter{"ZAF", "", true})->size(), 0u);

  ASSERT_TRUE(store_->post_offer(offer("Foundation", "masks", 800, "CHN")).is_ok());
  OfferRecord commercial = offer("Foundation", "masks", 900, "");
  commercial.kind = OfferKind::kCommercial;
  commercial.unit_price = 0.35;
  ASSERT_TRUE(store_->post_offer(commercial).is_ok());
  ASSERT_TRUE(store_->post_offer(offer("Other Fund", "masks", 10, "DEU")).is_ok());
  auto offers = store_->list_offers("Foundation", "", true);
  ASSERT_TRUE(offers.is_ok()) << offers.status().to_string();
  ASSERT_EQ(offers->size(), 2u);
  EXPECT_FALSE((*offers)[0].current);
  EXPECT_EQ((*offers)[0].origin, "CHN");
  EXPECT_EQ((*offers)[1].kind, OfferKind::kCommercial);
  EXPECT_EQ((*offers)[1].unit_price, 0.35);
  EXPECT_EQ((*offers)[1].origin, "");
  EXPECT_EQ(store_->list_offers("", "masks", false)->size(), 2u);

  EXPECT_EQ(store_->post_need(need("Nigeria", "masks", 1, 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->post_offer(offer("X", "masks", 1, "Germany")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->list_needs(NeedFilter{"", "", true})->size(), 4u) << "nothing refused was stored";
}

TEST_P(CoordinationStoreTest, RoundsAllocateWhatIsLeftAndKeepTheirInputs) {
  EXPECT_EQ(store_->run_round(AllocationOptions{}, std::nullopt, kNow, kToday, "hub").status().code(),
            StatusCode::kFailedPrecondition);
  int64_t first = post_basic_and_run_round();
  auto round = store_->get_round(first);
  ASSERT_TRUE(round.is_ok()) << round.status().to_string();
  EXPECT_EQ(round->run_by, "hub");
  EXPECT_EQ(round->run_at, kNow);
  EXPECT_FALSE(round->options.cap.has_value());
  ASSERT_EQ(round->lines.size(), 2u);
  for (const auto& l : round->lines) {
    EXPECT_EQ(l.round_id, first);
    EXPECT_EQ(l.donor, "Foundation");
    EXPECT_EQ(l.quantity, l.country == "NGA" ? 200 : 600);
    EXPECT_EQ(l.planned, 0);
  }
  EXPECT_NE(round->inputs_json.find("\"need_id\""), std::string::npos) << round->inputs_json;
  EXPECT_NE(round->report_json.find("\"theta\""), std::string::npos) << round->report_json;
  auto needs = store_->list_needs(NeedFilter{});
  ASSERT_TRUE(needs.is_ok());
  for (const auto& n : *needs) EXPECT_EQ(n.allocated, n.country == "NGA" ? 200 : 600);
  EXPECT_EQ((*store_->list_offers("", "", false))[0].allocated, 800);

  // Another donor's 400 go where coverage is lowest; costs, cap and buffer are kept with the round.
  ASSERT_TRUE(store_->post_offer(offer("Other Fund", "masks", 400, "DEU")).is_ok());
  AllocationOptions options;
  options.policy = Policy::kFairThenCost;
  options.cap = 0.5;
  options.buffer = 0.0;
  std::vector<TransportCost> costs = {{"CHN", "NGA", 2.0, 0}, {"CHN", "ETH", 2.0, 0},
                                      {"DEU", "NGA", 1.0, 0}, {"DEU", "ETH", 3.0, 0}};
  auto second = store_->run_round(options, costs, Timestamp(kNow.micros() + 1), kToday, "hub");
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  auto later = store_->get_round(*second);
  ASSERT_TRUE(later.is_ok());
  EXPECT_EQ(later->options.policy, Policy::kFairThenCost);
  EXPECT_EQ(later->options.cap, 0.5);
  EXPECT_NEAR(later->total_cost, 100 * 1.0 + 300 * 3.0, 1e-9);
  for (const auto& l : later->lines) EXPECT_EQ(l.quantity, l.country == "NGA" ? 100 : 300);
  EXPECT_NE(later->inputs_json.find("\"unit_cost\""), std::string::npos);

  auto rounds = store_->list_rounds();
  ASSERT_TRUE(rounds.is_ok());
  ASSERT_EQ(rounds->size(), 2u);
  EXPECT_EQ((*rounds)[0].id, *second) << "newest first";
  EXPECT_TRUE((*rounds)[0].lines.empty());
  EXPECT_EQ(store_->list_allocations()->size(), 4u);
  EXPECT_EQ(store_->get_round(9999).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_allocation(9999).status().code(), StatusCode::kNotFound);
}

TEST_P(CoordinationStoreTest, ShipmentsFollowTheirTransitions) {
  int64_t round = post_basic_and_run_round();
  int64_t nga_line = line_to(round, "NGA");
  ShipmentRequest too_many{nga_line, "", "", "", "", 201, ""};
  EXPECT_EQ(store_->plan_shipment(too_many, kNow, "donor").status().code(), StatusCode::kFailedPrecondition);
  auto id = store_->plan_shipment(ShipmentRequest{nga_line, "", "", "", "", std::nullopt, "first half"}, kNow, "donor");
  ASSERT_TRUE(id.is_ok()) << id.status().to_string();
  EXPECT_EQ(store_->plan_shipment(ShipmentRequest{nga_line}, kNow, "donor").status().code(),
            StatusCode::kFailedPrecondition)
      << "the line is fully planned";
  EXPECT_EQ(store_->get_allocation(nga_line)->planned, 200);

  auto planned = store_->get_shipment(*id);
  ASSERT_TRUE(planned.is_ok()) << planned.status().to_string();
  EXPECT_EQ(planned->state, ShipmentState::kPlanned);
  EXPECT_EQ(planned->allocation_id, nga_line);
  EXPECT_EQ(planned->round_id, round);
  EXPECT_EQ(planned->origin, "CHN") << "from the offer";
  EXPECT_EQ(planned->quantity, 200);
  ASSERT_EQ(planned->events.size(), 1u);
  EXPECT_EQ(planned->events[0].kind, ShipmentEventKind::kPlanned);
  EXPECT_FALSE(planned->events[0].date.has_value());
  EXPECT_EQ(planned->events[0].note, "first half");

  EXPECT_EQ(store_->add_shipment_event(*id, event(ShipmentEventKind::kDelivered, "2020-06-03", 10, "x"), kNow, "nga")
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->add_shipment_event(*id, event(ShipmentEventKind::kDispatched, "2020-06-02"), kNow, "donor").is_ok());
  EXPECT_EQ(store_->add_shipment_event(*id, event(ShipmentEventKind::kDispatched), kNow, "donor").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->add_shipment_event(*id, event(ShipmentEventKind::kDelivered, "2020-06-01", 10, "x"), kNow, "nga")
                .status()
                .code(),
            StatusCode::kInvalidArgument)
      << "before the dispatch date";
  EXPECT_EQ(store_->add_shipment_event(*id, event(ShipmentEventKind::kDelivered, "2020-06-03", 201, "x"), kNow, "nga")
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  auto partial =
      store_->add_shipment_event(*id, event(ShipmentEventKind::kDelivered, "2020-06-05", 150, "Lagos store"), kNow, "nga");
  ASSERT_TRUE(partial.is_ok()) << partial.status().to_string();
  EXPECT_EQ(partial->state, ShipmentState::kPartiallyDelivered);
  EXPECT_EQ(partial->received, 150);
  ASSERT_EQ(partial->events.size(), 3u);
  EXPECT_EQ(partial->events[2].date, *Date::parse("2020-06-05"));
  EXPECT_EQ(partial->events[2].quantity_received, 150);
  EXPECT_EQ(partial->events[2].received_by, "Lagos store");
  EXPECT_EQ(partial->events[2].recorded_by, "nga");

  auto cancelled = store_->add_shipment_event(*id, event(ShipmentEventKind::kCancelled), kNow, "donor");
  ASSERT_TRUE(cancelled.is_ok()) << cancelled.status().to_string();
  EXPECT_EQ(cancelled->state, ShipmentState::kCancelled);
  EXPECT_EQ(store_->add_shipment_event(*id, event(ShipmentEventKind::kCancelled), kNow, "donor").status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->get_allocation(nga_line)->planned, 150) << "a cancelled shipment counts what it delivered";

  // An ad hoc shipment, then the filters of the listing.
  auto ad_hoc = store_->plan_shipment(ShipmentRequest{std::nullopt, "Other Fund", "DEU", "ETH", "gloves", 30, ""},
                                      kNow, "other");
  ASSERT_TRUE(ad_hoc.is_ok()) << ad_hoc.status().to_string();
  EXPECT_FALSE(store_->get_shipment(*ad_hoc)->allocation_id.has_value());
  EXPECT_EQ(store_->list_shipments()->size(), 2u);
  auto to_nga = store_->list_shipments("NGA", "");
  ASSERT_TRUE(to_nga.is_ok());
  ASSERT_EQ(to_nga->size(), 1u);
  EXPECT_EQ((*to_nga)[0].events.size(), 4u);
  EXPECT_EQ(store_->list_shipments("", "Other Fund")->size(), 1u);
  EXPECT_EQ(store_->list_shipments("NGA", "Other Fund")->size(), 0u);
  EXPECT_EQ(store_->get_shipment(9999).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->add_shipment_event(9999, event(ShipmentEventKind::kDispatched), kNow, "x").status().code(),
            StatusCode::kNotFound);
}

TEST_P(CoordinationStoreTest, ExpertTeamsKeepTheirColumnsAndExpire) {
  NeedRecord icu = need("NGA", "", 2, 100000);
  icu.item_kind = ItemKind::kExpertTeam;
  icu.team = ExpertTeam{"icu", 8, *Date::parse("2020-06-10"), *Date::parse("2020-08-10")};
  ASSERT_TRUE(store_->post_need(icu).is_ok());
  OfferRecord team = offer("Foundation", "", 1, "CHN");
  team.item_kind = ItemKind::kExpertTeam;
  team.team = ExpertTeam{"icu", 10, std::nullopt, *Date::parse("2020-09-01")};
  ASSERT_TRUE(store_->post_offer(team).is_ok());
  OfferRecord expired = offer("Other Fund", "", 1, "DEU");
  expired.item_kind = ItemKind::kExpertTeam;
  expired.team = ExpertTeam{"icu", 6, std::nullopt, *Date::parse("2020-05-01")};
  ASSERT_TRUE(store_->post_offer(expired).is_ok());

  auto needs = store_->list_needs(NeedFilter{});
  ASSERT_TRUE(needs.is_ok());
  ASSERT_EQ(needs->size(), 1u);
  EXPECT_EQ((*needs)[0].item, "expert_team_icu");
  EXPECT_EQ((*needs)[0].item_kind, ItemKind::kExpertTeam);
  ASSERT_TRUE((*needs)[0].team.has_value());
  EXPECT_EQ((*needs)[0].team->specialty, "icu");
  EXPECT_EQ((*needs)[0].team->team_size, 8);
  EXPECT_EQ((*needs)[0].team->start_date, *Date::parse("2020-06-10"));
  EXPECT_EQ((*needs)[0].team->end_date, *Date::parse("2020-08-10"));
  auto offers = store_->list_offers("Foundation", "", false);
  ASSERT_TRUE(offers.is_ok());
  ASSERT_EQ(offers->size(), 1u);
  EXPECT_FALSE((*offers)[0].team->start_date.has_value());

  auto round = store_->run_round(AllocationOptions{}, std::nullopt, kNow, kToday, "hub");
  ASSERT_TRUE(round.is_ok()) << round.status().to_string();
  auto lines = store_->get_round(*round)->lines;
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].donor, "Foundation") << "the other team's window closed before today";
  EXPECT_EQ(lines[0].item, "expert_team_icu");
}

// Writers whose checks read the stored state take turns on either backend: postings of one key
// leave exactly one current, and shipments never plan more than their line holds.
TEST_P(CoordinationStoreTest, ConcurrentWritersTakeTurns) {
  int64_t round = post_basic_and_run_round();
  int64_t nga_line = line_to(round, "NGA");  // 200 units
  constexpr int kThreads = 8;
  constexpr int kEach = 30;
  std::atomic<int> planned{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!store_->post_need(need("ZAF", "masks", 100 * t + i, 500000)).is_ok()) ++failed;
        auto shipment = store_->plan_shipment(ShipmentRequest{nga_line, "", "", "", "", 1, ""}, kNow, "donor");
        if (shipment.is_ok()) {
          ++planned;
        } else if (shipment.status().code() == StatusCode::kFailedPrecondition) {
          ++refused;
        } else {
          ++failed;
          ADD_FAILURE() << shipment.status().to_string();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(planned.load(), 200);
  EXPECT_EQ(refused.load(), kThreads * kEach - 200);
  EXPECT_EQ(store_->get_allocation(nga_line)->planned, 200);
  EXPECT_EQ(store_->list_needs(NeedFilter{"ZAF", "masks", false})->size(), 1u);
  EXPECT_EQ(store_->list_needs(NeedFilter{"ZAF", "masks", true})->size(), static_cast<size_t>(kThreads * kEach));
}

TEST_P(CoordinationStoreTest, ReopeningKeepsEverything) {
  post_basic_and_run_round();
  store_.reset();
  auto again = CoordinationStore::open(*db_);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ((*again)->list_needs(NeedFilter{})->size(), 2u);
  EXPECT_EQ((*again)->list_rounds()->size(), 1u);
  auto conn = db_->acquire();
  ASSERT_TRUE(conn.is_ok());
  EXPECT_EQ(*(*conn)->scalar("SELECT COUNT(*) FROM shouwang_migrations WHERE module = 'aid'"), 1);
}

// A database file made by the SQLite-only releases: the aid_ tables exist, no migration is
// recorded. Opening it records step 1 and keeps the rows.
TEST(CoordinationStoreUpgrade, ASqliteFileFromBeforeTheMigrationsKeepsItsRows) {
  FreshDatabase fresh;
  std::string path = fresh.create(Backend::kSqlite);
  {
    auto conn = store::sql::connect(path);
    ASSERT_TRUE(conn.is_ok()) << conn.status().to_string();
    ASSERT_TRUE((*conn)
                    ->exec(R"sql(
CREATE TABLE aid_needs (id INTEGER PRIMARY KEY, country TEXT NOT NULL, item TEXT NOT NULL, item_kind TEXT NOT NULL,
  quantity INTEGER NOT NULL, population INTEGER NOT NULL, delivered INTEGER NOT NULL, weight REAL NOT NULL,
  specialty TEXT, team_size INTEGER, start_date TEXT, end_date TEXT, note TEXT NOT NULL, posted_at INTEGER NOT NULL,
  posted_by TEXT NOT NULL, superseded_by INTEGER REFERENCES aid_needs(id));
CREATE INDEX aid_needs_by_key ON aid_needs(country, item);
CREATE TABLE aid_offers (id INTEGER PRIMARY KEY, donor TEXT NOT NULL, item TEXT NOT NULL, item_kind TEXT NOT NULL,
  quantity INTEGER NOT NULL, origin TEXT NOT NULL, kind TEXT NOT NULL, unit_price REAL NOT NULL, specialty TEXT,
  team_size INTEGER, start_date TEXT, end_date TEXT, note TEXT NOT NULL, posted_at INTEGER NOT NULL,
  posted_by TEXT NOT NULL, superseded_by INTEGER REFERENCES aid_offers(id));
CREATE TABLE aid_rounds (id INTEGER PRIMARY KEY, policy TEXT NOT NULL, cap REAL, buffer REAL NOT NULL,
  run_at INTEGER NOT NULL, run_by TEXT NOT NULL, inputs_json TEXT NOT NULL, report_json TEXT NOT NULL,
  total_cost REAL NOT NULL);
CREATE TABLE aid_allocations (id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL REFERENCES aid_rounds(id),
  donor TEXT NOT NULL, country TEXT NOT NULL, item TEXT NOT NULL, quantity INTEGER NOT NULL,
  need_id INTEGER NOT NULL REFERENCES aid_needs(id), offer_id INTEGER NOT NULL REFERENCES aid_offers(id));
CREATE TABLE aid_shipments (id INTEGER PRIMARY KEY, allocation_id INTEGER REFERENCES aid_allocations(id),
  round_id INTEGER REFERENCES aid_rounds(id), donor TEXT NOT NULL, origin TEXT NOT NULL, country TEXT NOT NULL,
  item TEXT NOT NULL, quantity INTEGER NOT NULL, received INTEGER NOT NULL, state TEXT NOT NULL, note TEXT NOT NULL,
  created_at INTEGER NOT NULL, created_by TEXT NOT NULL);
CREATE TABLE aid_shipment_events (id INTEGER PRIMARY KEY, shipment_id INTEGER NOT NULL REFERENCES aid_shipments(id),
  event TEXT NOT NULL, event_date TEXT, quantity_received INTEGER NOT NULL, received_by TEXT NOT NULL,
  note TEXT NOT NULL, recorded_at INTEGER NOT NULL, recorded_by TEXT NOT NULL);
INSERT INTO aid_needs (country, item, item_kind, quantity, population, delivered, weight, note, posted_at, posted_by)
  VALUES ('NGA', 'masks', 'goods', 1000, 100000, 0, 1.0, 'kept', 1590969600000000, 'Nigeria CDC');
)sql")
                    .is_ok());
  }
  auto db = store::sql::Database::open(path);
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  auto store = CoordinationStore::open(**db);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  auto needs = (*store)->list_needs(NeedFilter{});
  ASSERT_TRUE(needs.is_ok()) << needs.status().to_string();
  ASSERT_EQ(needs->size(), 1u);
  EXPECT_EQ((*needs)[0].note, "kept");
  EXPECT_TRUE((*needs)[0].current);
  // The old file takes new postings on top of its rows.
  ASSERT_TRUE((*store)->post_need(need("NGA", "masks", 500, 100000)).is_ok());
  EXPECT_EQ((*store)->list_needs(NeedFilter{"NGA", "masks", true})->size(), 2u);
  auto conn = (*db)->acquire();
  ASSERT_TRUE(conn.is_ok());
  EXPECT_EQ(*(*conn)->scalar("SELECT MAX(version) FROM shouwang_migrations WHERE module = 'aid'"), 1);
}

}  // namespace
}  // namespace shouwang::aid
