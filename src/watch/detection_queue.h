// Detection for reports as a background service: a report is answered as soon as it is committed,
// and the series it touched wait here for one worker thread to run the report pipeline
// (ReportWatch) over them. A series reported again while it waits is not queued twice: the
// worker reads the store when it gets to it, so one run covers every report before it. The queue
// is bounded; it counts runs and problems per method and reason for /api/v1/metrics and tells the
// health check when its oldest waiting series has waited too long.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "core/status.h"
#include "core/time.h"
#include "watch/report_watch.h"

namespace shouwang::watch {

class DetectionQueue {
 public:
  // Runs `work` with a store of the server's pool.
  using WithStore = std::function<Status(const std::function<void(store::Store&)>& work)>;

  struct Options {
    // Waiting series beyond this are refused (and counted): detection catches up on the next
    // report of the series. Coalescing keeps the queue at most one entry per series.
    size_t max_waiting_series = 100'000;
    // The health check reports a backlog whose oldest series has waited longer than this.
    int64_t stale_after_seconds = 300;
    // Where problems are logged, one line each with the series; stderr when empty.
    std::function<void(const std::string&)> log;
  };

  // `watch` and `clock` must outlive the queue. The worker starts at once.
  DetectionQueue(ReportWatch& watch, WithStore with_store, const Clock& clock, Options options);
  // Stops the worker after the run in hand; what still waits is left (and said on stderr).
  ~DetectionQueue();
  DetectionQueue(const DetectionQueue&) = delete;
  DetectionQueue& operator=(const DetectionQueue&) = delete;

  // Queues the report's series and returns at once; Unavailable when the queue is full.
  Status enqueue(const ReportedSeries& report);
  // Blocks until nothing waits and no run is in progress (tests, orderly shutdown).
  void wait_idle();

  struct Counters {
    int64_t waiting_series = 0;
    std::optional<Timestamp> oldest_waiting_since;
    int64_t runs = 0;               // pipeline runs finished
    int64_t series_analysed = 0;    // series handed to those runs
    int64_t refused_series = 0;     // dropped because the queue was full
    std::map<std::pair<std::string, std::string>, int64_t> problems;  // (method, reason) -> count
  };
  Counters counters() const;
  // The counters in Prometheus' text format.
  std::string render_metrics() const;
  // A sentence when the oldest waiting series has waited longer than stale_after_seconds.
  std::optional<std::string> backlog_problem() const;

 private:
  void run();

  ReportWatch& watch_;
  WithStore with_store_;
  const Clock& clock_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  // (location, indicator) -> when its oldest unanalysed report arrived.
  std::map<std::pair<std::string, std::string>, Timestamp> waiting_;
  bool busy_ = false;
  bool stopping_ = false;
  Counters counters_;
  std::thread worker_;
};

}  // namespace shouwang::watch
