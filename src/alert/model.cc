// Names, parsing and the signal severity rule of the liaison vocabulary.
#include "alert/model.h"

#include <boost/url/parse.hpp>
#include <cctype>

namespace shouwang::alert {

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
  }
  return "low";
}

Result<Severity> parse_severity(std::string_view name) {
  if (name == "low") return Severity::kLow;
  if (name == "medium") return Severity::kMedium;
  if (name == "high") return Severity::kHigh;
  return invalid_argument("severity '" + std::string(name) + "' is not low, medium or high");
}

Severity severity_of_signal(const Signal& signal) {
  if (!(signal.upperbound > 0)) return signal.observed > 0 ? Severity::kHigh : Severity::kLow;
  double ratio = signal.observed / signal.upperbound;
  if (ratio >= 2.0) return Severity::kHigh;
  if (ratio >= 1.5) return Severity::kMedium;
  return Severity::kLow;
}

std::string_view alert_state_name(AlertState state) {
  switch (state) {
    case AlertState::kOpen: return "open";
    case AlertState::kAcknowledged: return "acknowledged";
    case AlertState::kResolved: return "resolved";
  }
  return "open";
}

Result<AlertState> parse_alert_state(std::string_view name) {
  if (name == "open") return AlertState::kOpen;
  if (name == "acknowledged") return AlertState::kAcknowledged;
  if (name == "resolved") return AlertState::kResolved;
  return invalid_argument("state '" + std::string(name) + "' is not open, acknowledged or resolved");
}

Status alert_not_found(int64_t alert_id) { return not_found("no alert " + std::to_string(alert_id)); }

Result<int64_t> parse_duration_micros(std::string_view text) {
  if (text.empty()) return invalid_argument("empty duration");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    int64_t number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i] - '0');
      if (number > 1'000'000'000) return invalid_argument("duration '" + std::string(text) + "' is too long");
      ++i;
    }
    if (i == start || i == text.size()) {
      return invalid_argument("duration '" + std::string(text) + "' is not like 2s, 15m, 1h or 1d");
    }
    int64_t unit = 0;
    switch (text[i]) {
      case 's': unit = 1'000'000; break;
      case 'm': unit = 60'000'000; break;
      case 'h': unit = 3'600'000'000; break;
      case 'd': unit = 86'400'000'000; break;
      default: return invalid_argument("duration '" + std::string(text) + "' has an unknown unit (s, m, h, d)");
    }
    ++i;
    total += number * unit;
  }
  if (total <= 0) return invalid_argument("duration '" + std::string(text) + "' must be positive");
  return total;
}

Status validate_webhook_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return invalid_argument("webhook '" + std::string(url) + "' is not a URL");
  if (parsed->scheme() != "http" && parsed->scheme() != "https") {
    return invalid_argument("webhook '" + std::string(url) + "': only http:// and https:// URLs are supported");
  }
  if (parsed->host().empty()) return invalid_argument("webhook '" + std::string(url) + "' has no host");
  return Status::ok();
}

}  // namespace shouwang::alert
