// The aid_ tables and the rules of postings, rounds and shipments, in portable SQL for SQLite and
// PostgreSQL alike.
#include "aid/coordination_store.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <boost/json.hpp>

#include "aid/allocate.h"
#include "aid/allocation_files.h"
#include "core/json_text.h"
#include "core/location.h"

namespace shouwang::aid {
namespace json = boost::json;
namespace sql = store::sql;
using sql::Connection;
using sql::Row;
using sql::Rows;

namespace {

// Step 1 is the schema the SQLite-only releases created with CREATE ... IF NOT EXISTS (their
// INTEGER and REAL are SQLite's 64-bit integer and double), so a database file made before the
// migrations existed keeps its tables and rows. Released steps are never edited.
constexpr sql::Migration kSteps[] = {{1, R"sql(
CREATE TABLE IF NOT EXISTS aid_needs (
  id {id},
  country TEXT NOT NULL,
  item TEXT NOT NULL,
  item_kind TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  population BIGINT NOT NULL,
  delivered BIGINT NOT NULL,
  weight DOUBLE PRECISION NOT NULL,
  specialty TEXT,
  team_size BIGINT,
  start_date TEXT,
  end_date TEXT,
  note TEXT NOT NULL,
  posted_at BIGINT NOT NULL,
  posted_by TEXT NOT NULL,
  superseded_by BIGINT REFERENCES aid_needs(id)
);
CREATE INDEX IF NOT EXISTS aid_needs_by_key ON aid_needs(country, item);
CREATE TABLE IF NOT EXISTS aid_offers (
  id {id},
  donor TEXT NOT NULL,
  item TEXT NOT NULL,
  item_kind TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  origin TEXT NOT NULL,
  kind TEXT NOT NULL,
  unit_price DOUBLE PRECISION NOT NULL,
  specialty TEXT,
  team_size BIGINT,
  start_date TEXT,
  end_date TEXT,
  note TEXT NOT NULL,
  posted_at BIGINT NOT NULL,
  posted_by TEXT NOT NULL,
  superseded_by BIGINT REFERENCES aid_offers(id)
);
CREATE INDEX IF NOT EXISTS aid_offers_by_key ON aid_offers(donor, item);
CREATE TABLE IF NOT EXISTS aid_rounds (
  id {id},
  policy TEXT NOT NULL,
  cap DOUBLE PRECISION,
  buffer DOUBLE PRECISION NOT NULL,
  run_at BIGINT NOT NULL,
  run_by TEXT NOT NULL,
  inputs_json TEXT NOT NULL,
  report_json TEXT NOT NULL,
  total_cost DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS aid_allocations (
  id {id},
  round_id BIGINT NOT NULL REFERENCES aid_rounds(id),
  donor TEXT NOT NULL,
  country TEXT NOT NULL,
  item TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  need_id BIGINT NOT NULL REFERENCES aid_needs(id),
  offer_id BIGINT NOT NULL REFERENCES aid_offers(id)
);
CREATE INDEX IF NOT EXISTS aid_allocations_by_round ON aid_allocations(round_id);
CREATE INDEX IF NOT EXISTS aid_allocations_by_need ON aid_allocations(need_id);
CREATE INDEX IF NOT EXISTS aid_allocations_by_offer ON aid_allocations(offer_id);
CREATE TABLE IF NOT EXISTS aid_shipments (
  id {id},
  allocation_id BIGINT REFERENCES aid_allocations(id),
  round_id BIGINT REFERENCES aid_rounds(id),
  donor TEXT NOT NULL,
  origin TEXT NOT NULL,
  country TEXT NOT NULL,
  item TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  received BIGINT NOT NULL,
  state TEXT NOT NULL,
  note TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aid_shipments_by_allocation ON aid_shipments(allocation_id);
CREATE TABLE IF NOT EXISTS aid_shipment_events (
  id {id},
  shipment_id BIGINT NOT NULL REFERENCES aid_shipments(id),
  event TEXT NOT NULL,
  event_date TEXT,
  quantity_received BIGINT NOT NULL,
  received_by TEXT NOT NULL,
  note TEXT NOT NULL,
  recorded_at BIGINT NOT NULL,
  recorded_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aid_shipment_events_by_shipment ON aid_shipment_events(shipment_id);
)sql"}};
constexpr sql::Schema kSchema{"aid", kSteps};

// The key of the transaction-scoped PostgreSQL advisory lock aid's writers take ("aid_writ" in
// ASCII; the migrations' key is another).
constexpr int64_t kWriterLock = 0x6169645f77726974;

// A transaction for a write whose checks read the stored state first (the current posting of a
// key, what is left of a line, a shipment's state). SQLite's BEGIN IMMEDIATE already lets one
// writer in at a time; PostgreSQL's READ COMMITTED does not, so there aid's writers also take
// one advisory lock, and each statement after it sees everything the previous writer committed:
// two postings of one key cannot both stay current, nor two shipments over-plan a line.
Result<sql::Transaction> begin_write(Connection& conn) {
  ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(conn));
  if (conn.dialect() == sql::Dialect::kPostgres) {
    RETURN_IF_ERROR(conn.query("SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", kWriterLock).status());
  }
  return tx;
}

bool is_country_code(std::string_view code) {
  auto level = level_of_location_code(code);
  return level.is_ok() && *level == LocationLevel::kCountry;
}
bool is_recipient_code(std::string_view code) {
  auto level = level_of_location_code(code);
  return level.is_ok() && (*level == LocationLevel::kCountry || *level == LocationLevel::kSubnational);
}

std::optional<std::string> date_text(const std::optional<Date>& date) {
  if (!date) return std::nullopt;
  return date->to_string();
}

std::optional<Date> date_column(const Row& row, int col) {
  if (row.is_null(col)) return std::nullopt;
  auto date = Date::parse(row.text(col));
  if (!date) return std::nullopt;
  return *date;
}

std::optional<ExpertTeam> team_columns(const Row& row, int first) {
  if (row.is_null(first)) return std::nullopt;
  return ExpertTeam{row.text(first), row.int64(first + 1), date_column(row, first + 2), date_column(row, first + 3)};
}

// The four team columns of a posting: all null for goods.
struct TeamValues {
  std::optional<std::string> specialty;
  std::optional<int64_t> team_size;
  std::optional<std::string> start_date;
  std::optional<std::string> end_date;
};
TeamValues team_values(const std::optional<ExpertTeam>& team) {
  if (!team) return {};
  return TeamValues{team->specialty, team->team_size, date_text(team->start_date), date_text(team->end_date)};
}

// Checks the item, kind and expert-team fields shared by needs and offers; fills the item of a team.
Status check_item(std::string& item, ItemKind kind, const std::optional<ExpertTeam>& team) {
  if (kind == ItemKind::kGoods) {
    if (team) return invalid_argument("'specialty', 'team_size' and the dates belong to item_kind expert_team");
    if (item.empty()) return invalid_argument("'item' is required");
    if (item.starts_with("expert_team_"))
      return invalid_argument("'item' " + item + " is an expert team: give item_kind expert_team and its specialty");
    return Status::ok();
  }
  if (!team || team->specialty.empty()) return invalid_argument("'specialty' is required for an expert team");
  if (team->team_size <= 0) return invalid_argument("'team_size' must be a whole number > 0 for an expert team");
  if (team->start_date && team->end_date && *team->end_date < *team->start_date)
    return invalid_argument("'end_date' " + team->end_date->to_string() + " is before 'start_date' " +
                            team->start_date->to_string());
  std::string expected = expert_team_item(team->specialty);
  if (!item.empty() && item != expected)
    return invalid_argument("'item' must be " + expected + " for an expert team in " + team->specialty +
                            " (or be left out)");
  item = expected;
  return Status::ok();
}

ShipmentState parse_state(const std::string& name) {
  if (name == "dispatched") return ShipmentState::kDispatched;
  if (name == "partially_delivered") return ShipmentState::kPartiallyDelivered;
  if (name == "delivered") return ShipmentState::kDelivered;
  if (name == "cancelled") return ShipmentState::kCancelled;
  return ShipmentState::kPlanned;
}

std::string select(const char* columns, std::string_view rest) {
  return std::string("SELECT ") + columns + " " + std::string(rest);
}

constexpr const char* kNeedColumns =
    "id, country, item, item_kind, quantity, population, delivered, weight, specialty, team_size, start_date, "
    "end_date, note, posted_at, posted_by, superseded_by IS NULL, "
    "(SELECT COALESCE(SUM(quantity), 0) FROM aid_allocations a WHERE a.need_id = aid_needs.id)";
constexpr const char* kOfferColumns =
    "id, donor, item, item_kind, quantity, origin, kind, unit_price, specialty, team_size, start_date, end_date, "
    "note, posted_at, posted_by, superseded_by IS NULL, "
    "(SELECT COALESCE(SUM(quantity), 0) FROM aid_allocations a WHERE a.offer_id = aid_offers.id)";

// The columns needs and offers share: both column lists put them at the same places.
template <typename Posting>
void read_posting_columns(const Row& row, Posting& p) {
  p.id = row.int64(0);
  p.item = row.text(2);
  p.item_kind = row.text(3) == "expert_team" ? ItemKind::kExpertTeam : ItemKind::kGoods;
  p.quantity = row.int64(4);
  p.team = team_columns(row, 8);
  p.note = row.text(12);
  p.posted_at = Timestamp(row.int64(13));
  p.posted_by = row.text(14);
  p.current = row.int64(15) != 0;
  p.allocated = row.int64(16);
}

NeedRecord read_need(const Row& row) {
  NeedRecord n;
  read_posting_columns(row, n);
  n.country = row.text(1);
  n.population = row.int64(5);
  n.delivered = row.int64(6);
  n.weight = row.float8(7);
  return n;
}

OfferRecord read_offer(const Row& row) {
  OfferRecord o;
  read_posting_columns(row, o);
  o.donor = row.text(1);
  o.origin = row.text(5);
  o.kind = row.text(6) == "commercial" ? OfferKind::kCommercial : OfferKind::kDonation;
  o.unit_price = row.float8(7);
  return o;
}

constexpr const char* kAllocationColumns =
    "id, round_id, donor, country, item, quantity, need_id, offer_id, "
    "(SELECT COALESCE(SUM(CASE WHEN state = 'cancelled' THEN received ELSE quantity END), 0) FROM aid_shipments s "
    "WHERE s.allocation_id = aid_allocations.id)";

AllocationRecord read_allocation(const Row& row) {
  return AllocationRecord{row.int64(0), row.int64(1), row.text(2),  row.text(3), row.text(4),
                          row.int64(5), row.int64(6), row.int64(7), row.int64(8)};
}

constexpr const char* kShipmentColumns =
    "id, allocation_id, round_id, donor, origin, country, item, quantity, received, state, note, created_at, "
    "created_by";

constexpr const char* kRoundSummaryColumns = "id, policy, cap, buffer, run_at, run_by, total_cost";

Result<RoundRecord> read_round_summary(const Row& row) {
  RoundRecord r;
  r.id = row.int64(0);
  ASSIGN_OR_RETURN(r.options.policy, parse_policy(row.text(1)));
  if (!row.is_null(2)) r.options.cap = row.float8(2);
  r.options.buffer = row.float8(3);
  r.run_at = Timestamp(row.int64(4));
  r.run_by = row.text(5);
  r.total_cost = row.float8(6);
  return r;
}

ShipmentRecord read_shipment(const Row& row) {
  ShipmentRecord r;
  r.id = row.int64(0);
  if (!row.is_null(1)) r.allocation_id = row.int64(1);
  if (!row.is_null(2)) r.round_id = row.int64(2);
  r.donor = row.text(3);
  r.origin = row.text(4);
  r.country = row.text(5);
  r.item = row.text(6);
  r.quantity = row.int64(7);
  r.received = row.int64(8);
  r.state = parse_state(row.text(9));
  r.note = row.text(10);
  r.created_at = Timestamp(row.int64(11));
  r.created_by = row.text(12);
  return r;
}

constexpr const char* kShipmentEventColumns =
    "id, shipment_id, event, event_date, quantity_received, received_by, note, recorded_at, recorded_by";

ShipmentEvent read_shipment_event(const Row& row) {
  ShipmentEvent e;
  e.id = row.int64(0);
  e.shipment_id = row.int64(1);
  std::string name = row.text(2);
  e.kind = name == "planned" ? ShipmentEventKind::kPlanned : *parse_shipment_event(name);
  e.date = date_column(row, 3);
  e.quantity_received = row.int64(4);
  e.received_by = row.text(5);
  e.note = row.text(6);
  e.recorded_at = Timestamp(row.int64(7));
  e.recorded_by = row.text(8);
  return e;
}

// Needs are keyed by (country, item), offers by (donor, item): `key_column` names the first.
Status supersede_earlier_postings(Connection& conn, std::string_view table, std::string_view key_column,
                                  const std::string& key, const std::string& item, int64_t id) {
  return conn
      .run("UPDATE " + std::string(table) + " SET superseded_by = ? WHERE " + std::string(key_column) +
               " = ? AND item = ? AND id <> ? AND superseded_by IS NULL",
           id, key, item, id)
      .status();
}

template <typename Read>
Result<std::vector<sql::RowOf<Read>>> list_postings(Connection& conn, const char* columns, std::string_view table,
                                                    std::string_view key_column, const std::string& key,
                                                    const std::string& item, bool include_superseded, Read read) {
  // An empty key or item matches all; each is passed twice, once per `?`.
  ASSIGN_OR_RETURN(Rows rows,
                   conn.query(select(columns, "FROM " + std::string(table) + " WHERE (CAST(? AS TEXT) = '' OR " +
                                                  std::string(key_column) +
                                                  " = ?) AND (CAST(? AS TEXT) = '' OR item = ?) AND "
                                                  "(CAST(? AS BIGINT) = 1 OR superseded_by IS NULL) ORDER BY id"),
                              key, key, item, item, include_superseded));
  return sql::all_rows(rows, read);
}

Result<std::vector<NeedRecord>> list_needs_on(Connection& conn, const NeedFilter& filter) {
  return list_postings(conn, kNeedColumns, "aid_needs", "country", filter.country, filter.item,
                       filter.include_superseded, read_need);
}

Result<std::vector<OfferRecord>> list_offers_on(Connection& conn, const std::string& donor, const std::string& item,
                                                bool include_superseded) {
  return list_postings(conn, kOfferColumns, "aid_offers", "donor", donor, item, include_superseded, read_offer);
}

Result<AllocationRecord> get_allocation_on(Connection& conn, int64_t id) {
  ASSIGN_OR_RETURN(Rows rows, conn.query(select(kAllocationColumns, "FROM aid_allocations WHERE id = ?"), id));
  return sql::the_row(rows, read_allocation, "no allocation line " + std::to_string(id));
}

Result<ShipmentRecord> get_shipment_on(Connection& conn, int64_t id) {
  ASSIGN_OR_RETURN(Rows rows, conn.query(select(kShipmentColumns, "FROM aid_shipments WHERE id = ?"), id));
  ASSIGN_OR_RETURN(ShipmentRecord r, sql::the_row(rows, read_shipment, "no shipment " + std::to_string(id)));
  ASSIGN_OR_RETURN(Rows events, conn.query(select(kShipmentEventColumns,
                                                  "FROM aid_shipment_events WHERE shipment_id = ? ORDER BY id"),
                                           id));
  ASSIGN_OR_RETURN(r.events, sql::all_rows(events, read_shipment_event));
  return r;
}

json::object need_input_json(const Need& n, int64_t need_id) {
  return json::object{{"need_id", need_id},       {"country", n.country},       {"item", n.item},
                      {"quantity", n.quantity},   {"population", n.population}, {"delivered", n.delivered},
                      {"weight", json_number(n.weight)}};
}

json::object offer_input_json(const Offer& o, int64_t offer_id) {
  return json::object{{"offer_id", offer_id},
                      {"donor", o.donor},
                      {"item", o.item},
                      {"quantity", o.quantity},
                      {"origin", o.origin.empty() ? json::value(nullptr) : json::value(o.origin)},
                      {"kind", o.kind == OfferKind::kCommercial ? "commercial" : "donation"},
                      {"unit_price", json_number(o.unit_price)}};
}

// An expert-team posting whose window is over takes no part in a round.
bool expired(const std::optional<ExpertTeam>& team, Date today) {
  return team && team->end_date && *team->end_date < today;
}

}  // namespace

std::string_view item_kind_name(ItemKind kind) { return kind == ItemKind::kExpertTeam ? "expert_team" : "goods"; }

Result<ItemKind> parse_item_kind(std::string_view name) {
  if (name == "goods" || name.empty()) return ItemKind::kGoods;
  if (name == "expert_team") return ItemKind::kExpertTeam;
  return invalid_argument("'item_kind' must be goods or expert_team, not '" + std::string(name) + "'");
}

std::string expert_team_item(std::string_view specialty) { return "expert_team_" + std::string(specialty); }

std::string_view shipment_state_name(ShipmentState state) {
  switch (state) {
    case ShipmentState::kPlanned: return "planned";
    case ShipmentState::kDispatched: return "dispatched";
    case ShipmentState::kPartiallyDelivered: return "partially_delivered";
    case ShipmentState::kDelivered: return "delivered";
    case ShipmentState::kCancelled: return "cancelled";
  }
  return "planned";
}

std::string_view shipment_event_name(ShipmentEventKind kind) {
  switch (kind) {
    case ShipmentEventKind::kPlanned: return "planned";
    case ShipmentEventKind::kDispatched: return "dispatched";
    case ShipmentEventKind::kDelivered: return "delivered";
    case ShipmentEventKind::kCancelled: return "cancelled";
  }
  return "planned";
}

Result<ShipmentEventKind> parse_shipment_event(std::string_view name) {
  if (name == "dispatched") return ShipmentEventKind::kDispatched;
  if (name == "delivered") return ShipmentEventKind::kDelivered;
  if (name == "cancelled") return ShipmentEventKind::kCancelled;
  return invalid_argument("'event' must be dispatched, delivered or cancelled, not '" + std::string(name) + "'");
}

Result<std::unique_ptr<CoordinationStore>> CoordinationStore::open(sql::Database& db) {
  RETURN_IF_ERROR(sql::migrate(db, kSchema));
  return std::unique_ptr<CoordinationStore>(new CoordinationStore(db));
}

Result<int64_t> CoordinationStore::post_need(NeedRecord need) {
  if (!is_recipient_code(need.country))
    return invalid_argument("'country' " + need.country + " is not a country code (ISO 3166-1 alpha-3) or subnational code");
  RETURN_IF_ERROR(check_item(need.item, need.item_kind, need.team));
  if (need.quantity < 0) return invalid_argument("'quantity' must be >= 0");
  if (need.population <= 0) return invalid_argument("'population' must be > 0");
  if (need.delivered < 0) return invalid_argument("'delivered' must be >= 0");
  if (!std::isfinite(need.weight) || need.weight <= 0) return invalid_argument("'weight' must be > 0");

  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, begin_write(*conn));
  TeamValues team = team_values(need.team);
  ASSIGN_OR_RETURN(int64_t id,
                   conn->scalar("INSERT INTO aid_needs (country, item, item_kind, quantity, population, delivered, "
                                "weight, specialty, team_size, start_date, end_date, note, posted_at, posted_by) "
                                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                                need.country, need.item, item_kind_name(need.item_kind), need.quantity,
                                need.population, need.delivered, need.weight, team.specialty, team.team_size,
                                team.start_date, team.end_date, need.note, need.posted_at.micros(), need.posted_by));
  RETURN_IF_ERROR(supersede_earlier_postings(*conn, "aid_needs", "country", need.country, need.item, id));
  RETURN_IF_ERROR(tx.commit());
  return id;
}

Result<int64_t> CoordinationStore::post_offer(OfferRecord offer) {
  if (offer.donor.empty()) return invalid_argument("'donor' is required");
  RETURN_IF_ERROR(check_item(offer.item, offer.item_kind, offer.team));
  if (offer.quantity < 0) return invalid_argument("'quantity' must be >= 0");
  if (!offer.origin.empty() && !is_country_code(offer.origin))
    return invalid_argument("'origin' " + offer.origin + " is not a country code (ISO 3166-1 alpha-3)");
  if (!std::isfinite(offer.unit_price) || offer.unit_price < 0) return invalid_argument("'unit_price' must be >= 0");

  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, begin_write(*conn));
  TeamValues team = team_values(offer.team);
  ASSIGN_OR_RETURN(int64_t id,
                   conn->scalar("INSERT INTO aid_offers (donor, item, item_kind, quantity, origin, kind, unit_price, "
                                "specialty, team_size, start_date, end_date, note, posted_at, posted_by) "
                                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                                offer.donor, offer.item, item_kind_name(offer.item_kind), offer.quantity, offer.origin,
                                offer.kind == OfferKind::kCommercial ? "commercial" : "donation", offer.unit_price,
                                team.specialty, team.team_size, team.start_date, team.end_date, offer.note,
                                offer.posted_at.micros(), offer.posted_by));
  RETURN_IF_ERROR(supersede_earlier_postings(*conn, "aid_offers", "donor", offer.donor, offer.item, id));
  RETURN_IF_ERROR(tx.commit());
  return id;
}

Result<std::vector<NeedRecord>> CoordinationStore::list_needs(const NeedFilter& filter) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  return list_needs_on(*conn, filter);
}

Result<std::vector<OfferRecord>> CoordinationStore::list_offers(const std::string& donor, const std::string& item,
                                                                bool include_superseded) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  return list_offers_on(*conn, donor, item, include_superseded);
}

