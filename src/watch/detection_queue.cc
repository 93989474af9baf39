// The background detection queue.
#include "watch/detection_queue.h"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace shouwang::watch {

DetectionQueue::DetectionQueue(ReportWatch& watch, WithStore with_store, const Clock& clock, Options options)
    : watch_(watch), with_store_(std::move(with_store)), clock_(clock), options_(std::move(options)) {
  if (!options_.log) options_.log = [](const std::string& line) { std::cerr << line << "\n"; };
  worker_ = std::thread([this] { run(); });
}

DetectionQueue::~DetectionQueue() {
  size_t left = 0;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    left = waiting_.size();
  }
  wake_.notify_all();
  worker_.join();
  if (left > 0) {
    options_.log("detection: stopping with " + std::to_string(left) +
                 " series not analysed; they are analysed at their next report");
  }
}

Status DetectionQueue::enqueue(const ReportedSeries& report) {
  {
    std::lock_guard lock(mutex_);
    int64_t refused = 0;
    for (const auto& key : report.series) {
      auto found = waiting_.find(key);
      if (found != waiting_.end()) {
        found->second = std::min(found->second, report.received_at);
      } else if (waiting_.size() < options_.max_waiting_series) {
        waiting_.emplace(key, report.received_at);
      } else {
        ++refused;
      }
    }
    counters_.refused_series += refused;
    if (refused > 0) {
      wake_.notify_one();
      return unavailable("detection queue full: " + std::to_string(refused) + " series not queued");
    }
  }
  wake_.notify_one();
  return Status::ok();
}

void DetectionQueue::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return (waiting_.empty() && !busy_) || stopping_; });
}

void DetectionQueue::run() {
  for (;;) {
    ReportedSeries batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) break;
      // Everything waiting goes in one run: the methods then read each indicator's series once.
      // The run's latency is measured from the oldest report it covers.
      batch.received_at = waiting_.begin()->second;
      for (const auto& [key, since] : waiting_) {
        batch.series.push_back(key);
        batch.received_at = std::min(batch.received_at, since);
      }
      waiting_.clear();
      busy_ = true;
    }
    std::vector<WatchProblem> problems;
    Status reached = with_store_([&](store::Store& store) { problems = watch_.on_report(store, batch); });
    if (!reached.is_ok()) {
      problems.push_back(WatchProblem{"all", std::string(status_code_name(reached.code())),
                                      std::to_string(batch.series.size()) + " series: " + reached.message()});
    }
    for (const auto& p : problems) options_.log("detection: " + p.method + " " + p.reason + ": " + p.detail);
    {
      std::lock_guard lock(mutex_);
      ++counters_.runs;
      counters_.series_analysed += static_cast<int64_t>(batch.series.size());
      for (const auto& p : problems) ++counters_.problems[{p.method, p.reason}];
      busy_ = false;
    }
    idle_.notify_all();
  }
  idle_.notify_all();
}

DetectionQueue::Counters DetectionQueue::counters() const {
  std::lock_guard lock(mutex_);
  Counters out = counters_;
  out.waiting_series = static_cast<int64_t>(waiting_.size());
  for (const auto& [key, since] : waiting_) {
    if (!out.oldest_waiting_since || since < *out.oldest_waiting_since) out.oldest_waiting_since = since;
  }
  return out;
}

std::string DetectionQueue::render_metrics() const {
  Counters c = counters();
  double oldest = c.oldest_waiting_since ? (clock_.now().micros() - c.oldest_waiting_since->micros()) / 1e6 : 0;
  std::ostringstream out;
  out << "# HELP shouwang_detection_waiting_series Reported series waiting for detection.\n"
      << "# TYPE shouwang_detection_waiting_series gauge\n"
      << "shouwang_detection_waiting_series " << c.waiting_series << "\n"
      << "# HELP shouwang_detection_oldest_waiting_seconds How long the oldest waiting series has waited.\n"
      << "# TYPE shouwang_detection_oldest_waiting_seconds gauge\n"
      << "shouwang_detection_oldest_waiting_seconds " << std::max(0.0, oldest) << "\n"
      << "# HELP shouwang_detection_runs_total Detection runs finished for reports.\n"
      << "# TYPE shouwang_detection_runs_total counter\n"
      << "shouwang_detection_runs_total " << c.runs << "\n"
      << "# HELP shouwang_detection_series_total Series analysed after reports.\n"
      << "# TYPE shouwang_detection_series_total counter\n"
      << "shouwang_detection_series_total " << c.series_analysed << "\n"
      << "# HELP shouwang_detection_refused_series_total Series not queued because the queue was full.\n"
      << "# TYPE shouwang_detection_refused_series_total counter\n"
      << "shouwang_detection_refused_series_total " << c.refused_series << "\n"
      << "# HELP shouwang_detection_problems_total Detection failures and skipped series by method and reason.\n"
      << "# TYPE shouwang_detection_problems_total counter\n";
  for (const auto& [key, n] : c.problems) {
    out << "shouwang_detection_problems_total{method=\"" << key.first << "\",reason=\"" << key.second << "\"} " << n
        << "\n";
  }
  return out.str();
}

std::optional<std::string> DetectionQueue::backlog_problem() const {
  Counters c = counters();
  if (!c.oldest_waiting_since) return std::nullopt;
  int64_t waited = (clock_.now().micros() - c.oldest_waiting_since->micros()) / 1'000'000;
  if (waited <= options_.stale_after_seconds) return std::nullopt;
  return "detection backlog: " + std::to_string(c.waiting_series) + " series waiting, the oldest for " +
         std::to_string(waited) + " s (limit " + std::to_string(options_.stale_after_seconds) + " s)";
}

}  // namespace shouwang::watch
