#include "detect/farrington_flexible.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>

#include "detect/distributions.h"
#include "detect/quasi_poisson_glm.h"

namespace shouwang::detect {
namespace {

constexpr int kWeeksPerYear = 52;
constexpr double kNaN = kMissing;

// R's max(x, 1) propagates NaN (a fit without residual degrees of freedom).
double at_least_one(double value) { return std::isnan(value) ? value : std::max(value, 1.0); }

std::string week_label(const WeeklySeries& series, int64_t t) {
  std::string label = "week " + std::to_string(t);
  if (series.is_date_indexed()) label += " (" + series.dates[t - 1].to_string() + ")";
  return label;
}

// seq(date, by = "-1 year")[years + 1]: a calendar-year step; Feb 29 becomes Mar 1 as POSIXlt does.
Date years_before(Date date, int years) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{days{date.days_since_epoch()}}};
  const year_month_day back{ymd.year() - std::chrono::years{years}, ymd.month(), ymd.day()};
  const sys_days normalised = back.ok() ? sys_days{back}
                                        : sys_days{year_month_day{back.year(), back.month(), day{1}}} +
                                              days{static_cast<unsigned>(back.day()) - 1};
  return Date(static_cast<int32_t>(normalised.time_since_epoch().count()));
}

// The date with the weekday of `anchor` nearest to `date` (algo.farrington.referencetimepoints).
Date snap_to_weekday(Date date, Date anchor) {
  const int difference = static_cast<int>(date.iso_weekday()) - static_cast<int>(anchor.iso_weekday());
  const Date a = date.plus_days(-difference);
  const Date b = a > date ? a.plus_days(-7) : a.plus_days(7);
  const auto distance = [&](Date x) { return std::abs(x.days_since_epoch() - date.days_since_epoch()); };
  return distance(a) > distance(b) ? b : a;
}

// 1-based index of `date` in the series, or 0 when absent.
int64_t index_of_date(const WeeklySeries& series, Date date) {
  const auto found = std::lower_bound(series.dates.begin(), series.dates.end(), date);
  if (found == series.dates.end() || *found != date) return 0;
  return found - series.dates.begin() + 1;
}

// Reference weeks R_0 = k > R_1 > ... > R_b (1-based), into `weeks`.
Status reference_weeks(const WeeklySeries& series, int64_t k, int b, std::vector<int64_t>& weeks) {
  weeks.resize(b + 1);
  for (int j = 0; j <= b; ++j) {
    int64_t index = 0;
    if (series.is_date_indexed()) {
      const Date anchor = series.dates[k - 1];
      index = index_of_date(series, snap_to_weekday(years_before(anchor, j), anchor));
    } else {
      index = k - static_cast<int64_t>(kWeeksPerYear) * j;
      if (index < 1) index = 0;
    }
    if (index == 0) {
      return failed_precondition("series too short: " + week_label(series, k) + " needs data " + std::to_string(j) +
                                 " year(s) back (b=" + std::to_string(b) + "); decrease b or start the range later");
    }
    weeks[j] = index;
  }
  return Status::ok();
}

struct Design {
  Eigen::MatrixXd x;  // intercept, [wtime], [seasonal dummies]
  Eigen::VectorXd y;
  Eigen::VectorXd offset;
  Eigen::RowVectorXd x0;  // prediction row
  double offset0 = 0;
  double max_response = 0;
  bool has_trend = false;
};

// Rows of the fitting set and the prediction row for week k, as algo.farrington.data.glm builds them.
// Reused from week to week: the vectors keep their capacity.
struct FittingSet {
  std::vector<int64_t> rows;      // 1-based, increasing, response not missing
  std::vector<int> level_of_row;  // index into levels
  std::vector<int> levels;        // sorted distinct block labels (before dropping missing responses)
  std::vector<double> wtime;
  double wtime0 = 0;
  // Scratch of fill_fitting_set.
  std::vector<int64_t> reference;
  std::vector<int> block;        // label per week from the first block week to k; 0 = not used
  std::vector<int> level_index;  // per label 0..p: its index in levels, -1 if absent
};

