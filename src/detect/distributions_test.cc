// The discrete quantiles (summed from 0 where that is cheap) against their definition on Boost's
// cdf: the smallest x with F(x) >= p (1 - 64 eps), as R's qnbinom/qpois.
#include "detect/distributions.h"

#include <gtest/gtest.h>

#include <boost/math/distributions/negative_binomial.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <cfloat>
#include <cmath>
#include <random>

namespace shouwang::detect {
namespace {

template <typename Distribution>
void expect_smallest_with_cdf_at_least(const Distribution& distribution, double p, double x) {
  const double target = p * (1 - 64 * DBL_EPSILON);
  ASSERT_TRUE(std::isfinite(x));
  EXPECT_GE(boost::math::cdf(distribution, x), target) << "x " << x;
  if (x > 0) EXPECT_LT(boost::math::cdf(distribution, x - 1), target) << "x " << x;
}

TEST(Distributions, NegativeBinomialQuantileIsRsDefinition) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> log_mean(std::log(1e-3), std::log(5e4));
  std::uniform_real_distribution<double> excess(1e-4, 20);
  for (int i = 0; i < 3000; ++i) {
    const double m = std::exp(log_mean(rng));
    const double phi = 1 + excess(rng);
    for (double p : {0.5, 0.95, 0.99, 0.999}) {
      const double size = m / (phi - 1);
      const double x = negative_binomial_quantile(p, size, 1 / phi);
      expect_smallest_with_cdf_at_least(boost::math::negative_binomial_distribution<double>(size, 1 / phi), p, x);
    }
  }
}

TEST(Distributions, PoissonQuantileIsRsDefinition) {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> log_mean(std::log(1e-4), std::log(1e5));
  for (int i = 0; i < 3000; ++i) {
    const double lambda = std::exp(log_mean(rng));
    for (double p : {0.5, 0.95, 0.99, 0.999}) {
      expect_smallest_with_cdf_at_least(boost::math::poisson_distribution<double>(lambda), p, poisson_quantile(p, lambda));
    }
  }
  EXPECT_EQ(poisson_quantile(0.95, 0), 0);
  EXPECT_TRUE(std::isnan(negative_binomial_quantile(std::nan(""), 2, 0.5)));
}

}  // namespace
}  // namespace shouwang::detect
