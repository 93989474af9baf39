// Rolling-origin backtest and the JHU wide-format reader; see backtest.h.
#include "estimate/backtest.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "core/csv_reader.h"
#include "estimate/scoring.h"

namespace shouwang::estimate {
namespace {

struct Accumulator {
  int64_t forecasts = 0;
  double wis = 0, wis_baseline = 0;
  int64_t inside_50 = 0, inside_95 = 0;
};

struct SeriesResult {
  std::vector<Accumulator> horizons;
  int64_t skipped = 0;
  int64_t as_known = 0;
  Status status;
};

SeriesResult evaluate_series(const DailySeries& series, const BacktestConfig& config, uint64_t seed) {
  SeriesResult result;
  const int horizons = config.forecast.renewal.horizons;
  result.horizons.resize(static_cast<size_t>(horizons));
  if (!series.leading.empty() && series.leading.size() != series.daily.size()) {
    result.status = invalid_argument(series.location + ": the leading series must cover the same days");
    return result;
  }
  std::mt19937_64 rng(seed);
  const int32_t first = series.first_day.days_since_epoch();
  const int32_t last_day = first + static_cast<int32_t>(series.daily.size()) - 1;
  const int32_t last_target = std::min(config.last_target.days_since_epoch(), last_day);
  const int32_t last_origin =
      config.last_origin ? std::min(config.last_origin->days_since_epoch(), last_target - 7) : last_target - 7;
  for (int32_t origin = config.first_origin.days_since_epoch(); origin <= last_origin; origin += 7) {
    if (origin < first) continue;
    std::span<const double> known(series.daily.data(), static_cast<size_t>(origin - first + 1));
    std::optional<std::vector<double>> as_known;
    if (series.known_at) {
      auto vintage = series.known_at(Date(origin));
      if (!vintage) {
        result.status = vintage.status();
        return result;
      }
      as_known = std::move(vintage).value();
      if (as_known) {
        if (as_known->size() > known.size()) {
          result.status = internal_error(series.location + ": the data known at an origin runs past the origin");
          return result;
        }
        if (as_known->empty()) {
          ++result.skipped;
          continue;
        }
        known = *as_known;
        ++result.as_known;
      }
    }
    const int32_t forecast_origin = first + static_cast<int32_t>(known.size()) - 1;
    const std::span<const double> leading =
        series.leading.empty() ? std::span<const double>() : std::span<const double>(series.leading).first(known.size());
    auto ours = forecast_by_model(config.model, known, leading, config.forecast);
    auto baseline = naive_baseline_weekly(known, horizons, config.baseline_samples, rng);
    if (!ours || !baseline) {
      if (ours.status().code() == StatusCode::kFailedPrecondition ||
          baseline.status().code() == StatusCode::kFailedPrecondition) {
        ++result.skipped;
        continue;
      }
      result.status = ours ? baseline.status() : ours.status();
      return result;
    }
    for (int h = 1; h <= horizons; ++h) {
      const int32_t target_end = forecast_origin + 7 * h;
      if (target_end > last_target) break;
      const std::span<const double> upto(series.daily.data(), static_cast<size_t>(target_end - first + 1));
      const double truth = weekly_total(upto, 0);
      const auto& q = (*ours)[static_cast<size_t>(h - 1)].values;
      const auto& b = (*baseline)[static_cast<size_t>(h - 1)].values;
      Accumulator& acc = result.horizons[static_cast<size_t>(h - 1)];
      acc.forecasts += 1;
      acc.wis += *weighted_interval_score(kHubQuantileLevels, q, truth);
      acc.wis_baseline += *weighted_interval_score(kHubQuantileLevels, b, truth);
      acc.inside_50 += *covered_by_central_interval(kHubQuantileLevels, q, 0.5, truth) ? 1 : 0;
      acc.inside_95 += *covered_by_central_interval(kHubQuantileLevels, q, 0.95, truth) ? 1 : 0;
    }
  }
  return result;
}

// JHU dates are m/d/yy.
Result<Date> parse_us_short_date(const std::string& text) {
  unsigned month = 0, day = 0, year = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%u/%u/%u%c", &month, &day, &year, &tail) != 3 || month < 1 || month > 12 ||
      day < 1 || day > 31) {
    return invalid_argument("bad date column '" + text + "'");
  }
  return Date::from_ymd(static_cast<int>(year < 100 ? 2000 + year : year), month, day);
}

}  // namespace

