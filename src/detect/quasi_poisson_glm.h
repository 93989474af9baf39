// A log-link (quasi-)Poisson GLM fitted by IRLS exactly as R's stats::glm.fit does it (start at
// y + 0.1, deviance stopping rule, at most 25 iterations, the last iteration's weights and QR kept),
// because farringtonFlexible's results depend on those details to 1e-6.
#pragma once

#include <Eigen/Dense>

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

}  // namespace shouwang::detect
