// Detection over stored series, and the signals table.
#include "watch/watch.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

#include "watch/analysis_series.h"

namespace shouwang::watch {
namespace {

namespace sql = store::sql;

// Step 1 is the table the previous binary made with CREATE TABLE IF NOT EXISTS (REAL and INTEGER
// columns, which SQLite treats as DOUBLE PRECISION and BIGINT), so its files open unchanged.
constexpr sql::Migration kSignalsSteps[] = {
    {1, R"sql(
CREATE TABLE IF NOT EXISTS signals(
  location TEXT NOT NULL, indicator TEXT NOT NULL, week TEXT NOT NULL, method TEXT NOT NULL,
  observed DOUBLE PRECISION, upperbound DOUBLE PRECISION, alarm BIGINT, expected DOUBLE PRECISION,
  score DOUBLE PRECISION, computed_at BIGINT NOT NULL,
  PRIMARY KEY(location, indicator, week, method));
CREATE INDEX IF NOT EXISTS signals_alarm ON signals(alarm, week);
)sql"},
    {2, "ALTER TABLE signals ADD COLUMN derived_from TEXT NOT NULL DEFAULT ''"},
};
constexpr sql::Schema kSignalsSchema{"signals", kSignalsSteps};

// Neither database keeps a NaN portably: missing numbers are NULL.
sql::Value number_value(double value) {
  if (std::isnan(value)) return std::monostate{};
  return value;
}
double number_of(const sql::Row& row, int col) { return row.is_null(col) ? detect::kMissing : row.float8(col); }

}  // namespace

Result<std::optional<StoredWeeklySeries>> read_weekly_series(store::Store& store, const std::string& location,
                                                             const std::string& indicator) {
  store::SeriesQuery query;
  query.location = location;
  query.indicator = indicator;
  ASSIGN_OR_RETURN(auto analysed, read_analysis_series(store, query, Hierarchy::kStoredOnly));
  if (!analysed) return std::optional<StoredWeeklySeries>();
  WeeklyCounts weekly = weekly_for_detection(analysed->counts);
  StoredWeeklySeries out;
  out.location = location;
  out.indicator = indicator;
  out.derived_from = analysed->counts.derived_from;
  out.weeks = std::move(weekly.weeks);
  out.series.observed = std::move(weekly.values);
  for (const auto& week : out.weeks) out.series.dates.push_back(week.monday());
  return std::optional<StoredWeeklySeries>(std::move(out));
}

Result<DetectionSummary> run_detection(store::Store& store, const DetectionRequest& request, const Clock& clock,
                                       const std::function<void(int64_t, int64_t)>& progress) {
  const detect::Detector* method = detect::find_detector(request.method);
  if (!method) {
    return invalid_argument("unknown method '" + request.method + "' (" + detect::detector_names() + ")");
  }
  detect::DetectorOptions base_options = request.options_set ? request.options : method->default_options;
  RETURN_IF_ERROR(require_incident(store, request.indicator));

  ASSIGN_OR_RETURN(auto locations, store.list_locations());
  std::map<std::string, std::optional<int64_t>> population;
  for (const auto& l : locations) population[l.code] = l.population;
  std::vector<std::string> targets = request.locations;
  if (targets.empty()) {
    for (const auto& l : locations) {
      if (!request.level || l.level == *request.level) targets.push_back(l.code);
    }
  }

  // Reading is sequential (one store connection); the methods then run in parallel.
  std::vector<StoredWeeklySeries> series;
  for (const auto& code : targets) {
    ASSIGN_OR_RETURN(auto weekly, read_weekly_series(store, code, request.indicator));
    if (!weekly) continue;
    if (base_options.population_offset) {
      auto pop = population[code];
      if (!pop) continue;
      weekly->series.population.assign(weekly->series.observed.size(), static_cast<double>(*pop));
    }
    series.push_back(std::move(*weekly));
  }

  DetectionSummary summary;
  Timestamp now = clock.now();
  std::vector<std::vector<Signal>> per_series(series.size());
  std::vector<std::string> errors(series.size());
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (size_t i = next++; i < series.size(); i = next++) {
      const auto& s = series[i];
      detect::DetectorOptions options = base_options;
      if (request.from || request.to) {
        auto first = std::lower_bound(s.weeks.begin(), s.weeks.end(), request.from.value_or(s.weeks.front()));
        auto last = std::upper_bound(s.weeks.begin(), s.weeks.end(), request.to.value_or(s.weeks.back()));
        if (first >= last) {
          errors[i] = "no week of the series in the requested range";
        } else {
          options.range_from = (first - s.weeks.begin()) + 1;
          options.range_to = last - s.weeks.begin();
        }
      }
      if (errors[i].empty()) {
        auto result = method->run(s.series, options);
        if (!result) {
          errors[i] = result.status().message();
        } else {
          for (const auto& week : *result) {
            Signal signal{s.location, s.indicator, s.weeks[static_cast<size_t>(week.t - 1)], std::string(method->name),
                          week.observed, week.upperbound, week.alarm, week.expected, week.score, now,
                          s.derived_from};
            per_series[i].push_back(std::move(signal));
          }
        }
      }
      int64_t finished = ++done;
      if (progress) {
        std::lock_guard lock(progress_mutex);
        progress(finished, static_cast<int64_t>(series.size()));
      }
    }
  };
  unsigned threads = request.threads ? request.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, std::max<size_t>(1, series.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  for (size_t i = 0; i < series.size(); ++i) {
    if (!errors[i].empty()) {
      ++summary.skipped;
      if (summary.skipped_reasons.size() < 10) summary.skipped_reasons.push_back(series[i].location + ": " + errors[i]);
      continue;
    }
    ++summary.series;
    for (auto& signal : per_series[i]) {
      ++summary.weeks_evaluated;
      if (signal.alarm == detect::Alarm::kYes) ++summary.alarms;
      summary.signals.push_back(std::move(signal));
    }
  }
  return summary;
}

Result<std::unique_ptr<SignalStore>> SignalStore::open(store::sql::Database& db) {
  RETURN_IF_ERROR(sql::migrate(db, kSignalsSchema));
  return std::unique_ptr<SignalStore>(new SignalStore(db));
}

Status SignalStore::save(const std::vector<Signal>& signals) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin(*conn));
  for (const auto& s : signals) {
    const sql::Value alarm =
        s.alarm == detect::Alarm::kMissing ? sql::Value{} : sql::Value{static_cast<int64_t>(s.alarm)};
    const sql::Value values[] = {s.location,        s.indicator,   s.week.to_string(),
                                 s.method,          number_value(s.observed), number_value(s.upperbound),
                                 alarm,             number_value(s.expected), number_value(s.score),
                                 s.computed_at.micros(), s.derived_from};
    RETURN_IF_ERROR(conn->query("INSERT INTO signals(location, indicator, week, method, observed, upperbound, alarm, "
                                "expected, score, computed_at, derived_from) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                "ON CONFLICT(location, indicator, week, method) DO UPDATE SET "
                                "observed = excluded.observed, upperbound = excluded.upperbound, "
                                "alarm = excluded.alarm, expected = excluded.expected, score = excluded.score, "
                                "computed_at = excluded.computed_at, derived_from = excluded.derived_from",
                                std::span<const sql::Value>(values))
                        .status());
  }
  return tx.commit();
}

