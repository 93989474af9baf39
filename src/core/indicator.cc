// Built-in indicators.
#include "core/indicator.h"

namespace shouwang {

std::string_view indicator_kind_name(IndicatorKind kind) {
  return kind == IndicatorKind::kIncident ? "incident" : "cumulative";
}

Result<IndicatorKind> parse_indicator_kind(std::string_view name) {
  if (name == "incident") return IndicatorKind::kIncident;
  if (name == "cumulative") return IndicatorKind::kCumulative;
  return invalid_argument("indicator kind must be 'incident' or 'cumulative', not '" + std::string(name) + "'");
}

const std::vector<Indicator>& builtin_indicators() {
  static const std::vector<Indicator> kBuiltins = {
      {"cases", "persons", IndicatorKind::kIncident, "New confirmed cases in the period", "covid19"},
      {"deaths", "persons", IndicatorKind::kIncident, "New deaths in the period", "covid19"},
      {"tests", "tests", IndicatorKind::kIncident, "Tests performed in the period", "covid19"},
      {"hospitalised", "persons", IndicatorKind::kIncident, "New hospital admissions in the period", "covid19"},
      {"cases_cumulative", "persons", IndicatorKind::kCumulative, "Confirmed cases to date", "covid19"},
      {"deaths_cumulative", "persons", IndicatorKind::kCumulative, "Deaths to date", "covid19"},
      {"tests_cumulative", "tests", IndicatorKind::kCumulative, "Tests performed to date", "covid19"},
  };
  return kBuiltins;
}

std::optional<std::string> incident_counterpart(std::string_view cumulative_code) {
  constexpr std::string_view kSuffix = "_cumulative";
  if (cumulative_code.size() > kSuffix.size() && cumulative_code.ends_with(kSuffix)) {
    return std::string(cumulative_code.substr(0, cumulative_code.size() - kSuffix.size()));
  }
  return std::nullopt;
}

Status validate_indicator_code(std::string_view code) {
  bool ok = !code.empty() && code.size() <= 64 && code[0] >= 'a' && code[0] <= 'z';
  for (char c : code) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    return invalid_argument("indicator code '" + std::string(code) +
                            "' must be lower-case letters, digits and '_', starting with a letter");
  }
  return Status::ok();
}

Status validate_disease_code(std::string_view code) {
  bool ok = !code.empty() && code.size() <= 64;
  for (char c : code) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    return invalid_argument("disease code '" + std::string(code) +
                            "' must be 1-64 lower-case letters, digits and '_' (e.g. cholera, covid19)");
  }
  return Status::ok();
}

}  // namespace shouwang
