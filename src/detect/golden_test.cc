// Compares every method with the golden outputs of R surveillance 1.20.3 in tests/golden/detect/
// (made by make_goldens.R there from the shared dataset exports): every numeric column R gives to
// relative 1e-6, alarms exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "detect/detector.h"

namespace shouwang::detect {
namespace {

const std::string kShared = std::string(SHOUWANG_SHARED_DIR) + "/data/epi-reference/";
const std::string kGolden = std::string(SHOUWANG_SOURCE_DIR) + "/tests/golden/detect/";

using Table = std::map<std::string, std::vector<std::string>>;

// Splits a CSV line; commas inside double quotes (momo's "[75,85)") stay in the field.
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  return cells;
}

Table read_table(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> names = split(line);
  Table table;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> cells = split(line);
    for (size_t c = 0; c < names.size() && c < cells.size(); ++c) table[names[c]].push_back(cells[c]);
  }
  return table;
}

double to_number(const std::string& s) { return s == "NA" ? kMissing : std::stod(s); }

std::vector<double> numbers(const Table& table, const std::string& column) {
  std::vector<double> out;
  for (const auto& s : table.at(column)) out.push_back(to_number(s));
  return out;
}

WeeklySeries index_series(const std::string& file, const std::string& column) {
  WeeklySeries series;
  series.observed = numbers(read_table(kShared + file), column);
  return series;
}

WeeklySeries date_series(const std::string& file, const std::string& column) {
  const Table table = read_table(file);
  WeeklySeries series;
  series.observed = numbers(table, column);
  for (const auto& d : table.at("date")) series.dates.push_back(Date::parse(d).value());
  return series;
}

WeeklySeries agona() { return index_series("goldens/salmonella_agona.csv", "observed"); }
WeeklySeries hepatitis_a() { return index_series("surveillance/hepatitisA.csv", "observed"); }
WeeklySeries influenza() { return index_series("surveillance/influMen.csv", "influenza"); }
WeeklySeries newport() { return date_series(kShared + "goldens/stsNewport.csv", "observed"); }
WeeklySeries newport_missing() { return date_series(kGolden + "stsNewport_with_missing.csv", "observed"); }
WeeklySeries salm_all_onset() { return date_series(kShared + "surveillance/salmAllOnset.csv", "observed1"); }
WeeklySeries momo() {
  WeeklySeries series = date_series(kShared + "surveillance/momo.csv", "[75,85)");
  series.population = numbers(read_table(kGolden + "momo_population.csv"), "population");
  return series;
}

// agona with block `block` of the Noufaily seasonal factor empty (NA) in all five baseline years of
// week 300, as make_goldens.R makes it: R's QR aliases that level, our closed-form fit falls back.
WeeklySeries agona_empty_level(int block) {
  WeeklySeries series = agona();
  for (int year = 1; year <= 5; ++year) {
    for (int j = 1; j <= 5; ++j) series.observed[300 - 52 * year + 3 + 5 * (block - 1) + j - 1] = kMissing;
  }
  return series;
}

int64_t last(const WeeklySeries& s, int64_t weeks) { return s.size() - weeks + 1; }

struct GoldenCase {
  std::string golden;
  std::function<WeeklySeries()> series;
  std::string method;
  std::function<void(DetectorOptions&, const WeeklySeries&)> configure;
};

void noufaily(DetectorOptions& o) {
  o.no_periods = 10;
  o.past_weeks_not_included = 26;
  o.threshold_method = ThresholdMethod::kNbPlugin;
}