Status fill_fitting_set(const WeeklySeries& series, const DetectorOptions& options, int64_t k, FittingSet& set) {
  std::vector<int64_t>& reference = set.reference;
  RETURN_IF_ERROR(reference_weeks(series, k, options.b, reference));
  const int w = options.w;
  const int p = options.no_periods;
  const int64_t lowest = reference.back() - w;
  if (lowest < 0) {
    return failed_precondition("series too short: " + week_label(series, k) + " needs the window of week " +
                               std::to_string(reference.back()) + " +-" + std::to_string(w) + " weeks");
  }
  const int64_t first = std::max<int64_t>(lowest, 1);
  std::vector<int>& block = set.block;
  block.assign(k - first + 1, 0);  // 0 = not used (R's NA)
  const auto set_block = [&](int64_t from, int64_t to, int label) {
    for (int64_t i = std::max(from, first); i <= to; ++i) block[i - first] = label;
  };
  set_block(k - w, k, p);
  for (int i = 1; i <= options.b; ++i) {
    const int64_t week = reference[i];
    set_block(week - w, week + w, p);
    if (p != 1) {
      const int64_t period = reference[i - 1] - 2 * w - 1 - week;
      if (period < p - (2 * w + 1)) {
        return invalid_argument("too many periods (" + std::to_string(p) + ") for the gap between reference weeks");
      }
      const int64_t length = period / (p - 1);
      const int64_t rest = period % (p - 1);
      int64_t start = week + w + 1;
      for (int j = 1; j <= p - 1; ++j) {
        const int64_t block_length = length + (j <= rest ? 1 : 0);
        set_block(start, start + block_length - 1, j);
        start += block_length;
      }
    }
  }
  const int64_t excluded_from = k - options.past_weeks_not_included;

  set.rows.clear();
  set.level_of_row.clear();
  set.levels.clear();
  set.wtime.clear();
  set.level_index.assign(p + 1, -1);
  // One pass: the levels present (missing responses included, as R builds the factor first) and
  // the rows with a response, labelled first and given their level index after.
  int64_t first_block_row = 0;
  const int64_t last_included = std::min(k, excluded_from - 1);
  for (int64_t i = first; i <= last_included; ++i) {
    const int label = block[i - first];
    if (label == 0) continue;
    if (first_block_row == 0) first_block_row = i;
    set.level_index[label] = 0;
    if (std::isnan(series.observed[i - 1])) continue;
    set.rows.push_back(i);
    set.level_of_row.push_back(label);
  }
  for (int label = 1; label <= p; ++label) {
    if (set.level_index[label] == 0) {
      set.level_index[label] = static_cast<int>(set.levels.size());
      set.levels.push_back(label);
    }
  }
  for (int& level : set.level_of_row) level = set.level_index[level];
  const double step = series.is_date_indexed() && series.size() > 1
                          ? series.dates[1].days_since_epoch() - series.dates[0].days_since_epoch()
                          : 1;
  if (set.rows.empty()) {
    return failed_precondition("no baseline weeks with data for " + week_label(series, k));
  }
  if (series.is_date_indexed()) {
    const auto days_of = [&](int64_t t) { return static_cast<double>(series.dates[t - 1].days_since_epoch()); };
    for (int64_t row : set.rows) set.wtime.push_back((days_of(row) - days_of(first_block_row)) / step);
    // Quirk: the prediction's time origin is the first row *after* missing responses are dropped.
    const int64_t origin = options.compat_r_surveillance ? set.rows.front() : first_block_row;
    set.wtime0 = (days_of(k) - days_of(origin)) / step;
  } else {
    for (int64_t row : set.rows) set.wtime.push_back(static_cast<double>(row));
    set.wtime0 = static_cast<double>(k);
  }
  return Status::ok();
}

