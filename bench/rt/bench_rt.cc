// Rt benchmark driver: writes N synthetic 3-year daily series (renewal process with a drifting R,
// Poisson noise) to one CSV, or times our estimate_rt on them (EpiEstim defaults: weekly sliding
// windows, parametric SI) and prints series/s and a checksum R's run must reproduce.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "estimate/rt.h"

namespace {

using shouwang::estimate::discretise_gamma_serial_interval;

constexpr int kDays = 3 * 365;
constexpr double kSiMean = 4.7, kSiSd = 2.9;

int generate(const std::string& path, int series) {
  std::mt19937_64 rng(2024);
  auto w = *discretise_gamma_serial_interval(40, kSiMean, kSiSd);
  std::ofstream out(path);
  out << "series,day,I\n";
  for (int s = 0; s < series; ++s) {
    std::vector<double> incidence(kDays, 0.0);
    incidence[0] = 20;
    double log_r = 0.2;
    for (int t = 1; t < kDays; ++t) {
      log_r = 0.97 * log_r + std::normal_distribution<double>(0, 0.03)(rng);
      double lambda = 0;
      for (size_t j = 1; j < w.size() && j <= static_cast<size_t>(t); ++j) lambda += w[j] * incidence[t - j];
      const double mean = std::max(std::exp(log_r) * lambda, 1.0);
      incidence[t] = std::poisson_distribution<long>(std::min(mean, 1e6))(rng);
    }
    for (int t = 0; t < kDays; ++t) out << s + 1 << ',' << t + 1 << ',' << incidence[t] << '\n';
  }
  return out ? 0 : 1;
}

int time_ours(const std::string& path, int threads) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<double>> series;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string id, day, value;
    std::getline(fields, id, ',');
    std::getline(fields, day, ',');
    std::getline(fields, value, ',');
    if (day == "1") series.emplace_back();
    series.back().push_back(std::stod(value));
  }
  shouwang::estimate::RtConfig config;
  config.method = shouwang::estimate::SerialIntervalMethod::kParametric;
  config.si_mean = kSiMean;
  config.si_sd = kSiSd;
  // Series are independent, so they are shared out over `threads` threads (R runs on one).
  std::vector<long double> sums(series.size(), 0.0L);
  std::atomic<bool> failed{false};
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < series.size(); i = next++) {
      auto incidence = shouwang::estimate::incidence_from_total(series[i]);
      auto estimate = shouwang::estimate::estimate_rt(*incidence, config);
      if (!estimate) {
        failed = true;
        continue;
      }
      for (const auto& window : estimate->windows) {
        if (window.estimated) sums[i] += window.mean + window.quantiles[0] + window.quantiles[6];
      }
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) {
    std::cerr << "estimate_rt failed on a series\n";
    return 1;
  }
  long double checksum = 0;
  for (long double sum : sums) checksum += sum;
  std::printf("ours (%d thread%s): %zu series x %d days in %.3f s = %.1f series/s (checksum %.10Lg)\n", threads,
              threads == 1 ? "" : "s", series.size(), kDays, seconds, static_cast<double>(series.size()) / seconds,
              checksum);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--generate") return generate(argv[2], std::stoi(argv[3]));
  if ((argc == 3 || argc == 4) && std::string(argv[1]) == "--time") {
    return time_ours(argv[2], argc == 4 ? std::max(1, std::stoi(argv[3])) : 1);
  }
  std::cerr << "usage: bench_rt --generate FILE.csv N | bench_rt --time FILE.csv [THREADS]\n";
  return 2;
}