Result<BacktestSummary> rolling_origin_backtest(const std::vector<DailySeries>& series, const BacktestConfig& config,
                                                const std::function<void(int64_t)>& progress) {
  if (config.forecast.renewal.horizons < 1) return invalid_argument("the backtest needs at least one horizon");
  std::vector<SeriesResult> results(series.size());
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (size_t i = next++; i < series.size(); i = next++) {
      results[i] = evaluate_series(series[i], config, config.seed + 7919 * i);
      const int64_t finished = ++done;
      if (progress) {
        std::lock_guard lock(progress_mutex);
        progress(finished);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, config.threads); ++t) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();

  BacktestSummary summary;
  std::vector<Accumulator> total(static_cast<size_t>(config.forecast.renewal.horizons));
  for (const SeriesResult& result : results) {
    if (!result.status.is_ok()) return result.status;
    summary.origins_skipped += result.skipped;
    summary.origins_as_known += result.as_known;
    for (size_t h = 0; h < total.size(); ++h) {
      total[h].forecasts += result.horizons[h].forecasts;
      total[h].wis += result.horizons[h].wis;
      total[h].wis_baseline += result.horizons[h].wis_baseline;
      total[h].inside_50 += result.horizons[h].inside_50;
      total[h].inside_95 += result.horizons[h].inside_95;
    }
  }
  for (size_t h = 0; h < total.size(); ++h) {
    HorizonScore score;
    score.horizon_weeks = static_cast<int>(h + 1);
    score.forecasts = total[h].forecasts;
    if (score.forecasts > 0) {
      const double n = static_cast<double>(score.forecasts);
      score.wis = total[h].wis / n;
      score.wis_baseline = total[h].wis_baseline / n;
      score.relative_wis = score.wis / score.wis_baseline;
      score.coverage_50 = static_cast<double>(total[h].inside_50) / n;
      score.coverage_95 = static_cast<double>(total[h].inside_95) / n;
    } else {
      score.wis = score.wis_baseline = score.relative_wis = score.coverage_50 = score.coverage_95 = std::nan("");
    }
    summary.horizons.push_back(score);
  }
  return summary;
}

std::string format_backtest_csv(const BacktestSummary& summary) {
  std::string out = "horizon,forecasts,wis,wis_baseline,relative_wis,coverage_50,coverage_95\n";
  char line[256];
  for (const HorizonScore& s : summary.horizons) {
    std::snprintf(line, sizeof line, "%d,%lld,%.6g,%.6g,%.4f,%.4f,%.4f\n", s.horizon_weeks,
                  static_cast<long long>(s.forecasts), s.wis, s.wis_baseline, s.relative_wis, s.coverage_50,
                  s.coverage_95);
    out += line;
  }
  return out;
}

Result<std::vector<DailySeries>> parse_jhu_wide_csv(std::string_view text, std::string_view locations,
                                                    bool national_rows_only) {
  // A quote inside an unquoted field is an error, as it was when quotes toggled anywhere in a line.
  CsvReader reader(text, {.strict_quotes = true});
  std::vector<std::string_view> fields;
  auto quote_error = [&] {
    return invalid_argument("line " + std::to_string(reader.line()) + ": " +
                            std::string(csv_problem_text(reader.problem())));
  };
  if (!reader.next(fields)) return invalid_argument("the JHU file is empty");
  if (reader.malformed()) return quote_error();
  const CsvHeader header(fields);
  if (header.size() < 6 || header[1] != "Country/Region") {
    return invalid_argument("not a JHU CSSE global time series (expected Province/State,Country/Region,Lat,Long,dates...)");
  }
  ASSIGN_OR_RETURN(const Date first_day, parse_us_short_date(header[4]));
  const size_t days = header.size() - 4;
  std::map<std::string, std::vector<double>> cumulative;
  while (reader.next(fields)) {
    if (reader.raw_record().empty()) continue;  // an empty line
    const int64_t line_number = reader.line();
    if (reader.malformed()) return quote_error();
    if (fields.size() != header.size()) {
      return invalid_argument("line " + std::to_string(line_number) + ": " + std::to_string(fields.size()) +
                              " fields, the header has " + std::to_string(header.size()));
    }
    if (national_rows_only && !fields[0].empty()) continue;
    auto& sum = cumulative[std::string(fields[1])];
    sum.resize(days, 0.0);
    for (size_t d = 0; d < days; ++d) {
      const std::string_view cell = fields[4 + d];
      double value = 0;
      if (cell.empty()) {
        value = std::nan("");
      } else {
        const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
        if (error != std::errc() || end != cell.data() + cell.size()) {
          return invalid_argument("line " + std::to_string(line_number) + ": '" + std::string(cell) +
                                  "' is not a number");
        }
      }
      sum[d] += value;
    }
  }
  std::vector<std::string> wanted;
  if (locations != "all") {
    ASSIGN_OR_RETURN(const std::vector<std::string> names, split_csv_list(locations));
    for (const std::string& name : names) {
      if (!cumulative.contains(name)) return invalid_argument("no country '" + name + "' in the file");
      wanted.push_back(name);
    }
  } else {
    for (const auto& [name, values] : cumulative) wanted.push_back(name);
  }
  std::vector<DailySeries> series;
  for (const std::string& name : wanted) {
    const auto& cum = cumulative[name];
    DailySeries s{name, first_day, std::vector<double>(days), {}, {}};
    for (size_t d = 0; d < days; ++d) s.daily[d] = d == 0 ? cum[0] : cum[d] - cum[d - 1];
    series.push_back(std::move(s));
  }
  return series;
}

}  // namespace shouwang::estimate
