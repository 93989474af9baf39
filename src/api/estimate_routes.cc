// Rt (Cori method, EpiEstim's answers), growth and weekly forecasts as JSON.
#include "api/estimate_routes.h"

#include <cmath>
#include <random>

#include "estimate/forecast.h"
#include "estimate/growth.h"
#include "estimate/rt.h"
#include "estimate/scoring.h"
#include "store/aggregate.h"

namespace shouwang::api {
namespace json = boost::json;
using http::Request;
using http::Response;
namespace {

struct DailySeries {
  std::string source;
  Date first_day;
  std::vector<double> values;  // one per day from first_day; NaN where nothing was reported
};

Result<DailySeries> read_daily(StorePool& pool, const Request& request) {
  std::string location = request.param("location");
  std::string indicator = request.param("indicator");
  if (indicator.empty()) indicator = "cases";
  if (location.empty()) return invalid_argument("parameter 'location' is required");
  store::SeriesQuery query{.location = location, .indicator = indicator};
  if (auto v = request.param("source"); !v.empty()) query.source = v;
  if (auto v = request.param("to"); !v.empty()) {
    auto d = Date::parse(v);
    if (!d) return invalid_argument("parameter 'to': " + d.status().message());
    query.to = *d;
  }
  ASSIGN_OR_RETURN(auto lease, pool.acquire());
  ASSIGN_OR_RETURN(auto series, store::read_location_series(*lease, query));
  if (series.points.empty()) return not_found("no " + indicator + " data for " + location);
  if (series.points.front().period.is_week()) {
    return failed_precondition("Rt and forecasts need a daily series; " + location + " " + indicator +
                               " is reported weekly");
  }
  DailySeries out;
  out.source = series.source;
  out.first_day = series.points.front().period.start();
  int32_t days = series.points.back().period.start().days_since_epoch() - out.first_day.days_since_epoch() + 1;
  out.values.assign(static_cast<size_t>(days), std::nan(""));
  for (const auto& p : series.points) {
    out.values[static_cast<size_t>(p.period.start().days_since_epoch() - out.first_day.days_since_epoch())] = p.value;
  }
  return out;
}

}  // namespace

void add_estimate_routes(http::Router& router, const http::RouteContext& context, StorePool& pool) {
  router.add("GET", "/api/v1/rt", [&pool](const Request& request) {
    auto daily = read_daily(pool, request);
    if (!daily) return Response::error(daily.status());
    estimate::RtConfig config;
    config.method = estimate::SerialIntervalMethod::kParametric;
    // COVID-19 serial interval (Nishiura, Linton & Akhmetzhanov 2020) unless given.
    // Ranges wide enough for any pathogen's serial interval, checked before any cast.
    auto mean = http::number_param(request, "si_mean", 4.7, 1.0, 100);
    auto sd = http::number_param(request, "si_sd", 2.9, 0.01, 100);
    auto window = http::whole_number_param(request, "window", 7, 2, 365);
    if (!mean) return Response::error(mean.status());
    if (!sd) return Response::error(sd.status());
    if (!window) return Response::error(window.status());
    config.si_mean = *mean;
    config.si_sd = *sd;
    config.window_days = static_cast<int>(*window);
    // Reported counts can be negative after corrections (JHU); EpiEstim refuses negative
    // incidence, so they count as 0 here and the response says how many days that touched.
    std::vector<double> cases = daily->values;
    int64_t negative_days = 0;
    for (auto& v : cases) {
      if (v < 0) {
        v = 0;
        ++negative_days;
      }
    }
    auto incidence = estimate::incidence_from_total(cases);
    if (!incidence) return Response::error(incidence.status());
    auto rt = estimate::estimate_rt(*incidence, config);
    if (!rt) return Response::error(rt.status());
    json::array windows;
    for (const auto& w : rt->windows) {
      if (!w.estimated) continue;
      json::object o{{"t_start", w.t_start},
                     {"t_end", w.t_end},
                     {"date_start", daily->first_day.plus_days(w.t_start - 1).to_string()},
                     {"date_end", daily->first_day.plus_days(w.t_end - 1).to_string()},
                     {"mean", json_number(w.mean)},
                     {"std", json_number(w.sd)}};
      static const char* kNames[] = {"q0.025", "q0.05", "q0.25", "median", "q0.75", "q0.95", "q0.975"};
      for (size_t q = 0; q < w.quantiles.size(); ++q) o[kNames[q]] = json_number(w.quantiles[q]);
      windows.push_back(std::move(o));
    }
    json::object body{{"location", request.param("location")},
                      {"indicator", request.param("indicator").empty() ? "cases" : request.param("indicator")},
                      {"source", daily->source},
                      {"method", "Cori et al. 2013 (EpiEstim parametric_si)"},
                      {"si_mean", config.si_mean},
                      {"si_sd", config.si_sd},
                      {"negative_days_set_to_zero", negative_days},
                      {"windows", std::move(windows)}};
    auto growth = estimate::estimate_growth(cases, cases.size() - 1);
    if (growth) {
      body["growth"] = json::object{{"rate_per_day", json_number(growth->rate)},
                                    {"rate_lower", json_number(growth->rate_lower)},
                                    {"rate_upper", json_number(growth->rate_upper)},
                                    {"doubling_time_days", json_number(growth->doubling_time)}};
    }
    return Response::json(body);
  });

  router.add("GET", "/api/v1/forecasts", [&pool](const Request& request) {
    auto daily = read_daily(pool, request);
    if (!daily) return Response::error(daily.status());
    estimate::ForecastConfig config;
    auto ours = estimate::forecast_weekly(daily->values, config);
    if (!ours) return Response::error(ours.status());
    // The baseline samples past changes; a fixed seed gives the same answer for the same data.
    std::mt19937_64 rng(20200311);
    auto baseline = estimate::naive_baseline_weekly(daily->values, config.horizons, config.samples, rng);
    auto as_json = [&](const std::vector<estimate::WeeklyQuantileForecast>& forecasts) {
      json::array out;
      Date origin = daily->first_day.plus_days(static_cast<int32_t>(daily->values.size()) - 1);
      for (const auto& f : forecasts) {
        json::array quantiles;
        for (size_t q = 0; q < f.values.size(); ++q) {
          quantiles.push_back(json::object{{"level", estimate::kHubQuantileLevels[q]}, {"value", json_number(f.values[q])}});
        }
        out.push_back(json::object{{"horizon_weeks", f.horizon_weeks},
                                   {"week_start", origin.plus_days(1 + 7 * (f.horizon_weeks - 1)).to_string()},
                                   {"week_end", origin.plus_days(7 * f.horizon_weeks).to_string()},
                                   {"quantiles", std::move(quantiles)}});
      }
      return out;
    };
    Date origin = daily->first_day.plus_days(static_cast<int32_t>(daily->values.size()) - 1);
    json::object body{{"location", request.param("location")},
                      {"indicator", request.param("indicator").empty() ? "cases" : request.param("indicator")},
                      {"source", daily->source},
                      {"origin", origin.to_string()},
                      {"model", "renewal projection at the posterior mean of Rt, spread calibrated on the series' own past errors"},
                      {"forecasts", as_json(*ours)}};
    if (baseline) body["baseline"] = as_json(*baseline);
    return Response::json(body);
  });
}

}  // namespace shouwang::api
