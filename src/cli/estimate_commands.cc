// `shouwang rt` (Rt by EpiEstim's Cori method from a CSV file) and `shouwang backtest`
// (rolling-origin evaluation of the weekly forecasts against the hub baseline).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "estimate/backtest.h"
#include "estimate/rt.h"
#include "estimate/rt_csv.h"

namespace shouwang::cli {
namespace {

struct RtOptions {
  std::string input;
  std::string output;
  std::optional<double> si_mean;
  std::optional<double> si_sd;
  std::string si_distr_file;
  std::optional<int> window;
  std::string t_start;
  std::string t_end;
  double prior_mean = 5;
  double prior_sd = 5;
};

Result<estimate::RtConfig> rt_config_from(const RtOptions& options) {
  estimate::RtConfig config;
  const bool parametric = options.si_mean || options.si_sd;
  if (parametric && !options.si_distr_file.empty()) {
    return invalid_argument("give either --si-mean/--si-sd (parametric) or --si-distr (non-parametric), not both");
  }
  if (parametric) {
    if (!options.si_mean || !options.si_sd) return invalid_argument("--si-mean and --si-sd go together");
    config.method = estimate::SerialIntervalMethod::kParametric;
    config.si_mean = *options.si_mean;
    config.si_sd = *options.si_sd;
  } else if (!options.si_distr_file.empty()) {
    config.method = estimate::SerialIntervalMethod::kNonParametric;
    ASSIGN_OR_RETURN(const std::string text, estimate::read_text_file(options.si_distr_file));
    auto si = estimate::parse_serial_interval_csv(text);
    if (!si) return invalid_argument(options.si_distr_file + ": " + si.status().message());
    config.si_distr = std::move(si).value();
  } else {
    return invalid_argument("a serial interval is needed: --si-mean and --si-sd, or --si-distr FILE");
  }
  const bool given_windows = !options.t_start.empty() || !options.t_end.empty();
  if (given_windows && options.window) return invalid_argument("give either --window or --t-start/--t-end, not both");
  if (given_windows) {
    if (options.t_start.empty() || options.t_end.empty()) return invalid_argument("--t-start and --t-end go together");
    auto starts = estimate::parse_int_list(options.t_start);
    if (!starts) return invalid_argument("--t-start: " + starts.status().message());
    auto ends = estimate::parse_int_list(options.t_end);
    if (!ends) return invalid_argument("--t-end: " + ends.status().message());
    config.t_start = *starts;
    config.t_end = *ends;
  }
  if (options.window) config.window_days = *options.window;
  config.prior_mean = options.prior_mean;
  config.prior_sd = options.prior_sd;
  return config;
}

void run_rt(const RtOptions& options) {
  auto config = rt_config_from(options);
  if (!config) fail(config.status());
  auto text = estimate::read_text_file(options.input);
  if (!text) fail(text.status());
  auto table = estimate::parse_incidence_csv(*text);
  if (!table) fail(invalid_argument(options.input + ": " + table.status().message()));
  auto result = estimate::estimate_rt(table->incidence, *config);
  if (!result) fail(result.status());
  if (result->estimated_too_early) {
    std::cerr << "warning: the first window holds few cases; R is estimated too early in the epidemic for a "
                 "posterior coefficient of variation of 0.3 (as EpiEstim warns)\n";
  }
  const std::string csv = estimate::format_rt_csv(*result);
  if (options.output.empty()) {
    std::fwrite(csv.data(), 1, csv.size(), stdout);
    return;
  }
  std::ofstream out(options.output, std::ios::binary);
  out << csv;
  out.close();
  if (!out) fail(unavailable("cannot write " + options.output));
}

struct BacktestOptions {
  std::string input;
  std::string indicator = "cases";
  std::string locations = "all";
  std::string from = "2020-06-01";
  std::string to = "2022-12-31";
  double damping = estimate::ForecastConfig{}.damping_per_week;
  double first_week_factor = estimate::ForecastConfig{}.first_week_log_r_factor;
};

void run_backtest(const BacktestOptions& options) {
  auto from = Date::parse(options.from);
  if (!from) fail(invalid_argument("--from: " + from.status().message()));
  auto to = Date::parse(options.to);
  if (!to) fail(invalid_argument("--to: " + to.status().message()));
  if (options.indicator != "cases" && options.indicator != "deaths") {
    fail(invalid_argument("--indicator must be cases or deaths"));
  }
  auto text = estimate::read_text_file(options.input);
  if (!text) fail(text.status());
  auto series = estimate::parse_jhu_wide_csv(*text, options.locations);
  if (!series) fail(invalid_argument(options.input + ": " + series.status().message()));
  estimate::BacktestConfig config;
  config.first_origin = *from;
  config.last_target = *to;
  config.forecast.damping_per_week = options.damping;
  config.forecast.first_week_log_r_factor = options.first_week_factor;
  ProgressBar progress("backtest", static_cast<int64_t>(series->size()));
  auto summary = estimate::rolling_origin_backtest(
      *series, config, [&](int64_t done) { progress.update(done); });
  progress.finish();
  if (!summary) fail(summary.status());
  const std::string csv = estimate::format_backtest_csv(*summary);
  std::fwrite(csv.data(), 1, csv.size(), stdout);
}

}  // namespace

void register_estimate_commands(CLI::App& app) {
  auto rt_options = std::make_shared<RtOptions>();
  CLI::App* rt = app.add_subcommand(
      "rt", "Time-varying reproduction number Rt by the Cori et al. (2013) method, as R EpiEstim 2.2-4 estimate_R");
  rt->add_option("--input", rt_options->input,
                 "daily incidence CSV: header `date` or `day`, then `I` or `local,imported`")
      ->required();
  rt->add_option("--si-mean", rt_options->si_mean, "mean of the serial interval in days (parametric, > 1)");
  rt->add_option("--si-sd", rt_options->si_sd, "sd of the serial interval in days (parametric, > 0)");
  rt->add_option("--si-distr", rt_options->si_distr_file,
                 "serial interval distribution CSV `t,si_distr`, t from 0 (non-parametric)");
  rt->add_option("--window", rt_options->window, "width of the sliding windows in days (default 7)");
  rt->add_option("--t-start", rt_options->t_start, "window starts, 1-based days, comma-separated");
  rt->add_option("--t-end", rt_options->t_end, "window ends, 1-based days, comma-separated");
  rt->add_option("--prior-mean", rt_options->prior_mean, "mean of the Gamma prior on R")->capture_default_str();
  rt->add_option("--prior-sd", rt_options->prior_sd, "sd of the Gamma prior on R")->capture_default_str();
  rt->add_option("--output", rt_options->output, "write the CSV here instead of standard output");
  rt->callback([rt_options] { run_rt(*rt_options); });

  auto backtest_options = std::make_shared<BacktestOptions>();
  CLI::App* backtest = app.add_subcommand(
      "backtest",
      "Rolling-origin evaluation of 1-4 week-ahead forecasts against the hub baseline (weighted interval score)");
  backtest
      ->add_option("--input", backtest_options->input,
                   "JHU CSSE wide time series CSV (time_series_covid19_confirmed_global.csv or ..._deaths_global.csv)")
      ->required();
  backtest->add_option("--indicator", backtest_options->indicator, "cases or deaths (labels the input)")
      ->capture_default_str();
  backtest->add_option("--locations", backtest_options->locations, "all, or comma-separated country names as in the file")
      ->capture_default_str();
  backtest->add_option("--from", backtest_options->from, "first forecast origin (a date)")->capture_default_str();
  backtest->add_option("--to", backtest_options->to, "last target date")->capture_default_str();
  backtest
      ->add_option("--damping", backtest_options->damping,
                   "our forecasts: factor on log Rt for each week after the first (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  backtest
      ->add_option("--first-week-factor", backtest_options->first_week_factor,
                   "our forecasts: factor on the latest log Rt in the first week ahead (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  backtest->callback([backtest_options] { run_backtest(*backtest_options); });
}

}  // namespace shouwang::cli
