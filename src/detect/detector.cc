#include "detect/detector.h"

#include <array>

#include "detect/cusum.h"
#include "detect/ears.h"
#include "detect/farrington_flexible.h"

namespace shouwang::detect {
namespace {

DetectorOptions noufaily_defaults() {
  DetectorOptions options;
  options.no_periods = 10;
  options.past_weeks_not_included = 26;
  options.weights_threshold = 2.58;
  options.threshold_method = ThresholdMethod::kNbPlugin;
  return options;
}

DetectorOptions ears_defaults(double alpha) {
  DetectorOptions options;
  options.alpha = alpha;
  return options;
}

Result<std::vector<WeekResult>> run_ears_c1(const WeeklySeries& s, const DetectorOptions& o) {
  return ears_c(s, o, EarsVariant::kC1);
}
Result<std::vector<WeekResult>> run_ears_c2(const WeeklySeries& s, const DetectorOptions& o) {
  return ears_c(s, o, EarsVariant::kC2);
}
Result<std::vector<WeekResult>> run_ears_c3(const WeeklySeries& s, const DetectorOptions& o) {
  return ears_c(s, o, EarsVariant::kC3);
}

const std::array<Detector, 8> kDetectors = {{
    {"farrington", "farringtonFlexible with the package defaults (Farrington et al. 1996)", DetectorOptions{},
     &farrington_flexible},
    {"noufaily", "farringtonFlexible configured as Noufaily et al. 2013 (10 periods, 26 weeks excluded, nbPlugin)",
     noufaily_defaults(), &farrington_flexible},
    {"farrington1996", "the original algo.farrington (two-sided alpha, weightsThreshold 1)", DetectorOptions{},
     &farrington_1996},
    {"ears-c1", "EARS C1 (earsC): 7-week baseline just before the week", ears_defaults(0.001), &run_ears_c1},
    {"ears-c2", "EARS C2 (earsC): 7-week baseline with a 2-week guard band", ears_defaults(0.001), &run_ears_c2},
    {"ears-c3", "EARS C3 (earsC's own definition; --c3-definition cdc for the CDC one)", ears_defaults(0.025),
     &run_ears_c3},
    {"cusum", "algo.cusum: Poisson CUSUM on standardised counts", DetectorOptions{}, &cusum},
    {"glr-poisson", "algo.glrpois: Poisson GLR intercept chart with a seasonal in-control mean", DetectorOptions{},
     &glr_poisson},
}};

}  // namespace

std::span<const Detector> all_detectors() { return kDetectors; }

const Detector* find_detector(std::string_view name) {
  for (const Detector& detector : kDetectors) {
    if (detector.name == name) return &detector;
  }
  return nullptr;
}

std::string detector_names() {
  std::string names;
  for (const Detector& detector : kDetectors) {
    if (!names.empty()) names += ", ";
    names += detector.name;
  }
  return names;
}

Result<std::pair<int64_t, int64_t>> resolve_range(const DetectorOptions& options, int64_t n, int64_t default_from) {
  const int64_t from = options.range_from > 0 ? options.range_from : default_from;
  const int64_t to = options.range_to > 0 ? options.range_to : n;
  if (from < 1 || to > n || from > to) {
    return invalid_argument("range " + std::to_string(from) + ":" + std::to_string(to) +
                            " is outside the series' weeks 1:" + std::to_string(n) +
                            (options.range_from > 0 ? "" : " (the series is too short for the method's default range)"));
  }
  return std::pair<int64_t, int64_t>{from, to};
}

}  // namespace shouwang::detect
