// Rolling-origin evaluation of the weekly forecasts: a forecast every week from each series using
// only the data up to the origin, scored by WIS against the hub baseline over the same forecasts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/period.h"
#include "core/status.h"
#include "estimate/forecast.h"

namespace shouwang::estimate {

struct DailySeries {
  std::string location;
  Date first_day;
  std::vector<double> daily;  // new counts per day; NaN for missing; negative corrections allowed
};

struct BacktestConfig {
  Date first_origin = Date::from_ymd(2020, 6, 1);
  Date last_target = Date::from_ymd(2022, 12, 31);  // no target week may end after this day
  ForecastConfig forecast{.samples = 300};
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
};

// Scores both models at every origin first_origin + 7k (k = 0, 1, ...) of every series; the origin is
// the last day of data used. `progress` is called with the number of series done.
Result<BacktestSummary> rolling_origin_backtest(const std::vector<DailySeries>& series, const BacktestConfig& config,
                                                const std::function<void(int64_t)>& progress = {});

// horizon,forecasts,wis,wis_baseline,relative_wis,coverage_50,coverage_95
std::string format_backtest_csv(const BacktestSummary& summary);

// A JHU CSSE global wide time series (Province/State,Country/Region,Lat,Long,1/22/20,...; cumulative
// counts) as daily new counts per country (provinces summed). `locations` is "all" or a
// comma-separated list of Country/Region names; unknown names are errors.
Result<std::vector<DailySeries>> parse_jhu_wide_csv(std::string_view text, std::string_view locations);

}  // namespace shouwang::estimate
