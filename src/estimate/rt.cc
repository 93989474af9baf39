// Cori et al. (2013) Rt as in EpiEstim 2.2-4; see rt.h and docs/methods/rt.md.
#include "estimate/rt.h"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace shouwang::estimate {
namespace {

// Errors become values (no exception crosses the module), and double stays double: the
// long-double promotion Boost does by default costs time and changes nothing at 1e-9.
using GammaPolicy = boost::math::policies::policy<
    boost::math::policies::promote_double<false>,
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>>;

constexpr double kNa = std::numeric_limits<double>::quiet_NaN();

// R's pgamma(x, shape, scale) with pgamma(x < 0) = 0, which discr_si relies on for k - 2 < 0.
double gamma_cdf(double x, double shape, double scale) {
  if (x <= 0) return 0.0;
  return boost::math::gamma_p(shape, x / scale, GammaPolicy());
}

// The regularised lower incomplete gamma P(a, x). Boost 1.81 sends x > max(a - 50, 1000) to its
// large-x asymptotic series, which needs O(sqrt(a)) terms when x is near a: about 30 us at a = 1e6
// and 90 us at 1e7, most of the Rt time on national series. Where Boost itself chooses Temme's
// uniform asymptotic expansion for x < a (a > 200 and ((x - a) / a)^2 < 20 / a, i.e. within about
// 4.5 sd of the mean), that expansion is as accurate on both sides of a, so it is called directly
// there (it returns Q when x >= a, as inside Boost). Elsewhere gamma_p decides.
double central_gamma_p(double a, double x) {
  const double sigma = (x - a) / a;
  if (a > 200 && 20 / a > sigma * sigma) {
    const double tail = boost::math::detail::igamma_temme_large(
        a, x, GammaPolicy(), static_cast<const std::integral_constant<int, 53>*>(nullptr));
    return x >= a ? 1 - tail : tail;
  }
  return boost::math::gamma_p(a, x, GammaPolicy());
}

Status check_count(double value, size_t day, const char* column) {
  if (value < 0) {
    return invalid_argument("incidence must contain only non-negative values: " + std::string(column) +
                            " on day " + std::to_string(day + 1) + " is " + std::to_string(value));
  }
  if (std::isinf(value)) {
    return invalid_argument("incidence is infinite: " + std::string(column) + " on day " +
                            std::to_string(day + 1));
  }
  return Status::ok();
}

double na_to_zero(double value) { return std::isnan(value) ? 0.0 : value; }

}  // namespace

Result<Incidence> incidence_from_total(std::span<const double> cases) {
  Incidence incidence;
  const size_t days = cases.size();
  incidence.local.assign(days, 0.0);
  incidence.imported.assign(days, 0.0);
  for (size_t t = 0; t < days; ++t) {
    const double value = na_to_zero(cases[t]);
    RETURN_IF_ERROR(check_count(value, t, "I"));
    (t == 0 ? incidence.imported : incidence.local)[t] = value;
  }
  return incidence;
}

Result<Incidence> incidence_from_local_imported(std::span<const double> local,
                                                std::span<const double> imported) {
  if (local.size() != imported.size()) {
    return invalid_argument("local and imported incidence have different lengths (" +
                            std::to_string(local.size()) + " and " + std::to_string(imported.size()) + ")");
  }
  Incidence incidence;
  incidence.local.resize(local.size());
  incidence.imported.resize(local.size());
  for (size_t t = 0; t < local.size(); ++t) {
    incidence.local[t] = na_to_zero(local[t]);
    incidence.imported[t] = na_to_zero(imported[t]);
    RETURN_IF_ERROR(check_count(incidence.local[t], t, "local"));
    RETURN_IF_ERROR(check_count(incidence.imported[t], t, "imported"));
  }
  if (!incidence.local.empty() && incidence.local[0] > 0) {
    incidence.imported[0] += incidence.local[0];
    incidence.local[0] = 0;
  }
  return incidence;
}

Result<std::vector<double>> discretise_gamma_serial_interval(size_t n, double mean, double sd) {
  if (!(mean > 1)) return invalid_argument("the parametric serial interval needs a mean > 1 (got " + std::to_string(mean) + ")");
  if (!(sd > 0)) return invalid_argument("the parametric serial interval needs an sd > 0 (got " + std::to_string(sd) + ")");
  const double shape = ((mean - 1) / sd) * ((mean - 1) / sd);
  const double scale = sd * sd / (mean - 1);
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) {
    const double k = static_cast<double>(i);
    // Same grouping of terms as EpiEstim so the cancellation in the tail rounds alike.
    double value = k * gamma_cdf(k, shape, scale) + (k - 2) * gamma_cdf(k - 2, shape, scale) -
                   2 * (k - 1) * gamma_cdf(k - 1, shape, scale);
    value = value + shape * scale *
                        (2 * gamma_cdf(k - 1, shape + 1, scale) - gamma_cdf(k - 2, shape + 1, scale) -
                         gamma_cdf(k, shape + 1, scale));
    w[i] = std::max(0.0, value);
  }
  return w;
}

