// JSON of the coordination records and the transparency report.
#include "aid/transparency_report.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "aid/csv_table.h"
#include "core/json_text.h"

namespace shouwang::aid {
namespace json = boost::json;
namespace {

json::value optional_date(const std::optional<Date>& date) {
  return date ? json::value(date->to_string()) : json::value(nullptr);
}

void add_team(json::object& o, const std::optional<ExpertTeam>& team) {
  if (!team) return;
  o["specialty"] = team->specialty;
  o["team_size"] = team->team_size;
  o["start_date"] = optional_date(team->start_date);
  o["end_date"] = optional_date(team->end_date);
}

// The stored JSON text as a value (it was written by us, so it parses; null otherwise).
json::value parsed(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

json::value optional_number(const std::optional<double>& v) { return v ? json_number(*v) : json::value(nullptr); }

std::string number_text(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

std::string optional_text(const std::optional<double>& v) { return v ? number_text(*v) : ""; }

// Units that left the donor: all of a dispatched shipment; of a cancelled one, only what arrived.
bool counts_as_shipped(ShipmentState state) {
  return state == ShipmentState::kDispatched || state == ShipmentState::kPartiallyDelivered ||
         state == ShipmentState::kDelivered;
}
int64_t shipped_units(const ShipmentRecord& s) {
  if (counts_as_shipped(s.state)) return s.quantity;
  if (s.state == ShipmentState::kCancelled) return s.received;
  return 0;
}

}  // namespace

json::object need_json(const NeedRecord& n) {
  json::object o{{"id", n.id},
                 {"country", n.country},
                 {"item", n.item},
                 {"item_kind", std::string(item_kind_name(n.item_kind))},
                 {"quantity", n.quantity},
                 {"population", n.population},
                 {"delivered", n.delivered},
                 {"weight", json_number(n.weight)},
                 {"allocated", n.allocated},
                 {"remaining", std::max<int64_t>(0, n.quantity - n.allocated)},
                 {"note", n.note},
                 {"posted_at", n.posted_at.to_string()},
                 {"posted_by", n.posted_by},
                 {"current", n.current}};
  add_team(o, n.team);
  return o;
}

json::object offer_json(const OfferRecord& r) {
  json::object o{{"id", r.id},
                 {"donor", r.donor},
                 {"item", r.item},
                 {"item_kind", std::string(item_kind_name(r.item_kind))},
                 {"quantity", r.quantity},
                 {"origin", r.origin.empty() ? json::value(nullptr) : json::value(r.origin)},
                 {"kind", r.kind == OfferKind::kCommercial ? "commercial" : "donation"},
                 {"unit_price", json_number(r.unit_price)},
                 {"allocated", r.allocated},
                 {"remaining", std::max<int64_t>(0, r.quantity - r.allocated)},
                 {"note", r.note},
                 {"posted_at", r.posted_at.to_string()},
                 {"posted_by", r.posted_by},
                 {"current", r.current}};
  add_team(o, r.team);
  return o;
}

json::object allocation_json(const AllocationRecord& l) {
  return json::object{{"id", l.id},           {"round_id", l.round_id}, {"donor", l.donor},
                      {"country", l.country}, {"item", l.item},         {"quantity", l.quantity},
                      {"need_id", l.need_id}, {"offer_id", l.offer_id}, {"planned", l.planned}};
}

json::object shipment_json(const ShipmentRecord& s) {
  json::array events;
  for (const auto& e : s.events) {
    json::object o{{"id", e.id},
                   {"event", std::string(shipment_event_name(e.kind))},
                   {"date", optional_date(e.date)},
                   {"note", e.note},
                   {"recorded_at", e.recorded_at.to_string()},
                   {"recorded_by", e.recorded_by}};
    if (e.kind == ShipmentEventKind::kDelivered) {
      o["quantity_received"] = e.quantity_received;
      o["received_by"] = e.received_by;
    }
    events.push_back(std::move(o));
  }
  return json::object{{"id", s.id},
                      {"allocation_id", s.allocation_id ? json::value(*s.allocation_id) : json::value(nullptr)},
                      {"round_id", s.round_id ? json::value(*s.round_id) : json::value(nullptr)},
                      {"donor", s.donor},
                      {"origin", s.origin.empty() ? json::value(nullptr) : json::value(s.origin)},
                      {"country", s.country},
                      {"item", s.item},
                      {"quantity", s.quantity},
                      {"received", s.received},
                      {"state", std::string(shipment_state_name(s.state))},
                      {"note", s.note},
                      {"created_at", s.created_at.to_string()},
                      {"created_by", s.created_by},
                      {"events", std::move(events)}};
}

json::object round_summary_json(const RoundRecord& r) {
  return json::object{{"id", r.id},
                      {"run_at", r.run_at.to_string()},
                      {"run_by", r.run_by},
                      {"policy", std::string(policy_name(r.options.policy))},
                      {"cap", optional_number(r.options.cap)},
                      {"buffer", json_number(r.options.buffer)},
                      {"total_cost", json_number(r.total_cost)}};
}

json::object round_json(const RoundRecord& r) {
  json::object o = round_summary_json(r);
  o["inputs"] = parsed(r.inputs_json);
  json::array lines;
  for (const auto& l : r.lines) lines.push_back(allocation_json(l));
  o["allocation"] = std::move(lines);
  o["report"] = parsed(r.report_json);
  return o;
}

Result<TransparencyData> read_transparency_data(CoordinationStore& store) {
  TransparencyData data;
  ASSIGN_OR_RETURN(data.needs, store.list_needs(NeedFilter{"", "", true}));
  ASSIGN_OR_RETURN(data.offers, store.list_offers("", "", true));
  ASSIGN_OR_RETURN(data.rounds, store.list_rounds());
  ASSIGN_OR_RETURN(data.allocations, store.list_allocations());
  ASSIGN_OR_RETURN(data.shipments, store.list_shipments());
  return data;
}

std::vector<CoverageRow> coverage_rows(const TransparencyData& data) {
  using Key = std::pair<std::string, std::string>;
  std::map<Key, CoverageRow> rows;
  std::vector<Key> order;
  auto row = [&](const std::string& country, const std::string& item) -> CoverageRow& {
    auto [it, inserted] = rows.try_emplace({country, item});
    if (inserted) {
      it->second.country = country;
      it->second.item = item;
      order.push_back(it->first);
    }
    return it->second;
  };
  std::map<Key, const NeedRecord*> current;
  for (const auto& n : data.needs) {
    if (!n.current) continue;
    current[{n.country, n.item}] = &n;
    CoverageRow& r = row(n.country, n.item);
    r.population = n.population;
    r.need = n.quantity;
    r.delivered_before = n.delivered;
  }
  for (const auto& a : data.allocations) row(a.country, a.item).allocated += a.quantity;
  for (const auto& s : data.shipments) {
    CoverageRow& r = row(s.country, s.item);
    r.shipped += shipped_units(s);
    r.received += s.received;
  }
  for (auto& [key, r] : rows) {
    auto it = current.find(key);
    if (it == current.end()) continue;
    const NeedRecord& n = *it->second;
    int64_t received_since = 0;
    for (const auto& s : data.shipments) {
      if (s.country != n.country || s.item != n.item) continue;
      for (const auto& e : s.events)
        if (e.kind == ShipmentEventKind::kDelivered && e.recorded_at >= n.posted_at) received_since += e.quantity_received;
    }
    double population = static_cast<double>(n.population);
    r.allocated_coverage = static_cast<double>(n.delivered + n.allocated) / population;
    r.coverage = static_cast<double>(n.delivered + received_since) / population;
  }
  std::vector<CoverageRow> out;
  for (const auto& key : order) out.push_back(rows.at(key));
  return out;
}

std::vector<DonorRow> donor_rows(const TransparencyData& data) {
  using Key = std::pair<std::string, std::string>;
  std::map<Key, DonorRow> rows;
  std::vector<Key> order;
  auto row = [&](const std::string& donor, const std::string& item) -> DonorRow& {
    auto [it, inserted] = rows.try_emplace({donor, item});
    if (inserted) {
      it->second.donor = donor;
      it->second.item = item;
      order.push_back(it->first);
    }
    return it->second;
  };
  for (const auto& o : data.offers) row(o.donor, o.item).pledged += o.current ? o.quantity : o.allocated;
  for (const auto& a : data.allocations) row(a.donor, a.item).allocated += a.quantity;
  for (const auto& s : data.shipments) {
    DonorRow& r = row(s.donor, s.item);
    r.shipped += shipped_units(s);
    r.delivered += s.received;
  }
  std::vector<DonorRow> out;
  for (const auto& key : order) out.push_back(rows.at(key));
  return out;
}

json::object transparency_report_json(const TransparencyData& data, Timestamp generated_at) {
  json::array donors, coverage, pledges, needs, rounds, allocations, shipments;
  for (const auto& d : donor_rows(data)) {
    donors.push_back(json::object{{"donor", d.donor},
                                  {"item", d.item},
                                  {"pledged", d.pledged},
                                  {"allocated", d.allocated},
                                  {"shipped", d.shipped},
                                  {"delivered", d.delivered}});
  }
  for (const auto& c : coverage_rows(data)) {
    coverage.push_back(json::object{{"country", c.country},
                                    {"item", c.item},
                                    {"population", c.population ? json::value(*c.population) : json::value(nullptr)},
                                    {"need", c.need},
                                    {"delivered_before", c.delivered_before},
                                    {"allocated", c.allocated},
                                    {"shipped", c.shipped},
                                    {"received", c.received},
                                    {"allocated_coverage", optional_number(c.allocated_coverage)},
                                    {"coverage", optional_number(c.coverage)}});
  }
  for (const auto& o : data.offers) pledges.push_back(offer_json(o));
  for (const auto& n : data.needs) needs.push_back(need_json(n));
  std::map<int64_t, Timestamp> run_at;
  for (const auto& r : data.rounds) {
    rounds.push_back(round_summary_json(r));
    run_at[r.id] = r.run_at;
  }
  for (const auto& a : data.allocations) {
    json::object o = allocation_json(a);
    if (auto it = run_at.find(a.round_id); it != run_at.end()) o["allocated_at"] = it->second.to_string();
    allocations.push_back(std::move(o));
  }
  for (const auto& s : data.shipments) shipments.push_back(shipment_json(s));
  return json::object{{"generated_at", generated_at.to_string()},
                      {"donors", std::move(donors)},
                      {"coverage", std::move(coverage)},
                      {"pledges", std::move(pledges)},
                      {"needs", std::move(needs)},
                      {"rounds", std::move(rounds)},
                      {"allocations", std::move(allocations)},
                      {"shipments", std::move(shipments)}};
}

std::string transparency_ledger_csv(const TransparencyData& data) {
  struct Entry {
    Timestamp recorded_at;
    std::vector<std::string> fields;  // every column after recorded_at
  };
  std::vector<Entry> entries;
  auto id_text = [](std::optional<int64_t> id) { return id ? std::to_string(*id) : std::string(); };
  for (const auto& n : data.needs)
    entries.push_back({n.posted_at,
                       {"needed", "", "", "", n.country, n.item, std::to_string(n.quantity), "", "", "", "", n.posted_by, n.note}});
  for (const auto& o : data.offers)
    entries.push_back({o.posted_at,
                       {"pledged", "", o.donor, o.origin, "", o.item, std::to_string(o.quantity), "", "", "", "", o.posted_by,
                        o.note}});
  std::map<int64_t, const RoundRecord*> rounds;
  for (const auto& r : data.rounds) rounds[r.id] = &r;
  for (const auto& a : data.allocations) {
    auto it = rounds.find(a.round_id);
    Timestamp at = it != rounds.end() ? it->second->run_at : Timestamp();
    std::string by = it != rounds.end() ? it->second->run_by : "";
    entries.push_back({at,
                       {"allocated", "", a.donor, "", a.country, a.item, std::to_string(a.quantity), std::to_string(a.round_id),
                        std::to_string(a.id), "", "", by, ""}});
  }
  for (const auto& s : data.shipments) {
    for (const auto& e : s.events) {
      int64_t quantity = e.kind == ShipmentEventKind::kDelivered ? e.quantity_received : s.quantity;
      entries.push_back({e.recorded_at,
                         {std::string(shipment_event_name(e.kind)), e.date ? e.date->to_string() : "", s.donor, s.origin,
                          s.country, s.item, std::to_string(quantity), id_text(s.round_id), id_text(s.allocation_id),
                          std::to_string(s.id), e.received_by, e.recorded_by, e.note}});
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.recorded_at < b.recorded_at; });
  std::string out =
      "recorded_at,event,date,donor,origin,country,item,quantity,round_id,allocation_id,shipment_id,received_by,by,note\n";
  for (const auto& e : entries) {
    out += e.recorded_at.to_string();
    for (const auto& f : e.fields) out += "," + csv_field(f);
    out += "\n";
  }
  return out;
}

std::string coverage_csv(const TransparencyData& data) {
  std::string out = "country,item,population,need,delivered_before,allocated,shipped,received,allocated_coverage,coverage\n";
  for (const auto& c : coverage_rows(data)) {
    out += csv_field(c.country) + "," + csv_field(c.item) + "," + (c.population ? std::to_string(*c.population) : "") +
           "," + std::to_string(c.need) + "," + std::to_string(c.delivered_before) + "," + std::to_string(c.allocated) +
           "," + std::to_string(c.shipped) + "," + std::to_string(c.received) + "," + optional_text(c.allocated_coverage) +
           "," + optional_text(c.coverage) + "\n";
  }
  return out;
}

std::string donors_csv(const TransparencyData& data) {
  std::string out = "donor,item,pledged,allocated,shipped,delivered\n";
  for (const auto& d : donor_rows(data)) {
    out += csv_field(d.donor) + "," + csv_field(d.item) + "," + std::to_string(d.pledged) + "," +
           std::to_string(d.allocated) + "," + std::to_string(d.shipped) + "," + std::to_string(d.delivered) + "\n";
  }
  return out;
}

}  // namespace shouwang::aid