Result<int64_t> CoordinationStore::run_round(const AllocationOptions& options,
                                             const std::optional<std::vector<TransportCost>>& costs, Timestamp now,
                                             Date today, const std::string& run_by) {
  // The write lock is taken before reading the snapshot, so no posting slips in between.
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, begin_write(*conn));
  ASSIGN_OR_RETURN(auto need_records, list_needs_on(*conn, NeedFilter{}));
  ASSIGN_OR_RETURN(auto offer_records, list_offers_on(*conn, "", "", false));

  std::vector<Need> needs;
  std::vector<int64_t> need_ids;
  std::map<std::pair<std::string, std::string>, int64_t> need_id_of;
  for (const NeedRecord& r : need_records) {
    if (expired(r.team, today)) continue;
    Need n;
    n.country = r.country;
    n.item = r.item;
    n.quantity = std::max<int64_t>(0, r.quantity - r.allocated);
    n.population = r.population;
    n.delivered = r.delivered + r.allocated;
    n.weight = r.weight;
    needs.push_back(n);
    need_ids.push_back(r.id);
    need_id_of[{r.country, r.item}] = r.id;
  }
  if (needs.empty()) return failed_precondition("no current needs: nothing to allocate");
  std::vector<Offer> offers;
  std::vector<int64_t> offer_ids;
  std::map<std::pair<std::string, std::string>, int64_t> offer_id_of;
  for (const OfferRecord& r : offer_records) {
    int64_t left = r.quantity - r.allocated;
    if (left <= 0 || expired(r.team, today)) continue;
    offers.push_back(Offer{r.donor, r.item, left, r.origin, r.kind, r.unit_price, 0});
    offer_ids.push_back(r.id);
    offer_id_of[{r.donor, r.item}] = r.id;
  }
  ASSIGN_OR_RETURN(Allocation allocation, allocate(needs, offers, costs, options));

  json::array needs_json, offers_json;
  for (size_t i = 0; i < needs.size(); ++i) needs_json.push_back(need_input_json(needs[i], need_ids[i]));
  for (size_t i = 0; i < offers.size(); ++i) offers_json.push_back(offer_input_json(offers[i], offer_ids[i]));
  json::value costs_json = nullptr;
  if (costs) {
    json::array rows;
    for (const auto& c : *costs)
      rows.push_back(json::object{{"origin", c.origin}, {"country", c.country}, {"unit_cost", json_number(c.unit_cost)}});
    costs_json = std::move(rows);
  }
  std::string inputs = json_text(
      json::object{{"needs", std::move(needs_json)}, {"offers", std::move(offers_json)}, {"costs", costs_json}});

  ASSIGN_OR_RETURN(int64_t round_id,
                   conn->scalar("INSERT INTO aid_rounds (policy, cap, buffer, run_at, run_by, inputs_json, "
                                "report_json, total_cost) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                                policy_name(options.policy), options.cap, options.buffer, now.micros(), run_by, inputs,
                                format_allocation_report_json(allocation), allocation.total_cost));
  for (const AllocationLine& l : allocation.lines) {
    // Offers are unique per (donor, item) and needs per (country, item), so every line names one of each.
    RETURN_IF_ERROR(conn->run("INSERT INTO aid_allocations (round_id, donor, country, item, quantity, need_id, "
                              "offer_id) VALUES (?,?,?,?,?,?,?)",
                              round_id, l.donor, l.country, l.item, l.quantity, need_id_of.at({l.country, l.item}),
                              offer_id_of.at({l.donor, l.item}))
                        .status());
  }
  RETURN_IF_ERROR(tx.commit());
  return round_id;
}

