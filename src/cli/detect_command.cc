// `shouwang detect --input FILE.csv --method M`: runs an outbreak-detection method of src/detect
// over every series of a CSV file (in parallel over series) and writes one row per evaluated week.
// `shouwang detect --db PATH --indicator I --method M`: the same over every stored series of a
// level (weekly series built from daily data by ISO week), keeping the signals in the database.
#include <algorithm>
#include <cmath>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/database.h"
#include "detect/detector.h"
#include "detect/series_csv.h"
#include "store/export.h"
#include "store/sql.h"
#include "watch/watch.h"

namespace shouwang::cli {
namespace {

using detect::DetectorOptions;

struct DetectArguments {
  std::string input;
  std::string db, indicator = "cases", level = "country", from, to;
  std::vector<std::string> locations;
  std::string output;
  std::string method;
  std::string range;
  int threads = 0;
  // Method options as given; applied over the method's defaults only when present on the line.
  int b = 0, w = 0, periods = 0, past_weeks_not_included = 0, baseline = 0, harmonics = 0;
  double alpha = 0, weights_threshold = 0, p_threshold_trend = 0, min_sigma = 0, k = 0, h = 0, c_arl = 0;
  std::string limit54, power_trans, threshold_method, trans, c3_definition;
  bool no_reweight = false, no_trend = false, population_offset = false, clean = false, glr_trend = false;
  std::map<std::string, CLI::Option*> given;
};

Result<int64_t> parse_week_number(const std::string& text, const std::string& what) {
  try {
    size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used == text.size() && value >= 1) return static_cast<int64_t>(value);
  } catch (const std::exception&) {
  }
  return invalid_argument("--range: " + what + " '" + text + "' is not a week number (1-based)");
}

Result<DetectorOptions> build_options(const DetectArguments& a, const detect::Detector& method) {
  DetectorOptions o = method.default_options;
  const auto given = [&](const char* name) { return a.given.at(name)->count() > 0; };
  if (given("--range")) {
    const size_t colon = a.range.find(':');
    if (colon == std::string::npos) return invalid_argument("--range must be FROM:TO, e.g. 300:312");
    ASSIGN_OR_RETURN(o.range_from, parse_week_number(a.range.substr(0, colon), "FROM"));
    ASSIGN_OR_RETURN(o.range_to, parse_week_number(a.range.substr(colon + 1), "TO"));
  }
  if (given("--b")) o.b = a.b;
  if (given("--w")) o.w = a.w;
  if (given("--alpha")) o.alpha = a.alpha;
  if (a.no_reweight) o.reweight = false;
  if (given("--weights-threshold")) o.weights_threshold = a.weights_threshold;
  if (a.no_trend) o.trend = false;
  if (given("--p-threshold-trend")) o.p_threshold_trend = a.p_threshold_trend;
  if (given("--limit54")) {
    int cases = 0, weeks = 0;
    char extra = 0;
    if (std::sscanf(a.limit54.c_str(), "%d,%d%c", &cases, &weeks, &extra) != 2) {
      return invalid_argument("--limit54 must be CASES,WEEKS, e.g. 5,4");
    }
    o.limit54_cases = cases;
    o.limit54_weeks = weeks;
  }
  if (given("--power-trans")) {
    if (a.power_trans == "2/3") o.power_transform = detect::PowerTransform::kTwoThirds;
    else if (a.power_trans == "1/2") o.power_transform = detect::PowerTransform::kHalf;
    else if (a.power_trans == "none") o.power_transform = detect::PowerTransform::kNone;
    else return invalid_argument("--power-trans must be 2/3, 1/2 or none");
  }
  if (given("--periods")) o.no_periods = a.periods;
  if (given("--past-weeks-not-included")) o.past_weeks_not_included = a.past_weeks_not_included;
  if (given("--threshold-method")) {
    if (a.threshold_method == "delta") o.threshold_method = detect::ThresholdMethod::kDelta;
    else if (a.threshold_method == "nbPlugin") o.threshold_method = detect::ThresholdMethod::kNbPlugin;
    else if (a.threshold_method == "muan") o.threshold_method = detect::ThresholdMethod::kMuan;
    else return invalid_argument("--threshold-method must be delta, nbPlugin or muan");
  }
  if (a.population_offset) o.population_offset = true;
  if (a.clean) o.compat_r_surveillance = false;
  if (given("--baseline")) o.baseline = a.baseline;
  if (given("--min-sigma")) o.min_sigma = a.min_sigma;
  if (given("--c3-definition")) {
    if (a.c3_definition == "surveillance") o.c3_definition = detect::EarsC3Definition::kSurveillancePackage;
    else if (a.c3_definition == "cdc") o.c3_definition = detect::EarsC3Definition::kCdc;
    else return invalid_argument("--c3-definition must be surveillance or cdc");
  }
  if (given("--k")) o.k = a.k;
  if (given("--h")) o.h = a.h;
  if (given("--trans")) {
    using detect::CusumTransform;
    const std::map<std::string, CusumTransform> transforms = {
        {"standard", CusumTransform::kStandard},   {"rossi", CusumTransform::kRossi},
        {"anscombe", CusumTransform::kAnscombe},   {"anscombe2nd", CusumTransform::kAnscombe2nd},
        {"pearsonNegBin", CusumTransform::kPearsonNegBin}, {"none", CusumTransform::kNone}};
    const auto found = transforms.find(a.trans);
    if (found == transforms.end()) {
      return invalid_argument("--trans must be standard, rossi, anscombe, anscombe2nd, pearsonNegBin or none");
    }
    o.cusum_transform = found->second;
  }
  if (given("--c-arl")) o.c_arl = a.c_arl;
  if (given("--harmonics")) o.glr_harmonics = a.harmonics;
  if (a.glr_trend) o.glr_trend = true;
  return o;
}

Result<IsoWeek> week_argument(const std::string& flag, const std::string& text) {
  auto period = Period::parse(text);
  if (!period) return invalid_argument(flag + ": " + period.status().message());
  return period->iso_week();
}

// --db mode: every stored series of the level (or the given locations), signals kept in the store.
void run_detect_over_store(const DetectArguments& a, const DetectorOptions& options) {
  if (a.given.at("--range")->count() > 0) {
    fail(invalid_argument("--range numbers the weeks of one input file; with --db use --from and --to (ISO weeks)"));
  }
  watch::DetectionRequest request;
  request.method = a.method;
  request.indicator = a.indicator;
  request.options = options;
  request.options_set = true;
  request.locations = a.locations;
  request.threads = a.threads > 0 ? static_cast<unsigned>(a.threads) : 0;
  if (a.locations.empty()) {
    auto level = parse_location_level(a.level);
    if (!level) fail(level.status());
    request.level = *level;
  }
  if (!a.from.empty()) {
    auto w = week_argument("--from", a.from);
    if (!w) fail(w.status());
    request.from = *w;
  }
  if (!a.to.empty()) {
    auto w = week_argument("--to", a.to);
    if (!w) fail(w.status());
    request.to = *w;
  }
  auto db = open_database(a.db);
  if (!db) fail(db.status());
  SystemClock clock;
  std::unique_ptr<ProgressBar> progress;
  auto summary = watch::run_detection(**db, request, clock, [&](int64_t done, int64_t total) {
    if (!progress) progress = std::make_unique<ProgressBar>("detect " + a.method, total);
    progress->update(done);
  });
  if (progress) progress->finish();
  if (!summary) fail(summary.status());
  auto database = store::sql::Database::open(a.db);
  if (!database) fail(database.status());
  auto signals = watch::SignalStore::open(**database);
  if (!signals) fail(signals.status());
  Status saved = (*signals)->save(summary->signals);
  if (!saved.is_ok()) fail(saved);
  for (const auto& reason : summary->skipped_reasons) std::cerr << "skipped " << reason << "\n";
  if (!a.output.empty()) {
    std::ofstream file(a.output, std::ios::binary);
    file << "location,indicator,week,method,observed,upperbound,alarm,score\n";
    auto number = [](double v) { return std::isnan(v) ? std::string("NA") : store::format_value(v); };
    for (const auto& s : summary->signals) {
      file << s.location << ',' << s.indicator << ',' << s.week.to_string() << ',' << s.method << ','
           << number(s.observed) << ',' << number(s.upperbound) << ','
           << (s.alarm == detect::Alarm::kMissing ? "NA" : s.alarm == detect::Alarm::kYes ? "true" : "false") << ','
           << number(s.score) << "\n";
    }
    if (!file) fail(unavailable("cannot write output file " + a.output));
  }
  std::cout << "evaluated " << summary->series << " series, " << summary->weeks_evaluated << " weeks, "
            << summary->alarms << " alarms; " << summary->skipped << " series skipped; signals stored in " << a.db
            << "\n";
}

void run_detect(const DetectArguments& a) {
  const detect::Detector* method = detect::find_detector(a.method);
  if (method == nullptr) {
    fail(invalid_argument("unknown method '" + a.method + "'; choose one of " + detect::detector_names()));
  }
  Result<DetectorOptions> options = build_options(a, *method);
  if (!options) fail(options.status());
  if (a.input.empty() == a.db.empty()) fail(invalid_argument("give either --input FILE.csv or --db PATH"));
  if (!a.db.empty()) return run_detect_over_store(a, *options);
  std::ifstream in(a.input, std::ios::binary);
  if (!in) fail(not_found("cannot read input file " + a.input));
  std::stringstream text;
  text << in.rdbuf();
  Result<detect::SeriesTable> table = detect::parse_series_csv(text.str());
  if (!table) fail(invalid_argument(a.input + ": " + table.status().message()));

  const auto& series = table->series;
  std::vector<Result<std::vector<detect::WeekResult>>> results(series.size(), Status(StatusCode::kInternal, "not run"));
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const size_t workers = std::min<size_t>(series.size(), a.threads > 0 ? static_cast<size_t>(a.threads) : hardware);
  ProgressBar progress("detect " + a.method, series.size() > 1 ? static_cast<int64_t>(series.size()) : 0);
  // Only the calling thread draws the progress bar (ProgressBar is not thread-safe).
  const auto work = [&](bool draw_progress) {
    for (size_t i = next++; i < series.size(); i = next++) {
      results[i] = method->run(series[i].series, *options);
      ++done;
      if (draw_progress) progress.update(done);
    }
  };
  std::vector<std::thread> pool;
  for (size_t i = 1; i < workers; ++i) pool.emplace_back(work, false);
  work(true);
  for (auto& thread : pool) thread.join();
  progress.finish();

  std::string out = detect::results_csv_header(table->multiple);
  for (size_t i = 0; i < series.size(); ++i) {
    if (!results[i]) {
      const Status& status = results[i].status();
      fail(Status(status.code(), (table->multiple ? "series '" + series[i].name + "': " : std::string()) + status.message()));
    }
    detect::append_results_csv(out, table->multiple ? &series[i].name : nullptr, series[i].series, *results[i]);
  }
  if (a.output.empty() || a.output == "-") {
    std::cout << out;
  } else {
    std::ofstream file(a.output, std::ios::binary);
    file << out;
    if (!file) fail(unavailable("cannot write output file " + a.output));
  }
}

}  // namespace

