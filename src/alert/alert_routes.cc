// Handlers of the liaison endpoints: parse, check the token, call the service, answer JSON. Each
// route's guard checks the token before the body is read; handlers read the caller from
// request.caller.
#include "alert/alert_routes.h"

namespace shouwang::alert {
namespace json = boost::json;
using http::Caller;
using http::Request;
using http::Response;

namespace {

// Who did it, for the transitions: the token's label, else its role and location.
std::string actor_of(const Caller& caller) {
  if (!caller.label.empty()) return caller.label;
  return caller.role + (caller.location.empty() ? "" : ":" + caller.location);
}

// Admins act anywhere; a focal point within its location (everywhere when it has none).
Status check_caller_covers(LiaisonService& service, const Caller& caller, const std::string& location) {
  if (caller.role == "admin" || caller.location.empty()) return Status::ok();
  ASSIGN_OR_RETURN(bool covered, service.covers(caller.location, location));
  if (!covered) return permission_denied("this token is for " + caller.location + ", not " + location);
  return Status::ok();
}

// What the caller may see of unpublished alerts: nothing when it presented no token.
ConfidentialReach reach_of(const Request& request) {
  if (!request.caller) return {};
  return ConfidentialReach::of(request.caller->role, request.caller->location);
}

Result<json::object> parse_body_object(const Request& request) {
  boost::system::error_code ec;
  json::value value = json::parse(request.body, ec);
  if (ec || !value.is_object()) return invalid_argument("the body must be a JSON object");
  return value.as_object();
}

// A string member, "" when absent; InvalidArgument when present but not a string.
Result<std::string> string_member(const json::object& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) return std::string();
  if (!it->value().is_string()) return invalid_argument(std::string("'") + name + "' must be a string");
  return std::string(it->value().as_string());
}

json::object alert_json(const Alert& a) {
  json::object out{{"alert_id", a.id},
                   {"state", std::string(alert_state_name(a.state))},
                   {"location", a.location},
                   {"indicator", a.indicator},
                   {"severity", std::string(severity_name(a.severity))},
                   {"origin", a.origin},
                   {"text", a.text},
                   {"opened_at", a.opened_at.to_string()},
                   {"opened_by", a.opened_by},
                   {"last_signal_at", a.last_signal_at.to_string()},
                   {"signal_count", a.signal_count},
                   {"published", a.published()}};
  if (a.published_at) {
    out["published_at"] = a.published_at->to_string();
    out["published_by"] = a.published_by;
  }
  return out;
}

json::object subscription_json(const Subscription& s) {
  return json::object{{"id", s.id},
                      {"name", s.name},
                      {"organisation", s.organisation},
                      {"location", s.location},
                      {"indicator", s.indicator.empty() ? json::value(nullptr) : json::value(s.indicator)},
                      {"min_severity", std::string(severity_name(s.min_severity))},
                      {"webhook", s.webhook},
                      {"signed", !s.secret.empty()},
                      {"created_at", s.created_at.to_string()}};
}

// The alert a token may act on: 404 for an id that does not exist, 403 when the token does not
// cover the alert's location. Only focal points and admins get this far, so the 403 tells another
// country's focal point that a confidential alert exists, but not where.
Result<Alert> alert_to_change(LiaisonService& service, const Caller& caller, int64_t id) {
  ASSIGN_OR_RETURN(Alert alert, service.get_alert(id));
  Status covered = check_caller_covers(service, caller, alert.location);
  if (covered.is_ok()) return alert;
  if (alert.published() || covered.code() != StatusCode::kPermissionDenied) return covered;
  return permission_denied("this token does not cover the location of alert " + std::to_string(id));
}

// POST /api/v1/alerts/{id}/<action> with an optional {"note": "..."}: runs `action` as the
// caller and answers the alert.
using AlertAction = Result<Alert> (LiaisonService::*)(int64_t, const std::string&, const std::string&);
Response alert_action_route(LiaisonService& service, const Request& request, AlertAction action) {
  const Caller& caller = *request.caller;
  auto id = http::parse_id(request.path_params.at("id"));
  if (!id) return Response::error(id.status());
  if (auto alert = alert_to_change(service, caller, *id); !alert) return Response::error(alert.status());
  std::string note;
  if (!request.body.empty()) {
    auto body = parse_body_object(request);
    if (!body) return Response::error(body.status());
    auto n = string_member(*body, "note");
    if (!n) return Response::error(n.status());
    note = *n;
  }
  auto changed = (service.*action)(*id, actor_of(caller), note);
  if (!changed) return Response::error(changed.status());
  return Response::json(alert_json(*changed));
}

}  // namespace

