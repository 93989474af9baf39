#include "detect/cusum.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "detect/quasi_poisson_glm.h"

namespace shouwang::detect {
namespace {

int64_t default_chart_start(int64_t n) { return n >= 104 ? n - 51 : n / 2 + 1; }

// Charts need complete data: the package passes NA on to C code as garbage or stops.
Status require_complete(const WeeklySeries& series, int64_t from, int64_t to, const char* method) {
  for (int64_t t = from; t <= to; ++t) {
    if (std::isnan(series.observed[t - 1])) {
      return invalid_argument(std::string(method) + ": week " + std::to_string(t) +
                              " is missing; this method needs complete data");
    }
  }
  return Status::ok();
}

double standardise(double x, double m, CusumTransform transform, double alpha) {
  switch (transform) {
    case CusumTransform::kRossi: return (x - 3 * m + 2 * std::sqrt(x * m)) / (2 * std::sqrt(m));
    case CusumTransform::kStandard: return (x - m) / std::sqrt(m);
    case CusumTransform::kAnscombe: return 1.5 * (std::cbrt(x * x) - std::cbrt(m * m)) / std::pow(m, 1.0 / 6.0);
    case CusumTransform::kAnscombe2nd:
      return (std::cbrt(x * x) - (std::cbrt(m * m) - std::pow(m, -1.0 / 3.0) / 9)) / (2.0 / 3.0 * std::pow(m, 1.0 / 6.0));
    case CusumTransform::kPearsonNegBin: return (x - m) / std::sqrt(m + alpha * m * m);
    case CusumTransform::kNone: return x;
  }
  return x;
}

double cusum_upperbound(double m, double c_previous, double c_current, const DetectorOptions& o) {
  const double h = o.h;
  const double k = o.k;
  const double slack = h + k - c_previous;
  double u = 0;
  switch (o.cusum_transform) {
    case CusumTransform::kRossi: {
      const double m32 = std::pow(m, 1.5);
      u = 2 * h * std::sqrt(m) + 2 * k * std::sqrt(m) - 2 * c_previous * std::sqrt(m) + 5 * m -
          2 * std::sqrt(4 * m * m + 2 * m32 * h + 2 * m32 * k - 2 * m32 * c_previous);
      break;
    }
    case CusumTransform::kStandard: u = std::ceil(std::sqrt(m) * slack + m); break;
    case CusumTransform::kAnscombe: {
      const double base = 2.0 / 3.0 * std::pow(m, 1.0 / 6.0) * slack + std::cbrt(m * m);
      u = base < 0 ? 0 : std::pow(base, 1.5);
      break;
    }
    case CusumTransform::kAnscombe2nd: {
      const double base = 2.0 / 3.0 * std::pow(m, 1.0 / 6.0) * slack + (std::cbrt(m * m) - std::cbrt(m) / 9);
      u = base < 0 ? 0 : std::pow(base, 1.5);
      break;
    }
    case CusumTransform::kPearsonNegBin: u = std::sqrt(m + o.cusum_alpha * m * m) * slack + m; break;
    case CusumTransform::kNone: u = h - c_current; break;
  }
  return (std::isnan(u) || u < 0) ? 0.0 : u;
}

}  // namespace

Result<std::vector<WeekResult>> cusum(const WeeklySeries& series, const DetectorOptions& options) {
  ASSIGN_OR_RETURN(auto range, resolve_range(options, series.size(), default_chart_start(series.size())));
  if (range.first < 2) return failed_precondition("cusum needs at least one week before the range to estimate m");
  RETURN_IF_ERROR(require_complete(series, 1, range.second, "cusum"));
  double m = 0;
  for (int64_t t = 1; t < range.first; ++t) m += series.observed[t - 1];
  m /= static_cast<double>(range.first - 1);
  std::vector<WeekResult> results;
  double c_previous = 0;
  for (int64_t t = range.first; t <= range.second; ++t) {
    const double x = series.observed[t - 1];
    const double c = std::max(0.0, c_previous + (standardise(x, m, options.cusum_transform, options.cusum_alpha) - options.k));
    WeekResult week;
    week.t = t;
    week.observed = x;
    week.expected = m;
    week.score = c;
    week.alarm = c >= options.h ? Alarm::kYes : Alarm::kNo;
    week.upperbound = cusum_upperbound(m, c_previous, c, options);
    results.push_back(week);
    c_previous = c;
  }
  return results;
}

Result<std::vector<WeekResult>> glr_poisson(const WeeklySeries& series, const DetectorOptions& options) {
  ASSIGN_OR_RETURN(auto range, resolve_range(options, series.size(), default_chart_start(series.size())));
  if (options.glr_harmonics < 0) return invalid_argument("the number of harmonics must not be negative");
  const int columns = 1 + (options.glr_trend ? 1 : 0) + 2 * options.glr_harmonics;
  const int64_t training = range.first - 1;
  if (training < columns) {
    return failed_precondition("glr-poisson needs at least " + std::to_string(columns) +
                               " weeks before the range to fit the in-control mean");
  }
  RETURN_IF_ERROR(require_complete(series, 1, range.second, "glr-poisson"));
  const auto covariates = [&](double t, Eigen::RowVectorXd& row) {
    int c = 0;
    row[c++] = 1;
    if (options.glr_trend) row[c++] = t;
    for (int s = 1; s <= options.glr_harmonics; ++s) {
      row[c++] = std::cos(2 * s * std::numbers::pi / 52 * t);
      row[c++] = std::sin(2 * s * std::numbers::pi / 52 * t);
    }
  };
  Eigen::MatrixXd x(training, columns);
  Eigen::VectorXd y(training);
  Eigen::RowVectorXd row(columns);
  for (int64_t t = 1; t <= training; ++t) {
    covariates(static_cast<double>(t), row);
    x.row(t - 1) = row;
    y[t - 1] = series.observed[t - 1];
  }
  const QuasiPoissonFit fit = fit_quasi_poisson(x, y, Eigen::VectorXd::Zero(training), Eigen::VectorXd::Ones(training));
  const int64_t length = range.second - range.first + 1;
  std::vector<double> mu0(length);
  for (int64_t i = 0; i < length; ++i) {
    covariates(static_cast<double>(range.first + i), row);
    mu0[i] = std::exp(row.dot(fit.coefficients));
  }
  std::vector<WeekResult> results(length);
  // The chart restarts after each alarm: GLR over change points k in [start, n].
  int64_t start = 0;
  for (int64_t n = 0; n < length; ++n) {
    double sum_x = 0;
    double sum_mu = 0;
    double best = -1e99;
    for (int64_t k = n; k >= start; --k) {
      sum_x += series.observed[range.first + k - 1];
      sum_mu += mu0[k];
      const double kappa = std::max(0.0, std::log(sum_x / sum_mu));
      best = std::max(best, kappa * sum_x + (1 - std::exp(kappa)) * sum_mu);
    }
    WeekResult& week = results[n];
    week.t = range.first + n;
    week.observed = series.observed[week.t - 1];
    week.expected = mu0[n];
    week.score = best;
    week.upperbound = (std::isnan(best) || best < 0) ? 0.0 : best;
    week.alarm = best >= options.c_arl ? Alarm::kYes : Alarm::kNo;
    if (week.alarm == Alarm::kYes) start = n + 1;
  }
  return results;
}

}  // namespace shouwang::detect
