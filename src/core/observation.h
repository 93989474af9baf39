// One reported figure: (location, indicator, period) -> value, with where it came from and
// which revision of that figure it is. The store keeps every revision; nothing is overwritten.
#pragma once

#include <cstdint>
#include <string>

#include "core/period.h"
#include "core/time.h"

namespace shouwang {

struct Observation {
  std::string location;   // location code
  std::string indicator;  // indicator code
  std::string disaggregation;  // canonical "AGE=15-24;SEX=F"; empty for the total
  Period period;
  double value = 0;
  std::string source;     // "jhu", "who", "csv", a ministry's name...
  Timestamp reported_at;  // when the store accepted this revision
  int64_t revision = 0;   // 1 for the first value of a key, +1 for each change
};

}  // namespace shouwang
