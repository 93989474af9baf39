// Handlers for /api/v1/{health,locations,indicators,series,map,revisions}.
#include "api/data_routes.h"

#include <set>

#include "api/figures_cache.h"
#include "core/disaggregation.h"
#include "store/aggregate.h"
#include "store/export.h"

namespace shouwang::api {
namespace json = boost::json;
using http::Request;
using http::Response;
namespace {

// Parses the one series a request names (location and indicator, both required) and its
// from/to/as_of/lag/source/disaggregation into a query (the total when no disaggregation is named).
Result<store::SeriesQuery> series_query_from(const Request& request) {
  store::SeriesQuery query;
  if (auto v = request.param("location"); !v.empty()) query.location = v;
  if (auto v = request.param("indicator"); !v.empty()) query.indicator = v;
  if (!query.location || !query.indicator) {
    return invalid_argument("parameters 'location' and 'indicator' are required");
  }
  if (auto v = request.param("source"); !v.empty()) query.source = v;
  if (auto v = request.param("disaggregation"); !v.empty()) {
    auto canonical = canonical_disaggregation(v);
    if (!canonical) return invalid_argument("parameter 'disaggregation': " + canonical.status().message());
    query.disaggregation = std::move(*canonical);
  }
  for (const char* name : {"from", "to"}) {
    std::string v = request.param(name);
    if (v.empty()) continue;
    auto period = Period::parse(v);
    if (!period) return invalid_argument(std::string("parameter '") + name + "': " + period.status().message());
    (std::string(name) == "from" ? query.from : query.to) = std::string(name) == "from" ? period->start() : period->end();
  }
  if (auto v = request.param("as_of"); !v.empty()) {
    auto t = Timestamp::parse(v);
    if (!t) return invalid_argument("parameter 'as_of': " + t.status().message());
    query.as_of = *t;
  }
  if (!request.param("lag").empty()) {
    ASSIGN_OR_RETURN(int64_t lag, http::whole_number_param(request, "lag", 0, 0, store::kMaxLagDays));
    query.lag = static_cast<int>(lag);
  }
  return query;
}

json::object location_json(const Location& loc) {
  json::object o{{"code", loc.code},
                 {"name_en", loc.name_en},
                 {"name_zh", loc.name_zh},
                 {"parent", loc.parent.empty() ? json::value(nullptr) : json::value(loc.parent)},
                 {"level", std::string(location_level_name(loc.level))}};
  o["population"] = loc.population ? json::value(*loc.population) : json::value(nullptr);
  return o;
}

}  // namespace

void add_data_routes(http::Router& router, const http::RouteContext& context, StorePool& pool,
                     std::function<std::optional<std::string>()> service_problem) {
  const Clock* clock = context.clock;
  router.add("GET", "/api/v1/health", [&pool, clock, service_problem](const Request&) {
    auto lease = pool.acquire();
    if (!lease) return Response::error(lease.status());
    auto indicators = (*lease)->list_indicators();
    if (!indicators) return Response::error(indicators.status());
    json::object body{{"status", "ok"}, {"time", clock->now().to_string()}};
    if (auto problem = service_problem ? service_problem() : std::nullopt) {
      body["status"] = "degraded";
      body["problems"] = json::array{json::value(*problem)};
      return Response::json(body, 503);
    }
    return Response::json(body);
  });

  router.add("GET", "/api/v1/locations", [&pool](const Request& request) {
    auto lease = pool.acquire();
    if (!lease) return Response::error(lease.status());
    auto locations = (*lease)->list_locations();
    if (!locations) return Response::error(locations.status());
    std::string level = request.param("level");
    std::string parent = request.param("parent");
    // ?indicator=: only locations with a stored series of it (a country has up to a few hundred
    // ISO 3166-2 subdivisions, few of which report: the dashboard asks for those only).
    std::optional<std::set<std::string>> reporting;
    if (auto indicator = request.param("indicator"); !indicator.empty()) {
      auto marks = (*lease)->series_marks(indicator);
      if (!marks) return Response::error(marks.status());
      reporting.emplace();
      for (const auto& mark : *marks) reporting->insert(mark.location);
    }
    json::array out;
    for (const auto& loc : *locations) {
      if (!level.empty() && location_level_name(loc.level) != level) continue;
      if (!parent.empty() && loc.parent != parent) continue;
      if (reporting && !reporting->contains(loc.code)) continue;
      out.push_back(location_json(loc));
    }
    return Response::json(json::object{{"locations", std::move(out)}});
  });

  router.add("GET", "/api/v1/indicators", [&pool](const Request&) {
    auto lease = pool.acquire();
    if (!lease) return Response::error(lease.status());
    auto indicators = (*lease)->list_indicators();
    if (!indicators) return Response::error(indicators.status());
    json::array out;
    for (const auto& ind : *indicators) {
      out.push_back(json::object{{"code", ind.code},
                                 {"unit", ind.unit},
                                 {"kind", std::string(indicator_kind_name(ind.kind))},
                                 {"description", ind.description},
                                 {"disease", ind.disease.empty() ? json::value(nullptr) : json::value(ind.disease)}});
    }
    return Response::json(json::object{{"indicators", std::move(out)}});
  });

  // Series as published (no from/to/as_of/lag/source) come from memory, checked against the
  // store's data version on each request; everything else is read from the store.
  auto cache = std::make_shared<FiguresCache>(pool);
  router.add("GET", "/api/v1/series", [&pool, cache](const Request& request) {
    auto query = series_query_from(request);
    if (!query) return Response::error(query.status());
    if (!query->from && !query->to && !query->as_of && !query->lag && !query->source && query->disaggregation == "") {
      auto cached = cache->series(*query->location, *query->indicator, request.wants_csv());
      if (!cached) return Response::error(cached.status());
      Response r = Response::text((*cached)->body, (*cached)->content_type);
      r.headers = (*cached)->headers;
      return http::conditional(request, std::move(r), (*cached)->etag);
    }
    auto lease = pool.acquire();
    if (!lease) return Response::error(lease.status());
    auto series = store::read_location_series(**lease, *query);
    if (!series) return Response::error(series.status());
    if (request.wants_csv()) {
      Response r = Response::text(store::series_to_csv({*series}), "text/csv; charset=utf-8");
      r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + *query->location + "-" +
                                                        *query->indicator + ".csv\"");
      return http::conditional(request, std::move(r));
    }
    return http::conditional(request, Response::json(series_json(*series, *query)));
  });

