// Handlers of /api/v1/aid: parse the body, check the token's role and territory, call the
// coordination store, answer JSON (or CSV for the report).
#include "aid/coordination_routes.h"

#include <charconv>
#include <cmath>
#include <type_traits>
#include <vector>

#include "aid/allocation_files.h"
#include "aid/coordination_store.h"
#include "aid/transparency_report.h"
#include "store/auth.h"

namespace shouwang::aid {
namespace json = boost::json;
using http::Request;
using http::Response;
using http::RouteContext;
using store::Role;
using store::Token;

namespace {

// Who did it, for the record: the token's label, else its role and location.
std::string actor_of(const Token& token) {
  if (!token.label.empty()) return token.label;
  return std::string(store::role_name(token.role)) + (token.location.empty() ? "" : ":" + token.location);
}

std::string role_text(const Token& token) { return std::string(store::role_name(token.role)); }

// The token the route's guard checked, with its role as the store names it: every writing route
// is registered with token_route(), which refuses a request without a valid token before the
// handler runs, so it is always there.
Result<Token> guarded_token(const Request& request) {
  if (!request.caller) return internal_error("an aid writing route was registered without a token guard");
  ASSIGN_OR_RETURN(Role role, store::parse_role(request.caller->role));
  return Token{.token_hash = request.caller->token_hash,
               .role = role,
               .location = request.caller->location,
               .label = request.caller->label,
               .created_at = Timestamp()};  // the guard does not carry it; nothing here reads it
}

Result<json::object> body_object(const Request& request) {
  boost::system::error_code ec;
  json::value value = json::parse(request.body, ec);
  if (ec || !value.is_object()) return invalid_argument("the body must be a JSON object");
  return value.as_object();
}

const json::value* member(const json::object& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

// "" when absent.
Result<std::string> string_field(const json::object& o, const char* name) {
  const json::value* v = member(o, name);
  if (!v) return std::string();
  if (!v->is_string()) return invalid_argument(std::string("'") + name + "' must be a string");
  return std::string(v->as_string());
}

Result<std::optional<int64_t>> integer_field(const json::object& o, const char* name) {
  const json::value* v = member(o, name);
  if (!v) return std::optional<int64_t>();
  if (v->is_int64()) return std::optional<int64_t>(v->as_int64());
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return std::optional<int64_t>(static_cast<int64_t>(v->as_uint64()));
  if (v->is_double() && std::floor(v->as_double()) == v->as_double() && std::fabs(v->as_double()) < 9.0e15)
    return std::optional<int64_t>(static_cast<int64_t>(v->as_double()));
  return invalid_argument(std::string("'") + name + "' must be a whole number");
}

Result<std::optional<double>> number_field(const json::object& o, const char* name) {
  const json::value* v = member(o, name);
  if (!v) return std::optional<double>();
  if (!v->is_number()) return invalid_argument(std::string("'") + name + "' must be a number");
  return std::optional<double>(v->to_number<double>());
}

Result<std::optional<Date>> date_field(const json::object& o, const char* name) {
  ASSIGN_OR_RETURN(std::string text, string_field(o, name));
  if (text.empty()) return std::optional<Date>();
  auto date = Date::parse(text);
  if (!date) return invalid_argument(std::string("'") + name + "' must be a date YYYY-MM-DD, not '" + text + "'");
  return std::optional<Date>(*date);
}

Result<int64_t> required_integer(const json::object& o, const char* name) {
  ASSIGN_OR_RETURN(auto v, integer_field(o, name));
  if (!v) return invalid_argument(std::string("'") + name + "' is required");
  return *v;
}

Result<int64_t> path_id(const Request& request) { return http::parse_id(request.path_params.at("id")); }

// item_kind with, for expert teams, specialty, team_size and dates.
Status read_item(const json::object& o, std::string& item, ItemKind& kind, std::optional<ExpertTeam>& team) {
  ASSIGN_OR_RETURN(item, string_field(o, "item"));
  ASSIGN_OR_RETURN(std::string kind_text, string_field(o, "item_kind"));
  ASSIGN_OR_RETURN(kind, parse_item_kind(kind_text));
  ASSIGN_OR_RETURN(std::string specialty, string_field(o, "specialty"));
  ASSIGN_OR_RETURN(auto size, integer_field(o, "team_size"));
  ASSIGN_OR_RETURN(auto start, date_field(o, "start_date"));
  ASSIGN_OR_RETURN(auto end, date_field(o, "end_date"));
  if (kind == ItemKind::kExpertTeam || !specialty.empty() || size || start || end)
    team = ExpertTeam{specialty, size.value_or(0), start, end};
  return Status::ok();
}

Result<int64_t> population_of(const LocationCatalogue& catalogue, const std::string& country) {
  ASSIGN_OR_RETURN(auto locations, catalogue());
  for (const auto& l : locations)
    if (l.code == country && l.population && *l.population > 0) return *l.population;
  return invalid_argument("'population' is required: no population is known for " + country);
}

Result<json::object> post_need(const RouteContext& ctx, const LocationCatalogue& catalogue, CoordinationStore& store,
                               const Request& request) {
  ASSIGN_OR_RETURN(Token token, guarded_token(request));
  if (token.role != Role::kReporter && token.role != Role::kAdmin)
    return permission_denied("a " + role_text(token) +
                             " token cannot post needs (the country's reporter token, or an admin, is needed)");
  ASSIGN_OR_RETURN(json::object body, body_object(request));
  NeedRecord need;
  ASSIGN_OR_RETURN(need.country, string_field(body, "country"));
  if (need.country.empty()) need.country = token.role == Role::kReporter ? token.location : "";
  if (need.country.empty()) return invalid_argument("'country' is required");
  if (!store::may_report_for(token, need.country))
    return permission_denied("this token posts needs for " + token.location + ", not for " + need.country);
  RETURN_IF_ERROR(read_item(body, need.item, need.item_kind, need.team));
  ASSIGN_OR_RETURN(need.quantity, required_integer(body, "quantity"));
  ASSIGN_OR_RETURN(auto population, integer_field(body, "population"));
  if (population) {
    need.population = *population;
  } else {
    ASSIGN_OR_RETURN(need.population, population_of(catalogue, need.country));
  }
  ASSIGN_OR_RETURN(auto delivered, integer_field(body, "delivered"));
  need.delivered = delivered.value_or(0);
  ASSIGN_OR_RETURN(auto weight, number_field(body, "weight"));
  need.weight = weight.value_or(1.0);
  ASSIGN_OR_RETURN(need.note, string_field(body, "note"));
  need.posted_at = ctx.clock->now();
  need.posted_by = actor_of(token);
  ASSIGN_OR_RETURN(need.id, store.post_need(need));
  ASSIGN_OR_RETURN(auto stored, store.list_needs(NeedFilter{need.country, need.item, false}));
  for (const auto& n : stored)
    if (n.id == need.id) return need_json(n);
  return need_json(need);
}

Result<json::object> post_offer(const RouteContext& ctx, CoordinationStore& store, const Request& request) {
  ASSIGN_OR_RETURN(Token token, guarded_token(request));
  if (token.role != Role::kDonor && token.role != Role::kCoordinator && token.role != Role::kAdmin)
    return permission_denied("a " + role_text(token) + " token cannot post offers (donor, coordinator or admin)");
  ASSIGN_OR_RETURN(json::object body, body_object(request));
  OfferRecord offer;
  ASSIGN_OR_RETURN(offer.donor, string_field(body, "donor"));
  if (token.role == Role::kDonor) {
    if (token.label.empty())
      return permission_denied("this donor token has no label: a donor token's label is the donor's name");
    if (!offer.donor.empty() && offer.donor != token.label)
      return permission_denied("this token posts offers for " + token.label + ", not for " + offer.donor);
    offer.donor = token.label;
  }
  if (offer.donor.empty()) return invalid_argument("'donor' is required");
  RETURN_IF_ERROR(read_item(body, offer.item, offer.item_kind, offer.team));
  ASSIGN_OR_RETURN(offer.quantity, required_integer(body, "quantity"));
  ASSIGN_OR_RETURN(offer.origin, string_field(body, "origin"));
  if (offer.origin.empty() && token.role == Role::kDonor) offer.origin = token.location;
  ASSIGN_OR_RETURN(std::string kind, string_field(body, "kind"));
  ASSIGN_OR_RETURN(auto price, number_field(body, "unit_price"));
  if (kind == "commercial") {
    if (!price) return invalid_argument("'unit_price' is required for a commercial offer");
    offer.kind = OfferKind::kCommercial;
    offer.unit_price = *price;
  } else if (kind.empty() || kind == "donation") {
    offer.kind = OfferKind::kDonation;
  } else {
    return invalid_argument("'kind' must be donation or commercial, not '" + kind + "'");
  }
  ASSIGN_OR_RETURN(offer.note, string_field(body, "note"));
  offer.posted_at = ctx.clock->now();
  offer.posted_by = actor_of(token);
  ASSIGN_OR_RETURN(offer.id, store.post_offer(offer));
  ASSIGN_OR_RETURN(auto stored, store.list_offers(offer.donor, offer.item, false));
  for (const auto& o : stored)
    if (o.id == offer.id) return offer_json(o);
  return offer_json(offer);
}

Result<std::vector<TransportCost>> costs_from(const json::object& body) {
  ASSIGN_OR_RETURN(std::string csv, string_field(body, "costs_csv"));
  if (!csv.empty()) return parse_costs_csv(csv, "costs_csv");
  const json::value* v = member(body, "costs");
  if (!v || !v->is_array()) return invalid_argument("'costs' must be an array of {origin, country, unit_cost}");
  std::vector<TransportCost> costs;
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    const json::value& row = v->as_array()[i];
    std::string at = "'costs[" + std::to_string(i) + "]";
    if (!row.is_object()) return invalid_argument(at + "' must be an object");
    TransportCost c;
    auto origin = string_field(row.as_object(), "origin");
    auto country = string_field(row.as_object(), "country");
    auto cost = number_field(row.as_object(), "unit_cost");
    if (!origin || origin->empty()) return invalid_argument(at + ".origin' must be a country code");
    if (!country || country->empty()) return invalid_argument(at + ".country' must be a country code");
    if (!cost || !*cost) return invalid_argument(at + ".unit_cost' must be a number");
    costs.push_back(TransportCost{*origin, *country, **cost, 0});
  }
  return costs;
}

Result<json::object> post_round(const RouteContext& ctx, CoordinationStore& store, const Request& request) {
  ASSIGN_OR_RETURN(Token token, guarded_token(request));
  if (token.role != Role::kCoordinator && token.role != Role::kAdmin)
    return permission_denied("a " + role_text(token) + " token cannot run allocation rounds (coordinator or admin)");
  ASSIGN_OR_RETURN(json::object body, body_object(request));
  ASSIGN_OR_RETURN(std::string policy, string_field(body, "policy"));
  if (policy.empty()) return invalid_argument("'policy' is required: fair, fair-then-cost or cost");
  AllocationOptions options;
  auto parsed_policy = parse_policy(policy);
  if (!parsed_policy) return invalid_argument("'policy': " + parsed_policy.status().message());
  options.policy = *parsed_policy;
  ASSIGN_OR_RETURN(options.cap, number_field(body, "cap"));
  ASSIGN_OR_RETURN(auto buffer, number_field(body, "buffer"));
  options.buffer = buffer.value_or(0.0);
  if (options.cap && (!std::isfinite(*options.cap) || *options.cap <= 0))
    return invalid_argument("'cap' must be a coverage share > 0, e.g. 0.2");
  if (!std::isfinite(options.buffer) || options.buffer < 0 || options.buffer >= 1)
    return invalid_argument("'buffer' must be a share in [0, 1), e.g. 0.05");
  std::optional<std::vector<TransportCost>> costs;
  if (member(body, "costs") || member(body, "costs_csv")) {
    ASSIGN_OR_RETURN(costs, costs_from(body));
  }
  Timestamp now = ctx.clock->now();
  Date today(static_cast<int32_t>(std::floor(static_cast<double>(now.micros()) / 86'400'000'000.0)));
  ASSIGN_OR_RETURN(int64_t id, store.run_round(options, costs, now, today, actor_of(token)));
  ASSIGN_OR_RETURN(RoundRecord round, store.get_round(id));
  return round_json(round);
}

// A donor acts for the donor named by its label; coordinators and admins for any donor.
Status check_acts_for_donor(const Token& token, const std::string& donor) {
  if (token.role == Role::kCoordinator || token.role == Role::kAdmin) return Status::ok();
  if (token.role != Role::kDonor)
    return permission_denied("a " + role_text(token) + " token cannot do this (the donor, a coordinator or an admin)");
  if (token.label != donor)
    return permission_denied("this token acts for " + (token.label.empty() ? "no donor" : token.label) +
                             ", not for " + donor);
  return Status::ok();
}

Result<json::object> post_shipment(const RouteContext& ctx, CoordinationStore& store, const Request& request) {
  ASSIGN_OR_RETURN(Token token, guarded_token(request));
  ASSIGN_OR_RETURN(json::object body, body_object(request));
  ShipmentRequest shipment;
  ASSIGN_OR_RETURN(shipment.allocation_id, integer_field(body, "allocation_id"));
  ASSIGN_OR_RETURN(shipment.quantity, integer_field(body, "quantity"));
  ASSIGN_OR_RETURN(shipment.origin, string_field(body, "origin"));
  ASSIGN_OR_RETURN(shipment.note, string_field(body, "note"));
  if (shipment.allocation_id) {
    auto line = store.get_allocation(*shipment.allocation_id);
    if (!line) return invalid_argument("'allocation_id': " + line.status().message());
    RETURN_IF_ERROR(check_acts_for_donor(token, line->donor));
  } else {
    ASSIGN_OR_RETURN(shipment.donor, string_field(body, "donor"));
    if (shipment.donor.empty() && token.role == Role::kDonor) shipment.donor = token.label;
    ASSIGN_OR_RETURN(shipment.country, string_field(body, "country"));
    ASSIGN_OR_RETURN(shipment.item, string_field(body, "item"));
    if (shipment.donor.empty()) return invalid_argument("'donor' is required for a shipment without allocation_id");
    RETURN_IF_ERROR(check_acts_for_donor(token, shipment.donor));
    if (shipment.origin.empty() && token.role == Role::kDonor) shipment.origin = token.location;
  }
  ASSIGN_OR_RETURN(int64_t id, store.plan_shipment(shipment, ctx.clock->now(), actor_of(token)));
  ASSIGN_OR_RETURN(ShipmentRecord stored, store.get_shipment(id));
  return shipment_json(stored);
}

Result<json::object> post_shipment_event(const RouteContext& ctx, CoordinationStore& store, const Request& request) {
  ASSIGN_OR_RETURN(Token token, guarded_token(request));
  ASSIGN_OR_RETURN(int64_t id, path_id(request));
  ASSIGN_OR_RETURN(json::object body, body_object(request));
  ASSIGN_OR_RETURN(std::string name, string_field(body, "event"));
  if (name.empty()) return invalid_argument("'event' is required: dispatched, delivered or cancelled");
  ShipmentEventRequest event;
  ASSIGN_OR_RETURN(event.kind, parse_shipment_event(name));
  ASSIGN_OR_RETURN(event.date, date_field(body, "date"));
  ASSIGN_OR_RETURN(event.note, string_field(body, "note"));
  ASSIGN_OR_RETURN(ShipmentRecord shipment, store.get_shipment(id));
  if (event.kind == ShipmentEventKind::kDelivered) {
    // The recipient confirms, not the sender: only the receiving country's reporter token.
    if (token.role != Role::kReporter)
      return permission_denied("only the recipient country's reporter token (" + shipment.country +
                               ") confirms a delivery, not a " + role_text(token) + " token");
    if (!store::may_report_for(token, shipment.country))
      return permission_denied("shipment " + std::to_string(id) + " goes to " + shipment.country +
                               "; this token is for " + token.location);
    ASSIGN_OR_RETURN(auto received, integer_field(body, "quantity_received"));
    if (!received) return invalid_argument("'quantity_received' is required");
    event.quantity_received = *received;
    ASSIGN_OR_RETURN(event.received_by, string_field(body, "received_by"));
  } else {
    RETURN_IF_ERROR(check_acts_for_donor(token, shipment.donor));
  }
  ASSIGN_OR_RETURN(ShipmentRecord updated, store.add_shipment_event(id, event, ctx.clock->now(), actor_of(token)));
  return shipment_json(updated);
}

Response report(const RouteContext& ctx, CoordinationStore& store, const Request& request) {
  auto data = read_transparency_data(store);
  if (!data) return Response::error(data.status());
  if (request.wants_csv()) {
    std::string table = request.param("table");
    std::string csv;
    if (table.empty() || table == "ledger") {
      csv = transparency_ledger_csv(*data);
    } else if (table == "coverage") {
      csv = coverage_csv(*data);
    } else if (table == "donors") {
      csv = donors_csv(*data);
    } else {
      return Response::error(invalid_argument("parameter 'table' must be ledger, coverage or donors"));
    }
    Response r = Response::text(std::move(csv), "text/csv; charset=utf-8");
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"aid-" +
                                                      (table.empty() ? std::string("ledger") : table) + ".csv\"");
    return r;
  }
  return Response::json(transparency_report_json(*data, ctx.clock->now()));
}

// Runs `handler` on the coordination store (which leases a pooled connection per call); a JSON
// object result is sent with `status`.
template <typename F>
http::Handler with_store(CoordinationStore* store, F handler, int status = 200) {
  return [store, handler, status](const Request& request) -> Response {
    auto result = handler(*store, request);
    if constexpr (std::is_same_v<decltype(result), Response>) {
      return result;
    } else {
      if (!result) return Response::error(result.status());
      return Response::json(*result, status);
    }
  };
}

// {"<key>": [records as JSON]}, the answer of every listing endpoint.
template <typename Record, typename ToJson>
json::object listing(const char* key, const std::vector<Record>& records, ToJson to_json) {
  json::array out;
  for (const Record& record : records) out.push_back(to_json(record));
  return json::object{{key, std::move(out)}};
}

}  // namespace

void add_aid_routes(http::Router& router, const RouteContext& ctx, CoordinationStore& coordination,
                    LocationCatalogue locations) {
  CoordinationStore* store = &coordination;
  // Writing routes refuse callers without a fitting token before reading the body; the handlers
  // check what depends on the body (which country, which donor).
  auto writer = [&ctx](std::vector<Role> roles) {
    std::vector<std::string> names;
    for (Role role : roles) names.emplace_back(store::role_name(role));
    return http::token_route(ctx.authenticate, std::move(names));
  };

  router.add("POST", "/api/v1/aid/needs", with_store(store, [ctx, locations](CoordinationStore& s, const Request& r) {
               return post_need(ctx, locations, s, r);
             }, 201), writer({Role::kReporter, Role::kAdmin}));
  router.add("GET", "/api/v1/aid/needs", with_store(store, [](CoordinationStore& s, const Request& r) -> Result<json::object> {
               ASSIGN_OR_RETURN(auto needs, s.list_needs(NeedFilter{r.param("country"), r.param("item"),
                                                                    r.param("all") == "true"}));
               return listing("needs", needs, need_json);
             }));
  router.add("POST", "/api/v1/aid/offers", with_store(store, [ctx](CoordinationStore& s, const Request& r) {
               return post_offer(ctx, s, r);
             }, 201), writer({Role::kDonor, Role::kCoordinator, Role::kAdmin}));
  router.add("GET", "/api/v1/aid/offers", with_store(store, [](CoordinationStore& s, const Request& r) -> Result<json::object> {
               ASSIGN_OR_RETURN(auto offers, s.list_offers(r.param("donor"), r.param("item"), r.param("all") == "true"));
               return listing("offers", offers, offer_json);
             }));
  router.add("POST", "/api/v1/aid/rounds", with_store(store, [ctx](CoordinationStore& s, const Request& r) {
               return post_round(ctx, s, r);
             }, 201), writer({Role::kCoordinator, Role::kAdmin}));
  router.add("GET", "/api/v1/aid/rounds", with_store(store, [](CoordinationStore& s, const Request&) -> Result<json::object> {
               ASSIGN_OR_RETURN(auto rounds, s.list_rounds());
               return listing("rounds", rounds, round_summary_json);
             }));
  router.add("GET", "/api/v1/aid/rounds/{id}", with_store(store, [](CoordinationStore& s, const Request& r) -> Result<json::object> {
               ASSIGN_OR_RETURN(int64_t id, path_id(r));
               ASSIGN_OR_RETURN(RoundRecord round, s.get_round(id));
               return round_json(round);
             }));
  router.add("POST", "/api/v1/aid/shipments", with_store(store, [ctx](CoordinationStore& s, const Request& r) {
               return post_shipment(ctx, s, r);
             }, 201), writer({}));
  router.add("GET", "/api/v1/aid/shipments", with_store(store, [](CoordinationStore& s, const Request& r) -> Result<json::object> {
               ASSIGN_OR_RETURN(auto shipments, s.list_shipments(r.param("country"), r.param("donor")));
               return listing("shipments", shipments, shipment_json);
             }));
  router.add("GET", "/api/v1/aid/shipments/{id}", with_store(store, [](CoordinationStore& s, const Request& r) -> Result<json::object> {
               ASSIGN_OR_RETURN(int64_t id, path_id(r));
               ASSIGN_OR_RETURN(ShipmentRecord shipment, s.get_shipment(id));
               return shipment_json(shipment);
             }));
  router.add("POST", "/api/v1/aid/shipments/{id}/events", with_store(store, [ctx](CoordinationStore& s, const Request& r) {
               return post_shipment_event(ctx, s, r);
             }), writer({}));
  router.add("GET", "/api/v1/aid/report", with_store(store, [ctx](CoordinationStore& s, const Request& r) {
               return report(ctx, s, r);
             }));
}

}  // namespace shouwang::aid