http::Authenticator liaison_authenticator(LiaisonService& service) {
  return [svc = &service](const std::string& secret) -> Result<Caller> {
    ASSIGN_OR_RETURN(store::Token token, svc->authenticate(secret));
    return Caller{.role = std::string(store::role_name(token.role)),
                  .location = token.location,
                  .label = token.label,
                  .token_hash = token.token_hash};
  };
}

void add_alert_routes(http::Router& router, const http::RouteContext& context, LiaisonService& service,
                      std::function<std::string()> more_metrics) {
  LiaisonService* svc = &service;
  const http::RouteGuard liaison = http::token_route(context.authenticate, {"admin", "focal_point"});
  // Public, but a focal point's or an admin's token also shows the confidential alerts it covers.
  http::RouteGuard reader = http::token_route(context.authenticate);
  reader.token_optional = true;

  router.add("POST", "/api/v1/events", [svc](const Request& request) {
    Timestamp received = svc->clock().now();
    const Caller& caller = *request.caller;
    auto body = parse_body_object(request);
    if (!body) return Response::error(body.status());
    EventReport report;
    report.received_at = received;
    auto location = string_member(*body, "location");
    auto text = string_member(*body, "text");
    auto disease = string_member(*body, "disease");
    auto severity = string_member(*body, "severity");
    for (const auto* r : {&location, &text, &disease, &severity}) {
      if (!*r) return Response::error(r->status());
    }
    if (location->empty()) return Response::error(invalid_argument("an event report needs a 'location'"));
    report.location = *location;
    report.text = *text;
    report.disease = *disease;
    if (!severity->empty()) {
      auto s = parse_severity(*severity);
      if (!s) return Response::error(s.status());
      report.severity = *s;
    }
    if (Status s = check_caller_covers(*svc, caller, report.location); !s.is_ok()) return Response::error(s);
    auto update = svc->report_event(report, actor_of(caller));
    if (!update) return Response::error(update.status());
    return Response::json(json::object{{"alert_id", update->alert_id},
                                       {"opened", update->opened},
                                       {"state", std::string(alert_state_name(update->state))}},
                          update->opened ? 201 : 200);
  }, liaison);

  router.add("GET", "/api/v1/alerts", [svc](const Request& request) {
    AlertFilter filter;
    if (auto v = request.param("state"); !v.empty()) {
      auto state = parse_alert_state(v);
      if (!state) return Response::error(state.status());
      filter.state = *state;
    }
    filter.location = request.param("location");
    auto limit = http::whole_number_param(request, "limit", filter.limit, 1, 10'000);
    if (!limit) return Response::error(limit.status());
    filter.limit = *limit;
    auto alerts = svc->list_visible_alerts(filter, reach_of(request));
    if (!alerts) return Response::error(alerts.status());
    json::array out;
    for (const auto& a : *alerts) out.push_back(alert_json(a));
    return Response::json(json::object{{"alerts", std::move(out)}});
  }, reader);

  // Registered before /alerts/{id} so that "stream" is not taken for an id.
  router.add("GET", "/api/v1/alerts/stream", [svc](const Request& request) {
    Response r;
    r.content_type = "text/event-stream";
    // What the caller may see is settled when it connects, from the token it presented then.
    r.stream = [bus = svc->shared_bus(), keepalive = svc->options().stream_keepalive,
                reach = reach_of(request)](http::StreamWriter& writer) {
      BusQueue queue(*bus);
      if (!writer.write(": connected\n\n")) return;
      auto last_write = std::chrono::steady_clock::now();
      while (!bus->closed() && writer.open()) {
        auto payload = queue.pop(std::min<std::chrono::milliseconds>(keepalive, std::chrono::seconds(1)));
        std::string frame;
        if (payload && bus_payload_visible(*payload, reach)) {
          frame = "event: alert\ndata: " + *payload + "\n\n";
        } else if (std::chrono::steady_clock::now() - last_write >= keepalive) {
          frame = ": keep-alive\n\n";  // finds out whether the client went away
        } else {
          continue;
        }
        if (!writer.write(frame)) return;
        last_write = std::chrono::steady_clock::now();
      }
    };
    return r;
  }, reader);

  router.add("GET", "/api/v1/alerts/{id}", [svc](const Request& request) {
    auto id = http::parse_id(request.path_params.at("id"));
    if (!id) return Response::error(id.status());
    auto alert = svc->get_visible_alert(*id, reach_of(request));
    if (!alert) return Response::error(alert.status());
    auto transitions = svc->list_transitions(*id);
    if (!transitions) return Response::error(transitions.status());
    auto deliveries = svc->delivered_entries(*id);
    if (!deliveries) return Response::error(deliveries.status());
    json::object out = alert_json(*alert);
    json::array ts;
    for (const auto& t : *transitions) {
      ts.push_back(json::object{{"from", t.from_state.empty() ? json::value(nullptr) : json::value(t.from_state)},
                                {"to", t.to_state},
                                {"actor", t.actor},
                                {"at", t.at.to_string()},
                                {"note", t.note}});
    }
    out["transitions"] = std::move(ts);
    json::array ds;
    for (const auto& d : *deliveries) {
      ds.push_back(json::object{{"channel", d.channel},
                                {"event", d.kind},
                                {"idempotency_key", d.idempotency_key},
                                {"attempts", d.attempts}});
    }
    out["deliveries"] = std::move(ds);
    return Response::json(out);
  }, reader);

  router.add("POST", "/api/v1/alerts/{id}/ack", [svc](const Request& request) {
    return alert_action_route(*svc, request, &LiaisonService::acknowledge);
  }, liaison);
  router.add("POST", "/api/v1/alerts/{id}/resolve", [svc](const Request& request) {
    return alert_action_route(*svc, request, &LiaisonService::resolve);
  }, liaison);
  router.add("POST", "/api/v1/alerts/{id}/publish", [svc](const Request& request) {
    return alert_action_route(*svc, request, &LiaisonService::publish);
  }, liaison);

  router.add("POST", "/api/v1/subscriptions", [svc](const Request& request) {
    auto body = parse_body_object(request);
    if (!body) return Response::error(body.status());
    Subscription s;
    std::string min_severity;
    for (auto [name, target] : {std::pair{"name", &s.name}, {"organisation", &s.organisation},
                                {"location", &s.location}, {"indicator", &s.indicator}, {"webhook", &s.webhook},
                                {"secret", &s.secret}, {"min_severity", &min_severity}}) {
      auto v = string_member(*body, name);
      if (!v) return Response::error(v.status());
      *target = *v;
    }
    if (s.location.empty()) return Response::error(invalid_argument("a subscription needs a 'location'"));
    if (!min_severity.empty()) {
      auto sev = parse_severity(min_severity);
      if (!sev) return Response::error(sev.status());
      s.min_severity = *sev;
    }
    auto created = svc->add_subscription(s);
    if (!created) return Response::error(created.status());
    return Response::json(subscription_json(*created), 201);
  }, liaison);

  router.add("GET", "/api/v1/subscriptions", [svc](const Request&) {
    auto subscriptions = svc->list_subscriptions();
    if (!subscriptions) return Response::error(subscriptions.status());
    json::array out;
    for (const auto& s : *subscriptions) out.push_back(subscription_json(s));
    return Response::json(json::object{{"subscriptions", std::move(out)}});
  }, liaison);

  router.add("DELETE", "/api/v1/subscriptions/{id}", [svc](const Request& request) {
    auto id = http::parse_id(request.path_params.at("id"));
    if (!id) return Response::error(id.status());
    if (Status s = svc->delete_subscription(*id); !s.is_ok()) return Response::error(s);
    return Response::json(json::object{{"deleted", *id}});
  }, liaison);

  router.add("GET", "/api/v1/metrics", [svc, more_metrics](const Request&) {
    std::string text = svc->render_metrics();
    if (more_metrics) text += more_metrics();
    return Response::text(text, "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace shouwang::alert
