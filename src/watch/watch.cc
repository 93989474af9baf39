// Detection over stored series, and the signals table.
#include "watch/watch.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "store/sqlite/sqlite_db.h"

namespace shouwang::watch {
namespace {

constexpr std::string_view kSignalsSchema = R"sql(
CREATE TABLE IF NOT EXISTS signals(
  location TEXT NOT NULL, indicator TEXT NOT NULL, week TEXT NOT NULL, method TEXT NOT NULL,
  observed REAL, upperbound REAL, alarm INTEGER, expected REAL, score REAL, computed_at INTEGER NOT NULL,
  PRIMARY KEY(location, indicator, week, method));
CREATE INDEX IF NOT EXISTS signals_alarm ON signals(alarm, week);
)sql";

// SQLite has no NaN: missing numbers are NULL.
void bind_number(store::sqlite::Statement& stmt, int index, double value) {
  if (std::isnan(value)) stmt.bind_null(index);
  else stmt.bind(index, value);
}
double column_number(const store::sqlite::Statement& stmt, int col) {
  return stmt.column_is_null(col) ? detect::kMissing : stmt.column_double(col);
}

Result<std::unique_ptr<store::sqlite::Db>> open_signals_db(const std::string& path) {
  ASSIGN_OR_RETURN(auto db, store::sqlite::Db::open(path));
  RETURN_IF_ERROR(db->exec(kSignalsSchema));
  return db;
}

}  // namespace

Result<std::optional<StoredWeeklySeries>> read_weekly_series(store::Store& store, const std::string& location,
                                                             const std::string& indicator) {
  store::SeriesQuery query{.location = location, .indicator = indicator};
  ASSIGN_OR_RETURN(auto all, store.read_series(query));
  const store::Series* chosen = nullptr;
  for (const auto& s : all) {
    if (s.points.empty()) continue;
    // Prefer a series reported weekly: it needs no summing and has no partial weeks.
    if (!chosen || (s.points.front().period.is_week() && !chosen->points.front().period.is_week())) chosen = &s;
  }
  if (!chosen) return std::optional<StoredWeeklySeries>();

  std::map<IsoWeek, std::pair<double, int>> by_week;  // sum, days reported
  for (const auto& p : chosen->points) {
    auto& slot = by_week[p.period.iso_week()];
    slot.first += p.value;
    slot.second += p.period.is_week() ? 7 : 1;
  }
  StoredWeeklySeries out;
  out.location = location;
  out.indicator = indicator;
  for (IsoWeek w = by_week.begin()->first; w <= by_week.rbegin()->first; w = w.next()) {
    auto it = by_week.find(w);
    // A week counts only when every day of it was reported: a partial week would look like a drop.
    double value = it != by_week.end() && it->second.second >= 7 ? it->second.first : detect::kMissing;
    out.weeks.push_back(w);
    out.series.observed.push_back(value);
    out.series.dates.push_back(w.monday());
  }
  return std::optional<StoredWeeklySeries>(std::move(out));
}

Result<DetectionSummary> run_detection(store::Store& store, const DetectionRequest& request, const Clock& clock,
                                       const std::function<void(int64_t, int64_t)>& progress) {
  const detect::Detector* method = detect::find_detector(request.method);
  if (!method) {
    return invalid_argument("unknown method '" + request.method + "' (" + detect::detector_names() + ")");
  }
  detect::DetectorOptions base_options = request.options_set ? request.options : method->default_options;

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
                          week.observed, week.upperbound, week.alarm, week.expected, week.score, now};
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

Status save_signals(const std::string& db_path, const std::vector<Signal>& signals) {
  ASSIGN_OR_RETURN(auto db, open_signals_db(db_path));
  ASSIGN_OR_RETURN(auto tx, store::sqlite::Transaction::begin(*db));
  ASSIGN_OR_RETURN(auto stmt, db->prepare(
      "INSERT INTO signals VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT(location, indicator, week, method) DO UPDATE SET "
      "observed=excluded.observed, upperbound=excluded.upperbound, alarm=excluded.alarm, expected=excluded.expected, "
      "score=excluded.score, computed_at=excluded.computed_at"));
  for (const auto& s : signals) {
    stmt.bind(1, s.location).bind(2, s.indicator).bind(3, s.week.to_string()).bind(4, s.method);
    bind_number(stmt, 5, s.observed);
    bind_number(stmt, 6, s.upperbound);
    if (s.alarm == detect::Alarm::kMissing) stmt.bind_null(7);
    else stmt.bind(7, static_cast<int64_t>(s.alarm));
    bind_number(stmt, 8, s.expected);
    bind_number(stmt, 9, s.score);
    stmt.bind(10, s.computed_at.micros());
    RETURN_IF_ERROR(stmt.run());
  }
  return tx->commit();
}

Result<std::vector<Signal>> read_signals(const std::string& db_path, const SignalQuery& query) {
  ASSIGN_OR_RETURN(auto db, open_signals_db(db_path));
  std::string sql =
      "SELECT location, indicator, week, method, observed, upperbound, alarm, expected, score, computed_at "
      "FROM signals WHERE 1=1 ";
  if (query.location) sql += "AND location=?1 ";
  if (query.indicator) sql += "AND indicator=?2 ";
  if (query.method) sql += "AND method=?3 ";
  if (query.from) sql += "AND week>=?4 ";
  if (query.to) sql += "AND week<=?5 ";
  if (query.alarms_only) sql += "AND alarm=1 ";
  sql += "ORDER BY location, indicator, method, week LIMIT ?6";
  ASSIGN_OR_RETURN(auto stmt, db->prepare(sql));
  if (query.location) stmt.bind(1, *query.location);
  if (query.indicator) stmt.bind(2, *query.indicator);
  if (query.method) stmt.bind(3, *query.method);
  if (query.from) stmt.bind(4, query.from->to_string());
  if (query.to) stmt.bind(5, query.to->to_string());
  stmt.bind(6, query.limit);
  std::vector<Signal> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) break;
    Signal s;
    s.location = stmt.column_text(0);
    s.indicator = stmt.column_text(1);
    ASSIGN_OR_RETURN(s.week, IsoWeek::parse(stmt.column_text(2)));
    s.method = stmt.column_text(3);
    s.observed = column_number(stmt, 4);
    s.upperbound = column_number(stmt, 5);
    s.alarm = stmt.column_is_null(6) ? detect::Alarm::kMissing
                                     : (stmt.column_int64(6) ? detect::Alarm::kYes : detect::Alarm::kNo);
    s.expected = column_number(stmt, 7);
    s.score = column_number(stmt, 8);
    s.computed_at = Timestamp(stmt.column_int64(9));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace shouwang::watch