  // The dashboard's map in one request: every country's metric on one day.
  router.add("GET", "/api/v1/map", [cache](const Request& request) {
    std::string indicator = request.param("indicator");
    if (indicator.empty()) return Response::error(invalid_argument("parameter 'indicator' is required"));
    auto metric = parse_map_metric(request.param("metric"));
    if (!metric) return Response::error(metric.status());
    std::optional<Date> date;
    if (auto v = request.param("date"); !v.empty()) {
      auto period = Period::parse(v);
      if (!period || period->kind() != Period::Kind::kDay) {
        return Response::error(invalid_argument("parameter 'date': a day, YYYY-MM-DD"));
      }
      date = period->start();
    }
    auto cached = cache->map(indicator, *metric, date);
    if (!cached) return Response::error(cached.status());
    return http::conditional(request, Response::text((*cached)->body, (*cached)->content_type), (*cached)->etag);
  });

  router.add("GET", "/api/v1/revisions", [&pool](const Request& request) {
    auto query = series_query_from(request);
    if (!query) return Response::error(query.status());
    auto lease = pool.acquire();
    if (!lease) return Response::error(lease.status());
    auto revisions = (*lease)->read_revisions(*query);
    if (!revisions) return Response::error(revisions.status());
    json::array out;
    for (const auto& r : *revisions) {
      if (r.revision < 2) continue;  // only corrections: first reports are the series itself
      out.push_back(json::object{{"date", r.period.to_string()},
                                 {"value", json_number(r.value)},
                                 {"revision", r.revision},
                                 {"source", r.source},
                                 {"reported_at", r.reported_at.to_string()}});
    }
    json::object body{{"location", *query->location}, {"indicator", *query->indicator}};
    if (!query->disaggregation->empty()) body["disaggregation"] = *query->disaggregation;
    body["corrections"] = std::move(out);
    return Response::json(body);
  });
}

}  // namespace shouwang::api
