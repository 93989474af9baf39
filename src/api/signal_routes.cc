// Signals as JSON, for the dashboard's alarm markers and the liaison work.
#include "api/signal_routes.h"

#include <cmath>

#include "watch/analysis_series.h"
#include "watch/watch.h"

namespace shouwang::api {
namespace json = boost::json;
using http::Request;
using http::Response;
namespace {

// A week parameter may be an ISO week or a date (the week containing it).
Result<IsoWeek> week_param(const std::string& name, const std::string& text) {
  auto period = Period::parse(text);
  if (!period) return invalid_argument("parameter '" + name + "': " + period.status().message());
  return period->iso_week();
}

}  // namespace

void add_signal_routes(http::Router& router, const http::RouteContext& context, watch::SignalStore& signal_store,
                       StorePool& pool) {
  router.add("GET", "/api/v1/signals", [&signal_store, &pool](const Request& request) {
    watch::SignalQuery query;
    if (auto v = request.param("location"); !v.empty()) query.location = v;
    if (auto v = request.param("indicator"); !v.empty()) {
      auto lease = pool.acquire();
      if (!lease) return Response::error(lease.status());
      if (Status incident = watch::require_incident(**lease, v); !incident.is_ok()) return Response::error(incident);
      query.indicator = v;
    }
    if (auto v = request.param("method"); !v.empty()) query.method = v;
    for (const char* name : {"from", "to"}) {
      std::string v = request.param(name);
      if (v.empty()) continue;
      auto week = week_param(name, v);
      if (!week) return Response::error(week.status());
      (std::string(name) == "from" ? query.from : query.to) = *week;
    }
    std::string alarm = request.param("alarm");
    if (!alarm.empty() && alarm != "true" && alarm != "false") {
      return Response::error(invalid_argument("parameter 'alarm' must be true or false"));
    }
    query.alarms_only = alarm == "true";
    auto signals = signal_store.read(query);
    if (!signals) return Response::error(signals.status());
    json::array out;
    for (const auto& s : *signals) {
      if (alarm == "false" && s.alarm == detect::Alarm::kYes) continue;
      json::object o{{"location", s.location},   {"indicator", s.indicator},
                     {"week", s.week.to_string()}, {"week_start", s.week.monday().to_string()},
                     {"method", s.method},         {"observed", json_number(s.observed)},
                     {"upperbound", json_number(s.upperbound)},
                     {"expected", json_number(s.expected)},
                     {"score", json_number(s.score)}};
      o["alarm"] = s.alarm == detect::Alarm::kMissing ? json::value(nullptr) : json::value(s.alarm == detect::Alarm::kYes);
      o["computed_at"] = s.computed_at.to_string();
      o["derived_from"] = s.derived_from.empty() ? json::value(nullptr) : json::value(s.derived_from);
      out.push_back(std::move(o));
    }
    return Response::json(json::object{{"signals", std::move(out)}});
  });
}

}  // namespace shouwang::api
