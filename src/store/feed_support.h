// Internal to src/store: what both backends' write and change-feed code say alike.
#pragma once

#include <string>

#include "core/status.h"
#include "store/store.h"

namespace shouwang::store {

// A figure that is NaN: SQLite would store it as NULL and PostgreSQL call it equal to itself, so both
// stores refuse it alike.
inline Status not_a_number(const std::string& location, const std::string& indicator, const Period& period) {
  return invalid_argument("value of " + location + " / " + indicator + " / " + period.to_string() + " is not a number");
}

// apply_revisions met a revision stored under the same number with another value or time: the two
// stores' histories of that key differ, and neither is overwritten.
inline Status revision_conflict(const Revision& r) {
  return failed_precondition("revision " + std::to_string(r.revision) + " of " + r.location + " / " + r.indicator +
                             (r.disaggregation.empty() ? "" : " / " + r.disaggregation) + " / " + r.source + " / " +
                             r.period.to_string() +
                             " is stored here with another value or time: the histories differ");
}

}  // namespace shouwang::store