Result<RoundRecord> CoordinationStore::get_round(int64_t id) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(Rows rows, conn->query(select(kRoundSummaryColumns,
                                                 ", inputs_json, report_json FROM aid_rounds WHERE id = ?"),
                                          id));
  ASSIGN_OR_RETURN(RoundRecord r, sql::the_row(rows, read_round_summary, "no allocation round " + std::to_string(id)));
  r.inputs_json = rows[0].text(7);
  r.report_json = rows[0].text(8);
  ASSIGN_OR_RETURN(Rows lines,
                   conn->query(select(kAllocationColumns, "FROM aid_allocations WHERE round_id = ? ORDER BY id"), id));
  ASSIGN_OR_RETURN(r.lines, sql::all_rows(lines, read_allocation));
  return r;
}

Result<std::vector<RoundRecord>> CoordinationStore::list_rounds() {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(Rows rows, conn->query(select(kRoundSummaryColumns, "FROM aid_rounds ORDER BY id DESC")));
  return sql::all_rows(rows, read_round_summary);
}

Result<AllocationRecord> CoordinationStore::get_allocation(int64_t id) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  return get_allocation_on(*conn, id);
}

Result<std::vector<AllocationRecord>> CoordinationStore::list_allocations() {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(Rows rows, conn->query(select(kAllocationColumns, "FROM aid_allocations ORDER BY id")));
  return sql::all_rows(rows, read_allocation);
}