std::vector<GoldenCase> golden_cases() {
  using O = DetectorOptions;
  using S = WeeklySeries;
  std::vector<GoldenCase> cases = {
      {"ff_agona_default", agona, "farrington", [](O&, const S&) {}},
      {"ff_agona_noufaily", agona, "noufaily", [](O&, const S&) {}},
      {"ff_agona_noufaily_muan", agona, "noufaily", [](O& o, const S&) { o.threshold_method = ThresholdMethod::kMuan; }},
      {"ff_agona_noufaily_empty_level1", [] { return agona_empty_level(1); }, "noufaily",
       [](O& o, const S&) {
         o.range_from = 298;
         o.range_to = 302;
       }},
      {"ff_agona_noufaily_empty_level5", [] { return agona_empty_level(5); }, "noufaily",
       [](O& o, const S&) {
         o.range_from = 298;
         o.range_to = 302;
       }},
      {"ff_agona_b4_none_limit32", agona, "farrington",
       [](O& o, const S& s) {
         o.b = 4;
         o.power_transform = PowerTransform::kNone;
         o.limit54_cases = 3;
         o.limit54_weeks = 2;
         o.range_from = last(s, 52);
       }},
      {"ff_newport_default", newport, "farrington", [](O& o, const S& s) { o.range_from = last(s, 104); }},
      {"ff_newport_noufaily", newport, "noufaily", [](O& o, const S& s) { o.range_from = last(s, 104); }},
      {"ff_newport_noufaily_muan", newport, "farrington",
       [](O& o, const S& s) {
         noufaily(o);
         o.threshold_method = ThresholdMethod::kMuan;
         o.range_from = last(s, 104);
       }},
      {"ff_newport_b3_noreweight_half", newport, "farrington",
       [](O& o, const S& s) {
         o.b = 3;
         o.reweight = false;
         o.alpha = 0.01;
         o.power_transform = PowerTransform::kHalf;
         o.range_from = last(s, 104);
       }},
      {"ff_newport_pwni1_w2_notrend", newport, "farrington",
       [](O& o, const S& s) {
         o.w = 2;
         o.past_weeks_not_included = 1;
         o.trend = false;
         o.weights_threshold = 1;
         o.range_from = last(s, 60);
       }},
      {"ff_newport_missing", newport_missing, "farrington", [](O& o, const S&) { o.range_from = 400; }},
      {"ff_newport_missing_noufaily", newport_missing, "noufaily", [](O& o, const S&) { o.range_from = 600; }},
      {"ff_salmAllOnset_default", salm_all_onset, "farrington", [](O& o, const S& s) { o.range_from = last(s, 104); }},
      {"ff_salmAllOnset_noufaily", salm_all_onset, "noufaily", [](O& o, const S& s) { o.range_from = last(s, 104); }},
      {"ff_momo_population", momo, "farrington",
       [](O& o, const S& s) {
         o.population_offset = true;
         o.range_from = last(s, 104);
       }},
      {"ff_momo_population_noufaily", momo, "noufaily",
       [](O& o, const S& s) {
         o.population_offset = true;
         o.range_from = last(s, 104);
       }},
      {"ff_momo_no_population", momo, "farrington", [](O& o, const S& s) { o.range_from = last(s, 104); }},
      {"f96_agona_b4", agona, "farrington1996",
       [](O& o, const S& s) {
         o.b = 4;
         o.range_from = last(s, 52);
       }},
      {"f96_influenza_default", influenza, "farrington1996", [](O& o, const S&) { o.range_from = 260; }},
      {"f96_hepatitisA_b3_noreweight", hepatitis_a, "farrington1996",
       [](O& o, const S&) {
         o.b = 3;
         o.reweight = false;
         o.alpha = 0.01;
         o.range_from = 160;
       }},
      {"glr_agona_carl4", agona, "glr-poisson",
       [](O& o, const S&) {
         o.range_from = 209;
         o.c_arl = 4;
       }},
      {"glr_influenza_s2_trend", influenza, "glr-poisson",
       [](O& o, const S&) {
         o.range_from = 157;
         o.glr_harmonics = 2;
         o.glr_trend = true;
       }},
      {"glr_hepatitisA", hepatitis_a, "glr-poisson",
       [](O& o, const S&) {
         o.range_from = 105;
         o.c_arl = 3;
       }},
  };
  for (const char* variant : {"c1", "c2", "c3"}) {
    const std::string method = std::string("ears-") + variant;
    cases.push_back({std::string("ears_") + variant + "_agona", agona, method, [](O&, const S&) {}});
    cases.push_back({std::string("ears_") + variant + "_hepatitisA", hepatitis_a, method, [](O&, const S&) {}});
    cases.push_back({std::string("ears_") + variant + "_influenza_b10_sigma1", influenza, method, [](O& o, const S&) {
                       o.baseline = 10;
                       o.min_sigma = 1;
                       o.alpha = 0.01;
                     }});
  }
  const std::vector<std::pair<std::string, CusumTransform>> transforms = {
      {"standard", CusumTransform::kStandard},       {"rossi", CusumTransform::kRossi},
      {"anscombe", CusumTransform::kAnscombe},       {"anscombe2nd", CusumTransform::kAnscombe2nd},
      {"pearsonNegBin", CusumTransform::kPearsonNegBin}, {"none", CusumTransform::kNone}};
  for (const auto& [name, transform] : transforms) {
    const CusumTransform chosen = transform;
    cases.push_back({"cusum_" + name + "_agona", agona, "cusum", [chosen](O& o, const S&) {
                       o.cusum_transform = chosen;
                       o.range_from = 209;
                     }});
    cases.push_back({"cusum_" + name + "_hepatitisA", hepatitis_a, "cusum", [chosen](O& o, const S&) {
                       o.cusum_transform = chosen;
                       o.range_from = 157;
                       o.k = 0.5;
                       o.h = 4;
                     }});
  }
  return cases;
}

