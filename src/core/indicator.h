// What is counted: cases, deaths, tests, ... either new per period (incident) or running totals
// (cumulative). The built-in set is fixed; custom indicators are added to the store at run time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shouwang {

enum class IndicatorKind : uint8_t { kIncident, kCumulative };

std::string_view indicator_kind_name(IndicatorKind kind);  // incident|cumulative
Result<IndicatorKind> parse_indicator_kind(std::string_view name);

struct Indicator {
  std::string code;  // cases, deaths_cumulative, ...
  std::string unit;  // persons, tests, ...
  IndicatorKind kind = IndicatorKind::kIncident;
  std::string description;
  // What it counts cases, deaths... of: "covid19", "cholera", "measles"; empty when unspecified.
  std::string disease;
};

// cases, deaths, tests, hospitalised (incident) and cases_cumulative, deaths_cumulative,
// tests_cumulative (cumulative).
const std::vector<Indicator>& builtin_indicators();

// For a cumulative indicator "x_cumulative", the incident indicator "x" derived from it.
std::optional<std::string> incident_counterpart(std::string_view cumulative_code);

// Indicator codes are lower-case ASCII letters, digits and '_', starting with a letter, <= 64 long.
Status validate_indicator_code(std::string_view code);

// Disease codes ("covid19", "cholera", "measles") are 1-64 lower-case ASCII letters, digits and
// '_'. An indicator without a disease has the empty string, which is not a code.
Status validate_disease_code(std::string_view code);

}  // namespace shouwang