Result<int64_t> CoordinationStore::plan_shipment(const ShipmentRequest& request, Timestamp now,
                                                 const std::string& by) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, begin_write(*conn));
  ShipmentRecord s;
  if (request.allocation_id) {
    ASSIGN_OR_RETURN(AllocationRecord line, get_allocation_on(*conn, *request.allocation_id));
    int64_t left = line.quantity - line.planned;
    if (left <= 0)
      return failed_precondition("allocation line " + std::to_string(line.id) + " (" + std::to_string(line.quantity) +
                                 " " + line.item + " from " + line.donor + " to " + line.country +
                                 ") is already fully planned in shipments");
    int64_t quantity = request.quantity.value_or(left);
    if (quantity <= 0) return invalid_argument("'quantity' must be a whole number > 0");
    if (quantity > left)
      return failed_precondition("'quantity' " + std::to_string(quantity) + " is more than the " +
                                 std::to_string(left) + " units left to plan of allocation line " +
                                 std::to_string(line.id));
    ASSIGN_OR_RETURN(Rows origin, conn->query("SELECT origin FROM aid_offers WHERE id = ?", line.offer_id));
    s.origin = origin.empty() ? "" : origin[0].text(0);
    if (!request.origin.empty()) s.origin = request.origin;
    s.allocation_id = line.id;
    s.round_id = line.round_id;
    s.donor = line.donor;
    s.country = line.country;
    s.item = line.item;
    s.quantity = quantity;
  } else {
    if (request.donor.empty()) return invalid_argument("'donor' is required for a shipment without allocation_id");
    if (!is_recipient_code(request.country))
      return invalid_argument("'country' '" + request.country + "' is not a country or subnational code");
    if (request.item.empty()) return invalid_argument("'item' is required for a shipment without allocation_id");
    if (!request.quantity || *request.quantity <= 0) return invalid_argument("'quantity' must be a whole number > 0");
    s.donor = request.donor;
    s.origin = request.origin;
    s.country = request.country;
    s.item = request.item;
    s.quantity = *request.quantity;
  }
  if (!s.origin.empty() && !is_country_code(s.origin))
    return invalid_argument("'origin' " + s.origin + " is not a country code (ISO 3166-1 alpha-3)");

  ASSIGN_OR_RETURN(int64_t id,
                   conn->scalar("INSERT INTO aid_shipments (allocation_id, round_id, donor, origin, country, item, "
                                "quantity, received, state, note, created_at, created_by) "
                                "VALUES (?,?,?,?,?,?,?,0,'planned',?,?,?) RETURNING id",
                                s.allocation_id, s.round_id, s.donor, s.origin, s.country, s.item, s.quantity,
                                request.note, now.micros(), by));
  RETURN_IF_ERROR(conn->run("INSERT INTO aid_shipment_events (shipment_id, event, event_date, quantity_received, "
                            "received_by, note, recorded_at, recorded_by) VALUES (?, 'planned', NULL, 0, '', ?, ?, ?)",
                            id, request.note, now.micros(), by)
                      .status());
  RETURN_IF_ERROR(tx.commit());
  return id;
}

