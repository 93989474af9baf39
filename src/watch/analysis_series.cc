// Choosing and shaping the series an analysis runs on.
#include "watch/analysis_series.h"

#include "core/indicator.h"
#include "store/aggregate.h"

namespace shouwang::watch {
namespace {

Result<std::optional<IndicatorKind>> kind_of(store::Store& store, const std::string& indicator) {
  for (const auto& i : builtin_indicators()) {
    if (i.code == indicator) return std::optional<IndicatorKind>(i.kind);
  }
  ASSIGN_OR_RETURN(auto stored, store.list_indicators());
  for (const auto& i : stored) {
    if (i.code == indicator) return std::optional<IndicatorKind>(i.kind);
  }
  return std::optional<IndicatorKind>();
}

// One series of the location and indicator, or nullopt when there is none.
Result<std::optional<store::Series>> read_one(store::Store& store, store::SeriesQuery query, Hierarchy hierarchy) {
  if (hierarchy == Hierarchy::kSummed) {
    auto series = store::read_location_series(store, query);
    if (!series && series.status().code() == StatusCode::kNotFound) return std::optional<store::Series>();
    if (!series) return series.status();
    if (series->points.empty()) return std::optional<store::Series>();
    return std::optional<store::Series>(std::move(*series));
  }
  ASSIGN_OR_RETURN(auto all, store.read_series(query));
  // Weekly before daily (the methods are weekly), monthly last (too coarse for them).
  auto preference = [](const store::Series& s) {
    const Period::Kind kind = s.points.front().period.kind();
    return kind == Period::Kind::kWeek ? 2 : kind == Period::Kind::kDay ? 1 : 0;
  };
  store::Series* chosen = nullptr;
  for (auto& s : all) {
    if (s.points.empty()) continue;
    if (!chosen || preference(s) > preference(*chosen)) chosen = &s;
  }
  if (!chosen) return std::optional<store::Series>();
  // One period kind: a source reporting both daily and weekly is read by the kind chosen.
  const Period::Kind kind = chosen->points.front().period.kind();
  std::erase_if(chosen->points, [kind](const store::SeriesPoint& p) { return p.period.kind() != kind; });
  return std::optional<store::Series>(std::move(*chosen));
}

}  // namespace

Status require_incident(store::Store& store, const std::string& indicator) {
  ASSIGN_OR_RETURN(auto kind, kind_of(store, indicator));
  if (!kind || *kind != IndicatorKind::kCumulative) return Status::ok();
  std::string message = indicator + " is a cumulative indicator; detection, Rt and forecasts run on incident counts";
  if (auto incident = incident_counterpart(indicator)) {
    message += " (ask for " + *incident + ": where only " + indicator + " is reported, its daily differences are used)";
  }
  return invalid_argument(message);
}

Result<std::optional<std::string>> analysed_indicator(store::Store& store, const std::string& indicator) {
  ASSIGN_OR_RETURN(auto kind, kind_of(store, indicator));
  if (!kind || *kind != IndicatorKind::kCumulative) return std::optional<std::string>(indicator);
  return incident_counterpart(indicator);
}

Result<std::optional<AnalysisSeries>> read_analysis_series(store::Store& store, const store::SeriesQuery& query,
                                                           Hierarchy hierarchy) {
  const std::string& indicator = query.indicator.value();
  RETURN_IF_ERROR(require_incident(store, indicator));
  ASSIGN_OR_RETURN(auto series, read_one(store, query, hierarchy));
  std::string derived_from;
  if (!series) {
    derived_from = indicator + "_cumulative";
    ASSIGN_OR_RETURN(auto counterpart, kind_of(store, derived_from));
    if (!counterpart || *counterpart != IndicatorKind::kCumulative) return std::optional<AnalysisSeries>();
    store::SeriesQuery cumulative = query;
    cumulative.indicator = derived_from;
    ASSIGN_OR_RETURN(series, read_one(store, cumulative, hierarchy));
    if (!series) return std::optional<AnalysisSeries>();
  }
  std::vector<PeriodCount> points;
  points.reserve(series->points.size());
  for (const auto& p : series->points) points.push_back({p.period, p.value});
  AnalysisSeries out;
  out.location = query.location.value();
  out.indicator = indicator;
  out.source = series->source;
  out.counts = derived_from.empty() ? reported_counts(points) : counts_from_cumulative(points, derived_from);
  out.reported_at.assign(out.counts.size(), Timestamp());
  const int32_t first = Period::containing(out.counts.kind, out.counts.first).ordinal();
  for (const auto& p : series->points) {
    if (p.period.kind() != out.counts.kind) continue;
    out.reported_at[static_cast<size_t>(p.period.ordinal() - first)] = p.reported_at;
  }
  return std::optional<AnalysisSeries>(std::move(out));
}

}  // namespace shouwang::watch
