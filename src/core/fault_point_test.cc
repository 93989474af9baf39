#include "core/fault_point.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

namespace shouwang {
namespace {

// Each death test runs in a forked child that reads SHOUWANG_FAULT_POINT afresh: the parent never
// passes a fault point, so it never reads the variable itself.
TEST(FaultPointDeathTest, TheArmedPassageKillsWithSigkillAndSaysWhere) {
  EXPECT_EXIT(
      {
        setenv("SHOUWANG_FAULT_POINT", "import.commit:3", 1);
        fault::point("import.commit");
        fault::point("other.point");
        fault::point("import.commit");
        fault::point("import.commit");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "fault point import.commit reached \\(passage 3\\)");
}

TEST(FaultPointDeathTest, WithoutACountTheFirstPassageKills) {
  EXPECT_EXIT(
      {
        setenv("SHOUWANG_FAULT_POINT", "a.b", 1);
        fault::point("a.b");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "fault point a.b reached \\(passage 1\\)");
}

TEST(FaultPointDeathTest, UnsetOrMalformedArmsNothing) {
  for (const char* spec : {"", "a.b:0", "a.b:x", "a.b:2x"}) {
    EXPECT_EXIT(
        {
          setenv("SHOUWANG_FAULT_POINT", spec, 1);
          for (int i = 0; i < 5; ++i) fault::point("a.b");
          std::exit(0);
        },
        ::testing::ExitedWithCode(0), "")
        << spec;
  }
}

}  // namespace
}  // namespace shouwang
