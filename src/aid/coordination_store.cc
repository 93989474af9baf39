// The aid_ tables and the rules of postings, rounds and shipments.
#include "aid/coordination_store.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <type_traits>

#include <boost/json.hpp>

#include "aid/allocate.h"
#include "aid/allocation_files.h"
#include "api/http.h"
#include "core/json_text.h"
#include "core/location.h"

namespace shouwang::aid {
namespace json = boost::json;
using store::sqlite::Db;
using store::sqlite::Statement;
using store::sqlite::Transaction;
using store::sqlite::all_rows;
using store::sqlite::RowOf;
using store::sqlite::the_row;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS aid_needs (
  id INTEGER PRIMARY KEY,
  country TEXT NOT NULL,
  item TEXT NOT NULL,
  item_kind TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  population INTEGER NOT NULL,
  delivered INTEGER NOT NULL,
  weight REAL NOT NULL,
  specialty TEXT,
  team_size INTEGER,
  start_date TEXT,
  end_date TEXT,
  note TEXT NOT NULL,
  posted_at INTEGER NOT NULL,
  posted_by TEXT NOT NULL,
  superseded_by INTEGER REFERENCES aid_needs(id)
);
CREATE INDEX IF NOT EXISTS aid_needs_by_key ON aid_needs(country, item);
CREATE TABLE IF NOT EXISTS aid_offers (
  id INTEGER PRIMARY KEY,
  donor TEXT NOT NULL,
  item TEXT NOT NULL,
  item_kind TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  origin TEXT NOT NULL,
  kind TEXT NOT NULL,
  unit_price REAL NOT NULL,
  specialty TEXT,
  team_size INTEGER,
  start_date TEXT,
  end_date TEXT,
  note TEXT NOT NULL,
  posted_at INTEGER NOT NULL,
  posted_by TEXT NOT NULL,
  superseded_by INTEGER REFERENCES aid_offers(id)
);
CREATE INDEX IF NOT EXISTS aid_offers_by_key ON aid_offers(donor, item);
CREATE TABLE IF NOT EXISTS aid_rounds (
  id INTEGER PRIMARY KEY,
  policy TEXT NOT NULL,
  cap REAL,
  buffer REAL NOT NULL,
  run_at INTEGER NOT NULL,
  run_by TEXT NOT NULL,
  inputs_json TEXT NOT NULL,
  report_json TEXT NOT NULL,
  total_cost REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS aid_allocations (
  id INTEGER PRIMARY KEY,
  round_id INTEGER NOT NULL REFERENCES aid_rounds(id),
  donor TEXT NOT NULL,
  country TEXT NOT NULL,
  item TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  need_id INTEGER NOT NULL REFERENCES aid_needs(id),
  offer_id INTEGER NOT NULL REFERENCES aid_offers(id)
);
CREATE INDEX IF NOT EXISTS aid_allocations_by_round ON aid_allocations(round_id);
CREATE INDEX IF NOT EXISTS aid_allocations_by_need ON aid_allocations(need_id);
CREATE INDEX IF NOT EXISTS aid_allocations_by_offer ON aid_allocations(offer_id);
CREATE TABLE IF NOT EXISTS aid_shipments (
  id INTEGER PRIMARY KEY,
  allocation_id INTEGER REFERENCES aid_allocations(id),
  round_id INTEGER REFERENCES aid_rounds(id),
  donor TEXT NOT NULL,
  origin TEXT NOT NULL,
  country TEXT NOT NULL,
  item TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  received INTEGER NOT NULL,
  state TEXT NOT NULL,
  note TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aid_shipments_by_allocation ON aid_shipments(allocation_id);
CREATE TABLE IF NOT EXISTS aid_shipment_events (
  id INTEGER PRIMARY KEY,
  shipment_id INTEGER NOT NULL REFERENCES aid_shipments(id),
  event TEXT NOT NULL,
  event_date TEXT,
  quantity_received INTEGER NOT NULL,
  received_by TEXT NOT NULL,
  note TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  recorded_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aid_shipment_events_by_shipment ON aid_shipment_events(shipment_id);
)sql";

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

std::optional<Date> date_column(const Statement& s, int col) {
  if (s.column_is_null(col)) return std::nullopt;
  auto date = Date::parse(s.column_text(col));
  if (!date) return std::nullopt;
  return *date;
}

std::optional<ExpertTeam> team_columns(const Statement& s, int first) {
  if (s.column_is_null(first)) return std::nullopt;
  return ExpertTeam{s.column_text(first), s.column_int64(first + 1), date_column(s, first + 2),
                    date_column(s, first + 3)};
}

void bind_team(Statement& s, int first, const std::optional<ExpertTeam>& team) {
  if (team) {
    s.bind(first, team->specialty).bind(first + 1, team->team_size);
    s.bind(first + 2, date_text(team->start_date)).bind(first + 3, date_text(team->end_date));
  } else {
    for (int i = 0; i < 4; ++i) s.bind_null(first + i);
  }
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

Result<Statement> select(Db& db, const char* columns, std::string_view rest) {
  return db.prepare(std::string("SELECT ") + columns + " " + std::string(rest));
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
void read_posting_columns(const Statement& s, Posting& p) {
  p.id = s.column_int64(0);
  p.item = s.column_text(2);
  p.item_kind = s.column_text(3) == "expert_team" ? ItemKind::kExpertTeam : ItemKind::kGoods;
  p.quantity = s.column_int64(4);
  p.team = team_columns(s, 8);
  p.note = s.column_text(12);
  p.posted_at = Timestamp(s.column_int64(13));
  p.posted_by = s.column_text(14);
  p.current = s.column_int64(15) != 0;
  p.allocated = s.column_int64(16);
}

NeedRecord read_need(const Statement& s) {
  NeedRecord n;
  read_posting_columns(s, n);
  n.country = s.column_text(1);
  n.population = s.column_int64(5);
  n.delivered = s.column_int64(6);
  n.weight = s.column_double(7);
  return n;
}

OfferRecord read_offer(const Statement& s) {
  OfferRecord o;
  read_posting_columns(s, o);
  o.donor = s.column_text(1);
  o.origin = s.column_text(5);
  o.kind = s.column_text(6) == "commercial" ? OfferKind::kCommercial : OfferKind::kDonation;
  o.unit_price = s.column_double(7);
  return o;
}

constexpr const char* kAllocationColumns =
    "id, round_id, donor, country, item, quantity, need_id, offer_id, "
    "(SELECT COALESCE(SUM(CASE WHEN state = 'cancelled' THEN received ELSE quantity END), 0) FROM aid_shipments s "
    "WHERE s.allocation_id = aid_allocations.id)";

AllocationRecord read_allocation(const Statement& s) {
  return AllocationRecord{s.column_int64(0), s.column_int64(1), s.column_text(2),  s.column_text(3), s.column_text(4),
                          s.column_int64(5), s.column_int64(6), s.column_int64(7), s.column_int64(8)};
}

constexpr const char* kShipmentColumns =
    "id, allocation_id, round_id, donor, origin, country, item, quantity, received, state, note, created_at, "
    "created_by";

constexpr const char* kRoundSummaryColumns = "id, policy, cap, buffer, run_at, run_by, total_cost";

Result<RoundRecord> read_round_summary(const Statement& s) {
  RoundRecord r;
  r.id = s.column_int64(0);
  ASSIGN_OR_RETURN(r.options.policy, parse_policy(s.column_text(1)));
  if (!s.column_is_null(2)) r.options.cap = s.column_double(2);
  r.options.buffer = s.column_double(3);
  r.run_at = Timestamp(s.column_int64(4));
  r.run_by = s.column_text(5);
  r.total_cost = s.column_double(6);
  return r;
}

ShipmentRecord read_shipment(const Statement& s) {
  ShipmentRecord r;
  r.id = s.column_int64(0);
  if (!s.column_is_null(1)) r.allocation_id = s.column_int64(1);
  if (!s.column_is_null(2)) r.round_id = s.column_int64(2);
  r.donor = s.column_text(3);
  r.origin = s.column_text(4);
  r.country = s.column_text(5);
  r.item = s.column_text(6);
  r.quantity = s.column_int64(7);
  r.received = s.column_int64(8);
  r.state = parse_state(s.column_text(9));
  r.note = s.column_text(10);
  r.created_at = Timestamp(s.column_int64(11));
  r.created_by = s.column_text(12);
  return r;
}

constexpr const char* kShipmentEventColumns =
    "id, shipment_id, event, event_date, quantity_received, received_by, note, recorded_at, recorded_by";

ShipmentEvent read_shipment_event(const Statement& s) {
  ShipmentEvent e;
  e.id = s.column_int64(0);
  e.shipment_id = s.column_int64(1);
  std::string name = s.column_text(2);
  e.kind = name == "planned" ? ShipmentEventKind::kPlanned : *parse_shipment_event(name);
  e.date = date_column(s, 3);
  e.quantity_received = s.column_int64(4);
  e.received_by = s.column_text(5);
  e.note = s.column_text(6);
  e.recorded_at = Timestamp(s.column_int64(7));
  e.recorded_by = s.column_text(8);
  return e;
}

// Needs are keyed by (country, item), offers by (donor, item): `key_column` names the first.
Status supersede_earlier_postings(Db& db, std::string_view table, std::string_view key_column,
                                  const std::string& key, const std::string& item, int64_t id) {
  ASSIGN_OR_RETURN(Statement supersede,
                   db.prepare("UPDATE " + std::string(table) + " SET superseded_by = ? WHERE " +
                              std::string(key_column) + " = ? AND item = ? AND id <> ? AND superseded_by IS NULL"));
  supersede.bind(1, id).bind(2, key).bind(3, item).bind(4, id);
  return supersede.run();
}

template <typename Read>
Result<std::vector<RowOf<Read>>> list_postings(Db& db, const char* columns, std::string_view table,
                                               std::string_view key_column, const std::string& key,
                                               const std::string& item, bool include_superseded, Read read) {
  ASSIGN_OR_RETURN(Statement s, select(db, columns,
                                       "FROM " + std::string(table) + " WHERE (?1 = '' OR " + std::string(key_column) +
                                           " = ?1) AND (?2 = '' OR item = ?2) AND (?3 OR superseded_by IS NULL) "
                                           "ORDER BY id"));
  s.bind(1, key).bind(2, item).bind(3, int64_t{include_superseded ? 1 : 0});
  return all_rows(s, read);
}

json::object need_input_json(const Need& n, int64_t need_id) {
  return json::object{{"need_id", need_id},       {"country", n.country},       {"item", n.item},
                      {"quantity", n.quantity},   {"population", n.population}, {"delivered", n.delivered},
                      {"weight", api::json_number(n.weight)}};
}

json::object offer_input_json(const Offer& o, int64_t offer_id) {
  return json::object{{"offer_id", offer_id},
                      {"donor", o.donor},
                      {"item", o.item},
                      {"quantity", o.quantity},
                      {"origin", o.origin.empty() ? json::value(nullptr) : json::value(o.origin)},
                      {"kind", o.kind == OfferKind::kCommercial ? "commercial" : "donation"},
                      {"unit_price", api::json_number(o.unit_price)}};
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

Result<std::unique_ptr<CoordinationStore>> CoordinationStore::open(const std::string& db_path) {
  ASSIGN_OR_RETURN(auto db, Db::open(db_path));
  std::unique_ptr<CoordinationStore> store(new CoordinationStore(std::move(db)));
  RETURN_IF_ERROR(store->create_schema());
  return store;
}

Status CoordinationStore::create_schema() { return db_->exec(kSchema); }

Result<int64_t> CoordinationStore::post_need(NeedRecord need) {
  if (!is_recipient_code(need.country))
    return invalid_argument("'country' " + need.country + " is not a country code (ISO 3166-1 alpha-3) or subnational code");
  RETURN_IF_ERROR(check_item(need.item, need.item_kind, need.team));
  if (need.quantity < 0) return invalid_argument("'quantity' must be >= 0");
  if (need.population <= 0) return invalid_argument("'population' must be > 0");
  if (need.delivered < 0) return invalid_argument("'delivered' must be >= 0");
  if (!std::isfinite(need.weight) || need.weight <= 0) return invalid_argument("'weight' must be > 0");

  ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
  ASSIGN_OR_RETURN(Statement insert,
                   db_->prepare("INSERT INTO aid_needs (country, item, item_kind, quantity, population, delivered, "
                                "weight, specialty, team_size, start_date, end_date, note, posted_at, posted_by) "
                                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  insert.bind(1, need.country).bind(2, need.item).bind(3, item_kind_name(need.item_kind)).bind(4, need.quantity);
  insert.bind(5, need.population).bind(6, need.delivered).bind(7, need.weight);
  bind_team(insert, 8, need.team);
  insert.bind(12, need.note).bind(13, need.posted_at.micros()).bind(14, need.posted_by);
  RETURN_IF_ERROR(insert.run());
  int64_t id = db_->last_insert_rowid();
  RETURN_IF_ERROR(supersede_earlier_postings(*db_, "aid_needs", "country", need.country, need.item, id));
  RETURN_IF_ERROR(tx->commit());
  return id;
}

Result<int64_t> CoordinationStore::post_offer(OfferRecord offer) {
  if (offer.donor.empty()) return invalid_argument("'donor' is required");
  RETURN_IF_ERROR(check_item(offer.item, offer.item_kind, offer.team));
  if (offer.quantity < 0) return invalid_argument("'quantity' must be >= 0");
  if (!offer.origin.empty() && !is_country_code(offer.origin))
    return invalid_argument("'origin' " + offer.origin + " is not a country code (ISO 3166-1 alpha-3)");
  if (!std::isfinite(offer.unit_price) || offer.unit_price < 0) return invalid_argument("'unit_price' must be >= 0");

  ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
  ASSIGN_OR_RETURN(Statement insert,
                   db_->prepare("INSERT INTO aid_offers (donor, item, item_kind, quantity, origin, kind, unit_price, "
                                "specialty, team_size, start_date, end_date, note, posted_at, posted_by) "
                                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  insert.bind(1, offer.donor).bind(2, offer.item).bind(3, item_kind_name(offer.item_kind)).bind(4, offer.quantity);
  insert.bind(5, offer.origin).bind(6, offer.kind == OfferKind::kCommercial ? "commercial" : "donation");
  insert.bind(7, offer.unit_price);
  bind_team(insert, 8, offer.team);
  insert.bind(12, offer.note).bind(13, offer.posted_at.micros()).bind(14, offer.posted_by);
  RETURN_IF_ERROR(insert.run());
  int64_t id = db_->last_insert_rowid();
  RETURN_IF_ERROR(supersede_earlier_postings(*db_, "aid_offers", "donor", offer.donor, offer.item, id));
  RETURN_IF_ERROR(tx->commit());
  return id;
}

Result<std::vector<NeedRecord>> CoordinationStore::list_needs(const NeedFilter& filter) {
  return list_postings(*db_, kNeedColumns, "aid_needs", "country", filter.country, filter.item,
                       filter.include_superseded, read_need);
}

Result<std::vector<OfferRecord>> CoordinationStore::list_offers(const std::string& donor, const std::string& item,
                                                                bool include_superseded) {
  return list_postings(*db_, kOfferColumns, "aid_offers", "donor", donor, item, include_superseded, read_offer);
}

Result<int64_t> CoordinationStore::run_round(const AllocationOptions& options,
                                             const std::optional<std::vector<TransportCost>>& costs, Timestamp now,
                                             Date today, const std::string& run_by) {
  // The write lock is taken before reading the snapshot, so no posting slips in between.
  ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
  ASSIGN_OR_RETURN(auto need_records, list_needs(NeedFilter{}));
  ASSIGN_OR_RETURN(auto offer_records, list_offers("", "", false));

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
      rows.push_back(json::object{{"origin", c.origin}, {"country", c.country}, {"unit_cost", api::json_number(c.unit_cost)}});
    costs_json = std::move(rows);
  }
  std::string inputs = json_text(
      json::object{{"needs", std::move(needs_json)}, {"offers", std::move(offers_json)}, {"costs", costs_json}});

  ASSIGN_OR_RETURN(Statement round,
                   db_->prepare("INSERT INTO aid_rounds (policy, cap, buffer, run_at, run_by, inputs_json, "
                                "report_json, total_cost) VALUES (?,?,?,?,?,?,?,?)"));
  round.bind(1, policy_name(options.policy)).bind(2, options.cap).bind(3, options.buffer).bind(4, now.micros());
  round.bind(5, run_by).bind(6, inputs).bind(7, format_allocation_report_json(allocation));
  round.bind(8, allocation.total_cost);
  RETURN_IF_ERROR(round.run());
  int64_t round_id = db_->last_insert_rowid();
  ASSIGN_OR_RETURN(Statement line,
                   db_->prepare("INSERT INTO aid_allocations (round_id, donor, country, item, quantity, need_id, "
                                "offer_id) VALUES (?,?,?,?,?,?,?)"));
  for (const AllocationLine& l : allocation.lines) {
    // Offers are unique per (donor, item) and needs per (country, item), so every line names one of each.
    line.bind(1, round_id).bind(2, l.donor).bind(3, l.country).bind(4, l.item).bind(5, l.quantity);
    line.bind(6, need_id_of.at({l.country, l.item})).bind(7, offer_id_of.at({l.donor, l.item}));
    RETURN_IF_ERROR(line.run());
  }
  RETURN_IF_ERROR(tx->commit());
  return round_id;
}

Result<RoundRecord> CoordinationStore::get_round(int64_t id) {
  ASSIGN_OR_RETURN(Statement s, select(*db_, kRoundSummaryColumns, ", inputs_json, report_json FROM aid_rounds WHERE id = ?"));
  s.bind(1, id);
  ASSIGN_OR_RETURN(RoundRecord r, the_row(s, read_round_summary, "no allocation round " + std::to_string(id)));
  r.inputs_json = s.column_text(7);
  r.report_json = s.column_text(8);
  ASSIGN_OR_RETURN(Statement lines, select(*db_, kAllocationColumns, "FROM aid_allocations WHERE round_id = ? ORDER BY id"));
  lines.bind(1, id);
  ASSIGN_OR_RETURN(r.lines, all_rows(lines, read_allocation));
  return r;
}

Result<std::vector<RoundRecord>> CoordinationStore::list_rounds() {
  ASSIGN_OR_RETURN(Statement s, select(*db_, kRoundSummaryColumns, "FROM aid_rounds ORDER BY id DESC"));
  return all_rows(s, read_round_summary);
}

Result<AllocationRecord> CoordinationStore::get_allocation(int64_t id) {
  ASSIGN_OR_RETURN(Statement s, select(*db_, kAllocationColumns, "FROM aid_allocations WHERE id = ?"));
  s.bind(1, id);
  return the_row(s, read_allocation, "no allocation line " + std::to_string(id));
}

Result<std::vector<AllocationRecord>> CoordinationStore::list_allocations() {
  ASSIGN_OR_RETURN(Statement s, select(*db_, kAllocationColumns, "FROM aid_allocations ORDER BY id"));
  return all_rows(s, read_allocation);
}

Result<int64_t> CoordinationStore::plan_shipment(const ShipmentRequest& request, Timestamp now,
                                                 const std::string& by) {
  ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
  ShipmentRecord s;
  if (request.allocation_id) {
    ASSIGN_OR_RETURN(AllocationRecord line, get_allocation(*request.allocation_id));
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
    ASSIGN_OR_RETURN(Statement origin, db_->prepare("SELECT origin FROM aid_offers WHERE id = ?"));
    origin.bind(1, line.offer_id);
    ASSIGN_OR_RETURN(bool found, origin.step());
    s.origin = found ? origin.column_text(0) : "";
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

  ASSIGN_OR_RETURN(Statement insert,
                   db_->prepare("INSERT INTO aid_shipments (allocation_id, round_id, donor, origin, country, item, "
                                "quantity, received, state, note, created_at, created_by) "
                                "VALUES (?,?,?,?,?,?,?,0,'planned',?,?,?)"));
  insert.bind(1, s.allocation_id).bind(2, s.round_id).bind(3, s.donor).bind(4, s.origin).bind(5, s.country);
  insert.bind(6, s.item).bind(7, s.quantity).bind(8, request.note).bind(9, now.micros()).bind(10, by);
  RETURN_IF_ERROR(insert.run());
  int64_t id = db_->last_insert_rowid();
  ASSIGN_OR_RETURN(Statement event,
                   db_->prepare("INSERT INTO aid_shipment_events (shipment_id, event, event_date, quantity_received, "
                                "received_by, note, recorded_at, recorded_by) VALUES (?, 'planned', NULL, 0, '', ?, ?, ?)"));
  event.bind(1, id).bind(2, request.note).bind(3, now.micros()).bind(4, by);
  RETURN_IF_ERROR(event.run());
  RETURN_IF_ERROR(tx->commit());
  return id;
}

Result<std::vector<ShipmentEvent>> CoordinationStore::shipment_events(int64_t shipment_id) {
  ASSIGN_OR_RETURN(Statement s, select(*db_, kShipmentEventColumns,
                                       "FROM aid_shipment_events WHERE shipment_id = ? ORDER BY id"));
  s.bind(1, shipment_id);
  return all_rows(s, read_shipment_event);
}

Result<ShipmentRecord> CoordinationStore::get_shipment(int64_t id) {
  ASSIGN_OR_RETURN(Statement s, select(*db_, kShipmentColumns, "FROM aid_shipments WHERE id = ?"));
  s.bind(1, id);
  ASSIGN_OR_RETURN(ShipmentRecord r, the_row(s, read_shipment, "no shipment " + std::to_string(id)));
  ASSIGN_OR_RETURN(r.events, shipment_events(id));
  return r;
}

Result<std::vector<ShipmentRecord>> CoordinationStore::list_shipments(const std::string& country,
                                                                       const std::string& donor) {
  // The filter is applied in SQL to the shipments and, through them, to their events, so a
  // filtered listing reads only what it returns.
  constexpr std::string_view kMatching =
      "SELECT id FROM aid_shipments WHERE (?1 = '' OR country = ?1) AND (?2 = '' OR donor = ?2)";
  ASSIGN_OR_RETURN(Statement s, select(*db_, kShipmentColumns,
                                       "FROM aid_shipments WHERE id IN (" + std::string(kMatching) + ") ORDER BY id"));
  s.bind(1, country).bind(2, donor);
  ASSIGN_OR_RETURN(std::vector<ShipmentRecord> out, all_rows(s, read_shipment));
  std::map<int64_t, size_t> index;
  for (size_t i = 0; i < out.size(); ++i) index[out[i].id] = i;
  ASSIGN_OR_RETURN(Statement event_rows, select(*db_, kShipmentEventColumns,
                                       "FROM aid_shipment_events WHERE shipment_id IN (" + std::string(kMatching) +
                                           ") ORDER BY id"));
  event_rows.bind(1, country).bind(2, donor);
  ASSIGN_OR_RETURN(auto events, all_rows(event_rows, read_shipment_event));
  for (auto& e : events) {
    auto it = index.find(e.shipment_id);
    if (it != index.end()) out[it->second].events.push_back(std::move(e));
  }
  return out;
}

Result<ShipmentRecord> CoordinationStore::add_shipment_event(int64_t shipment_id, const ShipmentEventRequest& event,
                                                            Timestamp now, const std::string& by) {
  ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
  ASSIGN_OR_RETURN(ShipmentRecord s, get_shipment(shipment_id));
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

  ASSIGN_OR_RETURN(Statement insert,
                   db_->prepare("INSERT INTO aid_shipment_events (shipment_id, event, event_date, quantity_received, "
                                "received_by, note, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?)"));
  insert.bind(1, s.id).bind(2, shipment_event_name(event.kind)).bind(3, date_text(event.date));
  insert.bind(4, event.kind == ShipmentEventKind::kDelivered ? event.quantity_received : int64_t{0});
  insert.bind(5, event.received_by).bind(6, event.note).bind(7, now.micros()).bind(8, by);
  RETURN_IF_ERROR(insert.run());
  ASSIGN_OR_RETURN(Statement update, db_->prepare("UPDATE aid_shipments SET state = ?, received = ? WHERE id = ?"));
  update.bind(1, shipment_state_name(next)).bind(2, received).bind(3, s.id);
  RETURN_IF_ERROR(update.run());
  RETURN_IF_ERROR(tx->commit());
  return get_shipment(s.id);
}

}  // namespace shouwang::aid
