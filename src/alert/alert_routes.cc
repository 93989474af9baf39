// Handlers of the liaison endpoints: parse, check the token, call the service, answer JSON.
#include "alert/alert_routes.h"

#include <charconv>

namespace shouwang::alert {
namespace json = boost::json;
using api::Request;
using api::Response;

namespace {

// Who did it, for the transitions: the token's label, else its role and location.
std::string actor_of(const store::Token& token) {
  if (!token.label.empty()) return token.label;
  return std::string(store::role_name(token.role)) + (token.location.empty() ? "" : ":" + token.location);
}

// The token of the request if it is an admin or a focal point.
Result<store::Token> require_liaison_token(LiaisonService& service, const Request& request) {
  ASSIGN_OR_RETURN(store::Token token, service.authenticate(request.bearer_token()));
  if (token.role != store::Role::kAdmin && token.role != store::Role::kFocalPoint) {
    return permission_denied("only focal points and admins may do this");
  }
  return token;
}

// Admins act anywhere; a focal point within its location (everywhere when it has none).
Status check_token_covers(LiaisonService& service, const store::Token& token, const std::string& location) {
  if (token.role == store::Role::kAdmin || token.location.empty()) return Status::ok();
  ASSIGN_OR_RETURN(bool covered, service.covers(token.location, location));
  if (!covered) return permission_denied("this token is for " + token.location + ", not " + location);
  return Status::ok();
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

Result<int64_t> parse_id(const std::string& text) {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return invalid_argument("'" + text + "' is not an id");
  }
  return id;
}

json::object alert_json(const Alert& a) {
  return json::object{{"alert_id", a.id},
                      {"state", std::string(alert_state_name(a.state))},
                      {"location", a.location},
                      {"indicator", a.indicator},
                      {"severity", std::string(severity_name(a.severity))},
                      {"origin", a.origin},
                      {"text", a.text},
                      {"opened_at", a.opened_at.to_string()},
                      {"opened_by", a.opened_by},
                      {"last_signal_at", a.last_signal_at.to_string()},
                      {"signal_count", a.signal_count}};
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

Response change_state_route(LiaisonService& service, const Request& request, AlertState to) {
  auto token = require_liaison_token(service, request);
  if (!token) return Response::error(token.status());
  auto id = parse_id(request.path_params.at("id"));
  if (!id) return Response::error(id.status());
  auto alert = service.get_alert(*id);
  if (!alert) return Response::error(alert.status());
  if (Status s = check_token_covers(service, *token, alert->location); !s.is_ok()) return Response::error(s);
  std::string note;
  if (!request.body.empty()) {
    auto body = parse_body_object(request);
    if (!body) return Response::error(body.status());
    auto n = string_member(*body, "note");
    if (!n) return Response::error(n.status());
    note = *n;
  }
  auto changed = to == AlertState::kAcknowledged ? service.acknowledge(*id, actor_of(*token), note)
                                                 : service.resolve(*id, actor_of(*token), note);
  if (!changed) return Response::error(changed.status());
  return Response::json(alert_json(*changed));
}

}  // namespace

void add_alert_routes(api::Router& router, LiaisonService& service) {
  LiaisonService* svc = &service;

  router.add("POST", "/api/v1/events", [svc](const Request& request) {
    Timestamp received = svc->clock().now();
    auto token = require_liaison_token(*svc, request);
    if (!token) return Response::error(token.status());
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
    if (Status s = check_token_covers(*svc, *token, report.location); !s.is_ok()) return Response::error(s);
    auto update = svc->report_event(report, actor_of(*token));
    if (!update) return Response::error(update.status());
    return Response::json(json::object{{"alert_id", update->alert_id},
                                       {"opened", update->opened},
                                       {"state", std::string(alert_state_name(update->state))}},
                          update->opened ? 201 : 200);
  });

  router.add("GET", "/api/v1/alerts", [svc](const Request& request) {
    AlertFilter filter;
    if (auto v = request.param("state"); !v.empty()) {
      auto state = parse_alert_state(v);
      if (!state) return Response::error(state.status());
      filter.state = *state;
    }
    filter.location = request.param("location");
    if (auto v = request.param("limit"); !v.empty()) {
      auto limit = parse_id(v);
      if (!limit) return Response::error(limit.status());
      filter.limit = std::min<int64_t>(*limit, 10'000);
    }
    auto alerts = svc->list_alerts(filter);
    if (!alerts) return Response::error(alerts.status());
    json::array out;
    for (const auto& a : *alerts) out.push_back(alert_json(a));
    return Response::json(json::object{{"alerts", std::move(out)}});
  });

  // Registered before /alerts/{id} so that "stream" is not taken for an id.
  router.add("GET", "/api/v1/alerts/stream", [svc](const Request&) {
    Response r;
    r.content_type = "text/event-stream";
    r.stream = [bus = svc->shared_bus(), keepalive = svc->options().stream_keepalive](api::StreamWriter& writer) {
      BusQueue queue(*bus);
      if (!writer.write(": connected\n\n")) return;
      auto last_write = std::chrono::steady_clock::now();
      while (!bus->closed()) {
        auto payload = queue.pop(std::min<std::chrono::milliseconds>(keepalive, std::chrono::seconds(1)));
        std::string frame;
        if (payload) {
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
  });

  router.add("GET", "/api/v1/alerts/{id}", [svc](const Request& request) {
    auto id = parse_id(request.path_params.at("id"));
    if (!id) return Response::error(id.status());
    auto alert = svc->get_alert(*id);
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
  });

  router.add("POST", "/api/v1/alerts/{id}/ack", [svc](const Request& request) {
    return change_state_route(*svc, request, AlertState::kAcknowledged);
  });
  router.add("POST", "/api/v1/alerts/{id}/resolve", [svc](const Request& request) {
    return change_state_route(*svc, request, AlertState::kResolved);
  });

  router.add("POST", "/api/v1/subscriptions", [svc](const Request& request) {
    auto token = require_liaison_token(*svc, request);
    if (!token) return Response::error(token.status());
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
  });

  router.add("GET", "/api/v1/subscriptions", [svc](const Request& request) {
    auto token = require_liaison_token(*svc, request);
    if (!token) return Response::error(token.status());
    auto subscriptions = svc->list_subscriptions();
    if (!subscriptions) return Response::error(subscriptions.status());
    json::array out;
    for (const auto& s : *subscriptions) out.push_back(subscription_json(s));
    return Response::json(json::object{{"subscriptions", std::move(out)}});
  });

  router.add("DELETE", "/api/v1/subscriptions/{id}", [svc](const Request& request) {
    auto token = require_liaison_token(*svc, request);
    if (!token) return Response::error(token.status());
    auto id = parse_id(request.path_params.at("id"));
    if (!id) return Response::error(id.status());
    if (Status s = svc->delete_subscription(*id); !s.is_ok()) return Response::error(s);
    return Response::json(json::object{{"deleted", *id}});
  });

  router.add("GET", "/api/v1/metrics", [svc](const Request&) {
    return Response::text(svc->render_metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace shouwang::alert
