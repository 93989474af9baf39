// bench/detect: week-evaluations per second of farringtonFlexible (farrington and noufaily
// configurations) in our engine vs R surveillance on the same simulated negative-binomial series,
// with an alarm-by-alarm comparison; plus 1.5 million series x 1 current week for ours.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "detect/detector.h"

namespace {

using shouwang::detect::Alarm;
using shouwang::detect::DetectorOptions;
using shouwang::detect::WeeklySeries;

constexpr int kWeeks = 500;
constexpr int kEvaluatedWeeks = 52;

// A weekly negative-binomial series (gamma-Poisson, size 5) with level, trend and yearly season.
WeeklySeries simulate_series(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0, 1);
  const double level = std::log(1 + 30 * uniform(rng));
  const double trend = (uniform(rng) - 0.5) * 0.002;
  const double amplitude = 0.8 * uniform(rng);
  const double phase = 2 * std::numbers::pi * uniform(rng);
  const double size = 5;
  WeeklySeries series;
  series.observed.reserve(kWeeks);
  for (int t = 1; t <= kWeeks; ++t) {
    const double mu = std::exp(level + trend * t + amplitude * std::sin(2 * std::numbers::pi * t / 52 + phase));
    std::gamma_distribution<double> gamma(size, mu / size);
    std::poisson_distribution<int64_t> poisson(gamma(rng));
    series.observed.push_back(static_cast<double>(poisson(rng)));
  }
  return series;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs `method` over series[0..count) (cycling through the pool) on `threads` threads; returns wall
// seconds, and the process's CPU seconds (all threads) in `cpu_seconds` if given: on a machine
// shared with other work the wall time depends on the load, the CPU time much less.
double run_parallel(const shouwang::detect::Detector& method, const DetectorOptions& options,
                    const std::vector<WeeklySeries>& pool, int64_t count, int threads,
                    std::vector<std::vector<Alarm>>* alarms, double* cpu_seconds = nullptr) {
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  const std::clock_t cpu_start = std::clock();
  const auto start = std::chrono::steady_clock::now();
  const auto work = [&] {
    for (int64_t i = next++; i < count; i = next++) {
      const auto result = method.run(pool[i % pool.size()], options);
      if (!result) {
        std::fprintf(stderr, "error: %s\n", result.status().to_string().c_str());
        failed = true;
        return;
      }
      if (alarms != nullptr && i < static_cast<int64_t>(alarms->size())) {
        for (const auto& week : *result) (*alarms)[i].push_back(week.alarm);
      }
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
  if (failed) std::exit(1);
  if (cpu_seconds != nullptr) *cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  return seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  const int r_series = argc > 1 ? std::atoi(argv[1]) : 20;
  const int our_series = argc > 2 ? std::atoi(argv[2]) : 2000;
  const int64_t current_week_series = argc > 3 ? std::atoll(argv[3]) : 1500000;
  const std::string workdir = argc > 4 ? argv[4] : "/tmp";
  const std::string r_script = argc > 5 ? argv[5] : "bench_r.R";
  // Methods of the one-current-week run, comma-separated.
  const std::string current_week_methods = argc > 6 ? argv[6] : "farrington,noufaily";

  std::vector<WeeklySeries> pool;
  for (int i = 0; i < std::max(our_series, r_series); ++i) pool.push_back(simulate_series(1000 + i));

  // The first r_series series go to R through a CSV file.
  const std::string series_file = workdir + "/detect_bench_series.csv";
  const std::string r_alarms_file = workdir + "/detect_bench_r_alarms.csv";
  const std::string r_log = workdir + "/detect_bench_r.log";
  {
    std::ofstream out(series_file);
    out << "t";
    for (int s = 0; s < r_series; ++s) out << ",s" << s + 1;
    out << "\n";
    for (int t = 0; t < kWeeks; ++t) {
      out << t + 1;
      for (int s = 0; s < r_series; ++s) out << "," << pool[s].observed[t];
      out << "\n";
    }
  }
  std::printf("series: %d weeks each, negative binomial (size 5) with trend and season; last %d weeks evaluated\n",
              kWeeks, kEvaluatedWeeks);
  std::printf("R surveillance on %d series (Rscript %s) ...\n", r_series, r_script.c_str());
  std::fflush(stdout);
  const std::string command = "Rscript " + r_script + " " + series_file + " " + r_alarms_file + " > " + r_log + " 2>&1";
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "R failed; see %s\n", r_log.c_str());
    return 1;
  }
  std::map<std::string, double> r_rate;
  {
    std::ifstream log(r_log);
    std::string word, method;
    double seconds = 0;
    long evaluations = 0;
    std::string line;
    while (std::getline(log, line)) {
      std::istringstream fields(line);
      std::string r, sec_word, ev_word;
      if (fields >> r >> method >> sec_word >> seconds >> ev_word >> evaluations && r == "R") {
        r_rate[method] = evaluations / seconds;
      }
    }
  }
  std::map<std::string, std::vector<std::vector<std::string>>> r_alarms;
  {
    std::ifstream in(r_alarms_file);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::stringstream fields(line);
      std::string method, series, t, alarm;
      std::getline(fields, method, ',');
      std::getline(fields, series, ',');
      std::getline(fields, t, ',');
      std::getline(fields, alarm, ',');
      auto& per_series = r_alarms[method];
      const size_t index = std::stoul(series) - 1;
      if (per_series.size() <= index) per_series.resize(index + 1);
      per_series[index].push_back(alarm);
    }
  }

