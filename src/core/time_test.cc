#include "core/time.h"

#include <gtest/gtest.h>

namespace shouwang {
namespace {

TEST(Timestamp, ParsesIso8601Forms) {
  EXPECT_EQ(Timestamp::parse("1970-01-01T00:00:01Z")->micros(), 1'000'000);
  EXPECT_EQ(Timestamp::parse("1970-01-01T08:00:00+08:00")->micros(), 0);
  EXPECT_EQ(Timestamp::parse("1970-01-01T00:00:00.25Z")->micros(), 250'000);
  // A bare date is the end of that day.
  EXPECT_EQ(Timestamp::parse("1970-01-01")->micros(), 86'400'000'000 - 1);
  EXPECT_FALSE(Timestamp::parse("yesterday").is_ok());
  EXPECT_FALSE(Timestamp::parse("2020-01-01T25:00:00Z").is_ok());
}

TEST(Timestamp, PrintsRoundTrip) {
  for (const char* text : {"2020-03-01T12:34:56Z", "2021-12-31T23:59:59.123456Z"}) {
    auto t = Timestamp::parse(text);
    ASSERT_TRUE(t.is_ok());
    EXPECT_EQ(t->to_string(), text);
  }
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(Timestamp::from_seconds(100));
  EXPECT_EQ(clock.now().micros(), 100'000'000);
  clock.advance_micros(5);
  EXPECT_EQ(clock.now().micros(), 100'000'005);
}

}  // namespace
}  // namespace shouwang