Design make_design(const WeeklySeries& series, const DetectorOptions& options, const FittingSet& set, int64_t k,
                   bool with_trend) {
  const bool factors = options.no_periods != 1;
  const int dummies = factors ? static_cast<int>(set.levels.size()) - 1 : 0;
  const int columns = 1 + (with_trend ? 1 : 0) + dummies;
  const auto n = static_cast<Eigen::Index>(set.rows.size());
  Design design;
  design.has_trend = with_trend;
  design.x = Eigen::MatrixXd::Zero(n, columns);
  design.y.resize(n);
  design.offset = Eigen::VectorXd::Zero(n);
  design.x0 = Eigen::RowVectorXd::Zero(columns);
  const bool use_population = options.population_offset && series.has_population();
  for (Eigen::Index r = 0; r < n; ++r) {
    const int64_t t = set.rows[r];
    design.x(r, 0) = 1;
    if (with_trend) design.x(r, 1) = set.wtime[r];
    if (factors && set.level_of_row[r] > 0) design.x(r, (with_trend ? 1 : 0) + set.level_of_row[r]) = 1;
    design.y[r] = series.observed[t - 1];
    if (use_population) design.offset[r] = std::log(series.population[t - 1]);
  }
  design.max_response = design.y.maxCoeff();
  design.x0[0] = 1;
  if (with_trend) design.x0[1] = set.wtime0;
  if (factors) {
    const auto level = std::lower_bound(set.levels.begin(), set.levels.end(), options.no_periods) - set.levels.begin();
    if (level > 0 && level < static_cast<long>(set.levels.size()) && set.levels[level] == options.no_periods) {
      design.x0[(with_trend ? 1 : 0) + level] = 1;
    }
  }
  if (use_population) design.offset0 = std::log(series.population[k - 1]);
  return design;
}

// What the detectors read from a fitted model, whichever way it was fitted.
struct FittedModel {
  bool has_trend = false;
  double max_response = 0;
  double eta0 = 0;            // x0'beta + offset0
  double link_variance = 0;   // x0' (X'WX)^-1 x0
  double trend = 0;           // coefficient of wtime
  double trend_variance = 0;  // its diagonal element of (X'WX)^-1
  int df_residual = 0;
  double working_dispersion = 0;  // Pearson dispersion with the working weights
  double phi = 0;             // max(dispersion, 1) as farringtonFlexible reports it
  double se_dispersion = 0;   // the dispersion summary.glm/predict.glm use afterwards
};

// The week's fitting data in the block-and-trend form (see BlockTrendDesign), built once per week
// and shared by all the fits of that week.
struct WeekData {
  BlockTrendDesign block;
  PoissonResponse response;
  std::vector<double> y_two_thirds;  // y^(2/3) of the Anscombe residuals
  Eigen::VectorXd offset;
  Eigen::VectorXd ones;
  // Storage reused by every fit of the call.
  BlockTrendWorkspace workspace;
  BlockTrendFit fit;
  Eigen::VectorXd hat;
  Eigen::VectorXd omega;
  int level0 = 0;  // the prediction row's level
  double time0 = 0;
  double offset0 = 0;
  double max_response = 0;
};

// Per-week functions of the series (logs and a power of the count, log population), each computed
// at most once per call however many evaluated weeks use that week.
class SeriesConstants {
 public:
  struct Week {
    double start_eta = 0;
    double deviance_constant = 0;
    double y_two_thirds = 0;
    double log_population = 0;
  };
  // Starts over for `series` (which must outlive the use); storage is kept.
  void reset(const WeeklySeries& series) {
    series_ = &series;
    weeks_.resize(series.size());
    ready_.assign(series.size(), false);
  }
  const Week& at(int64_t t) {  // 1-based
    const double y = series_->observed[t - 1];
    // (A cast instead of std::floor, which is a library call without SSE4.1.)
    const bool small_count = y >= 0 && y < kTabulatedCounts && y == static_cast<double>(static_cast<int>(y));
    if (small_count && !series_->has_population()) return small_counts()[static_cast<size_t>(y)];
    Week& week = weeks_[t - 1];
    if (!ready_[t - 1]) {
      week = small_count ? small_counts()[static_cast<size_t>(y)] : constants_of(y);
      week.log_population = series_->has_population() ? std::log(series_->population[t - 1]) : 0.0;
      ready_[t - 1] = true;
    }
    return week;
  }

 private:
  // Most weekly counts are small integers: their constants are tabulated once per process (the
  // same expressions, so the same bits), which makes a one-week call nearly free of logs and powers.
  static constexpr int kTabulatedCounts = 1024;
  static Week constants_of(double y) {
    Week week;
    week.start_eta = std::log(y + 0.1);
    week.deviance_constant = poisson_deviance_constant(y);
    week.y_two_thirds = std::pow(y, 2.0 / 3.0);
    return week;
  }
  static const std::vector<Week>& small_counts() {
    static const std::vector<Week> table = [] {
      std::vector<Week> constants(kTabulatedCounts);
      for (int y = 0; y < kTabulatedCounts; ++y) constants[y] = constants_of(y);
      return constants;
    }();
    return table;
  }

