// Which stored series an analysis runs on. Detection, Rt and forecasts run on incident counts
// only: an incident indicator's own series, or, when a location reports only its cumulative
// counterpart ("x_cumulative" for "x"), that series' differences, marked `derived_from`. A
// cumulative indicator asked for directly is refused. Corrections and gaps then follow the one
// rule of core/incidence.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/incidence.h"
#include "core/status.h"
#include "store/store.h"

namespace shouwang::watch {

// InvalidArgument naming the incident indicator to use when `indicator` is cumulative (a built-in
// one or one of the store's catalogue).
Status require_incident(store::Store& store, const std::string& indicator);

// The indicator analysed for reports of `indicator`: itself when incident (or unknown to the
// catalogue), its incident counterpart when cumulative, nullopt for a cumulative indicator without
// one (nothing to analyse).
Result<std::optional<std::string>> analysed_indicator(store::Store& store, const std::string& indicator);

// A series ready for analysis.
struct AnalysisSeries {
  std::string location;
  std::string indicator;  // the incident indicator analysed
  std::string source;
  ReportedCounts counts;   // counts.derived_from says when it was differenced from a cumulative one
  std::vector<Timestamp> reported_at;  // per slot, when its current value was reported; 0 where none
};

enum class Hierarchy {
  kStoredOnly,  // the location's own stored series (detection: a sum hides which country moved)
  kSummed,      // regions and the world summed from their countries (store/aggregate.h)
};

// The incident counts of query.location for query.indicator (both required; the indicator must be
// incident), from the stored series or, if the location has none, from the cumulative
// counterpart's differences. std::nullopt when neither has data. kStoredOnly prefers a weekly
// series over a daily one among the sources (weekly reports have no partial weeks).
Result<std::optional<AnalysisSeries>> read_analysis_series(store::Store& store, const store::SeriesQuery& query,
                                                           Hierarchy hierarchy);

}  // namespace shouwang::watch