  for (const char* name : {"farrington", "noufaily"}) {
    const auto* method = shouwang::detect::find_detector(name);
    DetectorOptions options = method->default_options;
    options.range_from = kWeeks - kEvaluatedWeeks + 1;
    // Alarms of the series R saw, compared one by one.
    std::vector<std::vector<Alarm>> ours(r_series);
    run_parallel(*method, options, pool, r_series, 1, &ours);
    int64_t compared = 0, differing = 0, alarms = 0;
    for (int s = 0; s < r_series; ++s) {
      for (size_t w = 0; w < ours[s].size(); ++w) {
        const std::string ours_text = ours[s][w] == Alarm::kYes ? "true" : "false";
        ++compared;
        alarms += ours[s][w] == Alarm::kYes;
        if (r_alarms[name].size() <= static_cast<size_t>(s) || r_alarms[name][s].size() <= w ||
            r_alarms[name][s][w] != ours_text) {
          ++differing;
        }
      }
    }
    const double one = run_parallel(*method, options, pool, our_series, 1, nullptr);
    const double two = run_parallel(*method, options, pool, our_series, 2, nullptr);
    const double evaluations = static_cast<double>(our_series) * kEvaluatedWeeks;
    std::printf("%-10s R: %9.1f week-evaluations/s (%d series)\n", name, r_rate[name], r_series);
    std::printf("%-10s ours, 1 thread: %10.0f week-evaluations/s (%d series)  ratio %.0fx\n", name, evaluations / one,
                our_series, evaluations / one / r_rate[name]);
    std::printf("%-10s ours, 2 threads: %9.0f week-evaluations/s  ratio %.0fx\n", name, evaluations / two,
                evaluations / two / r_rate[name]);
    std::printf("%-10s alarms compared with R: %lld weeks, %lld alarms, %lld differ -> %s\n", name,
                static_cast<long long>(compared), static_cast<long long>(alarms), static_cast<long long>(differing),
                differing == 0 ? "IDENTICAL" : "DIFFERENT");
  }

  std::stringstream method_list(current_week_methods);
  for (std::string name; std::getline(method_list, name, ',');) {
    if (current_week_series <= 0) break;
    const auto* method = shouwang::detect::find_detector(name);
    if (method == nullptr) {
      std::fprintf(stderr, "unknown method %s\n", name.c_str());
      return 1;
    }
    DetectorOptions options = method->default_options;
    options.range_from = kWeeks;
    double cpu_seconds = 0;
    const double seconds = run_parallel(*method, options, pool, current_week_series, 2, nullptr, &cpu_seconds);
    std::printf("%-10s %lld series x 1 current week, 2 threads: %.1f s wall, %.1f s CPU (%.0f series/s; pool of %zu "
                "distinct series)\n",
                name.c_str(), static_cast<long long>(current_week_series), seconds, cpu_seconds,
                current_week_series / seconds, pool.size());
    std::fflush(stdout);
  }
  return 0;
}
