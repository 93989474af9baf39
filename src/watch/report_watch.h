// The report -> detection -> alert pipeline: after a report is stored, detection runs on the
// incident series it touched (a cumulative report is analysed through its incident counterpart,
// see analysis_series.h), the signals are kept, and the newest verdict of each series and method
// is handed to whoever announces alerts (the liaison service in `serve`). What went wrong is
// returned for the caller to count and log: the reporter's figures are stored either way.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "store/store.h"
#include "watch/watch.h"

namespace shouwang::watch {

// What a committed report touched: its (location, indicator) series and when it arrived.
struct ReportedSeries {
  std::vector<std::pair<std::string, std::string>> series;
  Timestamp received_at;
};

// One thing that went wrong while watching a report. `method` is the detection method, or
// "signals" (storing them) or "announce" (handing them on); `reason` a short machine-readable word
// (a status code name, or "series_skipped" for a series the method could not evaluate).
struct WatchProblem {
  std::string method;
  std::string reason;
  std::string detail;  // names the series: "ITA cases: ..."
};

class ReportWatch {
 public:
  // Receives, per series and method, the signal of the newest week that has a verdict.
  using Announce = std::function<Status(const std::vector<Signal>& newest, Timestamp received_at)>;

  // `signals` and `clock` must outlive the watch.
  ReportWatch(SignalStore& signals, std::vector<std::string> methods, const Clock& clock, Announce announce)
      : signals_(signals), methods_(std::move(methods)), clock_(clock), announce_(std::move(announce)) {}

  // Runs every method over the report's incident series in `store` (one run per method and
  // indicator), saves the signals and announces the newest verdicts. Series too short for a method
  // are reported as problems, as is every failure; one failure does not stop the other runs.
  std::vector<WatchProblem> on_report(store::Store& store, const ReportedSeries& report);

 private:
  SignalStore& signals_;
  std::vector<std::string> methods_;
  const Clock& clock_;
  Announce announce_;
};

}  // namespace shouwang::watch