void register_detect_command(CLI::App& app) {
  auto arguments = std::make_shared<DetectArguments>();
  DetectArguments& a = *arguments;
  std::string methods_help = "Method:";
  for (const auto& d : detect::all_detectors()) methods_help += "\n  " + std::string(d.name) + ": " + std::string(d.description);
  CLI::App* cmd = app.add_subcommand("detect", "Outbreak detection (R surveillance algorithms) on weekly series");
  cmd->add_option("--input", a.input, "CSV with `date,observed` or `t,observed` (+ population), or several series");
  cmd->add_option("--db", a.db, "Run over every stored series instead of a file, keeping the signals");
  cmd->add_option("--indicator", a.indicator, "With --db: the indicator (default cases)");
  cmd->add_option("--level", a.level, "With --db: country (default) or subnational, or region/world");
  cmd->add_option("--location", a.locations, "With --db: only these locations (repeatable)");
  cmd->add_option("--from", a.from, "With --db: first week to evaluate (2020-W10 or a date in it)");
  cmd->add_option("--to", a.to, "With --db: last week to evaluate");
  cmd->add_option("--method", a.method, methods_help)->required();
  cmd->add_option("--output", a.output, "Output CSV (default: standard output)");
  cmd->add_option("--threads", a.threads, "Worker threads over series (default: all cores)");
  const auto option = [&](const char* name, auto& target, const char* help) { a.given[name] = cmd->add_option(name, target, help); };
  option("--range", a.range, "Weeks to evaluate, FROM:TO, 1-based and inclusive like R's range");
  option("--b", a.b, "Years back (farrington*; default 5)");
  option("--w", a.w, "Half-window in weeks (farrington*; default 3)");
  option("--alpha", a.alpha, "Alarm level (farrington 0.05 one-sided; farrington1996 two-sided; EARS 0.001/0.025)");
  option("--weights-threshold", a.weights_threshold, "Anscombe residual threshold for re-weighting (default 2.58)");
  option("--p-threshold-trend", a.p_threshold_trend, "Keep the trend only when its p-value is below this (0.05)");
  option("--limit54", a.limit54, "CASES,WEEKS: no alarm with fewer cases in the last weeks (default 5,4)");
  option("--power-trans", a.power_trans, "2/3, 1/2 or none (delta threshold)");
  option("--periods", a.periods, "Seasonal factor levels, R's noPeriods (farrington 1, noufaily 10)");
  option("--past-weeks-not-included", a.past_weeks_not_included, "Recent weeks left out of the fit (default w; noufaily 26)");
  option("--threshold-method", a.threshold_method, "delta, nbPlugin or muan");
  option("--baseline", a.baseline, "EARS baseline weeks (default 7)");
  option("--min-sigma", a.min_sigma, "EARS minimum standard deviation (default 0)");
  option("--c3-definition", a.c3_definition, "ears-c3: surveillance (the package's, default) or cdc");
  option("--k", a.k, "CUSUM reference value (default 1.04)");
  option("--h", a.h, "CUSUM decision boundary (default 2.26)");
  option("--trans", a.trans, "CUSUM transform: standard, rossi, anscombe, anscombe2nd, pearsonNegBin, none");
  option("--c-arl", a.c_arl, "GLR alarm threshold c.ARL (default 5)");
  option("--harmonics", a.harmonics, "GLR in-control model: number of seasonal harmonic pairs S (default 1)");
  cmd->add_flag("--no-reweight", a.no_reweight, "Do not down-weight past outbreaks");
  cmd->add_flag("--no-trend", a.no_trend, "Do not try a linear time trend");
  cmd->add_flag("--population-offset", a.population_offset, "Use log(population) as offset (needs a population column)");
  cmd->add_flag("--glr-trend", a.glr_trend, "GLR in-control model with a linear trend");
  cmd->add_flag("--clean", a.clean,
                "Without surveillance 1.20.3's quirks (Pearson dispersion everywhere, full IRLS convergence); "
                "results then differ slightly from R");
  cmd->callback([arguments] { run_detect(*arguments); });
}

}  // namespace shouwang::cli
