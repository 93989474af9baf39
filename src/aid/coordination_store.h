// The coordination side of aid in the Shouwang database (tables prefixed aid_), on SQLite or
// PostgreSQL through store::sql: needs posted by countries, offers posted by donors, published
// allocation rounds with their inputs, and shipments with their event history. Business rules that
// need the stored state (what is still needed and offered, which shipment transitions are allowed,
// how much may still be received) live here; who may do what is decided by the routes. Each call
// leases a connection from the shared pool for its duration, so one instance serves every thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aid/model.h"
#include "core/period.h"
#include "core/status.h"
#include "core/time.h"
#include "store/sql.h"

namespace shouwang::aid {

// Goods are counted in units; an expert team is one unit of an item named after its specialty.
enum class ItemKind { kGoods, kExpertTeam };
std::string_view item_kind_name(ItemKind kind);  // goods | expert_team
Result<ItemKind> parse_item_kind(std::string_view name);
// "expert_team_" + specialty: teams of one specialty form one item in a round.
std::string expert_team_item(std::string_view specialty);

// Only for item_kind expert_team: what kind of team, how many people, and when (needed / available).
struct ExpertTeam {
  std::string specialty;
  int64_t team_size = 0;
  std::optional<Date> start_date;
  std::optional<Date> end_date;
};

struct NeedRecord {
  int64_t id = 0;
  std::string country;
  std::string item;
  ItemKind item_kind = ItemKind::kGoods;
  int64_t quantity = 0;    // still needed when posted
  int64_t population = 0;
  int64_t delivered = 0;   // already delivered when posted
  double weight = 1.0;
  std::optional<ExpertTeam> team;
  std::string note;
  Timestamp posted_at;
  std::string posted_by;
  bool current = true;     // false once the country posted a newer need for the same item
  int64_t allocated = 0;   // units rounds allocated to this posting (filled by the readers)
};

struct OfferRecord {
  int64_t id = 0;
  std::string donor;
  std::string item;
  ItemKind item_kind = ItemKind::kGoods;
  int64_t quantity = 0;    // pledged units
  std::string origin;
  OfferKind kind = OfferKind::kDonation;
  double unit_price = 0.0;
  std::optional<ExpertTeam> team;
  std::string note;
  Timestamp posted_at;
  std::string posted_by;
  bool current = true;     // false once the donor posted a newer offer of the same item
  int64_t allocated = 0;   // units rounds allocated from this offer (filled by the readers)
};

// One line of a round's allocation, tied to the need posting and the offer it came from.
struct AllocationRecord {
  int64_t id = 0;
  int64_t round_id = 0;
  std::string donor;
  std::string country;
  std::string item;
  int64_t quantity = 0;
  int64_t need_id = 0;
  int64_t offer_id = 0;
  int64_t planned = 0;     // units of shipments planned from this line that are not cancelled
};

struct RoundRecord {
  int64_t id = 0;
  AllocationOptions options;
  Timestamp run_at;
  std::string run_by;
  std::string inputs_json;  // {"needs":[...],"offers":[...],"costs":[...]|null}: the snapshot allocated
  std::string report_json;  // format_allocation_report_json of the result
  double total_cost = 0.0;
  std::vector<AllocationRecord> lines;
};

enum class ShipmentState { kPlanned, kDispatched, kPartiallyDelivered, kDelivered, kCancelled };
std::string_view shipment_state_name(ShipmentState state);

enum class ShipmentEventKind { kPlanned, kDispatched, kDelivered, kCancelled };
std::string_view shipment_event_name(ShipmentEventKind kind);
Result<ShipmentEventKind> parse_shipment_event(std::string_view name);

struct ShipmentEvent {
  int64_t id = 0;
  int64_t shipment_id = 0;
  ShipmentEventKind kind = ShipmentEventKind::kPlanned;
  std::optional<Date> date;             // when it happened, as stated by the actor
  int64_t quantity_received = 0;        // delivered events only
  std::string received_by;              // delivered events only: who signed for it
  std::string note;
  Timestamp recorded_at;
  std::string recorded_by;              // the token's label (or role:location)
};

struct ShipmentRecord {
  int64_t id = 0;
  std::optional<int64_t> allocation_id;  // empty for an ad hoc shipment
  std::optional<int64_t> round_id;
  std::string donor;
  std::string origin;
  std::string country;
  std::string item;
  int64_t quantity = 0;
  int64_t received = 0;
  ShipmentState state = ShipmentState::kPlanned;
  std::string note;
  Timestamp created_at;
  std::string created_by;
  std::vector<ShipmentEvent> events;  // oldest first
};

// The fields of a new shipment: from an allocation line (allocation_id set; donor, country and
// item then come from the line) or ad hoc.
struct ShipmentRequest {
  std::optional<int64_t> allocation_id;
  std::string donor;
  std::string origin;
  std::string country;
  std::string item;
  std::optional<int64_t> quantity;  // default for a line: what is left of it
  std::string note;
};

// A state change asked for a shipment.
struct ShipmentEventRequest {
  ShipmentEventKind kind = ShipmentEventKind::kDispatched;
  std::optional<Date> date;
  int64_t quantity_received = 0;
  std::string received_by;
  std::string note;
};

struct NeedFilter {
  std::string country;  // exact code, "" for all
  std::string item;
  bool include_superseded = false;
};

class CoordinationStore {
 public:
  // Brings the aid_ tables of `db` up to this binary's schema; `db` must outlive the store.
  static Result<std::unique_ptr<CoordinationStore>> open(store::sql::Database& db);