  const WeeklySeries* series_ = nullptr;
  std::vector<Week> weeks_;
  std::vector<bool> ready_;
};

void build_week_data(const WeeklySeries& series, const DetectorOptions& options, const FittingSet& set, int64_t k,
                     SeriesConstants& constants, WeekData& week) {
  const bool factors = options.no_periods != 1;
  const auto n = static_cast<Eigen::Index>(set.rows.size());
  const bool use_population = options.population_offset && series.has_population();
  week.block.levels = factors ? static_cast<int>(set.levels.size()) : 1;
  week.block.level_of_row.resize(n);
  week.block.time = set.wtime;
  week.offset.setZero(n);
  week.ones.setOnes(n);
  week.response.resize(n);
  week.y_two_thirds.resize(n);
  for (Eigen::Index r = 0; r < n; ++r) {
    const int64_t t = set.rows[r];
    const SeriesConstants::Week& constant = constants.at(t);
    week.block.level_of_row[r] = factors ? set.level_of_row[r] : 0;
    week.response.set(r, series.observed[t - 1], constant.start_eta, constant.deviance_constant);
    week.y_two_thirds[r] = constant.y_two_thirds;
    if (use_population) week.offset[r] = constant.log_population;
  }
  week.block.index_runs();
  week.max_response = week.response.y.maxCoeff();
  // As make_design's x0: the level labelled noPeriods if present, else the reference (first) level.
  week.level0 = 0;
  if (factors) {
    const auto level = std::lower_bound(set.levels.begin(), set.levels.end(), options.no_periods) - set.levels.begin();
    if (level < static_cast<long>(set.levels.size()) && set.levels[level] == options.no_periods) {
      week.level0 = static_cast<int>(level);
    }
  }
  week.time0 = set.wtime0;
  week.offset0 = use_population ? std::log(series.population[k - 1]) : 0.0;
}

// Fits through the closed-form block-and-trend IRLS; `gave_up` is set when the design may be
// rank-deficient for R, and the week is then refitted through GeneralPath.
class BlockPath {
 public:
  BlockPath(WeekData& week, const GlmControl& control) : week_(week), control_(control) {}
  bool fit(bool with_trend, const Eigen::VectorXd& prior) {
    week_.block.with_trend = with_trend;
    return fit_block_trend_quasi_poisson(week_.block, week_.response, week_.offset, prior, week_.workspace, fit_,
                                         control_);
  }
  const Eigen::VectorXd& y() const { return week_.response.y; }
  const Eigen::VectorXd& ones() const { return week_.ones; }
  bool converged() const { return fit_.converged; }
  double dispersion(const Eigen::VectorXd& weights) const {
    return pearson_dispersion(fit_, week_.response.y, weights);
  }
  // dispersion(fit's working weights), summed by the fit itself.
  double working_dispersion() const {
    return fit_.df_residual > 0 ? fit_.working_pearson_sum / fit_.df_residual : kNaN;
  }
  void hat(Eigen::VectorXd& out) const { hat_values(fit_, week_.block, out); }
  void summarise(FittedModel& model) const {
    model.has_trend = fit_.with_trend;
    model.max_response = week_.max_response;
    model.eta0 = fit_.linear_predictor(week_.level0, week_.time0) + week_.offset0;
    model.link_variance = fit_.link_variance_unscaled(week_.level0, week_.time0);
    model.trend = fit_.trend;
    model.trend_variance = fit_.with_trend ? fit_.trend_variance_unscaled() : 0.0;
    model.df_residual = fit_.df_residual;
  }
  double mu(Eigen::Index i) const { return fit_.mu[i]; }

 private:
  WeekData& week_;
  GlmControl control_;
  BlockTrendFit& fit_{week_.fit};
};

