// Calendar periods of surveillance data: a day (ISO date), an ISO 8601 week ("2020-W13") or a
// calendar month ("2020-03", what national HMIS such as DHIS2 report monthly); parsing, printing
// and the day -> week conversion used when daily reports feed weekly methods.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shouwang {

// A calendar date, stored as days since 1970-01-01 (so dates compare and subtract as integers).
class Date {
 public:
  constexpr Date() = default;
  constexpr explicit Date(int32_t days_since_epoch) : days_(days_since_epoch) {}
  static Date from_ymd(int year, unsigned month, unsigned day);

  // Accepts exactly YYYY-MM-DD; rejects impossible dates such as 2021-02-29.
  static Result<Date> parse(std::string_view text);

  int32_t days_since_epoch() const { return days_; }
  int year() const;
  unsigned month() const;
  unsigned day() const;
  // ISO weekday: Monday = 1 .. Sunday = 7.
  unsigned iso_weekday() const;
  std::string to_string() const;  // YYYY-MM-DD

  Date plus_days(int32_t n) const { return Date(days_ + n); }
  friend constexpr auto operator<=>(Date, Date) = default;

 private:
  int32_t days_ = 0;
};

// An ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday.
class IsoWeek {
 public:
  constexpr IsoWeek() = default;
  IsoWeek(int iso_year, unsigned week) : year_(iso_year), week_(week) {}
  static IsoWeek containing(Date date);
  // Accepts YYYY-Www (e.g. 2020-W13); rejects week 53 in years that have 52.
  static Result<IsoWeek> parse(std::string_view text);
  static unsigned weeks_in_year(int iso_year);

  int iso_year() const { return year_; }
  unsigned week() const { return week_; }
  Date monday() const;
  Date sunday() const { return monday().plus_days(6); }
  IsoWeek next() const;
  std::string to_string() const;  // YYYY-Www
  friend auto operator<=>(const IsoWeek&, const IsoWeek&) = default;

 private:
  int year_ = 1970;
  unsigned week_ = 1;
};

// The period an observation covers. Daily, weekly and monthly series never mix within one series.
class Period {
 public:
  // Stored as integers by the stores: values are never renumbered.
  enum class Kind : uint8_t { kDay = 0, kWeek = 1, kMonth = 2 };

  Period() = default;
  static Period day(Date d) { return Period(Kind::kDay, d); }
  static Period week(IsoWeek w) { return Period(Kind::kWeek, w.monday()); }
  static Period month(int year, unsigned month) { return Period(Kind::kMonth, Date::from_ymd(year, month, 1)); }
  // The period of `kind` that contains `d`.
  static Period containing(Kind kind, Date d);
  // YYYY-MM-DD, YYYY-Www or YYYY-MM.
  static Result<Period> parse(std::string_view text);

  Kind kind() const { return kind_; }
  bool is_week() const { return kind_ == Kind::kWeek; }
  bool is_month() const { return kind_ == Kind::kMonth; }
  // The first day of the period (the Monday of a week, the 1st of a month).
  Date start() const { return start_; }
  // The last day of the period.
  Date end() const;
  int32_t length_in_days() const { return end().days_since_epoch() - start_.days_since_epoch() + 1; }
  IsoWeek iso_week() const { return IsoWeek::containing(start_); }
  std::string to_string() const;

  // Periods of one kind numbered consecutively (days, weeks or months since 1970), so that series
  // of any kind are laid out in slots by subtraction.
  int32_t ordinal() const;
  static Period from_ordinal(Kind kind, int32_t ordinal);
  Period plus(int32_t periods) const { return from_ordinal(kind_, ordinal() + periods); }

  friend auto operator<=>(const Period&, const Period&) = default;

 private:
  Period(Kind kind, Date start) : kind_(kind), start_(start) {}
  Kind kind_ = Kind::kDay;
  Date start_;
};

std::string_view period_kind_name(Period::Kind kind);  // day|week|month

}  // namespace shouwang
