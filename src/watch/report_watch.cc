// Detection after a report, and the choice of what to announce.
#include "watch/report_watch.h"

#include <map>
#include <tuple>

namespace shouwang::watch {

Status ReportWatch::on_report(store::Store& store, const ReportedSeries& report) {
  std::map<std::string, std::vector<std::string>> locations_by_indicator;
  for (const auto& [location, indicator] : report.series) locations_by_indicator[indicator].push_back(location);
  std::vector<Signal> computed;
  for (const auto& method : methods_) {
    for (const auto& [indicator, locations] : locations_by_indicator) {
      DetectionRequest request;
      request.method = method;
      request.indicator = indicator;
      request.locations = locations;
      request.threads = 1;  // already on a request's thread; the server's workers are the parallelism
      auto summary = run_detection(store, request, clock_);
      if (!summary) continue;
      computed.insert(computed.end(), summary->signals.begin(), summary->signals.end());
    }
  }
  if (computed.empty()) return Status::ok();
  Status saved = signals_.save(computed);
  // Per series and method, the newest week with a verdict (a week still being reported has none).
  std::map<std::tuple<std::string, std::string, std::string>, const Signal*> newest;
  for (const auto& s : computed) {
    if (s.alarm == detect::Alarm::kMissing) continue;
    const Signal*& kept = newest[{s.location, s.indicator, s.method}];
    if (kept == nullptr || kept->week < s.week) kept = &s;
  }
  std::vector<Signal> latest;
  latest.reserve(newest.size());
  for (const auto& [key, s] : newest) latest.push_back(*s);
  // Announced even when saving failed: an outbreak must not wait on the signals table.
  Status announced = latest.empty() ? Status::ok() : announce_(latest, report.received_at);
  return saved.is_ok() ? announced : saved;
}

}  // namespace shouwang::watch