// Fits the explicit R design (intercept, wtime, dummies) by pivoted QR; handles rank deficiency.
class GeneralPath {
 public:
  GeneralPath(const WeeklySeries& series, const DetectorOptions& options, const FittingSet& set, int64_t k,
              const GlmControl& control)
      : series_(series), options_(options), set_(set), k_(k), control_(control) {}
  bool fit(bool with_trend, const Eigen::VectorXd& prior) {
    if (!built_ || design_.has_trend != with_trend) {
      design_ = make_design(series_, options_, set_, k_, with_trend);
      ones_ = Eigen::VectorXd::Ones(design_.y.size());
      built_ = true;
    }
    fit_ = fit_quasi_poisson(design_.x, design_.y, design_.offset, prior, control_);
    return true;
  }
  const Eigen::VectorXd& y() const { return design_.y; }
  const Eigen::VectorXd& ones() const { return ones_; }
  bool converged() const { return fit_.converged; }
  double dispersion(const Eigen::VectorXd& weights) const { return pearson_dispersion(fit_, design_.y, weights); }
  double working_dispersion() const { return dispersion(fit_.working_weights); }
  void hat(Eigen::VectorXd& out) const { out = hat_values(fit_, design_.x); }
  void summarise(FittedModel& model) const {
    model.has_trend = design_.has_trend;
    model.max_response = design_.max_response;
    model.eta0 = design_.x0.dot(fit_.coefficients) + design_.offset0;
    model.link_variance = design_.x0 * fit_.covariance_unscaled * design_.x0.transpose();
    model.trend = design_.has_trend ? fit_.coefficients[1] : 0.0;
    model.trend_variance = design_.has_trend ? fit_.covariance_unscaled(1, 1) : 0.0;
    model.df_residual = fit_.df_residual;
  }
  double mu(Eigen::Index i) const { return fit_.mu[i]; }

 private:
  const WeeklySeries& series_;
  const DetectorOptions& options_;
  const FittingSet& set_;
  int64_t k_;
  GlmControl control_;
  bool built_ = false;
  Design design_;
  Eigen::VectorXd ones_;
  QuasiPoissonFit fit_;
};

// The buffers of one call. Each thread keeps one set between calls so that a call on a short
// range (one current week over millions of series) allocates nearly nothing; only capacity carries
// over, every value is rewritten before it is read.
struct CallStorage {
  FittingSet set;
  SeriesConstants constants;
  WeekData week;
};

CallStorage& call_storage() {
  thread_local CallStorage storage;
  return storage;
}

GlmControl glm_control(const DetectorOptions& options) {
  GlmControl control;
  if (!options.compat_r_surveillance) {
    control.epsilon = 1e-13;
    control.max_iterations = 100;
  }
  return control;
}

