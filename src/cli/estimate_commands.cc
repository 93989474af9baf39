// `shouwang rt` (Rt by EpiEstim's Cori method from a CSV file or from a stored series) and
// `shouwang backtest` (rolling-origin evaluation of the weekly forecasts, the ensemble or one member,
// against the hub baseline, over a JHU file or over every stored country series, with the data as
// known at each origin; `--preset euro-hub` is the European Forecast Hub's setting).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/database.h"
#include "estimate/backtest.h"
#include "estimate/ensemble.h"
#include "estimate/rt.h"
#include "estimate/rt_csv.h"
#include "core/incidence.h"
#include "store/aggregate.h"
#include "watch/analysis_series.h"

namespace shouwang::cli {
namespace {

// "ITA,FRA" -> {"ITA", "FRA"}; blanks around codes are ignored, empty items are errors.
Result<std::vector<std::string>> split_codes(const std::string& text) {
  std::vector<std::string> codes;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string code = text.substr(start, end - start);
    code.erase(0, code.find_first_not_of(" \t"));
    code.erase(code.find_last_not_of(" \t") + 1);
    if (code.empty()) return invalid_argument("--locations: an empty code in '" + text + "'");
    codes.push_back(code);
    start = end + 1;
  }
  return codes;
}

struct RtOptions {
  std::string input;
  std::string db;
  std::string location;
  std::string indicator = "cases";
  std::string source;
  std::string output;
  std::optional<double> si_mean;
  std::optional<double> si_sd;
  std::string si_distr_file;
  std::optional<int> window;
  std::string t_start;
  std::string t_end;
  double prior_mean = 5;
  double prior_sd = 5;
  // uncertain_si: all six given switch it on.
  std::optional<double> si_std_mean, si_min_mean, si_max_mean, si_std_sd, si_min_sd, si_max_sd;
  int n1 = 500;
  int n2 = 50;
  uint64_t seed = 1;
};

// The uncertain_si configuration when its options are given; std::nullopt for a fixed SI.
Result<std::optional<estimate::UncertainSerialInterval>> uncertain_si_from(const RtOptions& options) {
  const std::optional<double>* parts[] = {&options.si_std_mean, &options.si_min_mean, &options.si_max_mean,
                                          &options.si_std_sd,   &options.si_min_sd,   &options.si_max_sd};
  int given = 0;
  for (const auto* part : parts) given += part->has_value() ? 1 : 0;
  if (given == 0) return std::optional<estimate::UncertainSerialInterval>();
  if (given != 6 || !options.si_mean || !options.si_sd) {
    return invalid_argument(
        "uncertain_si needs --si-mean, --si-sd and all of --si-std-mean, --si-min-mean, --si-max-mean, --si-std-sd, "
        "--si-min-sd, --si-max-sd");
  }
  estimate::UncertainSerialInterval si;
  si.mean = *options.si_mean;
  si.std_mean = *options.si_std_mean;
  si.min_mean = *options.si_min_mean;
  si.max_mean = *options.si_max_mean;
  si.sd = *options.si_sd;
  si.std_sd = *options.si_std_sd;
  si.min_sd = *options.si_min_sd;
  si.max_sd = *options.si_max_sd;
  si.n1 = options.n1;
  si.n2 = options.n2;
  return std::optional<estimate::UncertainSerialInterval>(si);
}

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

// The incident series of a location (a region or the world is the sum of its countries, see
// store/aggregate.h; a location reporting only the cumulative counterpart is analysed through its
// differences, see watch/analysis_series.h). NotFound when there is none, FailedPrecondition when
// it is weekly or monthly, InvalidArgument for a cumulative indicator.
Result<watch::AnalysisSeries> read_stored_daily_series(store::Store& db, const store::SeriesQuery& query) {
  ASSIGN_OR_RETURN(auto series, watch::read_analysis_series(db, query, watch::Hierarchy::kSummed));
  if (!series) return not_found("no " + *query.indicator + " data for " + *query.location);
  if (series->counts.kind != Period::Kind::kDay) {
    return failed_precondition(*query.location + " " + *query.indicator + " is reported " +
                               (series->counts.kind == Period::Kind::kWeek ? "weekly" : "monthly") +
                               "; Rt and forecasts need a daily series");
  }
  return std::move(*series);
}

Result<estimate::RtEstimate> estimate_rt_logged(const estimate::Incidence& incidence, const estimate::RtConfig& config,
                                                const RtOptions& options) {
  ASSIGN_OR_RETURN(const auto uncertain, uncertain_si_from(options));
  Result<estimate::RtEstimate> result = [&]() -> Result<estimate::RtEstimate> {
    if (!uncertain) return estimate::estimate_rt(incidence, config);
    std::mt19937_64 rng(options.seed);
    return estimate::estimate_rt_uncertain_si(incidence, config, *uncertain, rng);
  }();
  if (result && result->estimated_too_early) {
    std::cerr << "warning: the first window holds few cases; R is estimated too early in the epidemic for a "
                 "posterior coefficient of variation of 0.3 (as EpiEstim warns)\n";
  }
  return result;
}

void run_rt(const RtOptions& options) {
  if (options.input.empty() == options.db.empty()) fail(invalid_argument("give either --input FILE.csv or --db PATH"));
  if (!options.input.empty() && !options.location.empty()) {
    fail(invalid_argument("--location goes with --db; an --input file is one series"));
  }
  if (!options.db.empty() && options.location.empty()) fail(invalid_argument("--db needs --location (e.g. ITA, EURO, WORLD)"));
  auto config = rt_config_from(options);
  if (!config) fail(config.status());
  std::string csv;
  if (!options.input.empty()) {
    auto text = estimate::read_text_file(options.input);
    if (!text) fail(text.status());
    auto table = estimate::parse_incidence_csv(*text);
    if (!table) fail(invalid_argument(options.input + ": " + table.status().message()));
    auto result = estimate_rt_logged(table->incidence, *config, options);
    if (!result) fail(result.status());
    csv = estimate::format_rt_csv(*result);
  } else {
    auto db = open_database(options.db);
    if (!db) fail(db.status());
    store::SeriesQuery query;
    query.location = options.location;
    query.indicator = options.indicator;
    if (!options.source.empty()) query.source = options.source;
    auto series = read_stored_daily_series(**db, query);
    if (!series) fail(series.status());
    // One rule for corrections and gaps (core/incidence.h): zero incidence for a renewal model,
    // as EpiEstim counts NA; the user is told how many days each touched.
    const ReportedCounts& counts = series->counts;
    if (!counts.derived_from.empty()) {
      std::cerr << "note: " << options.location << " reports no " << options.indicator << "; using the daily differences of "
                << counts.derived_from << "\n";
    }
    if (counts.corrections() > 0) {
      std::cerr << "note: " << counts.corrections() << " day(s) of " << options.location << " " << options.indicator
                << " have negative counts (corrections); counted as 0\n";
    }
    if (counts.missing() > 0) {
      std::cerr << "note: " << counts.missing() << " day(s) without a value; counted as 0, as EpiEstim counts NA\n";
    }
    auto incidence = estimate::incidence_from_total(daily_for_renewal(counts));
    if (!incidence) fail(incidence.status());
    auto result = estimate_rt_logged(*incidence, *config, options);
    if (!result) fail(result.status());
    std::cerr << options.location << " " << options.indicator << " from " << series->source << ", "
              << series->counts.first.to_string() << " to "
              << series->counts.first.plus_days(static_cast<int32_t>(series->counts.values.size()) - 1).to_string()
              << " (day 1 = " << series->counts.first.to_string() << ")\n";
    csv = estimate::format_rt_csv(*result, series->counts.first);
  }
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
  std::string db;
  std::string indicator = "cases";
  std::string locations = "all";
  std::string from = "2020-06-01";
  std::string to = "2022-12-31";
  std::string last_origin;
  std::string preset;
  std::string leading_input;
  std::string model = "ensemble";
  std::string combination = "median";
  std::string members;
  double damping = estimate::ForecastConfig{}.damping_per_week;
  double first_week_factor = estimate::ForecastConfig{}.first_week_log_r_factor;
  estimate::EnsembleConfig ensemble;
};

// The European COVID-19 Forecast Hub's setting (Sherratt et al., eLife 2023): 32 countries (EU/EEA
// and Switzerland and the United Kingdom), weekly forecast dates on Mondays with data up to the
// Saturday before (the origin), 1-4 weeks ahead. `euro-hub` is its evaluation year (forecast dates
// 2021-03-08 .. 2022-03-07); `euro-hub-2020` the forecast dates of 2020 on which our settings
// were chosen (the first origin with enough history for every member to 2020-12-26).
struct BacktestPreset {
  std::string_view name;
  std::string_view first_origin, last_origin, last_target;
};
constexpr BacktestPreset kBacktestPresets[] = {
    {"euro-hub", "2021-03-06", "2022-03-05", "2022-04-02"},
    {"euro-hub-2020", "2020-06-13", "2020-12-26", "2021-01-23"},
};
constexpr std::string_view kEuroHubJhuNames =
    "Austria,Belgium,Bulgaria,Croatia,Cyprus,Czechia,Denmark,Estonia,Finland,France,Germany,Greece,Hungary,"
    "Iceland,Ireland,Italy,Latvia,Liechtenstein,Lithuania,Luxembourg,Malta,Netherlands,Norway,Poland,Portugal,"
    "Romania,Slovakia,Slovenia,Spain,Sweden,Switzerland,United Kingdom";
constexpr std::string_view kEuroHubIso3 =
    "AUT,BEL,BGR,HRV,CYP,CZE,DNK,EST,FIN,FRA,DEU,GRC,HUN,ISL,IRL,ITA,LVA,LIE,LTU,LUX,MLT,NLD,NOR,POL,PRT,ROU,SVK,"
    "SVN,ESP,SWE,CHE,GBR";

// End of a day in UTC: what was reported by then was known on that day.
Timestamp end_of_day(Date day) {
  return Timestamp(Timestamp::from_seconds((static_cast<int64_t>(day.days_since_epoch()) + 1) * 86400).micros() - 1);
}

// The data as known at each origin, from the store's revisions: when nothing of the series was
// known at the origin (a history loaded later) or nothing up to the origin changed or arrived
// after it, the latest series truncated there is what was known (std::nullopt); otherwise the
// series as of the end of the origin day (SeriesQuery.as_of). Reads are serialised: the backtest
// calls this from its worker threads and a Store is one connection.
Result<estimate::DataKnownAt> data_known_at(store::Store& db, std::mutex& db_mutex, const std::string& location,
                                            const std::string& indicator, const watch::AnalysisSeries& latest) {
  Timestamp first_reported = Timestamp(std::numeric_limits<int64_t>::max());
  std::vector<Timestamp> last_reported_up_to(latest.reported_at.size());
  Timestamp running;
  for (size_t day = 0; day < latest.reported_at.size(); ++day) {
    if (!std::isnan(latest.counts.values[day])) first_reported = std::min(first_reported, latest.reported_at[day]);
    running = std::max(running, latest.reported_at[day]);
    last_reported_up_to[day] = running;
  }
  const std::optional<std::string> source =
      latest.source.rfind("aggregate:", 0) == 0 ? std::nullopt : std::optional<std::string>(latest.source);
  // `reported_at` holds when each day's current value was reported: for days revised later that is
  // the revision, not when the series was first known, so the first report comes from the revisions.
  if (source) {
    store::SeriesQuery query;
    query.location = location;
    query.indicator = indicator;
    query.source = source;
    ASSIGN_OR_RETURN(const std::vector<store::Revision> revisions, db.read_revisions(query));
    for (const store::Revision& revision : revisions) {
      if (revision.period.kind() == Period::Kind::kDay && !std::isnan(revision.value)) {
        first_reported = std::min(first_reported, revision.reported_at);
      }
    }
  }
  const Date first_day = latest.counts.first;
  return estimate::DataKnownAt([&db, &db_mutex, location, indicator, source, first_day, first_reported,
          last_reported_up_to = std::move(last_reported_up_to)](Date origin) -> Result<std::optional<std::vector<double>>> {
    const int64_t index = origin.days_since_epoch() - first_day.days_since_epoch();
    if (index < 0 || last_reported_up_to.empty()) return std::optional<std::vector<double>>();
    const Timestamp known_by = end_of_day(origin);
    const size_t last = std::min(static_cast<size_t>(index), last_reported_up_to.size() - 1);
    if (first_reported > known_by || last_reported_up_to[last] <= known_by) return std::optional<std::vector<double>>();
    store::SeriesQuery query;
    query.location = location;
    query.indicator = indicator;
    query.source = source;
    query.to = origin;
    query.as_of = known_by;
    std::lock_guard lock(db_mutex);
    auto then = read_stored_daily_series(db, query);
    if (!then && then.status().code() == StatusCode::kNotFound) return std::optional<std::vector<double>>(std::vector<double>());
    if (!then) return then.status();
    std::vector<double> values(static_cast<size_t>(then->counts.first.days_since_epoch() - first_day.days_since_epoch()),
                               std::nan(""));
    values.insert(values.end(), then->counts.values.begin(), then->counts.values.end());
    return std::optional<std::vector<double>>(std::move(values));
  });
}

// Every country's daily series of the indicator (or those of `locations`, comma-separated ISO3
// codes), each with its data-as-known-then hook. Countries without daily data are left out.
// `counts` over the `days` days from `first` (NaN where it has nothing).
std::vector<double> aligned_daily(const ReportedCounts& counts, Date first, size_t days) {
  std::vector<double> out(days, std::nan(""));
  const int64_t offset = counts.first.days_since_epoch() - first.days_since_epoch();
  for (size_t i = 0; i < counts.values.size(); ++i) {
    const int64_t day = offset + static_cast<int64_t>(i);
    if (day >= 0 && day < static_cast<int64_t>(days)) out[static_cast<size_t>(day)] = counts.values[i];
  }
  return out;
}

// With `with_leading_cases` each series carries its country's daily cases as the leading indicator
// (for the deaths' lagged-ratio member).
Result<std::vector<estimate::DailySeries>> stored_country_series(store::Store& db, const std::string& indicator,
                                                                 const std::string& locations,
                                                                 bool with_leading_cases) {
  ASSIGN_OR_RETURN(const auto catalogue, db.list_locations());
  std::set<std::string> countries;
  for (const Location& location : catalogue) {
    if (location.level == LocationLevel::kCountry) countries.insert(location.code);
  }
  std::vector<std::string> wanted;
  if (locations == "all") {
    wanted.assign(countries.begin(), countries.end());
  } else {
    ASSIGN_OR_RETURN(wanted, split_codes(locations));
    for (const std::string& code : wanted) {
      if (!countries.contains(code)) return invalid_argument("--locations: '" + code + "' is not a country code (ISO3) of the catalogue");
    }
  }
  static std::mutex db_mutex;
  std::vector<estimate::DailySeries> out;
  int64_t weekly = 0;
  for (const std::string& code : wanted) {
    store::SeriesQuery query;
    query.location = code;
    query.indicator = indicator;
    auto latest = read_stored_daily_series(db, query);
    if (!latest && latest.status().code() == StatusCode::kNotFound) continue;
    if (!latest && latest.status().code() == StatusCode::kFailedPrecondition) {
      ++weekly;
      continue;
    }
    if (!latest) return latest.status();
    estimate::DailySeries series{code, latest->counts.first, latest->counts.values, {}, {}};
    ASSIGN_OR_RETURN(series.known_at, data_known_at(db, db_mutex, code, indicator, *latest));
    if (with_leading_cases) {
      store::SeriesQuery cases_query;
      cases_query.location = code;
      cases_query.indicator = "cases";
      auto cases = read_stored_daily_series(db, cases_query);
      if (cases) {
        series.leading = aligned_daily(cases->counts, series.first_day, series.daily.size());
      } else if (cases.status().code() != StatusCode::kNotFound &&
                 cases.status().code() != StatusCode::kFailedPrecondition) {
        return cases.status();
      }
    }
    out.push_back(std::move(series));
  }
  if (weekly > 0) std::cerr << "note: " << weekly << " country series are weekly and left out\n";
  return out;
}

// Attaches the leading file's series to those of `series` by name; a name missing from it is an error.
Status attach_leading(std::vector<estimate::DailySeries>& series, const std::vector<estimate::DailySeries>& leading) {
  for (estimate::DailySeries& one : series) {
    auto match = std::find_if(leading.begin(), leading.end(),
                              [&](const estimate::DailySeries& l) { return l.location == one.location; });
    if (match == leading.end()) return invalid_argument("--leading-input has no series for " + one.location);
    if (match->first_day != one.first_day || match->daily.size() != one.daily.size()) {
      return invalid_argument("--leading-input covers other days than --input for " + one.location);
    }
    one.leading = match->daily;
  }
  return Status();
}

void run_backtest(BacktestOptions options, const CLI::App& command) {
  const bool national_rows_only = !options.preset.empty();
  if (!options.preset.empty()) {
    const auto* preset = std::find_if(std::begin(kBacktestPresets), std::end(kBacktestPresets),
                                      [&](const BacktestPreset& p) { return p.name == options.preset; });
    if (preset == std::end(kBacktestPresets)) fail(invalid_argument("--preset must be euro-hub or euro-hub-2020"));
    // A preset fills in what the command line leaves out.
    if (command.count("--from") == 0) options.from = preset->first_origin;
    if (command.count("--to") == 0) options.to = preset->last_target;
    if (command.count("--last-origin") == 0) options.last_origin = preset->last_origin;
    if (command.count("--locations") == 0) options.locations = options.db.empty() ? kEuroHubJhuNames : kEuroHubIso3;
  }
  auto from = Date::parse(options.from);
  if (!from) fail(invalid_argument("--from: " + from.status().message()));
  auto to = Date::parse(options.to);
  if (!to) fail(invalid_argument("--to: " + to.status().message()));
  std::optional<Date> last_origin;
  if (!options.last_origin.empty()) {
    auto parsed = Date::parse(options.last_origin);
    if (!parsed) fail(invalid_argument("--last-origin: " + parsed.status().message()));
    last_origin = *parsed;
  }
  if (options.indicator != "cases" && options.indicator != "deaths") {
    fail(invalid_argument("--indicator must be cases or deaths"));
  }
  auto model = estimate::forecast_model_from_name(options.model);
  if (!model) fail(invalid_argument("--model: " + model.status().message()));
  // The indicator's chosen settings, each replaced by its flag when the flag is given.
  estimate::EnsembleConfig ensemble = estimate::chosen_ensemble_config(options.indicator);
  const auto given = [&](const char* flag) { return command.count(flag) > 0; };
  if (given("--members")) {
    auto names = split_codes(options.members);
    if (!names) fail(invalid_argument("--members: " + names.status().message()));
    ensemble.members.clear();
    for (const std::string& name : *names) {
      auto member = estimate::forecast_model_from_name(name);
      if (!member || *member == estimate::ForecastModel::kEnsemble) fail(invalid_argument("--members: '" + name + "' is not a member"));
      ensemble.members.push_back(*member);
    }
  }
  if (given("--combination")) {
    if (options.combination != "median" && options.combination != "mean") {
      fail(invalid_argument("--combination must be median or mean"));
    }
    ensemble.combination =
        options.combination == "mean" ? estimate::EnsembleCombination::kMean : estimate::EnsembleCombination::kMedian;
  }
  if (given("--interval-scale")) ensemble.interval_scale = options.ensemble.interval_scale;
  if (given("--trend-weeks")) ensemble.trend.fit_weeks = options.ensemble.trend.fit_weeks;
  if (given("--trend-damping")) ensemble.trend.damping = options.ensemble.trend.damping;
  if (given("--holt-level")) ensemble.holt.level_smoothing = options.ensemble.holt.level_smoothing;
  if (given("--holt-trend")) ensemble.holt.trend_smoothing = options.ensemble.holt.trend_smoothing;
  if (given("--holt-damping")) ensemble.holt.damping = options.ensemble.holt.damping;
  if (given("--lag-weeks")) ensemble.lagged.lag_weeks = options.ensemble.lagged.lag_weeks;
  if (given("--ratio-weeks")) ensemble.lagged.ratio_weeks = options.ensemble.lagged.ratio_weeks;
  if (options.input.empty() == options.db.empty()) fail(invalid_argument("give either --input FILE.csv or --db PATH"));
  if (!options.leading_input.empty() && options.input.empty()) fail(invalid_argument("--leading-input goes with --input"));
  std::unique_ptr<store::Store> db;
  std::vector<estimate::DailySeries> series;
  if (!options.input.empty()) {
    auto text = estimate::read_text_file(options.input);
    if (!text) fail(text.status());
    auto parsed = estimate::parse_jhu_wide_csv(*text, options.locations, national_rows_only);
    if (!parsed) fail(invalid_argument(options.input + ": " + parsed.status().message()));
    series = std::move(parsed).value();
    if (!options.leading_input.empty()) {
      auto leading_text = estimate::read_text_file(options.leading_input);
      if (!leading_text) fail(leading_text.status());
      auto leading = estimate::parse_jhu_wide_csv(*leading_text, options.locations, national_rows_only);
      if (!leading) fail(invalid_argument(options.leading_input + ": " + leading.status().message()));
      if (Status attached = attach_leading(series, *leading); !attached.is_ok()) fail(attached);
    }
  } else {
    auto opened = open_database(options.db);
    if (!opened) fail(opened.status());
    db = std::move(opened).value();
    auto stored = stored_country_series(*db, options.indicator, options.locations, options.indicator == "deaths");
    if (!stored) fail(stored.status());
    series = std::move(stored).value();
  }
  if (series.empty()) fail(not_found("no daily " + options.indicator + " series to evaluate"));
  const bool wants_leading =
      *model == estimate::ForecastModel::kLaggedRatio ||
      (*model == estimate::ForecastModel::kEnsemble &&
       std::find(ensemble.members.begin(), ensemble.members.end(), estimate::ForecastModel::kLaggedRatio) !=
           ensemble.members.end());
  const size_t without_leading = static_cast<size_t>(
      std::count_if(series.begin(), series.end(), [](const estimate::DailySeries& s) { return s.leading.empty(); }));
  if (wants_leading && without_leading > 0) {
    std::cerr << "note: " << without_leading << " series have no cases to lead them"
              << (options.input.empty() ? "" : " (give --leading-input)") << "; the lagged-ratio member is left out there\n";
  }
  estimate::BacktestConfig config;
  config.first_origin = *from;
  config.last_target = *to;
  config.last_origin = last_origin;
  config.model = *model;
  config.forecast = ensemble;
  config.forecast.renewal.damping_per_week = options.damping;
  config.forecast.renewal.first_week_log_r_factor = options.first_week_factor;
  ProgressBar progress("backtest", static_cast<int64_t>(series.size()));
  auto summary = estimate::rolling_origin_backtest(
      series, config, [&](int64_t done) { progress.update(done); });
  progress.finish();
  if (!summary) fail(summary.status());
  if (db) {
    std::cerr << "backtest: " << series.size() << " series; " << summary->origins_as_known
              << " origin(s) forecast from the data as known then (store as_of), the others from the series "
                 "truncated at the origin; "
              << summary->origins_skipped << " origin(s) skipped (too little data)\n";
  } else {
    std::cerr << "backtest: " << series.size() << " series, model " << options.model << "; "
              << summary->origins_skipped << " origin(s) skipped (too little data)\n";
  }
  const std::string csv = estimate::format_backtest_csv(*summary);
  std::fwrite(csv.data(), 1, csv.size(), stdout);
}

}  // namespace

