#include "detect/quasi_poisson_glm.h"

#include <cmath>
#include <limits>
#include <vector>

namespace shouwang::detect {
namespace {

double poisson_deviance(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, const Eigen::VectorXd& prior) {
  double deviance = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const double term = y[i] > 0 ? y[i] * std::log(y[i] / mu[i]) - (y[i] - mu[i]) : mu[i];
    deviance += 2 * prior[i] * term;
  }
  return deviance;
}

}  // namespace

QuasiPoissonFit fit_quasi_poisson(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                  const Eigen::VectorXd& offset, const Eigen::VectorXd& prior_weights,
                                  const GlmControl& control) {
  const Eigen::Index n = x.rows();
  const Eigen::Index p = x.cols();
  std::vector<Eigen::Index> good;
  good.reserve(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (prior_weights[i] > 0) good.push_back(i);
  }
  const auto n_good = static_cast<Eigen::Index>(good.size());

  QuasiPoissonFit fit;
  fit.mu = (y.array() + 0.1).matrix();
  fit.eta = fit.mu.array().log().matrix();
  fit.coefficients = Eigen::VectorXd::Zero(p);
  fit.working_weights = Eigen::VectorXd::Zero(n);
  double deviance_old = poisson_deviance(y, fit.mu, prior_weights);

  Eigen::MatrixXd weighted_x(n_good, p);
  Eigen::VectorXd weighted_z(n_good);
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(n_good, p);
  Eigen::VectorXd w_sqrt(n_good);
  for (int iteration = 1; iteration <= control.max_iterations; ++iteration) {
    for (Eigen::Index g = 0; g < n_good; ++g) {
      const Eigen::Index i = good[g];
      // Log link: d mu / d eta = mu and variance = mu, so z = eta - offset + (y - mu) / mu, w = sqrt(prior * mu).
      const double z = fit.eta[i] - offset[i] + (y[i] - fit.mu[i]) / fit.mu[i];
      w_sqrt[g] = std::sqrt(prior_weights[i] * fit.mu[i]);
      weighted_x.row(g) = x.row(i) * w_sqrt[g];
      weighted_z[g] = z * w_sqrt[g];
    }
    // glm.fit's QR tolerance is min(1e-7, epsilon / 1000); Eigen's threshold is relative to the largest pivot.
    qr.setThreshold(std::min(1e-7, control.epsilon / 1000));
    qr.compute(weighted_x);
    fit.coefficients = qr.solve(weighted_z);
    fit.rank = static_cast<int>(qr.rank());
    for (Eigen::Index g = 0; g < n_good; ++g) fit.working_weights[good[g]] = w_sqrt[g] * w_sqrt[g];
    fit.eta = x * fit.coefficients + offset;
    fit.mu = fit.eta.array().exp().matrix();
    const double deviance = poisson_deviance(y, fit.mu, prior_weights);
    if (std::abs(deviance - deviance_old) / (std::abs(deviance) + 0.1) < control.epsilon) {
      fit.converged = true;
      break;
    }
    deviance_old = deviance;
  }
  fit.df_residual = static_cast<int>(n_good) - fit.rank;

  // (X'WX)^-1 from R of the last QR, in the original column order; aliased columns stay zero.
  const int r = fit.rank;
  Eigen::MatrixXd r11 = qr.matrixR().topLeftCorner(r, r).triangularView<Eigen::Upper>();
  Eigen::MatrixXd r_inverse = r11.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(r, r));
  Eigen::MatrixXd pivoted = r_inverse * r_inverse.transpose();
  fit.covariance_unscaled = Eigen::MatrixXd::Zero(p, p);
  const auto& permutation = qr.colsPermutation().indices();
  for (int a = 0; a < r; ++a) {
    for (int b = 0; b < r; ++b) fit.covariance_unscaled(permutation[a], permutation[b]) = pivoted(a, b);
  }
  for (Eigen::Index j = r; j < p; ++j) fit.coefficients[permutation[j]] = 0;
  return fit;
}

double pearson_dispersion(const QuasiPoissonFit& fit, const Eigen::VectorXd& y, const Eigen::VectorXd& weights) {
  double sum = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (weights[i] > 0) {
      const double residual = (y[i] - fit.mu[i]) / fit.mu[i];
      sum += weights[i] * residual * residual;
    }
  }
  return fit.df_residual > 0 ? sum / fit.df_residual : std::numeric_limits<double>::quiet_NaN();
}

Eigen::VectorXd hat_values(const QuasiPoissonFit& fit, const Eigen::MatrixXd& x) {
  Eigen::VectorXd hat(x.rows());
  const double almost_one = 1 - 10 * std::numeric_limits<double>::epsilon();
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double h = fit.working_weights[i] * x.row(i).dot(fit.covariance_unscaled * x.row(i).transpose());
    hat[i] = h > almost_one ? 1.0 : h;
  }
  return hat;
}

}  // namespace shouwang::detect
