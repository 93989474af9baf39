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

double BlockTrendFit::link_variance_unscaled(int level, double time) const {
  const double variance = 1 / level_weight[level];
  if (!with_trend) return variance;
  const double centred = time - level_mean_time[level];
  return variance + centred * centred / trend_sum_of_squares;
}

double poisson_deviance_constant(double y) { return y > 0 ? y * std::log(y) - y : 0.0; }

void PoissonResponse::resize(Eigen::Index n) {
  y.resize(n);
  start_eta.resize(n);
  deviance_constant.resize(n);
}

void PoissonResponse::set(Eigen::Index row, double count, double start_eta_of_count,
                          double deviance_constant_of_count) {
  y[row] = count;
  start_eta[row] = start_eta_of_count;
  deviance_constant[row] = deviance_constant_of_count;
}

void PoissonResponse::assign(const Eigen::VectorXd& counts) {
  resize(counts.size());
  for (Eigen::Index i = 0; i < counts.size(); ++i) {
    set(i, counts[i], std::log(counts[i] + 0.1), poisson_deviance_constant(counts[i]));
  }
}

bool fit_block_trend_quasi_poisson(const BlockTrendDesign& design, const PoissonResponse& response,
                                   const Eigen::VectorXd& offset, const Eigen::VectorXd& prior_weights,
                                   BlockTrendWorkspace& workspace, BlockTrendFit& fit, const GlmControl& control) {
  // R's dqrdc2 drops a column whose norm falls below 1e-11 of its own; the within-level trend is
  // required to keep far more of the trend's spread than that, so that R's QR and this closed form
  // certainly agree on the rank (anything closer goes to the general path).
  constexpr double kMinWithinLevelTrendShare = 1e-6;
  const Eigen::VectorXd& y = response.y;
  const auto n = y.size();
  const int levels = design.levels;
  const bool with_trend = design.with_trend;
  const int* level_of_row = design.level_of_row.data();
  const double* time = design.time.data();
  const double* deviance_constant = response.deviance_constant.data();
  int n_good = 0;
  bool zero_offset = true;
  for (Eigen::Index i = 0; i < n; ++i) {
    n_good += prior_weights[i] > 0 ? 1 : 0;
    zero_offset = zero_offset && offset[i] == 0;
  }
  const int rank = levels + (with_trend ? 1 : 0);
  if (n_good <= rank) return false;
  const bool all_good = n_good == n;

  // The fit's own vectors are the working storage (they keep their capacity from fit to fit).
  Eigen::VectorXd& mu = fit.mu;
  Eigen::VectorXd& weight = fit.working_weights;
  std::vector<double>& level_weight = fit.level_weight;
  std::vector<double>& level_time = fit.level_mean_time;
  std::vector<double>& level_response = fit.level_intercept;
  std::vector<double>& working_response = workspace.response;
  std::vector<double>& eta = workspace.eta;
  mu.resize(n);
  weight.setZero(n);
  working_response.assign(n, 0.0);
  eta.assign(response.start_eta.begin(), response.start_eta.end());
  fit.converged = false;

  // The deviance term y log(y / mu) - (y - mu) as (y log y - y) - y eta + mu: no log per row and
  // iteration; the two differ by rounding far below the stopping rule.
  const auto deviance_term = [&](Eigen::Index i) {
    return 2 * prior_weights[i] * (deviance_constant[i] - y[i] * eta[i] + mu[i]);
  };
  double deviance_old = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    mu[i] = y[i] + 0.1;
    deviance_old += deviance_term(i);
  }

  double trend = 0;
  double trend_sum_of_squares = 0;
  for (int iteration = 1; iteration <= control.max_iterations; ++iteration) {
    level_weight.assign(levels, 0.0);
    level_time.assign(levels, 0.0);
    level_response.assign(levels, 0.0);
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!all_good && !(prior_weights[i] > 0)) continue;
      const double w = prior_weights[i] * mu[i];
      const double z = eta[i] - offset[i] + (y[i] - mu[i]) / mu[i];
      weight[i] = w;
      working_response[i] = z;
      const int level = level_of_row[i];
      level_weight[level] += w;
      level_response[level] += w * z;
      if (with_trend) level_time[level] += w * time[i];
    }
    double total_weight = 0;
    double total_time = 0;
    for (int level = 0; level < levels; ++level) {
      if (!(level_weight[level] > 0) || !std::isfinite(level_weight[level]) ||
          !std::isfinite(level_response[level])) {
        return false;
      }
      total_weight += level_weight[level];
      total_time += level_time[level];
      level_response[level] /= level_weight[level];
      level_time[level] /= level_weight[level];
    }
    trend = 0;
    if (with_trend) {
      double within = 0;
      double cross = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        const int level = level_of_row[i];
        const double centred_time = time[i] - level_time[level];
        // Rows left out (prior weight 0) have weight 0 here.
        within += weight[i] * centred_time * centred_time;
        cross += weight[i] * centred_time * (working_response[i] - level_response[level]);
      }
      // The trend's whole spread about its weighted mean: within plus between levels.
      const double mean_time = total_time / total_weight;
      double spread = within;
      for (int level = 0; level < levels; ++level) {
        const double between = level_time[level] - mean_time;
        spread += level_weight[level] * between * between;
      }
      if (!(within > kMinWithinLevelTrendShare * spread) || !std::isfinite(cross)) return false;
      trend = cross / within;
      trend_sum_of_squares = within;
    }
    // Level intercepts in place of the mean responses: alpha_l = mean z_l - trend * mean time_l.
    for (int level = 0; level < levels; ++level) level_response[level] -= trend * level_time[level];
    double deviance = 0;
    if (with_trend && zero_offset) {
      // Along a run of consecutive weeks of one level, mu grows by the factor exp(trend) per week:
      // a multiplication instead of an exp, restarted from an exact exp every kMaxChain rows so
      // that mu stays within a few ulps of exp(eta) (far below anything the results can see).
      constexpr int kMaxChain = 8;
      const double weekly_factor = std::exp(trend);
      int chain = kMaxChain;
      for (Eigen::Index i = 0; i < n; ++i) {
        eta[i] = level_response[level_of_row[i]] + trend * time[i];
        const bool continues_run = i > 0 && level_of_row[i] == level_of_row[i - 1] && time[i] - time[i - 1] == 1.0;
        if (continues_run && chain < kMaxChain) {
          mu[i] = mu[i - 1] * weekly_factor;
          ++chain;
        } else {
          mu[i] = std::exp(eta[i]);
          chain = 0;
        }
        deviance += deviance_term(i);
      }
    } else if (with_trend || !zero_offset) {
      for (Eigen::Index i = 0; i < n; ++i) {
        eta[i] = level_response[level_of_row[i]] + (with_trend ? trend * time[i] : 0.0) + offset[i];
        mu[i] = std::exp(eta[i]);
        deviance += deviance_term(i);
      }
    } else {
      // eta is the level's intercept itself: one exp per level gives the same mu bit for bit.
      auto& level_mu = workspace.level_mu;
      level_mu.resize(levels);
      for (int level = 0; level < levels; ++level) level_mu[level] = std::exp(level_response[level]);
      for (Eigen::Index i = 0; i < n; ++i) {
        eta[i] = level_response[level_of_row[i]];
        mu[i] = level_mu[level_of_row[i]];
        deviance += deviance_term(i);
      }
    }
    if (std::abs(deviance - deviance_old) / (std::abs(deviance) + 0.1) < control.epsilon) {
      fit.converged = true;
      break;
    }
    deviance_old = deviance;
  }
  fit.with_trend = with_trend;
  fit.trend = trend;
  fit.trend_sum_of_squares = trend_sum_of_squares;
  fit.rank = rank;
  fit.df_residual = n_good - rank;
  return true;
}

double pearson_dispersion(const BlockTrendFit& fit, const Eigen::VectorXd& y, const Eigen::VectorXd& weights) {
  double sum = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (weights[i] > 0) {
      const double residual = (y[i] - fit.mu[i]) / fit.mu[i];
      sum += weights[i] * residual * residual;
    }
  }
  return fit.df_residual > 0 ? sum / fit.df_residual : std::numeric_limits<double>::quiet_NaN();
}

void hat_values(const BlockTrendFit& fit, const BlockTrendDesign& design, Eigen::VectorXd& hat) {
  const auto n = fit.mu.size();
  hat.resize(n);
  const double almost_one = 1 - 10 * std::numeric_limits<double>::epsilon();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double h = fit.working_weights[i] *
                     fit.link_variance_unscaled(design.level_of_row[i], design.with_trend ? design.time[i] : 0.0);
    hat[i] = h > almost_one ? 1.0 : h;
  }
}

}  // namespace shouwang::detect