double field(const WeekResult& week, const std::string& column) {
  if (column == "observed") return week.observed;
  if (column == "upperbound") return week.upperbound;
  if (column == "expected") return week.expected;
  if (column == "score") return week.score;
  if (column == "pvalue") return week.pvalue;
  if (column == "phi") return week.phi;
  if (column == "trend") return week.trend;
  ADD_FAILURE() << "unknown column " << column;
  return kMissing;
}

// Relative 1e-6; values within 1e-9 of zero (a score of y - mu0 with y == mu0 up to rounding, a
// p-value R computes as 1 - q) carry only rounding noise in R itself, so they match absolutely.
bool close_enough(double ours, double theirs) {
  if (std::isnan(theirs) || std::isnan(ours)) return std::isnan(theirs) && std::isnan(ours);
  return std::abs(ours - theirs) <= 1e-6 * std::abs(theirs) || std::abs(ours - theirs) <= 1e-9;
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, MatchesRSurveillance) {
  const GoldenCase& c = GetParam();
  const Table golden = read_table(kGolden + c.golden + ".csv");
  const WeeklySeries series = c.series();
  const Detector* detector = find_detector(c.method);
  ASSERT_NE(detector, nullptr) << c.method;
  DetectorOptions options = detector->default_options;
  c.configure(options, series);
  const auto result = detector->run(series, options);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  const std::vector<WeekResult>& weeks = result.value();
  const std::vector<double> t = numbers(golden, "t");
  ASSERT_EQ(weeks.size(), t.size());
  int mismatches = 0;
  for (size_t i = 0; i < weeks.size() && mismatches < 10; ++i) {
    EXPECT_EQ(weeks[i].t, static_cast<int64_t>(t[i]));
    const std::string& alarm = golden.at("alarm")[i];
    const Alarm expected_alarm = alarm == "true" ? Alarm::kYes : alarm == "false" ? Alarm::kNo : Alarm::kMissing;
    if (weeks[i].alarm != expected_alarm) {
      ++mismatches;
      ADD_FAILURE() << c.golden << " t=" << t[i] << " alarm: R " << alarm;
    }
    for (const auto& [column, values] : golden) {
      if (column == "t" || column == "date" || column == "alarm") continue;
      const double theirs = to_number(values[i]);
      const double ours = field(weeks[i], column);
      if (!close_enough(ours, theirs)) {
        ++mismatches;
        ADD_FAILURE() << c.golden << " t=" << t[i] << " " << column << ": ours " << ours << ", R " << values[i];
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(RSurveillance, GoldenTest, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.golden; });

}  // namespace
}  // namespace shouwang::detect
