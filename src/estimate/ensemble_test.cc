// The ensemble's members on series whose answer is known, the calibration wrapper and the combination.
#include "estimate/ensemble.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "estimate/backtest.h"

namespace shouwang::estimate {
namespace {

// Daily counts whose weekly totals W_k satisfy log1p(W_k) = a + b·k exactly (k = 0 oldest).
std::vector<double> log_linear_weeks(double a, double b, int weeks) {
  std::vector<double> daily;
  for (int k = 0; k < weeks; ++k) {
    const double total = std::expm1(a + b * k);
    for (int d = 0; d < 7; ++d) daily.push_back(total / 7);
  }
  return daily;
}

TEST(DampedTrend, ExtrapolatesTheFittedLogSlopeWithDamping) {
  const double a = std::log(1000.0), b = std::log(1.2);
  const std::vector<double> daily = log_linear_weeks(a, b, 10);
  const double level = a + 9 * b;
  auto undamped = damped_trend_projection(daily, {.fit_weeks = 3, .damping = 1.0}, 4);
  ASSERT_TRUE(undamped.is_ok()) << undamped.status().to_string();
  for (int h = 1; h <= 4; ++h) EXPECT_NEAR((*undamped)[h - 1], std::expm1(level + h * b), 1e-6);
  auto damped = damped_trend_projection(daily, {.fit_weeks = 4, .damping = 0.5}, 3);
  ASSERT_TRUE(damped.is_ok());
  EXPECT_NEAR((*damped)[0], std::expm1(level + 0.5 * b), 1e-6);
  EXPECT_NEAR((*damped)[1], std::expm1(level + 0.75 * b), 1e-6);
  EXPECT_NEAR((*damped)[2], std::expm1(level + 0.875 * b), 1e-6);
  // A tenfold weekly rise (a batch of late reports, say) is extrapolated as a doubling at most.
  auto steep = damped_trend_projection(log_linear_weeks(a, std::log(10.0), 4), {.fit_weeks = 3, .damping = 1.0}, 1);
  ASSERT_TRUE(steep.is_ok());
  EXPECT_NEAR((*steep)[0], std::expm1(a + 3 * std::log(10.0) + std::log(2.0)), 1e-6);
  EXPECT_EQ(damped_trend_projection(std::vector<double>(14, 1.0), {.fit_weeks = 3}, 4).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(damped_trend_projection(daily, {.fit_weeks = 1}, 4).status().code(), StatusCode::kInvalidArgument);
}

TEST(DampedHolt, FollowsALineWithoutSmoothingAndStaysFlatOnAConstant) {
  const double a = std::log(500.0), b = -0.1;
  const std::vector<double> daily = log_linear_weeks(a, b, 12);
  // α = β = 1: the level is the latest value and the trend the latest change.
  auto line = damped_holt_projection(daily, {.window_weeks = 8, .level_smoothing = 1, .trend_smoothing = 1, .damping = 1}, 3);
  ASSERT_TRUE(line.is_ok()) << line.status().to_string();
  for (int h = 1; h <= 3; ++h) EXPECT_NEAR((*line)[h - 1], std::expm1(a + (11 + h) * b), 1e-6);
  auto flat = damped_holt_projection(std::vector<double>(70, 30.0), DampedHoltConfig{}, 4);
  ASSERT_TRUE(flat.is_ok());
  for (double v : *flat) EXPECT_NEAR(v, 210, 1e-9);
  // Three weeks 0, 1, 2 on the log1p scale by hand, α = 0.5, β = 0.5, φ = 0.5:
  // ℓ1 = 0.5·1 + 0.5·0 = 0.5, b1 = 0.5·0.5 = 0.25; ℓ2 = 0.5·2 + 0.5·(0.5 + 0.125) = 1.3125,
  // b2 = 0.5·0.8125 + 0.5·0.125 = 0.46875; one week ahead ℓ2 + 0.5·b2.
  auto by_hand = damped_holt_projection(log_linear_weeks(0, 1, 3),
                                        {.window_weeks = 3, .level_smoothing = 0.5, .trend_smoothing = 0.5, .damping = 0.5}, 1);
  ASSERT_TRUE(by_hand.is_ok());
  EXPECT_NEAR((*by_hand)[0], std::expm1(1.3125 + 0.5 * 0.46875), 1e-9);
}

TEST(LaggedRatio, ScalesTheLeadingSeriesByTheRecentRatio) {
  // Cases grow 10 % a week; deaths are 1 % of the cases two weeks earlier.
  std::vector<double> cases, deaths;
  for (int k = 0; k < 12; ++k) {
    for (int d = 0; d < 7; ++d) {
      cases.push_back(1000 * std::pow(1.1, k));
      deaths.push_back(k < 2 ? 0 : 10 * std::pow(1.1, k - 2));
    }
  }
  const LaggedRatioConfig lagged{.lag_weeks = 2, .ratio_weeks = 2};
  const DampedTrendConfig trend{.fit_weeks = 3, .damping = 1.0};
  auto projection = lagged_ratio_projection(deaths, cases, lagged, trend, 4);
  ASSERT_TRUE(projection.is_ok()) << projection.status().to_string();
  // Weeks 1 and 2 ahead come from cases already seen, exactly.
  EXPECT_NEAR((*projection)[0], 70 * std::pow(1.1, 10), 1e-6);
  EXPECT_NEAR((*projection)[1], 70 * std::pow(1.1, 11), 1e-6);
  // Weeks 3 and 4 from the cases' own trend (log1p scale, so about 10 % a week).
  EXPECT_NEAR((*projection)[2] / (70 * std::pow(1.1, 12)), 1.0, 1e-3);
  EXPECT_NEAR((*projection)[3] / (70 * std::pow(1.1, 13)), 1.0, 1e-3);
  EXPECT_EQ(lagged_ratio_projection(deaths, std::vector<double>(cases.size(), 0.0), lagged, trend, 4).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(lagged_ratio_projection(deaths, std::span<const double>(cases).first(70), lagged, trend, 4).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CalibratedForecast, SpreadComesFromThePastErrorsOfTheSameProjection) {
  const std::vector<double> counts(7 * 40, 100.0);  // every week 700
  // A projection that is always e^0.3 too high: every past log1p error is about -0.3.
  const WeeklyPointProjection too_high = [](size_t) -> Result<std::vector<double>> {
    return std::vector<double>(4, std::expm1(std::log1p(700.0) + 0.3));
  };
  ForecastConfig calibration;
  auto forecasts = calibrated_weekly_forecast(counts, too_high, calibration);
  ASSERT_TRUE(forecasts.is_ok()) << forecasts.status().to_string();
  std::vector<std::vector<double>> errors(4);
  for (size_t h = 0; h < 4; ++h) errors[h].assign(8 * (h + 1), -0.3);
  const auto spread = calibrate_log_error_spread(errors, calibration);
  for (size_t h = 0; h < 4; ++h) {
    const auto expected = quantiles_around_point(std::expm1(std::log1p(700.0) + 0.3), spread[h], static_cast<int>(h + 1));
    for (size_t q = 0; q < expected.values.size(); ++q) {
      EXPECT_NEAR((*forecasts)[h].values[q], expected.values[q], 1e-6 * expected.values[q]);
    }
  }
  // An exact projection gets the narrowest spread allowed.
  const WeeklyPointProjection exact = [](size_t) -> Result<std::vector<double>> { return std::vector<double>(4, 700.0); };
  auto tight = calibrated_weekly_forecast(counts, exact, calibration);
  ASSERT_TRUE(tight.is_ok());
  EXPECT_LT((*tight)[3].values[22] / (*tight)[3].values[0], std::exp(6 * calibration.min_log_error_sd));
  // Too few weeks to calibrate.
  EXPECT_EQ(calibrated_weekly_forecast(std::span<const double>(counts).first(70), exact, calibration).status().code(),
            StatusCode::kFailedPrecondition);
}

MemberForecast member_with(std::string name, double scale) {
  MemberForecast member{std::move(name), {}};
  for (int h = 1; h <= 2; ++h) {
    WeeklyQuantileForecast f;
    f.horizon_weeks = h;
    for (size_t q = 0; q < f.values.size(); ++q) f.values[q] = scale * static_cast<double>(q + 1);
    member.forecasts.push_back(f);
  }
  return member;
}

TEST(Combination, MedianOrMeanPerLevelAndScaledAroundTheMedian) {
  const std::vector<MemberForecast> members = {member_with("a", 1), member_with("b", 2), member_with("c", 6)};
  auto median = combine_quantile_forecasts(members, EnsembleCombination::kMedian, 1.0);
  auto mean = combine_quantile_forecasts(members, EnsembleCombination::kMean, 1.0);
  ASSERT_TRUE(median.is_ok() && mean.is_ok());
  for (size_t q = 0; q < 23; ++q) {
    EXPECT_NEAR((*median)[1].values[q], 2.0 * static_cast<double>(q + 1), 1e-9);
    EXPECT_NEAR((*mean)[1].values[q], 3.0 * static_cast<double>(q + 1), 1e-9);
  }
  auto wider = combine_quantile_forecasts(members, EnsembleCombination::kMedian, 2.0);
  ASSERT_TRUE(wider.is_ok());
  const double m = std::log1p(24.0);  // the median level's value, 2·12
  for (size_t q = 0; q < 23; ++q) {
    // Twice as far from the median on the log1p scale, and never below 0.
    const double expected = std::max(0.0, std::expm1(m + 2 * (std::log1p(2.0 * static_cast<double>(q + 1)) - m)));
    EXPECT_NEAR((*wider)[0].values[q], expected, 1e-9 * (1 + expected));
  }
  EXPECT_EQ((*wider)[0].values[0], 0);
  std::vector<MemberForecast> uneven = members;
  uneven[2].forecasts.pop_back();
  EXPECT_FALSE(combine_quantile_forecasts(uneven, EnsembleCombination::kMedian, 1.0).is_ok());
  EXPECT_FALSE(combine_quantile_forecasts({}, EnsembleCombination::kMedian, 1.0).is_ok());
}

TEST(Ensemble, RunsEveryMemberThatAppliesAndCombinesThem) {
  std::mt19937_64 rng(5);
  std::vector<double> cases, deaths;
  for (int t = 0; t < 300; ++t) {
    cases.push_back(std::poisson_distribution<int>(2000)(rng));
    deaths.push_back(std::poisson_distribution<int>(20)(rng));
  }
  EnsembleConfig config;
  auto alone = ensemble_forecast_weekly(deaths, {}, config);
  ASSERT_TRUE(alone.is_ok()) << alone.status().to_string();
  ASSERT_EQ(alone->members.size(), 3u);
  EXPECT_EQ(alone->members[0].model, "renewal");
  auto led = ensemble_forecast_weekly(deaths, cases, config);
  ASSERT_TRUE(led.is_ok()) << led.status().to_string();
  ASSERT_EQ(led->members.size(), 4u);
  EXPECT_EQ(led->members[3].model, "lagged_ratio");
  for (const auto& f : led->combined) {
    EXPECT_NEAR(f.values[11], 140, 140 * 0.1) << "horizon " << f.horizon_weeks;
    EXPECT_LT(f.values[0], f.values[11]);
    EXPECT_GT(f.values[22], f.values[11]);
  }
  auto combined = combine_quantile_forecasts(led->members, config.combination, config.interval_scale);
  ASSERT_TRUE(combined.is_ok());
  EXPECT_EQ((*combined)[2].values, led->combined[2].values);
  // The renewal member needs the longest history: a series too short for it still gets the others.
  auto shorter = ensemble_forecast_weekly(std::span<const double>(deaths).first(120), {}, config);
  ASSERT_TRUE(shorter.is_ok()) << shorter.status().to_string();
  EXPECT_EQ(shorter->members.size(), 2u);
  EXPECT_EQ(ensemble_forecast_weekly(std::span<const double>(deaths).first(30), {}, config).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ensemble_forecast_weekly(deaths, std::span<const double>(cases).first(10), config).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Ensemble, ModelsAreNamed) {
  for (ForecastModel model : {ForecastModel::kEnsemble, ForecastModel::kRenewal, ForecastModel::kDampedTrend,
                              ForecastModel::kDampedHolt, ForecastModel::kLaggedRatio}) {
    auto back = forecast_model_from_name(forecast_model_name(model));
    ASSERT_TRUE(back.is_ok());
    EXPECT_EQ(*back, model);
  }
  EXPECT_FALSE(forecast_model_from_name("arima").is_ok());
}

// The ensemble's intervals on series with known log-normal weekly noise cover about their nominal
// share. (On pure noise the trend members chase the noise, so no claim on WIS is made here.)
TEST(Ensemble, IntervalsAreCalibratedOnSeriesWithKnownNoise) {
  std::mt19937_64 data_rng(23);
  std::normal_distribution<double> standard_normal(0.0, 1.0);
  std::vector<DailySeries> series;
  for (int s = 0; s < 6; ++s) {
    DailySeries one{"S" + std::to_string(s), Date::from_ymd(2020, 1, 1), {}, {}, {}};
    for (int week = 0; week < 100; ++week) {
      const double mean = 500.0 * (s + 1) * std::exp(0.3 * standard_normal(data_rng));
      for (int d = 0; d < 7; ++d) one.daily.push_back(std::poisson_distribution<int>(mean)(data_rng));
    }
    series.push_back(std::move(one));
  }
  BacktestConfig config;
  config.first_origin = Date::from_ymd(2020, 7, 1);
  config.last_target = Date::from_ymd(2021, 11, 30);
  auto summary = rolling_origin_backtest(series, config);
  ASSERT_TRUE(summary.is_ok()) << summary.status().to_string();
  for (const auto& h : summary->horizons) {
    EXPECT_GT(h.forecasts, 300);
    EXPECT_NEAR(h.coverage_50, 0.5, 0.1) << "horizon " << h.horizon_weeks;
    EXPECT_NEAR(h.coverage_95, 0.95, 0.05) << "horizon " << h.horizon_weeks;
  }
}

TEST(JhuReader, NationalRowsOnlyLeavesOutProvinces) {
  const std::string text =
      "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\n"
      ",Land,0,0,5,7\n"
      "Isle,Land,0,0,1,4\n"
      "A,Colonies,0,0,1,1\n";
  auto national = parse_jhu_wide_csv(text, "Land", true);
  ASSERT_TRUE(national.is_ok()) << national.status().to_string();
  EXPECT_EQ((*national)[0].daily, (std::vector<double>{5, 2}));
  auto summed = parse_jhu_wide_csv(text, "Land");
  ASSERT_TRUE(summed.is_ok());
  EXPECT_EQ((*summed)[0].daily, (std::vector<double>{6, 5}));
  EXPECT_FALSE(parse_jhu_wide_csv(text, "Colonies", true).is_ok());
}

}  // namespace
}  // namespace shouwang::estimate