  // A new posting replaces the current need of the same (country, item), or offer of the same
  // (donor, item); the old one stays, marked superseded, for the record. Returns the new id.
  // InvalidArgument names the field that is wrong.
  Result<int64_t> post_need(NeedRecord need);
  Result<int64_t> post_offer(OfferRecord offer);
  Result<std::vector<NeedRecord>> list_needs(const NeedFilter& filter);
  Result<std::vector<OfferRecord>> list_offers(const std::string& donor, const std::string& item,
                                               bool include_superseded);

  // Runs allocate() on the current snapshot and stores inputs, policy and result in one
  // transaction. The snapshot: each current need asks for its quantity minus what earlier rounds
  // allocated to it, and those allocations count as delivered for coverage; each current offer
  // gives its quantity minus what earlier rounds took from it. Expert-team postings whose end
  // date is before `today` are left out.
  Result<int64_t> run_round(const AllocationOptions& options, const std::optional<std::vector<TransportCost>>& costs,
                            Timestamp now, Date today, const std::string& run_by);
  // NotFound for an unknown id.
  Result<RoundRecord> get_round(int64_t id);
  Result<std::vector<RoundRecord>> list_rounds();  // without lines and inputs, newest first
  Result<AllocationRecord> get_allocation(int64_t id);
  Result<std::vector<AllocationRecord>> list_allocations();

  // Plans a shipment (state planned). From a line: no more than what is left of the line
  // (FailedPrecondition otherwise).
  Result<int64_t> plan_shipment(const ShipmentRequest& request, Timestamp now, const std::string& by);
  Result<ShipmentRecord> get_shipment(int64_t id);
  // Every shipment with its events, or only those to `country` and/or from `donor` (empty: any).
  Result<std::vector<ShipmentRecord>> list_shipments(const std::string& country = "", const std::string& donor = "");
  // Applies an event. Allowed: planned -> dispatched; dispatched or partially delivered ->
  // delivered (partially delivered until all units are received); planned, dispatched or partially
  // delivered -> cancelled. AlreadyExists (409) for a shipment already delivered or cancelled;
  // FailedPrecondition (422) for an out-of-order event or more units than are still on the way.
  Result<ShipmentRecord> add_shipment_event(int64_t shipment_id, const ShipmentEventRequest& event, Timestamp now,
                                            const std::string& by);

 private:
  explicit CoordinationStore(store::sql::Database& db) : db_(db) {}

  store::sql::Database& db_;
};

}  // namespace shouwang::aid