// algo.farrington.fitGLM.flexible (and .fast for farrington_1996) along one fitting path. Returns
// nothing when no model converged (allow_failure) or when the path gave up (`gave_up` set).
template <typename Path>
std::optional<FittedModel> fit_model_along(Path& path, const DetectorOptions& options, WeekData& week,
                                           bool with_trend, bool allow_failure, bool& gave_up) {
  gave_up = false;
  const auto give_up = [&] {
    gave_up = true;
    return std::optional<FittedModel>();
  };
  bool current_trend = with_trend;  // glm.fit drops the trend when the model with it does not converge
  if (!path.fit(current_trend, path.ones())) return give_up();
  if (!path.converged()) {
    if (with_trend) {
      current_trend = false;
      if (!path.fit(current_trend, path.ones())) return give_up();
    }
    if (!path.converged() && allow_failure) return std::nullopt;
  }
  FittedModel model;
  const Eigen::VectorXd& y = path.y();
  model.working_dispersion = path.working_dispersion();
  double phi = at_least_one(model.working_dispersion);
  if (options.reweight) {
    Eigen::VectorXd& hat = week.hat;
    path.hat(hat);
    const auto n = y.size();
    Eigen::VectorXd& omega = week.omega;
    omega.resize(n);
    double sum = 0;
    // The Anscombe residual has the sign of y - mu, so with a non-negative threshold only rows
    // with y > mu can be down-weighted: the others skip the powers.
    const bool only_above_mean = options.weights_threshold >= 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double mu = path.mu(i);
      if (only_above_mean && !(y[i] > mu)) {
        omega[i] = 1.0;
        sum += 1.0;
        continue;
      }
      const double scale = std::sqrt(phi * (1 - hat[i]));
      if (only_above_mean && scale > 0 && std::isfinite(scale)) {
        // s = 1.5 (y^(2/3) mu^(-1/6) - sqrt(mu)) / scale > threshold exactly when
        // y^(2/3) > mu^(1/6) (K + sqrt(mu)) with K = threshold scale / 1.5, i.e. (cubing positive
        // sides) y^2 > sqrt(mu) (K + sqrt(mu))^3: the powers are needed only for the few rows
        // that are down-weighted.
        const double root_mu = std::sqrt(mu);
        const double bound = options.weights_threshold * scale / 1.5 + root_mu;
        if (!(y[i] * y[i] > root_mu * bound * bound * bound)) {
          omega[i] = 1.0;
          sum += 1.0;
          continue;
        }
      }
      const double s = 1.5 * (week.y_two_thirds[i] * std::pow(mu, -1.0 / 6.0) - std::sqrt(mu)) / scale;
      omega[i] = s > options.weights_threshold ? 1 / (s * s) : 1.0;
      sum += omega[i];
    }
    omega *= static_cast<double>(n) / sum;
    if (!path.fit(current_trend, omega)) return give_up();
    model.working_dispersion = path.working_dispersion();
    phi = at_least_one(model.working_dispersion);
    // Quirk (a): the returned model carries the re-weighting weights as its $weights.
    model.se_dispersion = options.compat_r_surveillance ? path.dispersion(omega) : model.working_dispersion;
  } else {
    model.se_dispersion = model.working_dispersion;
  }
  model.phi = phi;
  path.summarise(model);
  return model;
}

std::optional<FittedModel> fit_model(const WeeklySeries& series, const DetectorOptions& options,
                                     const FittingSet& set, int64_t k, WeekData& week, bool with_trend,
                                     bool allow_failure) {
  const GlmControl control = glm_control(options);
  bool gave_up = false;
  BlockPath block(week, control);
  std::optional<FittedModel> model = fit_model_along(block, options, week, with_trend, allow_failure, gave_up);
  if (!gave_up) return model;
  GeneralPath general(series, options, set, k, control);
  return fit_model_along(general, options, week, with_trend, allow_failure, gave_up);
}

Status validate(const WeeklySeries& series, const DetectorOptions& options) {
  if (options.b < 1) return invalid_argument("b must be at least 1");
  if (options.w < 0) return invalid_argument("w must not be negative");
  if (options.no_periods < 1) return invalid_argument("the number of periods must be at least 1");
  if (!(options.alpha > 0 && options.alpha < 1)) return invalid_argument("alpha must lie strictly between 0 and 1");
  if (!(options.limit54_cases >= 0 && options.limit54_weeks > 0)) {
    return invalid_argument("limit54 must be cases >= 0 and weeks > 0");
  }
  if (options.population_offset && !series.has_population()) {
    return invalid_argument("a population offset needs a population column");
  }
  return Status::ok();
}

// sum(y[k - weeks + 1 .. k]) >= cases; NaN when a week in it is missing.
double enough_cases(const WeeklySeries& series, const DetectorOptions& options, int64_t k) {
  double sum = 0;
  for (int64_t t = std::max<int64_t>(1, k - options.limit54_weeks + 1); t <= k; ++t) sum += series.observed[t - 1];
  if (std::isnan(sum)) return kNaN;
  return sum >= options.limit54_cases ? 1.0 : 0.0;
}

double power_exponent(PowerTransform transform) {
  switch (transform) {
    case PowerTransform::kNone: return 1.0;
    case PowerTransform::kHalf: return 0.5;
    case PowerTransform::kTwoThirds: return 2.0 / 3.0;
  }
  return 1.0;
}

// algo.farrington.threshold(.farrington): the power-transformed normal upper bound; z is the
// quantile to use (one-sided for farringtonFlexible, two-sided for algo.farrington).
struct DeltaThreshold {
  double upper;
  double se;
  double exponent;
};

