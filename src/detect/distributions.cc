#include "detect/distributions.h"

#include <boost/math/distributions/negative_binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cfloat>
#include <cmath>
#include <limits>
#include <optional>

namespace shouwang::detect {
namespace {

namespace policies = boost::math::policies;
using QuietPolicy = policies::policy<policies::domain_error<policies::ignore_error>,
                                     policies::pole_error<policies::ignore_error>,
                                     policies::overflow_error<policies::ignore_error>,
                                     policies::evaluation_error<policies::ignore_error>,
                                     policies::discrete_quantile<policies::integer_round_up>>;
// The trend test only compares its p-value with a threshold, and the Poisson and negative-binomial
// tail p-values are reported to far fewer digits than double's: Boost's default promotion to
// long double (x87) costs several times as much for a precision nobody reads.
using DoublePolicy = policies::policy<policies::domain_error<policies::ignore_error>,
                                      policies::pole_error<policies::ignore_error>,
                                      policies::overflow_error<policies::ignore_error>,
                                      policies::evaluation_error<policies::ignore_error>,
                                      policies::promote_double<false>>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// R's discrete quantile: the smallest x with F(x) >= p * (1 - 64 eps). Boost's integer_round_up
// quantile is the start; the walk settles exact ties the way R does.
template <typename Distribution>
double discrete_quantile(const Distribution& distribution, double p) {
  if (std::isnan(p)) return kNaN;
  const double target = p * (1 - 64 * DBL_EPSILON);
  double x = boost::math::quantile(distribution, p);
  if (!std::isfinite(x)) return x;
  x = std::max(0.0, std::round(x));
  while (x > 0 && boost::math::cdf(distribution, x - 1) >= target) x -= 1;
  while (boost::math::cdf(distribution, x) < target) x += 1;
  return x;
}

// The same quantile by summing the probability mass upward from 0, with the mass of x + 1 from
// that of x (`next_ratio`): a few dozen multiplications where Boost's quantile runs a root finder
// over incomplete beta/gamma functions. The sum is accurate to a few ulps, far inside R's 64 eps
// fuzz. Gives up (nothing) when the mass at 0 underflows or the quantile is large; the caller then
// takes discrete_quantile.
template <typename NextRatio>
std::optional<double> quantile_by_summation(double p, double mass_at_zero, NextRatio next_ratio) {
  constexpr int kMaxTerms = 1000;
  if (!(mass_at_zero > 1e-250) || !(p < 1)) return std::nullopt;
  const double target = p * (1 - 64 * DBL_EPSILON);
  double mass = mass_at_zero;
  double cumulative = mass;
  int x = 0;
  while (cumulative < target) {
    if (x == kMaxTerms) return std::nullopt;
    mass *= next_ratio(x);
    cumulative += mass;
    ++x;
  }
  return x;
}

}  // namespace

double normal_quantile(double p) {
  return boost::math::quantile(boost::math::normal_distribution<double, QuietPolicy>(), p);
}

double normal_upper_tail(double x, double mean, double sd) {
  if (std::isnan(x) || std::isnan(mean) || std::isnan(sd) || !(sd > 0)) return kNaN;
  return boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double, QuietPolicy>(mean, sd), x));
}

double normal_lower_tail(double x, double mean, double sd) {
  if (std::isnan(x) || std::isnan(mean) || std::isnan(sd) || !(sd > 0)) return kNaN;
  return boost::math::cdf(boost::math::normal_distribution<double, QuietPolicy>(mean, sd), x);
}

double student_t_two_sided_p(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNaN;
  boost::math::students_t_distribution<double, DoublePolicy> distribution(df);
  return 2 * boost::math::cdf(distribution, -std::abs(t));
}

double negative_binomial_quantile(double p, double size, double prob) {
  if (!(size > 0) || !std::isfinite(size)) return kNaN;
  if (std::isnan(p)) return kNaN;
  if (prob > 0 && prob < 1) {
    const double failure = 1 - prob;
    const auto ratio = [&](int x) { return (x + size) / (x + 1) * failure; };
    if (const auto x = quantile_by_summation(p, std::pow(prob, size), ratio)) return *x;
  }
  return discrete_quantile(boost::math::negative_binomial_distribution<double, QuietPolicy>(size, prob), p);
}

double poisson_quantile(double p, double lambda) {
  if (!(lambda >= 0) || !std::isfinite(lambda)) return kNaN;
  if (lambda == 0) return 0;
  if (std::isnan(p)) return kNaN;
  const auto ratio = [&](int x) { return lambda / (x + 1); };
  if (const auto x = quantile_by_summation(p, std::exp(-lambda), ratio)) return *x;
  return discrete_quantile(boost::math::poisson_distribution<double, QuietPolicy>(lambda), p);
}

double negative_binomial_at_least(double y, double size, double prob) {
  if (std::isnan(y) || !(size > 0)) return kNaN;
  if (y <= 0) return 1;
  return boost::math::cdf(boost::math::complement(
      boost::math::negative_binomial_distribution<double, DoublePolicy>(size, prob), y - 1));
}

double poisson_at_least(double y, double lambda) {
  if (std::isnan(y) || !(lambda >= 0)) return kNaN;
  if (y <= 0) return 1;
  if (lambda == 0) return 0;
  return boost::math::cdf(
      boost::math::complement(boost::math::poisson_distribution<double, DoublePolicy>(lambda), y - 1));
}

}  // namespace shouwang::detect
