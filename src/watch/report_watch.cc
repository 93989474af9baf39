// Detection after a report, and the choice of what to announce.
#include "watch/report_watch.h"

#include <map>
#include <set>
#include <tuple>

#include "watch/analysis_series.h"

namespace shouwang::watch {

std::vector<WatchProblem> ReportWatch::on_report(store::Store& store, const ReportedSeries& report) {
  std::vector<WatchProblem> problems;
  auto problem = [&](std::string method, const Status& status, std::string what) {
    problems.push_back(WatchProblem{std::move(method), std::string(status_code_name(status.code())),
                                    std::move(what) + ": " + status.message()});
  };
  // Incident series only: a cumulative report is analysed through its incident counterpart.
  std::map<std::string, std::set<std::string>> locations_by_indicator;
  for (const auto& [location, indicator] : report.series) {
    auto analysed = analysed_indicator(store, indicator);
    if (!analysed) {
      problem("all", analysed.status(), location + " " + indicator);
      continue;
    }
    if (*analysed) locations_by_indicator[**analysed].insert(location);
  }
  std::vector<Signal> computed;
  for (const auto& method : methods_) {
    for (const auto& [indicator, locations] : locations_by_indicator) {
      DetectionRequest request;
      request.method = method;
      request.indicator = indicator;
      request.locations.assign(locations.begin(), locations.end());
      request.threads = 1;  // a background worker already; one series set at a time
      auto summary = run_detection(store, request, clock_);
      if (!summary) {
        std::string which;
        for (const auto& l : locations) which += (which.empty() ? "" : ",") + l;
        problem(method, summary.status(), which + " " + indicator);
        continue;
      }
      for (const auto& reason : summary->skipped_reasons) {
        problems.push_back(WatchProblem{method, "series_skipped", indicator + " " + reason});
      }
      computed.insert(computed.end(), summary->signals.begin(), summary->signals.end());
    }
  }
  if (computed.empty()) return problems;
  if (Status saved = signals_.save(computed); !saved.is_ok()) problem("signals", saved, "saving signals");
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
  if (!latest.empty()) {
    if (Status announced = announce_(latest, report.received_at); !announced.is_ok()) {
      problem("announce", announced, "announcing " + std::to_string(latest.size()) + " signal(s)");
    }
  }
  return problems;
}

}  // namespace shouwang::watch