DeltaThreshold delta_threshold(double mu0, double se_mu0, double phi, PowerTransform transform, double z) {
  const double tau = phi + se_mu0 * se_mu0 / mu0;
  double se = 0;
  switch (transform) {
    case PowerTransform::kNone: se = std::sqrt(mu0 * tau); break;
    case PowerTransform::kHalf: se = std::sqrt(tau / 4); break;
    case PowerTransform::kTwoThirds: se = std::sqrt(4.0 / 9.0 * std::cbrt(mu0) * tau); break;
  }
  const double e = power_exponent(transform);
  return {std::pow(std::pow(mu0, e) + z * se, 1 / e), se, e};
}

}  // namespace

Result<std::vector<WeekResult>> farrington_flexible(const WeeklySeries& series, const DetectorOptions& input_options) {
  DetectorOptions options = input_options;
  if (options.past_weeks_not_included < 0) options.past_weeks_not_included = options.w;
  RETURN_IF_ERROR(validate(series, options));
  ASSIGN_OR_RETURN(auto range, resolve_range(options, series.size(),
                                             static_cast<int64_t>(kWeeksPerYear) * options.b + options.w + 1));
  const bool on_link_scale = options.threshold_method != ThresholdMethod::kDelta;
  const double z = normal_quantile(1 - options.alpha);
  std::vector<WeekResult> results;
  results.reserve(range.second - range.first + 1);
  CallStorage& storage = call_storage();
  FittingSet& set = storage.set;
  SeriesConstants& constants = storage.constants;
  constants.reset(series);
  WeekData& week_data = storage.week;
  for (int64_t k = range.first; k <= range.second; ++k) {
    WeekResult week;
    week.t = k;
    const double y = series.observed[k - 1];
    week.observed = y;
    RETURN_IF_ERROR(fill_fitting_set(series, options, k, set));
    build_week_data(series, options, set, k, constants, week_data);
    std::optional<FittedModel> model = fit_model(series, options, set, k, week_data, options.trend, true);
    bool do_trend = false;
    if (model && model->has_trend) {
      const double eta0 = model->eta0;
      const double t_value = model->trend / std::sqrt(model->se_dispersion * model->trend_variance);
      const bool significant = student_t_two_sided_p(t_value, model->df_residual) < options.p_threshold_trend;
      const bool no_extrapolation = std::exp(eta0) <= model->max_response;
      do_trend = options.b >= 3 && significant && no_extrapolation;
      if (!do_trend) model = fit_model(series, options, set, k, week_data, false, true);
    }
    if (!model) {  // R: "could not converge with nor without time trend": NA everywhere
      results.push_back(week);
      continue;
    }
    const double eta0 = model->eta0;
    const double se_dispersion = options.compat_r_surveillance ? model->se_dispersion : model->phi;
    const double se_eta0 = std::sqrt(se_dispersion * model->link_variance);
    const double phi = model->phi;
    double upper = kNaN;
    double pvalue = kNaN;
    double reference = 0;  // F in the score X = (y - F) / (U - F)
    if (!on_link_scale) {
      const double mu0 = std::exp(eta0);
      const DeltaThreshold threshold = delta_threshold(mu0, mu0 * se_eta0, phi, options.power_transform, z);
      upper = threshold.upper;
      pvalue = normal_upper_tail(std::pow(y, threshold.exponent), std::pow(mu0, threshold.exponent), threshold.se);
      reference = mu0;
    } else {
      const double m = options.threshold_method == ThresholdMethod::kNbPlugin ? std::exp(eta0)
                                                                              : std::exp(eta0 + z * se_eta0);
      if (std::isfinite(m)) {
        if (phi > 1) {
          upper = negative_binomial_quantile(1 - options.alpha, m / (phi - 1), 1 / phi);
          pvalue = negative_binomial_at_least(y, m / (phi - 1), 1 / phi);
        } else {
          upper = poisson_quantile(1 - options.alpha, m);
          pvalue = poisson_at_least(y, m);
        }
      }
      // Quirk kept in both modes (it is part of the output contract): F is on the log scale here.
      reference = eta0;
    }
    const double score = std::isnan(upper) ? kNaN : (y - reference) / (upper - reference);
    const double enough = enough_cases(series, options, k);
    const double x = enough == 1.0 ? score : kNaN;
    week.alarm = (!std::isnan(x) && x > 1 && y != 0) ? Alarm::kYes : Alarm::kNo;
    week.upperbound = enough == 1.0 ? upper : kNaN;
    week.expected = (!std::isnan(upper) && enough == 1.0) ? std::exp(eta0) : kNaN;
    week.score = score;
    week.pvalue = pvalue;
    week.phi = phi;
    week.trend = do_trend ? 1 : 0;
    results.push_back(week);
  }
  return results;
}