Status check_serial_interval(std::span<const double> w) {
  if (w.empty()) return invalid_argument("the serial interval distribution is empty");
  for (size_t k = 0; k < w.size(); ++k) {
    if (!std::isfinite(w[k])) return invalid_argument("the serial interval at t=" + std::to_string(k) + " is not a number");
  }
  if (w[0] != 0) return invalid_argument("the serial interval must be 0 at t=0 (got " + std::to_string(w[0]) + ")");
  double sum = 0;
  for (size_t k = 0; k < w.size(); ++k) {
    if (w[k] < 0) return invalid_argument("the serial interval is negative at t=" + std::to_string(k));
    sum += w[k];
  }
  if (std::abs(sum - 1) > 0.01) {
    return invalid_argument("the serial interval must sum to 1 (within 0.01); it sums to " + std::to_string(sum));
  }
  return Status::ok();
}

SerialIntervalMoments serial_interval_moments(std::span<const double> w) {
  long double first = 0, second = 0;
  for (size_t k = 0; k < w.size(); ++k) {
    first += static_cast<long double>(k) * w[k];
    second += static_cast<long double>(k) * k * w[k];
  }
  const double mean = static_cast<double>(first);
  return {mean, std::sqrt(static_cast<double>(second) - mean * mean)};
}

std::vector<double> total_infectiousness(const Incidence& incidence, std::span<const double> w) {
  const size_t days = incidence.size();
  std::vector<double> lambda(days, 0.0);
  if (days == 0) return lambda;
  lambda[0] = kNa;
  // Only the support of w matters: the tail of a discretised Gamma is exactly zero.
  size_t support = w.size();
  while (support > 0 && w[support - 1] == 0) --support;
  std::vector<double> total(days);
  for (size_t t = 0; t < days; ++t) total[t] = incidence.total(t);
  for (size_t t = 1; t < days; ++t) {
    const size_t last_lag = std::min(t, support == 0 ? size_t{0} : support - 1);
    double sum = 0;
    for (size_t j = 1; j <= last_lag; ++j) sum += w[j] * total[t - j];
    lambda[t] = sum;
  }
  return lambda;
}

double gamma_quantile(double p, double shape, double scale) {
  // Posterior shapes reach millions on national series, where Boost's gamma_p_inv spends many
  // incomplete-gamma evaluations finding its start. The Wilson-Hilferty cube-root normal
  // approximation is within 4e-3 relative at shape 10 (2e-6 at 1e3, 5e-11 at 1e6), so one to
  // three Halley steps on the exact CDF finish the job (checked against a 50-digit reference in
  // rt_test.cc); smaller shapes, where that start is poor, and any failure to converge go to
  // gamma_p_inv.
  constexpr double kLargeShape = 10;
  if (shape >= kLargeShape && p > 0 && p < 1) {
    const double z = boost::math::quantile(boost::math::normal_distribution<double, GammaPolicy>(), p);
    const double c = 1 / (9 * shape);
    const double cube_root = 1 - c + z * std::sqrt(c);
    double x = shape * cube_root * cube_root * cube_root;
    for (int iteration = 0; iteration < 8 && x > 0; ++iteration) {
      const double f = central_gamma_p(shape, x) - p;
      const double f1 = boost::math::gamma_p_derivative(shape, x, GammaPolicy());
      if (!(f1 > 0)) break;
      const double f2 = f1 * ((shape - 1) / x - 1);
      const double step = f / f1 / (1 - f * f2 / (2 * f1 * f1));
      x -= step;
      // Halley converges cubically: after a step of relative size 1e-6 the error is below 1e-17.
      if (std::abs(step) <= 1e-6 * x) return scale * x;
    }
  }
  return scale * boost::math::gamma_p_inv(shape, p, GammaPolicy());
}