Result<ShipmentRecord> CoordinationStore::get_shipment(int64_t id) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  return get_shipment_on(*conn, id);
}

Result<std::vector<ShipmentRecord>> CoordinationStore::list_shipments(const std::string& country,
                                                                       const std::string& donor) {
  // The filter is applied in SQL to the shipments and, through them, to their events, so a
  // filtered listing reads only what it returns. An empty country or donor matches all; each is
  // passed twice, once per `?`.
  constexpr std::string_view kMatching =
      "SELECT id FROM aid_shipments WHERE (CAST(? AS TEXT) = '' OR country = ?) AND "
      "(CAST(? AS TEXT) = '' OR donor = ?)";
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(Rows rows, conn->query(select(kShipmentColumns, "FROM aid_shipments WHERE id IN (" +
                                                                       std::string(kMatching) + ") ORDER BY id"),
                                          country, country, donor, donor));
  ASSIGN_OR_RETURN(std::vector<ShipmentRecord> out, sql::all_rows(rows, read_shipment));
  std::map<int64_t, size_t> index;
  for (size_t i = 0; i < out.size(); ++i) index[out[i].id] = i;
  ASSIGN_OR_RETURN(Rows event_rows,
                   conn->query(select(kShipmentEventColumns, "FROM aid_shipment_events WHERE shipment_id IN (" +
                                                                 std::string(kMatching) + ") ORDER BY id"),
                               country, country, donor, donor));
  ASSIGN_OR_RETURN(auto events, sql::all_rows(event_rows, read_shipment_event));
  for (auto& e : events) {
    auto it = index.find(e.shipment_id);
    if (it != index.end()) out[it->second].events.push_back(std::move(e));
  }
  return out;
}