Result<std::vector<Signal>> SignalStore::read(const SignalQuery& query) {
  // Only the filters given are written into the statement, so no parameter needs a type of its own.
  std::string text =
      "SELECT location, indicator, week, method, observed, upperbound, alarm, expected, score, computed_at, "
      "derived_from "
      "FROM signals WHERE 1 = 1";
  std::vector<sql::Value> params;
  auto filter = [&](const char* condition, sql::Value value) {
    text += condition;
    params.push_back(std::move(value));
  };
  if (query.location) filter(" AND location = ?", *query.location);
  if (query.indicator) filter(" AND indicator = ?", *query.indicator);
  if (query.method) filter(" AND method = ?", *query.method);
  if (query.from) filter(" AND week >= ?", query.from->to_string());
  if (query.to) filter(" AND week <= ?", query.to->to_string());
  if (query.alarms_only) text += " AND alarm = 1";
  text += " ORDER BY location, indicator, method, week LIMIT ?";
  params.push_back(query.limit);

  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(sql::Rows rows, conn->query(text, std::span<const sql::Value>(params)));
  return sql::all_rows(rows, [](const sql::Row& row) -> Result<Signal> {
    Signal s;
    s.location = row.text(0);
    s.indicator = row.text(1);
    ASSIGN_OR_RETURN(s.week, IsoWeek::parse(row.text(2)));
    s.method = row.text(3);
    s.observed = number_of(row, 4);
    s.upperbound = number_of(row, 5);
    s.alarm = row.is_null(6) ? detect::Alarm::kMissing : (row.int64(6) ? detect::Alarm::kYes : detect::Alarm::kNo);
    s.expected = number_of(row, 7);
    s.score = number_of(row, 8);
    s.computed_at = Timestamp(row.int64(9));
    s.derived_from = row.text(10);
    return s;
  });
}

}  // namespace shouwang::watch
