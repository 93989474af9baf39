// Instants (UTC, microsecond resolution) and the Clock seam: code that needs "now" takes a
// Clock so tests can drive time (escalation timers, as_of queries) deterministically.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shouwang {

class Timestamp {
 public:
  constexpr Timestamp() = default;
  constexpr explicit Timestamp(int64_t micros_since_epoch) : micros_(micros_since_epoch) {}
  static Timestamp from_seconds(int64_t s) { return Timestamp(s * 1'000'000); }

  // ISO 8601 in UTC: 2020-03-01, 2020-03-01T12:00:00Z, 2020-03-01T12:00:00.123456Z, or with
  // an explicit offset (+08:00). A bare date means the end of that UTC day (23:59:59.999999),
  // which is what "as known on that day" means to a reader.
  static Result<Timestamp> parse(std::string_view text);

  int64_t micros() const { return micros_; }
  std::string to_string() const;  // 2020-03-01T12:00:00.123456Z (fraction omitted when zero)
  friend constexpr auto operator<=>(Timestamp, Timestamp) = default;

 private:
  int64_t micros_ = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

// The wall clock. The only place in the code base that reads system time.
class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

// A clock tests move by hand. Atomic because background threads (watch::DetectionQueue's worker,
// the liaison outbox) read it while the test moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : micros_(start.micros()) {}
  Timestamp now() const override { return Timestamp(micros_.load()); }
  void advance_micros(int64_t micros) { micros_ += micros; }
  void advance_seconds(double seconds) { advance_micros(static_cast<int64_t>(seconds * 1e6)); }
  void set(Timestamp t) { micros_.store(t.micros()); }

 private:
  std::atomic<int64_t> micros_;
};

}  // namespace shouwang