Result<std::vector<WeekResult>> farrington_1996(const WeeklySeries& series, const DetectorOptions& input_options) {
  DetectorOptions options = input_options;
  options.no_periods = 1;
  options.population_offset = false;
  RETURN_IF_ERROR(validate(series, options));
  ASSIGN_OR_RETURN(auto range, resolve_range(options, series.size(),
                                             std::max<int64_t>(1, int64_t{kWeeksPerYear} * options.b - options.w)));
  const double z = normal_quantile(1 - options.alpha / 2);
  std::vector<WeekResult> results;
  CallStorage& storage = call_storage();
  SeriesConstants& constants = storage.constants;
  constants.reset(series);
  WeekData& week_data = storage.week;
  for (int64_t k = range.first; k <= range.second; ++k) {
    // Reference weeks: i = b..1 years back, +-w weeks, those inside the series (refvalIdxByDate for dates).
    FittingSet set;
    for (int i = options.b; i >= 1; --i) {
      int64_t centre = k - int64_t{kWeeksPerYear} * i;
      if (series.is_date_indexed()) {
        const Date anchor = series.dates[k - 1];
        centre = index_of_date(series, snap_to_weekday(years_before(anchor, i), anchor));
      }
      for (int64_t t = centre - options.w; t <= centre + options.w; ++t) {
        if (series.is_date_indexed() && centre == 0) continue;
        if (t < 1 || t > series.size()) continue;
        if (std::isnan(series.observed[t - 1])) {
          return invalid_argument("farrington1996: reference week " + std::to_string(t) + " of " +
                                  week_label(series, k) + " is missing; algo.farrington needs complete baselines");
        }
        set.rows.push_back(t);
        set.level_of_row.push_back(0);
        set.wtime.push_back(static_cast<double>(t));
      }
    }
    if (set.rows.empty()) return failed_precondition("series too short: no reference weeks for " + week_label(series, k));
    set.levels = {1};
    set.wtime0 = static_cast<double>(k);
    DetectorOptions fit_options = options;
    fit_options.weights_threshold = 1;
    build_week_data(series, fit_options, set, k, constants, week_data);
    std::optional<FittedModel> model = fit_model(series, fit_options, set, k, week_data, options.trend, false);
    bool do_trend = false;
    if (model->has_trend) {
      const double t_value = model->trend / std::sqrt(model->working_dispersion * model->trend_variance);
      const bool significant = student_t_two_sided_p(t_value, model->df_residual) < 0.05;
      const bool no_extrapolation = std::exp(model->eta0) <= model->max_response;
      do_trend = options.b >= 3 && significant && no_extrapolation;
      if (!do_trend) model = fit_model(series, fit_options, set, k, week_data, false, false);
    }
    const double mu0 = std::exp(model->eta0);
    const double se_mu0 = std::sqrt(model->phi * model->link_variance) * mu0;
    const DeltaThreshold threshold = delta_threshold(mu0, se_mu0, model->phi, options.power_transform, z);
    const double y = series.observed[k - 1];
    const double enough = enough_cases(series, options, k);
    WeekResult week;
    week.t = k;
    week.observed = y;
    const double x = std::isnan(enough) ? kNaN : enough == 1.0 ? (y - mu0) / (threshold.upper - mu0) : 0.0;
    week.alarm = std::isnan(x) ? Alarm::kMissing : x > 1 ? Alarm::kYes : Alarm::kNo;
    week.upperbound = std::isnan(enough) ? kNaN : enough == 1.0 ? threshold.upper : 0.0;
    week.expected = mu0;
    week.score = x;
    week.pvalue = normal_upper_tail(std::pow(y, threshold.exponent), std::pow(mu0, threshold.exponent), threshold.se);
    week.phi = model->phi;
    week.trend = do_trend ? 1 : 0;
    results.push_back(week);
  }
  return results;
}

}  // namespace shouwang::detect
