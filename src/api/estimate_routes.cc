// Rt (Cori method, EpiEstim's answers), growth and weekly forecasts as JSON.
#include "api/estimate_routes.h"

#include <cmath>
#include <random>

#include "estimate/ensemble.h"
#include "estimate/forecast.h"
#include "estimate/growth.h"
#include "estimate/rt.h"
#include "estimate/scoring.h"
#include "core/incidence.h"
#include "watch/analysis_series.h"

namespace shouwang::api {
namespace json = boost::json;
using http::Request;
using http::Response;
namespace {

// The incident daily series of the request's location and indicator (watch/analysis_series.h:
// a cumulative indicator is refused, and a location reporting only the cumulative counterpart is
// analysed through its differences).
Result<watch::AnalysisSeries> read_daily(StorePool& pool, const Request& request) {
  std::string location = request.param("location");
  std::string indicator = request.param("indicator");
  if (indicator.empty()) indicator = "cases";
  if (location.empty()) return invalid_argument("parameter 'location' is required");
  store::SeriesQuery query;
  query.location = location;
  query.indicator = indicator;
  if (auto v = request.param("source"); !v.empty()) query.source = v;
  if (auto v = request.param("to"); !v.empty()) {
    auto d = Date::parse(v);
    if (!d) return invalid_argument("parameter 'to': " + d.status().message());
    query.to = *d;
  }
  ASSIGN_OR_RETURN(auto lease, pool.acquire());
  ASSIGN_OR_RETURN(auto series, watch::read_analysis_series(*lease, query, watch::Hierarchy::kSummed));
  if (!series) return not_found("no " + indicator + " data for " + location);
  if (series->counts.kind != Period::Kind::kDay) {
    return failed_precondition("Rt and forecasts need a daily series; " + location + " " + indicator +
                               " is reported " + (series->counts.kind == Period::Kind::kWeek ? "weekly" : "monthly"));
  }
  return std::move(*series);
}

// The location's daily cases over the days of `series` (from its first day, as many days), the
// leading indicator of a deaths forecast; empty when the location has no daily cases.
Result<std::vector<double>> leading_cases(StorePool& pool, const Request& request, const watch::AnalysisSeries& series) {
  store::SeriesQuery query;
  query.location = request.param("location");
  query.indicator = "cases";
  query.from = series.counts.first;
  query.to = series.counts.first.plus_days(static_cast<int32_t>(series.counts.values.size()) - 1);
  ASSIGN_OR_RETURN(auto lease, pool.acquire());
  ASSIGN_OR_RETURN(auto cases, watch::read_analysis_series(*lease, query, watch::Hierarchy::kSummed));
  if (!cases || cases->counts.kind != Period::Kind::kDay) return std::vector<double>();
  const std::vector<double> counts = daily_for_renewal(cases->counts);
  std::vector<double> aligned(series.counts.values.size(), 0.0);
  const int64_t offset = cases->counts.first.days_since_epoch() - series.counts.first.days_since_epoch();
  for (size_t i = 0; i < counts.size(); ++i) {
    const int64_t day = offset + static_cast<int64_t>(i);
    if (day >= 0 && day < static_cast<int64_t>(aligned.size())) aligned[static_cast<size_t>(day)] = counts[i];
  }
  return aligned;
}

// What the one rule for corrections and gaps (core/incidence.h) did to the series.
void describe_counts(json::object& body, const watch::AnalysisSeries& series) {
  body["derived_from"] = series.counts.derived_from.empty() ? json::value(nullptr) : json::value(series.counts.derived_from);
  body["corrections"] = series.counts.corrections();
  body["missing_days"] = series.counts.missing();
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
    // Corrections (negative counts) and missing days are zero incidence (core/incidence.h); the
    // response says how many days each touched.
    std::vector<double> cases = daily_for_renewal(daily->counts);
    auto incidence = estimate::incidence_from_total(cases);
    if (!incidence) return Response::error(incidence.status());
    auto rt = estimate::estimate_rt(*incidence, config);
    if (!rt) return Response::error(rt.status());
    json::array windows;
    for (const auto& w : rt->windows) {
      if (!w.estimated) continue;
      json::object o{{"t_start", w.t_start},
                     {"t_end", w.t_end},
                     {"date_start", daily->counts.first.plus_days(w.t_start - 1).to_string()},
                     {"date_end", daily->counts.first.plus_days(w.t_end - 1).to_string()},
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
                      {"negative_days_set_to_zero", daily->counts.corrections()},
                      {"windows", std::move(windows)}};
    describe_counts(body, *daily);
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
    const std::string indicator = request.param("indicator").empty() ? "cases" : request.param("indicator");
    const estimate::EnsembleConfig config = estimate::chosen_ensemble_config(indicator);
    const std::vector<double> values = daily_for_renewal(daily->counts);
    // Deaths follow cases: the location's cases feed the ensemble's lagged-ratio member.
    std::vector<double> leading;
    if (indicator == "deaths") {
      auto cases = leading_cases(pool, request, *daily);
      if (!cases) return Response::error(cases.status());
      leading = std::move(cases).value();
    }
    auto ours = estimate::ensemble_forecast_weekly(values, leading, config);
    if (!ours) return Response::error(ours.status());
    // The baseline samples past changes; a fixed seed gives the same answer for the same data.
    std::mt19937_64 rng(20200311);
    auto baseline = estimate::naive_baseline_weekly(values, config.renewal.horizons, config.renewal.samples, rng);
    auto as_json = [&](const std::vector<estimate::WeeklyQuantileForecast>& forecasts) {
      json::array out;
      Date origin = daily->counts.first.plus_days(static_cast<int32_t>(values.size()) - 1);
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
    Date origin = daily->counts.first.plus_days(static_cast<int32_t>(values.size()) - 1);
    json::object body{{"location", request.param("location")},
                      {"indicator", indicator},
                      {"source", daily->source},
                      {"origin", origin.to_string()},
                      {"model", "ensemble: per-level median of the quantiles of the members listed in 'members', each "
                                "with a spread calibrated on the series' own past errors, settings chosen on 2020 data "
                                "(docs/methods/forecast.md)"},
                      {"forecasts", as_json(ours->combined)}};
    json::array members;
    for (const estimate::MemberForecast& member : ours->members) {
      members.push_back(json::object{{"model", member.model}, {"forecasts", as_json(member.forecasts)}});
    }
    body["members"] = std::move(members);
    describe_counts(body, *daily);
    if (baseline) body["baseline"] = as_json(*baseline);
    return Response::json(body);
  });
}

}  // namespace shouwang::api
