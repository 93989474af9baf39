// The liaison vocabulary: the detection signal the alert pipeline consumes, severities, alert
// states, subscriptions of focal points, escalation policies, and the parsing of their flags.
// Built against this Signal type (not the detection engine's) so routing and lifecycle can be
// driven by synthetic signals; the CLI maps detection results onto it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace shouwang::alert {

// One evaluated week of one series, as the detection engine reports it.
struct Signal {
  std::string location;    // WORLD, AFRO, NGA, NGA-LA
  std::string indicator;   // cases, deaths, ...
  std::string period;      // the evaluated week, e.g. 2020-W12 or 2020-03-16
  std::string method;      // detector name, e.g. farrington_flexible
  double observed = 0;
  double upperbound = 0;
  bool alarm = false;
  double score = 0;        // method-specific exceedance score, carried into the alert as is
};

enum class Severity : int8_t { kLow = 0, kMedium = 1, kHigh = 2 };
std::string_view severity_name(Severity severity);
Result<Severity> parse_severity(std::string_view name);

// How far above its threshold a week is: observed/upperbound >= 2 is high, >= 1.5 medium, else
// low. A ratio rather than the score because scores are not comparable across methods.
Severity severity_of_signal(const Signal& signal);

enum class AlertState : int8_t { kOpen, kAcknowledged, kResolved };
std::string_view alert_state_name(AlertState state);
Result<AlertState> parse_alert_state(std::string_view name);

struct Alert {
  int64_t id = 0;
  std::string group_key;  // location|indicator: signals with the same key join an open alert
  std::string location;
  std::string indicator;
  Severity severity = Severity::kLow;
  AlertState state = AlertState::kOpen;
  std::string origin;     // "signal" or "event" (a focal point's manual report)
  std::string text;
  Timestamp opened_at;
  Timestamp last_signal_at;
  int64_t signal_count = 1;
  Timestamp report_received_at;  // when the report that opened it reached the server
  std::string opened_by;
  // Under the International Health Regulations an unverified event is shared only among focal
  // points and WHO: an event alert is confidential until a focal point publishes it. Detection
  // runs on figures that are already public, so its alerts are published as they open. Anything
  // else stays confidential until someone publishes it (fails closed).
  std::optional<Timestamp> published_at;
  std::string published_by;

  bool published() const { return published_at.has_value(); }
};

// The answer for an alert that does not exist, and for one the caller may not see: the two must
// be indistinguishable.
Status alert_not_found(int64_t alert_id);

struct Transition {
  int64_t alert_id = 0;
  std::string from_state;  // empty for the opening
  std::string to_state;
  std::string actor;
  Timestamp at;
  std::string note;
};

// A focal point's standing request: alerts at `location` or anywhere below it, optionally only
// for one indicator, at `min_severity` or above, delivered to `webhook`.
struct Subscription {
  int64_t id = 0;
  std::string name;
  std::string organisation;
  std::string location;
  std::string indicator;  // empty: every indicator
  Severity min_severity = Severity::kLow;
  std::string webhook;
  std::string secret;     // HMAC key for X-Shouwang-Signature; empty: unsigned
  Timestamp created_at;
};

// "Not acknowledged `after` an alert at or below `location` opened: notify `webhook`."
struct EscalationPolicy {
  int64_t id = 0;
  std::string location;
  int64_t after_micros = 0;
  std::string webhook;
  std::string secret;
  std::string name;
  Timestamp created_at;
};

// "2s", "15m", "1h", "1d", or a combination like "1h30m"; the result in microseconds (> 0).
Result<int64_t> parse_duration_micros(std::string_view text);

// Checks a webhook URL: http(s)://host[:port]/path (https receivers must present a verifiable certificate).
Status validate_webhook_url(std::string_view url);

}  // namespace shouwang::alert