Status resolve_windows(const RtConfig& config, size_t days, std::vector<int>& t_start, std::vector<int>& t_end) {
  const long long T = static_cast<long long>(days);
  if (config.t_start.empty() && config.t_end.empty()) {
    if (config.window_days < 1) return invalid_argument("the window must be at least 1 day");
    const long long first_end = 1 + config.window_days;  // t_start 2 is the first estimable day
    if (T < first_end) {
      return failed_precondition("the series has " + std::to_string(days) + " days; windows of " +
                                 std::to_string(config.window_days) + " days need at least " +
                                 std::to_string(first_end));
    }
    t_start.clear();
    t_end.clear();
    for (long long s = 2; s + config.window_days - 1 <= T; ++s) {
      t_start.push_back(static_cast<int>(s));
      t_end.push_back(static_cast<int>(s + config.window_days - 1));
    }
    return Status::ok();
  }
  if (config.t_start.size() != config.t_end.size()) {
    return invalid_argument("t_start and t_end must have the same length (" + std::to_string(config.t_start.size()) +
                            " and " + std::to_string(config.t_end.size()) + ")");
  }
  for (size_t i = 0; i < config.t_start.size(); ++i) {
    const long long s = config.t_start[i], e = config.t_end[i];
    if (s > e) {
      return invalid_argument("window " + std::to_string(i + 1) + ": t_start " + std::to_string(s) + " > t_end " +
                              std::to_string(e));
    }
    if (s < 2 || s > T || e < 2 || e > T) {
      return invalid_argument("window " + std::to_string(i + 1) + " [" + std::to_string(s) + ", " + std::to_string(e) +
                              "] is out of range: t_start and t_end must lie in [2, " + std::to_string(days) + "]");
    }
  }
  t_start = config.t_start;
  t_end = config.t_end;
  return Status::ok();
}

Result<RtEstimate> estimate_rt(const Incidence& incidence, const RtConfig& config) {
  const size_t days = incidence.size();
  if (incidence.imported.size() != days) return invalid_argument("local and imported incidence differ in length");
  if (days < 2) return failed_precondition("the series is too short: Rt needs at least 2 days");
  if (!(config.prior_mean > 0) || !(config.prior_sd > 0)) {
    return invalid_argument("the prior mean and sd must be > 0");
  }
  if (config.cv_posterior < 0) return invalid_argument("cv_posterior must be >= 0");

  RtEstimate estimate;
  std::vector<int> t_start, t_end;
  RETURN_IF_ERROR(resolve_windows(config, days, t_start, t_end));

  if (config.method == SerialIntervalMethod::kParametric) {
    ASSIGN_OR_RETURN(estimate.si_distr, discretise_gamma_serial_interval(days, config.si_mean, config.si_sd));
  } else {
    RETURN_IF_ERROR(check_serial_interval(config.si_distr));
    estimate.si_distr = config.si_distr;
  }
  if (estimate.si_distr.size() < days + 1) estimate.si_distr.resize(days + 1, 0.0);
  estimate.si_moments = serial_interval_moments(estimate.si_distr);

  const double prior_shape = (config.prior_mean / config.prior_sd) * (config.prior_mean / config.prior_sd);
  const double prior_scale = config.prior_sd * config.prior_sd / config.prior_mean;

  const std::vector<double> lambda = total_infectiousness(incidence, estimate.si_distr);
  // Prefix sums in long double so window sums by difference keep the precision of direct sums.
  std::vector<long double> local_prefix(days + 1, 0.0L), lambda_prefix(days + 1, 0.0L), total_prefix(days + 1, 0.0L);
  for (size_t t = 0; t < days; ++t) {
    local_prefix[t + 1] = local_prefix[t] + incidence.local[t];
    total_prefix[t + 1] = total_prefix[t] + incidence.total(t);
    lambda_prefix[t + 1] = lambda_prefix[t] + (t == 0 ? 0.0L : static_cast<long double>(lambda[t]));
  }

  const double min_cases = std::ceil(1 / (config.cv_posterior * config.cv_posterior) - prior_shape);
  if (!t_start.empty()) {
    const double first_cases = static_cast<double>(total_prefix[t_end[0]] - total_prefix[t_start[0] - 1]);
    estimate.estimated_too_early = first_cases < min_cases;
  }

  estimate.windows.resize(t_start.size());
  for (size_t i = 0; i < t_start.size(); ++i) {
    RtWindow& window = estimate.windows[i];
    window.t_start = t_start[i];
    window.t_end = t_end[i];
    window.estimated = t_end[i] > estimate.si_moments.mean;
    if (!window.estimated) {
      window.shape = window.scale = window.mean = window.sd = kNa;
      window.quantiles.fill(kNa);
      continue;
    }
    const double local_sum = static_cast<double>(local_prefix[t_end[i]] - local_prefix[t_start[i] - 1]);
    const double lambda_sum = static_cast<double>(lambda_prefix[t_end[i]] - lambda_prefix[t_start[i] - 1]);
    window.shape = prior_shape + local_sum;
    window.scale = 1 / (1 / prior_scale + lambda_sum);
    window.mean = window.shape * window.scale;
    window.sd = std::sqrt(window.shape) * window.scale;
    for (size_t q = 0; q < kRtQuantileLevels.size(); ++q) {
      window.quantiles[q] = gamma_quantile(kRtQuantileLevels[q], window.shape, window.scale);
    }
  }
  return estimate;
}

