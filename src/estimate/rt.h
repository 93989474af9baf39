// Time-varying reproduction number by the Cori et al. (2013) method, reproducing R EpiEstim 2.2-4
// `estimate_R` for the deterministic serial-interval methods (parametric_si, non_parametric_si):
// same pre-processing of incidence, same discretised serial interval, same windows, same NA rule,
// same conjugate Gamma posterior. Pure functions over in-memory series; O(T·|w|) per series.
#pragma once

#include <array>
#include <cstddef>
#include <random>
#include <span>
#include <vector>

#include "core/status.h"

namespace shouwang::estimate {

// Daily incidence split as EpiEstim wants it. Time index 0 here is EpiEstim's day 1.
struct Incidence {
  std::vector<double> local;
  std::vector<double> imported;
  size_t size() const { return local.size(); }
  double total(size_t t) const { return local[t] + imported[t]; }
};

// EpiEstim's treatment of a single incidence column `I`: every case of day 1 is imported, all
// later cases are local. NaN (R's NA) counts as 0; a negative count is an error naming the day.
Result<Incidence> incidence_from_total(std::span<const double> cases);

// Local and imported columns. A positive local count on day 1 is moved to imported, as EpiEstim
// does (with a warning there); NaN counts as 0; negative counts are errors.
Result<Incidence> incidence_from_local_imported(std::span<const double> local,
                                                std::span<const double> imported);

// EpiEstim `discr_si(0:(n-1), mean, sd)`: the serial interval minus one is Gamma distributed with
// the given mean-1 and sd, discretised by linear interpolation (Cori et al. 2013 web appendix).
// Not renormalised. Requires mean > 1 and sd > 0.
Result<std::vector<double>> discretise_gamma_serial_interval(size_t n, double mean, double sd);

// EpiEstim's checks of a user serial interval: w[0] == 0, all w >= 0, |sum - 1| <= 0.01.
Status check_serial_interval(std::span<const double> w);

struct SerialIntervalMoments {
  double mean = 0;
  double sd = 0;
};
// Discrete mean Σ k·w_k and sd, as EpiEstim's SI.Moments.
SerialIntervalMoments serial_interval_moments(std::span<const double> w);

// Total infectiousness Λ_t = Σ_{j>=1} w_j · (local + imported)_{t-j} by a running convolution over
// the support of w. Λ at index 0 is NaN, as in EpiEstim.
std::vector<double> total_infectiousness(const Incidence& incidence, std::span<const double> w);

enum class SerialIntervalMethod { kParametric, kNonParametric };

struct RtConfig {
  SerialIntervalMethod method = SerialIntervalMethod::kParametric;
  double si_mean = 0;                // parametric
  double si_sd = 0;                  // parametric
  std::vector<double> si_distr;      // non-parametric, index = days
  // Windows in EpiEstim's 1-based days; both empty means sliding windows of `window_days`
  // (t_start = 2..T-window+1, t_end = t_start + window - 1; the EpiEstim default is 7).
  std::vector<int> t_start;
  std::vector<int> t_end;
  int window_days = 7;
  double prior_mean = 5;
  double prior_sd = 5;
  double cv_posterior = 0.3;  // only for the "too early" warning, as in EpiEstim
};

inline constexpr std::array<double, 7> kRtQuantileLevels = {0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975};

struct RtWindow {
  int t_start = 0;  // 1-based, inclusive
  int t_end = 0;
  // False when t_end <= the serial interval's mean: EpiEstim reports NA for every statistic.
  bool estimated = false;
  double shape = 0;  // posterior Gamma shape and scale
  double scale = 0;
  double mean = 0;
  double sd = 0;
  std::array<double, 7> quantiles{};  // at kRtQuantileLevels; [3] is the median
};

struct RtEstimate {
  std::vector<RtWindow> windows;
  std::vector<double> si_distr;  // as used: zero-padded to T+1 entries (longer if given longer)
  SerialIntervalMoments si_moments;
  // uncertain_si only: the sampled serial-interval means and sds (EpiEstim's SI.Moments table);
  // si_distr is then empty and si_moments holds the averages of the samples.
  std::vector<SerialIntervalMoments> sampled_si_moments;
  // EpiEstim warns when the first window holds fewer cases than the posterior CV asks for.
  bool estimated_too_early = false;
};

// The windows `config` asks for over a series of `days` days, validated as EpiEstim validates them.
Status resolve_windows(const RtConfig& config, size_t days, std::vector<int>& t_start, std::vector<int>& t_end);

// EpiEstim `estimate_R(incid, method = "parametric_si" | "non_parametric_si", config)`.
Result<RtEstimate> estimate_rt(const Incidence& incidence, const RtConfig& config);

// EpiEstim's `uncertain_si`: the serial interval is a discretised Gamma whose mean and sd are
// themselves uncertain, each drawn from a normal distribution truncated (by rejection) to its range.
struct UncertainSerialInterval {
  double mean = 0, std_mean = 0, min_mean = 0, max_mean = 0;
  double sd = 0, std_sd = 0, min_sd = 0, max_sd = 0;
  int n1 = 500;  // serial intervals drawn
  int n2 = 50;   // draws of R from the posterior of each window, per serial interval
};

// EpiEstim `estimate_R(incid, method = "uncertain_si", config)`: for each of n1 sampled serial
// intervals, n2 draws of R from each window's Gamma posterior (NA, i.e. left out, where t_end is not
// past the sampled mean); each window reports the mean, sd (n - 1), and R's type-7 quantiles of the
// pooled draws. `config` gives the windows and the prior (its serial-interval fields are unused).
// Random: the same rng state gives the same answer, and R's answer only in distribution.
Result<RtEstimate> estimate_rt_uncertain_si(const Incidence& incidence, const RtConfig& config,
                                            const UncertainSerialInterval& si, std::mt19937_64& rng);

// Posterior quantiles only where needed (the forecaster and the benchmark use this): the Gamma
// quantile qgamma(p, shape, scale).
double gamma_quantile(double p, double shape, double scale);

}  // namespace shouwang::estimate
