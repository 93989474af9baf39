// A log-link (quasi-)Poisson GLM fitted by IRLS exactly as R's stats::glm.fit does it (start at
// y + 0.1, deviance stopping rule, at most 25 iterations, the last iteration's weights and QR kept),
// because farringtonFlexible's results depend on those details to 1e-6.
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace shouwang::detect {

struct GlmControl {
  double epsilon = 1e-8;  // glm.control(): |dev - dev_old| / (|dev| + 0.1) < epsilon
  int max_iterations = 25;
};

struct QuasiPoissonFit {
  Eigen::VectorXd coefficients;         // 0 for aliased (rank-deficient) columns, R's NA
  Eigen::VectorXd eta;                  // linear predictor incl. offset, after the last update
  Eigen::VectorXd mu;                   // exp(eta)
  Eigen::VectorXd working_weights;      // prior * mu of the last iteration's *start* (glm.fit's $weights)
  Eigen::MatrixXd covariance_unscaled;  // (X'WX)^-1 from the last QR; zero for aliased columns
  int rank = 0;
  int df_residual = 0;                  // rows with positive prior weight minus rank
  bool converged = false;
};

// Fits y ~ X with offset and prior weights (rows with prior weight 0 are left out, as glm.fit does).
QuasiPoissonFit fit_quasi_poisson(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                  const Eigen::VectorXd& offset, const Eigen::VectorXd& prior_weights,
                                  const GlmControl& control = {});

// summary.glm's dispersion: sum over weights > 0 of weights * ((y - mu) / mu)^2 / df_residual.
// `weights` is normally fit.working_weights; farringtonFlexible passes its re-weighting weights.
double pearson_dispersion(const QuasiPoissonFit& fit, const Eigen::VectorXd& y, const Eigen::VectorXd& weights);

// lm.influence()$hat for the fit: W_i x_i' (X'WX)^-1 x_i, set to 1 above 1 - 10 eps as R does.
Eigen::VectorXd hat_values(const QuasiPoissonFit& fit, const Eigen::MatrixXd& x);

// farringtonFlexible's design: one level per seasonal block (R codes it as an intercept plus a
// dummy per further level) and an optional linear time trend. The same column space is spanned by
// one indicator per level plus the trend, so each IRLS step is a within-level regression of the
// working response on time (per-level sums, no QR): the fitted values, the trend coefficient,
// predictions, their variances and the hat values are the same quantities as R's, to rounding.
// Numbers in R's coding (intercept + dummies) are never needed by the detectors.
struct BlockTrendDesign {
  std::vector<int> level_of_row;  // 0 .. levels - 1 for every row
  int levels = 1;
  bool with_trend = false;
  std::vector<double> time;  // the trend covariate per row (read only with_trend)

  // A run: rows [begin, end) of one level whose times step by exactly 1 (consecutive weeks).
  struct Run {
    int begin = 0;
    int end = 0;
    int level = 0;
    bool follows_previous = false;  // its first row is one week after the previous run's last
  };
  // Set by index_runs() from level_of_row and time; fit_block_trend_quasi_poisson walks the rows
  // run by run (one level per run: its sums stay in registers, and exp(trend t) can be stepped
  // from week to week).
  std::vector<Run> runs;
  std::vector<double> level_centre;  // unweighted mean time per level
  std::vector<double> centred_time;  // time minus the level's centre, so sums of squares keep their digits
  double time_origin = 0;            // mean time of all rows
  std::vector<double> time_from_origin;  // time minus time_origin (0 without times)
  std::vector<int> level_rows;       // rows per level (scratch of index_runs)

  // Must be called after level_of_row, levels and time are set, before fitting.
  void index_runs();
};

// The counts with what every fit on them needs, computed once for all the fits of one week.
struct PoissonResponse {
  Eigen::VectorXd y;
  std::vector<double> start_eta;          // glm.fit's start: log(y + 0.1)
  std::vector<double> deviance_constant;  // y log y - y (0 at y = 0); see poisson_deviance_constant

  void resize(Eigen::Index n);
  void set(Eigen::Index row, double count, double start_eta_of_count, double deviance_constant_of_count) {
    y[row] = count;
    start_eta[row] = start_eta_of_count;
    deviance_constant[row] = deviance_constant_of_count;
  }
  void assign(const Eigen::VectorXd& counts);
};

// The part of the Poisson deviance term y log(y / mu) - (y - mu) = (y log y - y) - y log mu + mu
// that depends on y only, so that each IRLS step needs no log.
double poisson_deviance_constant(double y);

// Fitting state reused between fits so that a detector allocates nothing per iteration.
struct BlockTrendWorkspace {
  // Per level: sums of w, w t, w t^2, w z, w z t over its rows (t centred by the level's centre).
  struct LevelSums {
    double weight = 0, weight_time = 0, weight_time_squared = 0, response = 0, response_time = 0;
  };
  // Per level: sums of p g, p g t, p g t^2 (g = exp(trend (time - origin) + offset), t centred).
  struct LevelMoments {
    double zeroth = 0, first = 0, second = 0;
  };
  std::vector<double> prior;         // prior weight per row, 0 for rows left out
  std::vector<double> growth;        // g per row after the current step
  std::vector<double> start_growth;  // g per row at the start of the current step
  std::vector<LevelSums> sums;
  std::vector<LevelMoments> moments;
  std::vector<double> response_sum, response_time_sum;  // per level: sum p y, sum p y t
  std::vector<double> intercept, start_intercept;       // per level, on the centred time
  std::vector<double> start_scale;                      // per level: mu / g at the start of the last step
  std::vector<double> mean_time;                        // per level: weighted mean centred time
};

struct BlockTrendFit {
  Eigen::VectorXd mu;               // after the last update, as QuasiPoissonFit::mu
  Eigen::VectorXd working_weights;  // prior * mu at the last iteration's start
  std::vector<double> level_intercept;  // alpha_l of eta = alpha_l + trend * time + offset
  std::vector<double> level_weight;     // sum of working weights per level (last iteration)
  std::vector<double> level_mean_time;  // weighted mean time per level (last iteration)
  double trend = 0;
  double trend_sum_of_squares = 0;  // sum w (time - mean time of the level)^2; 1 / this is V_tt
  bool with_trend = false;
  int rank = 0;
  int df_residual = 0;
  bool converged = false;
  double working_pearson_sum = 0;  // sum of working_weights ((y - mu) / mu)^2

  double linear_predictor(int level, double time) const { return level_intercept[level] + trend * time; }
  // x0' (X'WX)^-1 x0 for a row of this level at this time.
  double link_variance_unscaled(int level, double time) const;
  double trend_variance_unscaled() const { return 1 / trend_sum_of_squares; }
};

// IRLS of glm.fit (same start, steps, stopping rule and last-iteration semantics as
// fit_quasi_poisson) on a BlockTrendDesign, into `fit` (whose vectors are reused). The first step
// sums the rows; every later one needs only per-level moments of exp(trend t), one pass with
// about one exp per 16 rows (none without a trend). Returns false
// when R's pivoted QR could find the design rank-deficient at some iteration (a level without
// positive weight, a trend nearly constant within the levels, no residual degrees of freedom):
// the caller then fits the explicit design with fit_quasi_poisson, which reproduces R's aliasing.
bool fit_block_trend_quasi_poisson(const BlockTrendDesign& design, const PoissonResponse& response,
                                   const Eigen::VectorXd& offset, const Eigen::VectorXd& prior_weights,
                                   BlockTrendWorkspace& workspace, BlockTrendFit& fit, const GlmControl& control = {});

// pearson_dispersion and hat_values for a BlockTrendFit.
double pearson_dispersion(const BlockTrendFit& fit, const Eigen::VectorXd& y, const Eigen::VectorXd& weights);
void hat_values(const BlockTrendFit& fit, const BlockTrendDesign& design, Eigen::VectorXd& hat);

}  // namespace shouwang::detect