void register_estimate_commands(CLI::App& app) {
  auto rt_options = std::make_shared<RtOptions>();
  CLI::App* rt = app.add_subcommand(
      "rt", "Time-varying reproduction number Rt by the Cori et al. (2013) method, as R EpiEstim 2.2-4 estimate_R");
  rt->add_option("--input", rt_options->input,
                 "daily incidence CSV: header `date` or `day`, then `I` or `local,imported`");
  rt->add_option("--db", rt_options->db, std::string("instead of --input: the Shouwang database. ") + kDbHelp);
  rt->add_option("--location", rt_options->location,
                 "with --db: location code (ISO3 country, WHO region or WORLD; a region sums its countries)");
  rt->add_option("--indicator", rt_options->indicator, "with --db: daily incident indicator")->capture_default_str();
  rt->add_option("--source", rt_options->source, "with --db: source of the series (default: the location's default)");
  rt->add_option("--si-mean", rt_options->si_mean, "mean of the serial interval in days (parametric, > 1)");
  rt->add_option("--si-sd", rt_options->si_sd, "sd of the serial interval in days (parametric, > 0)");
  rt->add_option("--si-distr", rt_options->si_distr_file,
                 "serial interval distribution CSV `t,si_distr`, t from 0 (non-parametric)");
  rt->add_option("--si-std-mean", rt_options->si_std_mean, "uncertain_si: sd of the serial interval's mean");
  rt->add_option("--si-min-mean", rt_options->si_min_mean, "uncertain_si: lowest serial-interval mean (>= 1)");
  rt->add_option("--si-max-mean", rt_options->si_max_mean, "uncertain_si: highest serial-interval mean");
  rt->add_option("--si-std-sd", rt_options->si_std_sd, "uncertain_si: sd of the serial interval's sd");
  rt->add_option("--si-min-sd", rt_options->si_min_sd, "uncertain_si: lowest serial-interval sd (> 0)");
  rt->add_option("--si-max-sd", rt_options->si_max_sd, "uncertain_si: highest serial-interval sd");
  rt->add_option("--n1", rt_options->n1, "uncertain_si: serial intervals drawn")->capture_default_str();
  rt->add_option("--n2", rt_options->n2, "uncertain_si: posterior draws of R per serial interval")->capture_default_str();
  rt->add_option("--seed", rt_options->seed, "uncertain_si: seed of the random draws")->capture_default_str();
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
  backtest->add_option("--input", backtest_options->input,
                       "JHU CSSE wide time series CSV (time_series_covid19_confirmed_global.csv or ..._deaths_global.csv)");
  backtest->add_option("--db", backtest_options->db,
                       "instead of --input: the Shouwang database; every stored daily country series, each forecast "
                       "from the data as known at its origin");
  backtest->add_option("--indicator", backtest_options->indicator, "cases or deaths (with --input: labels the file)")
      ->capture_default_str();
  backtest
      ->add_option("--locations", backtest_options->locations,
                   "all, or comma-separated countries: names as in the file with --input, ISO3 codes with --db")
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
  backtest->add_option("--last-origin", backtest_options->last_origin, "last forecast origin (a date; default: --to less a week)");
  backtest
      ->add_option("--preset", backtest_options->preset,
                   "euro-hub: the European COVID-19 Forecast Hub's 32 countries, origins 2021-03-06..2022-03-05 "
                   "(forecast dates 2021-03-08..2022-03-07), each country's own JHU row; euro-hub-2020: the same "
                   "countries with the forecast dates of 2020. Options given explicitly win")
      ->check(CLI::IsMember({"euro-hub", "euro-hub-2020"}));
  backtest->add_option("--leading-input", backtest_options->leading_input,
                       "with --input and deaths: the JHU confirmed-cases file, the leading indicator of the "
                       "lagged-ratio member (with --db the stored cases are used)");
  backtest
      ->add_option("--model", backtest_options->model,
                   "what is scored as ours: ensemble, renewal, damped_trend, damped_holt, lagged_ratio")
      ->capture_default_str();
  auto& members = backtest_options->ensemble;
  backtest->add_option("--members", backtest_options->members,
                       "ensemble: comma-separated members of renewal, damped_trend, damped_holt, lagged_ratio "
                       "(default: those chosen for the indicator, docs/methods/forecast.md)");
  backtest->add_option("--combination", backtest_options->combination,
                       "ensemble: median or mean of the members' quantiles (default: median)");
  backtest
      ->add_option("--interval-scale", members.interval_scale,
                   "ensemble: factor on the log distance of each quantile from the median (default: the one chosen "
                   "for the indicator)")
      ->check(CLI::Range(0.1, 10.0));
  backtest->add_option("--trend-weeks", members.trend.fit_weeks, "damped trend: weeks in the log-linear fit")
      ->check(CLI::Range(2, 52))
      ->capture_default_str();
  backtest->add_option("--trend-damping", members.trend.damping, "damped trend: damping of the slope per week")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  backtest->add_option("--holt-level", members.holt.level_smoothing, "damped Holt: level smoothing alpha")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  backtest->add_option("--holt-trend", members.holt.trend_smoothing, "damped Holt: trend smoothing beta")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  backtest->add_option("--holt-damping", members.holt.damping, "damped Holt: damping of the trend per week")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  backtest->add_option("--lag-weeks", members.lagged.lag_weeks, "lagged ratio: weeks from the leading indicator")
      ->check(CLI::Range(0, 8))
      ->capture_default_str();
  backtest->add_option("--ratio-weeks", members.lagged.ratio_weeks, "lagged ratio: weeks in the ratio")
      ->check(CLI::Range(1, 12))
      ->capture_default_str();
  backtest->callback([backtest_options, backtest] { run_backtest(*backtest_options, *backtest); });
}

}  // namespace shouwang::cli