namespace {

Status check_uncertain_serial_interval(const UncertainSerialInterval& si) {
  // EpiEstim's check_config for uncertain_si, plus finite ranges so the rejection sampling ends.
  if (!(si.mean > 0) || !(si.sd > 0)) return invalid_argument("uncertain_si needs a mean and an sd of the serial interval > 0");
  if (si.n1 <= 0 || si.n2 <= 0) return invalid_argument("uncertain_si needs n1 and n2 > 0");
  if (!(si.std_mean > 0) || !(si.std_sd > 0)) {
    return invalid_argument("uncertain_si needs std_mean_si and std_std_si > 0");
  }
  if (!(si.min_mean >= 1)) return invalid_argument("uncertain_si needs min_mean_si >= 1");
  if (!(si.min_sd > 0)) return invalid_argument("uncertain_si needs min_std_si > 0");
  if (!(si.min_mean <= si.mean && si.mean <= si.max_mean) || !std::isfinite(si.max_mean)) {
    return invalid_argument("uncertain_si needs min_mean_si <= mean_si <= max_mean_si (finite)");
  }
  if (!(si.min_sd <= si.sd && si.sd <= si.max_sd) || !std::isfinite(si.max_sd)) {
    return invalid_argument("uncertain_si needs min_std_si <= std_si <= max_std_si (finite)");
  }
  return Status::ok();
}

// A normal draw rejected until it lies in [low, high], as EpiEstim draws the SI mean and sd.
double truncated_normal(double mean, double sd, double low, double high, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(mean, sd);
  double value = normal(rng);
  while (value < low || value > high) value = normal(rng);
  return value;
}

// R's quantile(type = 7) at kRtQuantileLevels (ascending) of `values`, which it reorders. Partial
// selection instead of a full sort: a sort of the n1 * n2 draws per window was most of the time.
std::array<double, kRtQuantileLevels.size()> type7_quantiles(std::vector<double>& values) {
  std::array<double, kRtQuantileLevels.size()> out{};
  size_t settled = 0;  // values[0, settled) are all <= values[settled, n)
  for (size_t q = 0; q < kRtQuantileLevels.size(); ++q) {
    const double h = (static_cast<double>(values.size()) - 1) * kRtQuantileLevels[q];
    const size_t below = static_cast<size_t>(std::floor(h));
    std::nth_element(values.begin() + static_cast<std::ptrdiff_t>(settled),
                     values.begin() + static_cast<std::ptrdiff_t>(below), values.end());
    const double low = values[below];
    const double high = below + 1 < values.size()
                            ? *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(below) + 1, values.end())
                            : low;
    out[q] = low + (h - static_cast<double>(below)) * (high - low);
    settled = below;
  }
  return out;
}

}  // namespace

