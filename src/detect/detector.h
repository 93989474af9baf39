// The registry of outbreak-detection methods: each method is a pure function from a WeeklySeries
// and DetectorOptions to one WeekResult per evaluated week. No global state: every call may run
// concurrently with any other (the store runs all series in parallel through this interface).
//
//   const Detector* method = find_detector("noufaily");
//   DetectorOptions options = method->default_options;
//   options.range_from = n - 51;  // 1-based, inclusive, like R's `range`
//   Result<std::vector<WeekResult>> weeks = method->run(series, options);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "detect/weekly_series.h"

namespace shouwang::detect {

enum class ThresholdMethod { kDelta, kNbPlugin, kMuan };
enum class PowerTransform { kNone, kHalf, kTwoThirds };
enum class CusumTransform { kStandard, kRossi, kAnscombe, kAnscombe2nd, kPearsonNegBin, kNone };
enum class EarsC3Definition { kSurveillancePackage, kCdc };

// Every option of every method, named after the R package's control arguments. A method reads
// only the fields it uses; `Detector::default_options` holds the package's defaults for it.
struct DetectorOptions {
  // Weeks to evaluate, 1-based and inclusive; 0 means the method's default range.
  int64_t range_from = 0;
  int64_t range_to = 0;

  // farringtonFlexible / algo.farrington
  int b = 5;
  int w = 3;
  bool reweight = true;
  double weights_threshold = 2.58;
  double alpha = 0.05;
  bool trend = true;
  double p_threshold_trend = 0.05;
  double limit54_cases = 5;
  int limit54_weeks = 4;
  PowerTransform power_transform = PowerTransform::kTwoThirds;
  bool population_offset = false;
  int no_periods = 1;
  int past_weeks_not_included = -1;  // -1: equal to w
  ThresholdMethod threshold_method = ThresholdMethod::kDelta;
  // false ("clean" mode): no surveillance 1.20.3 quirks; see docs/methods/detection.md.
  bool compat_r_surveillance = true;

  // earsC (alpha above; its default depends on the variant, see find_detector)
  int baseline = 7;
  double min_sigma = 0;
  EarsC3Definition c3_definition = EarsC3Definition::kSurveillancePackage;

  // algo.cusum
  double k = 1.04;
  double h = 2.26;
  CusumTransform cusum_transform = CusumTransform::kStandard;
  double cusum_alpha = 0.1;  // only for the pearsonNegBin transform

  // algo.glrpois
  double c_arl = 5;
  int glr_harmonics = 1;  // mu0 model: S
  bool glr_trend = false;  // mu0 model: trend
};

using DetectorFunction = Result<std::vector<WeekResult>> (*)(const WeeklySeries&, const DetectorOptions&);

struct Detector {
  std::string_view name;         // e.g. "noufaily"
  std::string_view description;  // one line for --help
  DetectorOptions default_options;
  DetectorFunction run;
};

// All methods, in a stable order.
std::span<const Detector> all_detectors();
// The method with this name, or nullptr.
const Detector* find_detector(std::string_view name);
// "farrington, noufaily, ..." for error messages.
std::string detector_names();

// Returns the evaluated range for a series of n weeks: the options' range if set, else `default_from`..n.
// Fails with a clear message when the range is outside 1..n or empty.
Result<std::pair<int64_t, int64_t>> resolve_range(const DetectorOptions& options, int64_t n, int64_t default_from);

}  // namespace shouwang::detect
