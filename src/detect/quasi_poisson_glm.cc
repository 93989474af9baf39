#include "detect/quasi_poisson_glm.h"

#include <algorithm>
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

// summary.glm's dispersion from a fit's means; shared by both fit kinds.
double pearson_dispersion_of(const Eigen::VectorXd& mu, int df_residual, const Eigen::VectorXd& y,
                             const Eigen::VectorXd& weights) {
  double sum = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (weights[i] > 0) {
      const double residual = (y[i] - mu[i]) / mu[i];
      sum += weights[i] * residual * residual;
    }
  }
  return df_residual > 0 ? sum / df_residual : std::numeric_limits<double>::quiet_NaN();
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
  return pearson_dispersion_of(fit.mu, fit.df_residual, y, weights);
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


void PoissonResponse::assign(const Eigen::VectorXd& counts) {
  resize(counts.size());
  for (Eigen::Index i = 0; i < counts.size(); ++i) {
    set(i, counts[i], std::log(counts[i] + 0.1), poisson_deviance_constant(counts[i]));
  }
}

void BlockTrendDesign::index_runs() {
  const auto n = static_cast<int>(level_of_row.size());
  const bool has_time = static_cast<int>(time.size()) == n;
  const int* level = level_of_row.data();
  runs.clear();
  level_centre.assign(levels, 0.0);
  level_rows.assign(levels, 0);
  centred_time.resize(n);
  time_from_origin.resize(n);
  double total_time = 0;
  int begin = 0;
  bool follows_previous = false;
  for (int i = 0; i < n; ++i) {
    const bool next_week = has_time ? i + 1 < n && time[i + 1] - time[i] == 1.0 : i + 1 < n;
    if (has_time) {
      level_centre[level[i]] += time[i];
      total_time += time[i];
    }
    if (!next_week || level[i + 1] != level[i]) {  // row i ends a run
      runs.push_back({begin, i + 1, level[i], follows_previous});
      level_rows[level[i]] += i + 1 - begin;
      follows_previous = next_week;
      begin = i + 1;
    }
  }
  for (int l = 0; l < levels; ++l) {
    if (level_rows[l] > 0) level_centre[l] /= level_rows[l];
  }
  time_origin = has_time && n > 0 ? total_time / n : 0.0;
  for (int i = 0; i < n; ++i) {
    centred_time[i] = has_time ? time[i] - level_centre[level[i]] : 0.0;
    time_from_origin[i] = has_time ? time[i] - time_origin : 0.0;
  }
}

