// Timestamp parsing and formatting, and the system clock.
#include "core/time.h"

#include <chrono>
#include <cstdio>

#include "core/period.h"

namespace shouwang {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

Result<Timestamp> Timestamp::parse(std::string_view text) {
  auto bad = [&] {
    return invalid_argument("timestamp '" + std::string(text) +
                            "' is not ISO 8601 (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.ffffff]Z)");
  };
  if (text.size() < 10) return bad();
  auto date = Date::parse(text.substr(0, 10));
  if (!date) return bad();
  constexpr int64_t kDay = 86'400'000'000;
  int64_t day_start = static_cast<int64_t>(date->days_since_epoch()) * kDay;
  if (text.size() == 10) return Timestamp(day_start + kDay - 1);
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return bad();
  int hh = 0, mm = 0, ss = 0;
  if (!digits(text, 11, 2, hh) || text.size() < 16 || text[13] != ':' || !digits(text, 14, 2, mm)) return bad();
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!digits(text, pos + 1, 2, ss)) return bad();
    pos += 3;
  }
  if (hh > 23 || mm > 59 || ss > 60) return bad();
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      micros += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    char c = text[pos];
    if ((c == 'Z' || c == 'z') && pos + 1 == text.size()) {
      // UTC
    } else if ((c == '+' || c == '-') && text.size() == pos + 6 && text[pos + 3] == ':') {
      int oh = 0, om = 0;
      if (!digits(text, pos + 1, 2, oh) || !digits(text, pos + 4, 2, om)) return bad();
      offset_minutes = (oh * 60 + om) * (c == '+' ? 1 : -1);
    } else {
      return bad();
    }
  }
  int64_t seconds = hh * 3600 + mm * 60 + ss - offset_minutes * 60;
  return Timestamp(day_start + seconds * 1'000'000 + micros);
}

std::string Timestamp::to_string() const {
  constexpr int64_t kDay = 86'400'000'000;
  int64_t days = micros_ >= 0 ? micros_ / kDay : -((-micros_ + kDay - 1) / kDay);
  int64_t rest = micros_ - days * kDay;
  Date d(static_cast<int32_t>(days));
  int64_t secs = rest / 1'000'000;
  int64_t frac = rest % 1'000'000;
  char buf[48];
  if (frac == 0) {
    std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lldZ", d.to_string().c_str(),
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lld.%06lldZ", d.to_string().c_str(),
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60), static_cast<long long>(frac));
  }
  return buf;
}

Timestamp SystemClock::now() const {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp(std::chrono::duration_cast<std::chrono::microseconds>(since).count());
}

}  // namespace shouwang
