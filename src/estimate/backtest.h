// Rolling-origin evaluation of the weekly forecasts: a forecast every week from each series using
// only the data up to the origin, scored by WIS against the hub baseline over the same forecasts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/period.h"
#include "core/status.h"
#include "estimate/ensemble.h"
#include "estimate/forecast.h"

namespace shouwang::estimate {

// The series as it was known at a forecast origin: one value per day from the series' first_day up to
// the last day known then (at most the origin; NaN for days not known). std::nullopt means the
// latest data truncated at the origin is what was known (no revision or late report since).
using DataKnownAt = std::function<Result<std::optional<std::vector<double>>>(Date origin)>;

struct DailySeries {
  std::string location;
  Date first_day;
  std::vector<double> daily;  // latest new counts per day; NaN for missing; negative corrections allowed
  // Empty: every origin uses `daily` truncated at the origin. May be called from several threads.
  DataKnownAt known_at;
  // A leading indicator over the same days (cases for a deaths series), for the lagged-ratio member;
  // empty when there is none. Always used truncated at the origin (its revisions are not replayed).
  std::vector<double> leading;
};

struct BacktestConfig {
  Date first_origin = Date::from_ymd(2020, 6, 1);
  Date last_target = Date::from_ymd(2022, 12, 31);  // no target week may end after this day
  std::optional<Date> last_origin;                   // no origin after this day (none: last_target rules)
  ForecastModel model = ForecastModel::kEnsemble;   // what is scored as ours
  EnsembleConfig forecast;                           // horizons, samples: forecast.renewal
  int baseline_samples = 2000;
  uint64_t seed = 20200601;
  int threads = 2;
};

struct HorizonScore {
  int horizon_weeks = 0;
  int64_t forecasts = 0;
  double wis = 0;           // mean over the forecasts
  double wis_baseline = 0;  // mean over the same forecasts
  double relative_wis = 0;  // wis / wis_baseline
  double coverage_50 = 0;
  double coverage_95 = 0;
};

struct BacktestSummary {
  std::vector<HorizonScore> horizons;
  int64_t origins_skipped = 0;  // origins where the series was too short for a forecast
  int64_t origins_as_known = 0;  // origins forecast from the data as known then (known_at), not truncation
};

// Scores ours (config.model) and the baseline at every origin first_origin + 7k (k = 0, 1, ...) up to
// last_origin of every series; the origin is
// the last day of data used. When `known_at` gives data ending before the origin (a reporting lag),
// the forecast starts from the last day known and its target weeks follow that day. The truth is
// always the latest data. `progress` is called with the number of series done.
Result<BacktestSummary> rolling_origin_backtest(const std::vector<DailySeries>& series, const BacktestConfig& config,
                                                const std::function<void(int64_t)>& progress = {});

// horizon,forecasts,wis,wis_baseline,relative_wis,coverage_50,coverage_95
std::string format_backtest_csv(const BacktestSummary& summary);

// A JHU CSSE global wide time series (Province/State,Country/Region,Lat,Long,1/22/20,...; cumulative
// counts) as daily new counts per country (provinces summed). `locations` is "all" or a
// comma-separated list of Country/Region names; unknown names are errors. With `national_rows_only`
// a country is its own row alone (Province/State empty): France without its overseas departments,
// the United Kingdom without its overseas territories; a country without such a row is an error.
Result<std::vector<DailySeries>> parse_jhu_wide_csv(std::string_view text, std::string_view locations,
                                                    bool national_rows_only = false);

}  // namespace shouwang::estimate