Result<RtEstimate> estimate_rt_uncertain_si(const Incidence& incidence, const RtConfig& config,
                                            const UncertainSerialInterval& si, std::mt19937_64& rng) {
  const size_t days = incidence.size();
  if (incidence.imported.size() != days) return invalid_argument("local and imported incidence differ in length");
  if (days < 2) return failed_precondition("the series is too short: Rt needs at least 2 days");
  if (!(config.prior_mean > 0) || !(config.prior_sd > 0)) return invalid_argument("the prior mean and sd must be > 0");
  RETURN_IF_ERROR(check_uncertain_serial_interval(si));
  std::vector<int> t_start, t_end;
  RETURN_IF_ERROR(resolve_windows(config, days, t_start, t_end));
  const double prior_shape = (config.prior_mean / config.prior_sd) * (config.prior_mean / config.prior_sd);
  const double prior_scale = config.prior_sd * config.prior_sd / config.prior_mean;
  const size_t windows = t_start.size();

  RtEstimate estimate;
  // EpiEstim draws every mean and sd first (mean then sd for each k), then the posteriors.
  for (int k = 0; k < si.n1; ++k) {
    const double mean = truncated_normal(si.mean, si.std_mean, si.min_mean, si.max_mean, rng);
    const double sd = truncated_normal(si.sd, si.std_sd, si.min_sd, si.max_sd, rng);
    estimate.sampled_si_moments.push_back({mean, sd});
  }

  std::vector<long double> local_prefix(days + 1, 0.0L), total_prefix(days + 1, 0.0L);
  for (size_t t = 0; t < days; ++t) {
    local_prefix[t + 1] = local_prefix[t] + incidence.local[t];
    total_prefix[t + 1] = total_prefix[t] + incidence.total(t);
  }
  // Posterior (shape, scale) of every window under every sampled serial interval; NaN shape where
  // the window is NA for that sample. n1 x windows pairs, far fewer than the n1 * n2 draws.
  std::vector<double> shapes(static_cast<size_t>(si.n1) * windows), scales(shapes.size());
  std::vector<long double> lambda_prefix(days + 1);
  for (int k = 0; k < si.n1; ++k) {
    const SerialIntervalMoments& drawn = estimate.sampled_si_moments[static_cast<size_t>(k)];
    // EpiEstim discretises over 0..T-1 here (not padded to T + 1): the same support for Λ.
    ASSIGN_OR_RETURN(const std::vector<double> w, discretise_gamma_serial_interval(days, drawn.mean, drawn.sd));
    const double discrete_mean = serial_interval_moments(w).mean;
    const std::vector<double> lambda = total_infectiousness(incidence, w);
    for (size_t t = 0; t < days; ++t) {
      lambda_prefix[t + 1] = lambda_prefix[t] + (t == 0 ? 0.0L : static_cast<long double>(lambda[t]));
    }
    for (size_t i = 0; i < windows; ++i) {
      const size_t cell = static_cast<size_t>(k) * windows + i;
      // NA when t_end is not past the discretised mean (inside EpiEstim's sampler) or the drawn mean.
      if (!(t_end[i] > discrete_mean) || !(t_end[i] > drawn.mean)) {
        shapes[cell] = scales[cell] = kNa;
        continue;
      }
      shapes[cell] = prior_shape + static_cast<double>(local_prefix[t_end[i]] - local_prefix[t_start[i] - 1]);
      scales[cell] = 1 / (1 / prior_scale + static_cast<double>(lambda_prefix[t_end[i]] - lambda_prefix[t_start[i] - 1]));
    }
  }

  std::vector<double> draws;
  draws.reserve(static_cast<size_t>(si.n1) * static_cast<size_t>(si.n2));
  estimate.windows.resize(windows);
  for (size_t i = 0; i < windows; ++i) {
    RtWindow& window = estimate.windows[i];
    window.t_start = t_start[i];
    window.t_end = t_end[i];
    window.shape = window.scale = kNa;
    draws.clear();
    for (int k = 0; k < si.n1; ++k) {
      const size_t cell = static_cast<size_t>(k) * windows + i;
      if (std::isnan(shapes[cell])) continue;
      std::gamma_distribution<double> posterior(shapes[cell], scales[cell]);
      for (int j = 0; j < si.n2; ++j) draws.push_back(posterior(rng));
    }
    window.estimated = !draws.empty();
    if (draws.empty()) {
      window.mean = window.sd = kNa;
      window.quantiles.fill(kNa);
      continue;
    }
    long double sum = 0;
    for (double d : draws) sum += d;
    const long double mean = sum / static_cast<long double>(draws.size());
    long double squares = 0;
    for (double d : draws) squares += (d - mean) * (d - mean);
    window.mean = static_cast<double>(mean);
    window.sd = draws.size() > 1 ? std::sqrt(static_cast<double>(squares / static_cast<long double>(draws.size() - 1))) : kNa;
    window.quantiles = type7_quantiles(draws);
  }

  double mean_sum = 0, sd_sum = 0;
  for (const auto& m : estimate.sampled_si_moments) {
    mean_sum += m.mean;
    sd_sum += m.sd;
  }
  estimate.si_moments = {mean_sum / si.n1, sd_sum / si.n1};
  const double min_cases = std::ceil(1 / (config.cv_posterior * config.cv_posterior) - prior_shape);
  if (!t_start.empty()) {
    estimate.estimated_too_early =
        static_cast<double>(total_prefix[t_end[0]] - total_prefix[t_start[0] - 1]) < min_cases;
  }
  return estimate;
}

}  // namespace shouwang::estimate
