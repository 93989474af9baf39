// Keeping watch over stored series: builds the weekly series the detection methods need from the
// store (incident counts by ISO week, see analysis_series.h), runs a method over many series in parallel, and keeps
// the resulting signals (one row per location, indicator, week and method) in the database, where
// the API and the liaison service read them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/location.h"
#include "core/period.h"
#include "core/status.h"
#include "core/time.h"
#include "detect/detector.h"
#include "detect/weekly_series.h"
#include "store/sql.h"
#include "store/store.h"

namespace shouwang::watch {

// One evaluated week of one series by one method.
struct Signal {
  std::string location;
  std::string indicator;
  IsoWeek week;
  std::string method;
  double observed = detect::kMissing;
  double upperbound = detect::kMissing;
  detect::Alarm alarm = detect::Alarm::kMissing;
  double expected = detect::kMissing;
  double score = detect::kMissing;
  Timestamp computed_at;
  // The cumulative indicator whose differences were analysed, when the location reports no
  // incident series; empty otherwise.
  std::string derived_from;
};

// A stored incident series as whole ISO weeks (core/incidence.h's weekly_for_detection: a week
// with a missing day or a correction is NaN). `weeks[i]` is the week of observed[i].
struct StoredWeeklySeries {
  std::string location;
  std::string indicator;
  std::string derived_from;  // see Signal
  std::vector<IsoWeek> weeks;
  detect::WeeklySeries series;
};

// InvalidArgument for a cumulative indicator (see require_incident).

Result<std::optional<StoredWeeklySeries>> read_weekly_series(store::Store& store, const std::string& location,
                                                             const std::string& indicator);

struct DetectionRequest {
  std::string indicator = "cases";
  std::optional<LocationLevel> level;        // every location of this level; or:
  std::vector<std::string> locations;        // these locations
  std::string method = "noufaily";
  detect::DetectorOptions options;            // starting from the method's defaults
  bool options_set = false;                   // false: use the method's default options
  std::optional<IsoWeek> from, to;            // weeks to evaluate; default: the method's range
  unsigned threads = 0;                       // 0: every core
};

struct DetectionSummary {
  int64_t series = 0;             // series evaluated
  int64_t skipped = 0;            // series too short or otherwise unusable for the method
  int64_t weeks_evaluated = 0;
  int64_t alarms = 0;
  std::vector<std::string> skipped_reasons;  // "ITA: ..." (first few)
  std::vector<Signal> signals;
};

// Reads the series, runs the method in parallel over them and returns the signals (not stored).
// A cumulative indicator is refused (InvalidArgument).
Result<DetectionSummary> run_detection(store::Store& store, const DetectionRequest& request, const Clock& clock,
                                       const std::function<void(int64_t done, int64_t total)>& progress = {});

struct SignalQuery {
  std::optional<std::string> location, indicator, method;
  std::optional<IsoWeek> from, to;
  bool alarms_only = false;
  int64_t limit = 10000;
};

// The signals table of a database (SQLite file or PostgreSQL), one row per location, indicator,
// week and method. Opening migrates the table once, so reads never take the schema lock; each call
// leases a connection of the pool for its duration, so one instance serves every thread.
class SignalStore {
 public:
  // `db` must outlive the store.
  static Result<std::unique_ptr<SignalStore>> open(store::sql::Database& db);

  // Upserts by (location, indicator, week, method), all in one transaction.
  Status save(const std::vector<Signal>& signals);
  // Ordered by location, indicator, method, week.
  Result<std::vector<Signal>> read(const SignalQuery& query);

 private:
  explicit SignalStore(store::sql::Database& db) : db_(db) {}
  store::sql::Database& db_;
};

}  // namespace shouwang::watch
