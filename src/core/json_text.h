// JSON text for everything Shouwang publishes (REST bodies, exports, webhook payloads).
// Boost.JSON 1.81 prints doubles in exponent form (0.95 as "9.5E-1", 1.5 as "1.5E0"): valid JSON,
// but unreadable in an open-data API that people read with curl and jq. This writes the same
// document with numbers in their shortest round-trip decimal form ("0.95", "1.5", "1e-09").
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace shouwang {

// Serialises `value` compactly; non-finite doubles (which JSON cannot carry) become null.
std::string json_text(const boost::json::value& value);

// A figure as a JSON value: a whole number as an integer (573, not 5.73E2), other finite numbers
// as doubles, NaN and infinities (which JSON cannot carry) as null.
boost::json::value json_number(double value);

}  // namespace shouwang