namespace {

using LevelSums = BlockTrendWorkspace::LevelSums;
using LevelMoments = BlockTrendWorkspace::LevelMoments;

// The weighted least-squares step of one level, from which the trend and the intercepts follow.
struct LevelStep {
  double weight = 0;       // sum of w
  double mean_time = 0;    // weighted mean of the centred time
  double within = 0;       // sum w (t - mean)^2
  double cross = 0;        // sum w (t - mean)(z - mean z)
  double mean_response = 0;  // weighted mean of z
};

// From one week to the next g = exp(trend (time - origin)) grows by exp(trend), whatever the
// level: a multiplication instead of an exp, restarted from an exact exp every kExactEvery rows
// so that g stays within about kExactEvery ulps of the exact value (far below anything the
// results can see).
constexpr int kExactEvery = 16;

// g = exp(trend (time - origin) + offset) per row (into `growth`) and its moments per level (into
// `moments`, which must be zero). kStepByWeek: no offset, so g can be stepped week by week.
template <bool kStepByWeek>
void growth_pass(const BlockTrendDesign& design, const double* prior, const double* offset, double trend,
                 double* growth, LevelMoments* moments) {
  const double* centred_time = design.centred_time.data();
  const double* time_from_origin = design.time_from_origin.data();
  if constexpr (kStepByWeek) {
    const double weekly_factor = std::exp(trend);
    double g = 0;  // g of the next row if it is one week on
    int until_exact = 0;
    for (const BlockTrendDesign::Run& run : design.runs) {
      LevelMoments sums = moments[run.level];
      if (!run.follows_previous) until_exact = 0;
      for (int i = run.begin; i < run.end;) {
        if (until_exact == 0) {
          g = std::exp(trend * time_from_origin[i]);
          until_exact = kExactEvery;
        }
        // A stretch without a restart: no branch per row.
        const int stop = std::min(run.end, i + until_exact);
        until_exact -= stop - i;
        for (; i < stop; ++i) {
          const double t = centred_time[i];
          growth[i] = g;
          const double pg = prior[i] * g;
          sums.zeroth += pg;
          sums.first += pg * t;
          sums.second += pg * t * t;
          g *= weekly_factor;
        }
      }
      moments[run.level] = sums;
    }
  } else {
    for (const BlockTrendDesign::Run& run : design.runs) {
      LevelMoments sums = moments[run.level];
      for (int i = run.begin; i < run.end; ++i) {
        const double t = centred_time[i];
        const double g = std::exp(trend * time_from_origin[i] + offset[i]);
        growth[i] = g;
        const double pg = prior[i] * g;
        sums.zeroth += pg;
        sums.first += pg * t;
        sums.second += pg * t * t;
      }
      moments[run.level] = sums;
    }
  }
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
  const auto n = static_cast<int>(y.size());
  const int levels = design.levels;
  const bool with_trend = design.with_trend;
  const double* centred_time = design.centred_time.data();
  std::vector<double>& prior = workspace.prior;
  prior.resize(n);

  std::vector<LevelSums>& sums = workspace.sums;
  std::vector<LevelMoments>& moments = workspace.moments;
  std::vector<double>& response_sum = workspace.response_sum;
  std::vector<double>& response_time_sum = workspace.response_time_sum;
  std::vector<double>& intercept = workspace.intercept;              // a_l: eta = a_l + trend t_centred + offset
  std::vector<double>& start_intercept = workspace.start_intercept;  // a_l at the start of the step
  std::vector<double>& mean_time = workspace.mean_time;  // weighted mean centred time per level
  std::vector<double>& growth = workspace.growth;
  std::vector<double>& start_growth = workspace.start_growth;
  std::vector<double>& level_weight = fit.level_weight;
  std::vector<double>& level_time = fit.level_mean_time;
  // mu = level_scale_l g: exp(a_l + trend (origin - centre_l)) during the iterations.
  std::vector<double>& level_scale = fit.level_intercept;
  std::vector<double>& start_scale = workspace.start_scale;
  sums.assign(levels, LevelSums{});
  response_sum.assign(levels, 0.0);
  response_time_sum.assign(levels, 0.0);
  intercept.assign(levels, 0.0);
  start_intercept.assign(levels, 0.0);
  mean_time.assign(levels, 0.0);
  level_weight.assign(levels, 0.0);
  level_time.assign(levels, 0.0);
  level_scale.assign(levels, 0.0);
  start_scale.assign(levels, 0.0);
  growth.resize(n);
  start_growth.resize(n);
  fit.converged = false;

  // glm.fit starts at mu = y + 0.1, eta = log(mu): the first step's sums come from the rows. The
  // deviance term y log(y / mu) - (y - mu) is (y log y - y) - y eta + mu, so the deviance of any
  // later step is sum p (y log y - y) - sum p y offset - sum_l a_l sum p y - trend sum p y t
  // + sum_l exp(a_l) sum p g: sums over the rows that do not change from step to step.
  double deviance_old = 0;
  double deviance_constant = 0;  // sum p (y log y - y) - sum p y offset
  int n_good = 0;
  bool zero_offset = true;
  for (const BlockTrendDesign::Run& run : design.runs) {
    LevelSums level = sums[run.level];
    double y_sum = response_sum[run.level];
    double y_time_sum = response_time_sum[run.level];
    for (int i = run.begin; i < run.end; ++i) {
      // glm.fit leaves rows of weight 0 out (and refuses negative weights).
      const double p = prior_weights[i] > 0 ? prior_weights[i] : 0.0;
      prior[i] = p;
      n_good += p > 0 ? 1 : 0;
      zero_offset = zero_offset && offset[i] == 0;
      const double mu = y[i] + 0.1;
      const double eta = response.start_eta[i];
      deviance_old += 2 * p * (response.deviance_constant[i] - y[i] * eta + mu);
      deviance_constant += p * (response.deviance_constant[i] - y[i] * offset[i]);
      const double t = centred_time[i];
      const double w = p * mu;
      // w z with z = eta - offset + (y - mu) / mu, without the division.
      const double wz = w * (eta - offset[i]) + p * (y[i] - mu);
      level.weight += w;
      level.weight_time += w * t;
      level.weight_time_squared += w * t * t;
      level.response += wz;
      level.response_time += wz * t;
      y_sum += p * y[i];
      y_time_sum += p * y[i] * t;
    }
    sums[run.level] = level;
    response_sum[run.level] = y_sum;
    response_time_sum[run.level] = y_time_sum;
  }
  const int rank = levels + (with_trend ? 1 : 0);
  if (n_good <= rank) return false;
  double total_response_time = 0;
  for (int level = 0; level < levels; ++level) total_response_time += response_time_sum[level];

  double trend = 0;
  double start_trend = 0;
  double trend_sum_of_squares = 0;
  int iteration = 1;
  for (;; ++iteration) {
    // The weighted least squares of the working response z on the design, per level: weighted
    // means, within-level sums of squares and cross-products. At the first step from the rows'
    // sums; after that w = p exp(a_l) g and w z = w (a_l + trend t) + p (y - mu), so the sums are
    // functions of the moments of g: sum w = exp(a_l) G0, mean t = G1 / G0,
    // within = exp(a_l) (G2 - mean t G1), cross = trend within + sum p y t - mean t sum p y,
    // mean z = a_l + trend mean t + sum p y / sum w - 1 (the Newton step of the Poisson likelihood).
    double within = 0;
    double cross = 0;
    double total_weight = 0;
    double total_time = 0;
    for (int level = 0; level < levels; ++level) {
      LevelStep step;
      if (iteration == 1) {
        const LevelSums& s = sums[level];
        step.weight = s.weight;
        step.mean_time = s.weight_time / s.weight;
        step.within = s.weight_time_squared - step.mean_time * s.weight_time;
        step.cross = s.response_time - step.mean_time * s.response;
        step.mean_response = s.response / s.weight;
      } else {
        const LevelMoments& g = moments[level];
        step.weight = level_scale[level] * g.zeroth;
        if (with_trend) {
          step.mean_time = g.first / g.zeroth;
          step.within = level_scale[level] * (g.second - step.mean_time * g.first);
          step.cross = trend * step.within + (response_time_sum[level] - step.mean_time * response_sum[level]);
        }
        step.mean_response = intercept[level] + trend * step.mean_time + response_sum[level] / step.weight - 1;
      }
      if (!(step.weight > 0) || !std::isfinite(step.weight) || !std::isfinite(step.mean_response)) return false;
      level_weight[level] = step.weight;
      total_weight += step.weight;
      if (with_trend) {
        level_time[level] = design.level_centre[level] + step.mean_time;
        total_time += step.weight * level_time[level];
        within += step.within;
        cross += step.cross;
      }
      // The mean response for now; the intercept once the trend is known.
      start_intercept[level] = intercept[level];
      intercept[level] = step.mean_response;
      mean_time[level] = step.mean_time;
    }
    double new_trend = 0;
    if (with_trend) {
      // The trend's whole spread about its weighted mean: within plus between levels.
      const double mean_time = total_time / total_weight;
      double spread = within;
      for (int level = 0; level < levels; ++level) {
        const double between = level_time[level] - mean_time;
        spread += level_weight[level] * between * between;
      }
      if (!(within > kMinWithinLevelTrendShare * spread) || !std::isfinite(cross)) return false;
      new_trend = cross / within;
      trend_sum_of_squares = within;
    }
    // a_l = mean z_l - trend * mean t_l.
    for (int level = 0; level < levels; ++level) intercept[level] -= new_trend * mean_time[level];
    start_trend = trend;
    trend = new_trend;

    // The update: g per row and its moments (with a trend at every step, without one only once).
    if (with_trend || iteration == 1) {
      if (with_trend) growth.swap(start_growth);
      moments.assign(levels, LevelMoments{});
      if (zero_offset) {
        growth_pass<true>(design, prior.data(), offset.data(), trend, growth.data(), moments.data());
      } else {
        growth_pass<false>(design, prior.data(), offset.data(), trend, growth.data(), moments.data());
      }
      if (!with_trend) start_growth = growth;
    }
    double deviance = deviance_constant - trend * total_response_time;
    for (int level = 0; level < levels; ++level) {
      level_scale[level] = std::exp(intercept[level] + trend * (design.time_origin - design.level_centre[level]));
      deviance += level_scale[level] * moments[level].zeroth - intercept[level] * response_sum[level];
    }
    deviance *= 2;
    if (std::abs(deviance - deviance_old) / (std::abs(deviance) + 0.1) < control.epsilon) {
      fit.converged = true;
      break;
    }
    if (iteration == control.max_iterations) break;
    deviance_old = deviance;
  }

  // mu = level_scale_l g after the last step; glm.fit's $weights are prior * mu at its start.
  Eigen::VectorXd& mu = fit.mu;
  Eigen::VectorXd& weight = fit.working_weights;
  mu.resize(n);
  weight.resize(n);
  for (int level = 0; level < levels; ++level) {
    start_scale[level] =
        std::exp(start_intercept[level] + start_trend * (design.time_origin - design.level_centre[level]));
  }
  double pearson_sum = 0;
  for (const BlockTrendDesign::Run& run : design.runs) {
    const double scale = level_scale[run.level];
    const double scale_at_start = start_scale[run.level];
    for (int i = run.begin; i < run.end; ++i) {
      mu[i] = scale * growth[i];
      weight[i] = prior[i] * (iteration == 1 ? y[i] + 0.1 : scale_at_start * start_growth[i]);
      const double residual = (y[i] - mu[i]) / mu[i];
      if (weight[i] > 0) pearson_sum += weight[i] * residual * residual;
    }
  }
  fit.working_pearson_sum = pearson_sum;
  // Back to the raw time: eta = (a_l - trend centre_l) + trend time + offset.
  for (int level = 0; level < levels; ++level) {
    fit.level_intercept[level] = intercept[level] - (with_trend ? trend * design.level_centre[level] : 0.0);
  }
  fit.with_trend = with_trend;
  fit.trend = trend;
  fit.trend_sum_of_squares = trend_sum_of_squares;
  fit.rank = rank;
  fit.df_residual = n_good - rank;
  return true;
}

double pearson_dispersion(const BlockTrendFit& fit, const Eigen::VectorXd& y, const Eigen::VectorXd& weights) {
  return pearson_dispersion_of(fit.mu, fit.df_residual, y, weights);
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
