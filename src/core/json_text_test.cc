#include "core/json_text.h"

#include <limits>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace shouwang {
namespace {

TEST(JsonText, NumbersAreInPlainDecimalForm) {
  boost::json::object o{{"rate", 0.01}, {"mean", 1.5}, {"big", 123456.789}, {"tiny", 1e-9},
                        {"count", 42}, {"whole", 3.0}, {"q", 0.95}};
  EXPECT_EQ(json_text(o), R"({"rate":0.01,"mean":1.5,"big":123456.789,"tiny":1e-09,"count":42,"whole":3,"q":0.95})");
}

TEST(JsonText, RoundTripsEveryDouble) {
  for (double d : {0.1, 2.0 / 3.0, 1e300, -4.9e-324, 0.30000000000000004, 6.02214076e23}) {
    auto back = boost::json::parse(json_text(boost::json::array{d}));
    EXPECT_EQ(back.as_array()[0].to_number<double>(), d) << json_text(boost::json::array{d});
  }
}

TEST(JsonText, EscapesStringsAndKeysAndNestsContainers) {
  boost::json::value v{{"name \"q\"", "línea\n<mark>潜伏期</mark>"}, {"list", {1, nullptr, true, "x"}}};
  EXPECT_EQ(json_text(v), R"({"name \"q\"":"línea\n<mark>潜伏期</mark>","list":[1,null,true,"x"]})");
  EXPECT_EQ(boost::json::parse(json_text(v)), v);
}

TEST(JsonText, NonFiniteNumbersBecomeNull) {
  boost::json::array a{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()};
  EXPECT_EQ(json_text(a), "[null,null]");
}

}  // namespace
}  // namespace shouwang
