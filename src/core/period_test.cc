#include "core/period.h"

#include <gtest/gtest.h>

namespace shouwang {
namespace {

TEST(Date, ParsesAndPrintsRoundTrip) {
  auto d = Date::parse("2020-03-01");
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->to_string(), "2020-03-01");
  EXPECT_EQ(d->year(), 2020);
  EXPECT_EQ(d->month(), 3u);
  EXPECT_EQ(d->day(), 1u);
  EXPECT_EQ(Date::parse("1970-01-01")->days_since_epoch(), 0);
}

TEST(Date, RejectsMalformedAndImpossibleDates) {
  for (const char* bad : {"2021-02-29", "2020-13-01", "2020-3-1", "20200301", "", "2020-03-01x", "abcd-ef-gh"}) {
    EXPECT_FALSE(Date::parse(bad).is_ok()) << bad;
  }
  EXPECT_TRUE(Date::parse("2020-02-29").is_ok());
}

TEST(IsoWeek, MatchesIso8601AtYearBoundaries) {
  // 2021-01-03 is a Sunday in week 53 of 2020; 2019-12-30 is Monday of 2020-W01.
  EXPECT_EQ(IsoWeek::containing(*Date::parse("2021-01-03")).to_string(), "2020-W53");
  EXPECT_EQ(IsoWeek::containing(*Date::parse("2021-01-04")).to_string(), "2021-W01");
  EXPECT_EQ(IsoWeek::containing(*Date::parse("2019-12-30")).to_string(), "2020-W01");
  EXPECT_EQ(IsoWeek::containing(*Date::parse("2020-03-26")).to_string(), "2020-W13");
  EXPECT_EQ(IsoWeek::weeks_in_year(2020), 53u);
  EXPECT_EQ(IsoWeek::weeks_in_year(2021), 52u);
  EXPECT_EQ(IsoWeek::parse("2020-W13")->monday().to_string(), "2020-03-23");
}

TEST(IsoWeek, RejectsWeeksThatDoNotExist) {
  EXPECT_FALSE(IsoWeek::parse("2021-W53").is_ok());
  EXPECT_FALSE(IsoWeek::parse("2020-W00").is_ok());
  EXPECT_TRUE(IsoWeek::parse("2020-W53").is_ok());
}

TEST(Period, ParsesDaysAndWeeks) {
  auto day = Period::parse("2020-03-01");
  ASSERT_TRUE(day.is_ok());
  EXPECT_FALSE(day->is_week());
  EXPECT_EQ(day->iso_week().to_string(), "2020-W09");
  auto week = Period::parse("2020-W13");
  ASSERT_TRUE(week.is_ok());
  EXPECT_TRUE(week->is_week());
  EXPECT_EQ(week->to_string(), "2020-W13");
  EXPECT_EQ(week->end().to_string(), "2020-03-29");
  EXPECT_FALSE(Period::parse("March 1").is_ok());
}

TEST(Period, ParsesAndStepsMonths) {
  auto month = Period::parse("2020-02");
  ASSERT_TRUE(month.is_ok());
  EXPECT_TRUE(month->is_month());
  EXPECT_EQ(month->to_string(), "2020-02");
  EXPECT_EQ(month->start().to_string(), "2020-02-01");
  EXPECT_EQ(month->end().to_string(), "2020-02-29");
  EXPECT_EQ(month->length_in_days(), 29);
  EXPECT_EQ(month->plus(11).to_string(), "2021-01");
  EXPECT_EQ(month->plus(-2).to_string(), "2019-12");
  EXPECT_FALSE(Period::parse("2020-13").is_ok());
  EXPECT_FALSE(Period::parse("2020-00").is_ok());
  EXPECT_FALSE(Period::parse("2020-1x").is_ok());
  EXPECT_EQ(Period::containing(Period::Kind::kMonth, Date::from_ymd(2021, 3, 31)).to_string(), "2021-03");
}

TEST(Period, OrdinalsNumberPeriodsConsecutivelyBeforeAndAfter1970) {
  for (auto kind : {Period::Kind::kDay, Period::Kind::kWeek, Period::Kind::kMonth}) {
    Period p = Period::containing(kind, Date::from_ymd(1968, 11, 20));
    for (int i = 0; i < 200; ++i) {
      Period next = Period::containing(kind, p.end().plus_days(1));
      ASSERT_EQ(next.ordinal(), p.ordinal() + 1) << p.to_string();
      ASSERT_EQ(Period::from_ordinal(kind, p.ordinal()), p) << p.to_string();
      p = next;
    }
  }
}

}  // namespace
}  // namespace shouwang
