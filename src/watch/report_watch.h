// The report -> detection -> alert pipeline: after a report is stored, detection runs on the series
// it touched, the signals are kept, and the newest verdict of each series and method is handed to
// whoever announces alerts (the liaison service in `serve`). Failures are returned as a Status for
// the caller to log: the reporter's figures are stored either way.
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

class ReportWatch {
 public:
  // Receives, per series and method, the signal of the newest week that has a verdict.
  using Announce = std::function<Status(const std::vector<Signal>& newest, Timestamp received_at)>;

  // `signals` and `clock` must outlive the watch.
  ReportWatch(SignalStore& signals, std::vector<std::string> methods, const Clock& clock, Announce announce)
      : signals_(signals), methods_(std::move(methods)), clock_(clock), announce_(std::move(announce)) {}

  // Runs every method over the report's series in `store` (one run per method and indicator).
  // A method that cannot run (unknown to this build) is skipped; series too short are skipped
  // inside detection. Returns the first failure of saving or announcing.
  Status on_report(store::Store& store, const ReportedSeries& report);

 private:
  SignalStore& signals_;
  std::vector<std::string> methods_;
  const Clock& clock_;
  Announce announce_;
};

}  // namespace shouwang::watch
