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

void BlockTrendDesign::index_runs() {
  const auto n = static_cast<int>(level_of_row.size());
  const bool has_time = static_cast<int>(time.size()) == n;
  runs.clear();
  level_centre.assign(levels, 0.0);
  level_rows.assign(levels, 0);
  centred_time.resize(n);
  for (int i = 0; i < n; ++i) {
    const int level = level_of_row[i];
    const bool continues = i > 0 && level == level_of_row[i - 1] && (!has_time || time[i] - time[i - 1] == 1.0);
    if (continues) {
      runs.back().end = i + 1;
    } else {
      runs.push_back({i, i + 1, level});
    }
    if (has_time) level_centre[level] += time[i];
    ++level_rows[level];
  }
  for (int level = 0; level < levels; ++level) {
    if (level_rows[level] > 0) level_centre[level] /= level_rows[level];
  }
  for (int i = 0; i < n; ++i) centred_time[i] = has_time ? time[i] - level_centre[level_of_row[i]] : 0.0;
}

namespace {

using LevelSums = BlockTrendWorkspace::LevelSums;

// The per-row inputs of one fit.
struct FitRows {
  const double* y;
  const double* prior;
  const double* offset;
  const double* time;
  const double* centred_time;
  const double* deviance_constant;
};

// Adds a row with the current mu and eta to its level's sums: w = prior mu and the working
// response z = eta - offset + (y - mu) / mu (rows of prior weight 0 are left out, as glm.fit does).
template <bool kWithTrend, bool kAllGood>
inline void add_row(LevelSums& sums, const FitRows& rows, int i, double mu, double eta) {
  const double prior = rows.prior[i];
  if (!kAllGood && !(prior > 0)) return;
  const double w = prior * mu;
  const double wz = w * (eta - rows.offset[i] + (rows.y[i] - mu) / mu);
  sums.weight += w;
  sums.response += wz;
  if constexpr (kWithTrend) {
    const double t = rows.centred_time[i];
    sums.weight_time += w * t;
    sums.weight_time_squared += w * t * t;
    sums.response_time += wz * t;
  }
}

// How an IRLS update gets mu = exp(eta) for a row.
enum class MuStep {
  kPerRow,    // exp per row (an offset)
  kPerLevel,  // no trend, no offset: eta is the level's intercept, one exp per level gives the same bits
  kAlongRun,  // trend, no offset: mu grows by exp(trend) per week along a run of consecutive weeks
};

// One pass of an IRLS step: the updated eta and mu of every row (mu into `mu`), the deviance, and
// the next step's level sums (into `sums`, which must be zero). Rows go run by run, in row order,
// so every sum adds its terms in the same order as a plain row loop.
template <MuStep kStep, bool kWithTrend, bool kAllGood>
double update_rows(const BlockTrendDesign& design, const FitRows& rows, const double* intercept,
                   const double* level_mu, double trend, double* mu, LevelSums* sums) {
  // Along a run, a multiplication by exp(trend) replaces the exp, restarted from an exact exp
  // every kExactEvery rows so that mu stays within a few ulps of exp(eta) (far below anything the
  // results can see).
  constexpr int kExactEvery = 9;
  const double weekly_factor = kStep == MuStep::kAlongRun ? std::exp(trend) : 0.0;
  double deviance = 0;
  for (const BlockTrendDesign::Run& run : design.runs) {
    LevelSums level_sums = sums[run.level];
    const double alpha = intercept[run.level];
    int until_exact = 0;
    for (int i = run.begin; i < run.end; ++i) {
      double eta = 0;
      double m = 0;
      if constexpr (kStep == MuStep::kPerLevel) {
        eta = alpha;
        m = level_mu[run.level];
      } else if constexpr (kStep == MuStep::kAlongRun) {
        eta = alpha + trend * rows.time[i];
        if (until_exact == 0) {
          m = std::exp(eta);
          until_exact = kExactEvery;
        } else {
          m = mu[i - 1] * weekly_factor;
        }
        --until_exact;
      } else {
        eta = alpha + (kWithTrend ? trend * rows.time[i] : 0.0) + rows.offset[i];
        m = std::exp(eta);
      }
      mu[i] = m;
      deviance += 2 * rows.prior[i] * (rows.deviance_constant[i] - rows.y[i] * eta + m);
      add_row<kWithTrend, kAllGood>(level_sums, rows, i, m, eta);
    }
    sums[run.level] = level_sums;
  }
  return deviance;
}

template <MuStep kStep, bool kWithTrend>
double update_rows(bool all_good, const BlockTrendDesign& design, const FitRows& rows, const double* intercept,
                   const double* level_mu, double trend, double* mu, LevelSums* sums) {
  return all_good ? update_rows<kStep, kWithTrend, true>(design, rows, intercept, level_mu, trend, mu, sums)
                  : update_rows<kStep, kWithTrend, false>(design, rows, intercept, level_mu, trend, mu, sums);
}

}  // namespace

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
  int n_good = 0;
  bool zero_offset = true;
  for (Eigen::Index i = 0; i < n; ++i) {
    n_good += prior_weights[i] > 0 ? 1 : 0;
    zero_offset = zero_offset && offset[i] == 0;
  }
  const int rank = levels + (with_trend ? 1 : 0);
  if (n_good <= rank) return false;
  const bool all_good = n_good == n;
  const FitRows rows{y.data(),
                     prior_weights.data(),
                     offset.data(),
                     design.time.data(),
                     design.centred_time.data(),
                     response.deviance_constant.data()};

  // mu at the start of the iteration and after its update; the fit's own vectors are the storage
  // (they keep their capacity from fit to fit).
  Eigen::VectorXd& start_mu = workspace.start_mu;
  Eigen::VectorXd& mu = fit.mu;
  start_mu.resize(n);
  mu.resize(n);
  std::vector<LevelSums>& sums = workspace.sums;
  std::vector<double>& level_mu = workspace.level_mu;
  std::vector<double>& level_weight = fit.level_weight;
  std::vector<double>& level_time = fit.level_mean_time;
  std::vector<double>& intercept = fit.level_intercept;
  level_weight.assign(levels, 0.0);
  level_time.assign(levels, 0.0);
  intercept.assign(levels, 0.0);
  level_mu.assign(levels, 0.0);
  fit.converged = false;

  // glm.fit's start mu = y + 0.1, eta = log(mu). The deviance term y log(y / mu) - (y - mu) is
  // computed as (y log y - y) - y eta + mu: no log per row and iteration; the two differ by
  // rounding far below the stopping rule.
  sums.assign(levels, LevelSums{});
  double deviance_old = 0;
  for (const BlockTrendDesign::Run& run : design.runs) {
    for (int i = run.begin; i < run.end; ++i) {
      const double eta = response.start_eta[i];
      start_mu[i] = y[i] + 0.1;
      deviance_old += 2 * prior_weights[i] * (rows.deviance_constant[i] - y[i] * eta + start_mu[i]);
      if (with_trend) {
        all_good ? add_row<true, true>(sums[run.level], rows, i, start_mu[i], eta)
                 : add_row<true, false>(sums[run.level], rows, i, start_mu[i], eta);
      } else {
        all_good ? add_row<false, true>(sums[run.level], rows, i, start_mu[i], eta)
                 : add_row<false, false>(sums[run.level], rows, i, start_mu[i], eta);
      }
    }
  }

  double trend = 0;
  double trend_sum_of_squares = 0;
  for (int iteration = 1; iteration <= control.max_iterations; ++iteration) {
    // The weighted least squares of z on the design: per-level weighted means, then the trend
    // from the within-level cross-products (sum w (t - mean t_l)^2 = S_tt - S_t^2 / S_w).
    double total_weight = 0;
    double total_time = 0;
    double within = 0;
    double cross = 0;
    for (int level = 0; level < levels; ++level) {
      const LevelSums& s = sums[level];
      if (!(s.weight > 0) || !std::isfinite(s.weight) || !std::isfinite(s.response)) return false;
      level_weight[level] = s.weight;
      intercept[level] = s.response / s.weight;
      if (with_trend) {
        const double centred_mean = s.weight_time / s.weight;
        level_time[level] = design.level_centre[level] + centred_mean;
        within += s.weight_time_squared - centred_mean * s.weight_time;
        cross += s.response_time - centred_mean * s.response;
        total_time += s.weight * level_time[level];
      }
      total_weight += s.weight;
    }
    trend = 0;
    if (with_trend) {
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
      // Level intercepts in place of the mean responses: alpha_l = mean z_l - trend * mean time_l.
      for (int level = 0; level < levels; ++level) intercept[level] -= trend * level_time[level];
    }
    sums.assign(levels, LevelSums{});
    double deviance = 0;
    if (with_trend && zero_offset) {
      deviance = update_rows<MuStep::kAlongRun, true>(all_good, design, rows, intercept.data(), nullptr, trend,
                                                      mu.data(), sums.data());
    } else if (with_trend) {
      deviance = update_rows<MuStep::kPerRow, true>(all_good, design, rows, intercept.data(), nullptr, trend,
                                                    mu.data(), sums.data());
    } else if (!zero_offset) {
      deviance = update_rows<MuStep::kPerRow, false>(all_good, design, rows, intercept.data(), nullptr, 0.0,
                                                     mu.data(), sums.data());
    } else {
      for (int level = 0; level < levels; ++level) level_mu[level] = std::exp(intercept[level]);
      deviance = update_rows<MuStep::kPerLevel, false>(all_good, design, rows, intercept.data(), level_mu.data(),
                                                       0.0, mu.data(), sums.data());
    }
    if (std::abs(deviance - deviance_old) / (std::abs(deviance) + 0.1) < control.epsilon) {
      fit.converged = true;
      break;
    }
    if (iteration == control.max_iterations) break;
    deviance_old = deviance;
    start_mu.swap(mu);
  }
  // glm.fit's $weights: prior * mu at the start of the last iteration (0 for rows left out).
  Eigen::VectorXd& weight = fit.working_weights;
  weight.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    weight[i] = all_good || prior_weights[i] > 0 ? prior_weights[i] * start_mu[i] : 0.0;
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