Result<ShipmentRecord> CoordinationStore::add_shipment_event(int64_t shipment_id, const ShipmentEventRequest& event,
                                                            Timestamp now, const std::string& by) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, begin_write(*conn));
  ASSIGN_OR_RETURN(ShipmentRecord s, get_shipment_on(*conn, shipment_id));
  const std::string name = "shipment " + std::to_string(s.id);
  const std::string state(shipment_state_name(s.state));
  if (s.state == ShipmentState::kDelivered || s.state == ShipmentState::kCancelled)
    return already_exists(name + " is already " + state + ": no further events are accepted");

  ShipmentState next = s.state;
  int64_t received = s.received;
  switch (event.kind) {
    case ShipmentEventKind::kPlanned:
      return invalid_argument("'event' planned is recorded when the shipment is created");
    case ShipmentEventKind::kDispatched:
      if (s.state != ShipmentState::kPlanned) return failed_precondition(name + " is " + state + ": it was dispatched already");
      next = ShipmentState::kDispatched;
      break;
    case ShipmentEventKind::kDelivered: {
      if (s.state == ShipmentState::kPlanned)
        return failed_precondition(name + " is planned: it must be dispatched before a delivery is confirmed");
      if (!event.date) return invalid_argument("'date' (YYYY-MM-DD) of the delivery is required");
      if (event.received_by.empty()) return invalid_argument("'received_by' (who signed for it) is required");
      if (event.quantity_received <= 0) return invalid_argument("'quantity_received' must be a whole number > 0");
      int64_t on_the_way = s.quantity - s.received;
      if (event.quantity_received > on_the_way)
        return failed_precondition("'quantity_received' " + std::to_string(event.quantity_received) + " is more than the " +
                                   std::to_string(on_the_way) + " units of " + name + " not yet received");
      for (const auto& e : s.events) {
        if (e.kind == ShipmentEventKind::kDispatched && e.date && *event.date < *e.date)
          return invalid_argument("'date' " + event.date->to_string() + " is before the dispatch date " +
                                  e.date->to_string());
      }
      received += event.quantity_received;
      next = received == s.quantity ? ShipmentState::kDelivered : ShipmentState::kPartiallyDelivered;
      break;
    }
    case ShipmentEventKind::kCancelled:
      next = ShipmentState::kCancelled;
      break;
  }


  RETURN_IF_ERROR(conn->run("INSERT INTO aid_shipment_events (shipment_id, event, event_date, quantity_received, "
                            "received_by, note, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?)",
                            s.id, shipment_event_name(event.kind), date_text(event.date),
                            event.kind == ShipmentEventKind::kDelivered ? event.quantity_received : int64_t{0},
                            event.received_by, event.note, now.micros(), by)
                      .status());
  RETURN_IF_ERROR(conn->run("UPDATE aid_shipments SET state = ?, received = ? WHERE id = ?", shipment_state_name(next),
                            received, s.id)
                      .status());
  RETURN_IF_ERROR(tx.commit());
  return get_shipment_on(*conn, s.id);
}

}  // namespace shouwang::aid
