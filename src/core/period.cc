// Calendar arithmetic on std::chrono's civil calendar (C++20).
#include "core/period.h"

#include <cstdio>

namespace shouwang {
namespace {

namespace chr = std::chrono;
using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

year_month_day ymd_of(Date d) { return year_month_day(sys_days(days(d.days_since_epoch()))); }

bool parse_digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

}  // namespace

Date Date::from_ymd(int y, unsigned m, unsigned d) {
  sys_days sd = year_month_day(chr::year(y), chr::month(m), chr::day(d));
  return Date(static_cast<int32_t>(sd.time_since_epoch().count()));
}

Result<Date> Date::parse(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !parse_digits(text, 0, 4, y) ||
      !parse_digits(text, 5, 2, m) || !parse_digits(text, 8, 2, d)) {
    return invalid_argument("date '" + std::string(text) + "' is not YYYY-MM-DD");
  }
  year_month_day ymd(chr::year(y), chr::month(static_cast<unsigned>(m)), chr::day(static_cast<unsigned>(d)));
  if (!ymd.ok()) return invalid_argument("date '" + std::string(text) + "' does not exist");
  return from_ymd(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

int Date::year() const { return static_cast<int>(ymd_of(*this).year()); }
unsigned Date::month() const { return static_cast<unsigned>(ymd_of(*this).month()); }
unsigned Date::day() const { return static_cast<unsigned>(ymd_of(*this).day()); }

unsigned Date::iso_weekday() const {
  return std::chrono::weekday(sys_days(days(days_))).iso_encoding();
}

std::string Date::to_string() const {
  auto ymd = ymd_of(*this);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

IsoWeek IsoWeek::containing(Date date) {
  // The ISO year is the calendar year of the Thursday of the same week.
  Date thursday = date.plus_days(4 - static_cast<int32_t>(date.iso_weekday()));
  int iso_year = thursday.year();
  Date jan1 = Date::from_ymd(iso_year, 1, 1);
  unsigned week = static_cast<unsigned>((thursday.days_since_epoch() - jan1.days_since_epoch()) / 7 + 1);
  return IsoWeek(iso_year, week);
}

unsigned IsoWeek::weeks_in_year(int iso_year) {
  // A year has 53 weeks exactly when 28 December falls in week 53.
  return containing(Date::from_ymd(iso_year, 12, 28)).week();
}

Date IsoWeek::monday() const {
  // 4 January is always in week 1.
  Date jan4 = Date::from_ymd(year_, 1, 4);
  Date week1_monday = jan4.plus_days(1 - static_cast<int32_t>(jan4.iso_weekday()));
  return week1_monday.plus_days(static_cast<int32_t>((week_ - 1) * 7));
}

IsoWeek IsoWeek::next() const { return containing(monday().plus_days(7)); }

Result<IsoWeek> IsoWeek::parse(std::string_view text) {
  int y = 0, w = 0;
  if (text.size() != 8 || text[4] != '-' || (text[5] != 'W' && text[5] != 'w') ||
      !parse_digits(text, 0, 4, y) || !parse_digits(text, 6, 2, w)) {
    return invalid_argument("week '" + std::string(text) + "' is not YYYY-Www");
  }
  if (w < 1 || static_cast<unsigned>(w) > weeks_in_year(y)) {
    return invalid_argument("week '" + std::string(text) + "' does not exist");
  }
  return IsoWeek(y, static_cast<unsigned>(w));
}

std::string IsoWeek::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-W%02u", year_, week_);
  return buf;
}

Result<Period> Period::parse(std::string_view text) {
  if (text.size() == 8 && (text[5] == 'W' || text[5] == 'w')) {
    ASSIGN_OR_RETURN(IsoWeek w, IsoWeek::parse(text));
    return Period::week(w);
  }
  if (text.size() == 10) {
    ASSIGN_OR_RETURN(Date d, Date::parse(text));
    return Period::day(d);
  }
  if (text.size() == 7) {
    int y = 0, m = 0;
    if (text[4] != '-' || !parse_digits(text, 0, 4, y) || !parse_digits(text, 5, 2, m)) {
      return invalid_argument("month '" + std::string(text) + "' is not YYYY-MM");
    }
    if (m < 1 || m > 12) return invalid_argument("month '" + std::string(text) + "' does not exist");
    return Period::month(y, static_cast<unsigned>(m));
  }
  return invalid_argument("date '" + std::string(text) + "' is neither YYYY-MM-DD, YYYY-Www nor YYYY-MM");
}

Period Period::containing(Kind kind, Date d) {
  switch (kind) {
    case Kind::kWeek: return week(IsoWeek::containing(d));
    case Kind::kMonth: return month(d.year(), d.month());
    case Kind::kDay: break;
  }
  return day(d);
}

Date Period::end() const {
  switch (kind_) {
    case Kind::kWeek: return start_.plus_days(6);
    case Kind::kMonth: return plus(1).start().plus_days(-1);
    case Kind::kDay: break;
  }
  return start_;
}

int32_t Period::ordinal() const {
  switch (kind_) {
    // 1970-01-05 was a Monday: weeks are counted from it (floor division for earlier ones).
    case Kind::kWeek: {
      int32_t days = start_.days_since_epoch() - 4;
      return days >= 0 ? days / 7 : -((-days + 6) / 7);
    }
    case Kind::kMonth: return (start_.year() - 1970) * 12 + static_cast<int32_t>(start_.month()) - 1;
    case Kind::kDay: break;
  }
  return start_.days_since_epoch();
}

Period Period::from_ordinal(Kind kind, int32_t ordinal) {
  switch (kind) {
    case Kind::kWeek: return Period(Kind::kWeek, Date(ordinal * 7 + 4));
    case Kind::kMonth: {
      int32_t year = ordinal >= 0 ? ordinal / 12 : -((-ordinal + 11) / 12);
      return month(1970 + year, static_cast<unsigned>(ordinal - year * 12 + 1));
    }
    case Kind::kDay: break;
  }
  return day(Date(ordinal));
}

std::string Period::to_string() const {
  switch (kind_) {
    case Kind::kWeek: return iso_week().to_string();
    case Kind::kMonth: return start_.to_string().substr(0, 7);
    case Kind::kDay: break;
  }
  return start_.to_string();
}

std::string_view period_kind_name(Period::Kind kind) {
  switch (kind) {
    case Period::Kind::kWeek: return "week";
    case Period::Kind::kMonth: return "month";
    case Period::Kind::kDay: break;
  }
  return "day";
}

}  // namespace shouwang
