// Internal to src/store: what both backends' change-feed code says alike.
#pragma once

#include <string>

#include "core/status.h"
#include "store/store.h"

namespace shouwang::store {

// apply_revisions met a revision stored under the same number with another value or time: the two
// stores' histories of that key differ, and neither is overwritten.
inline Status revision_conflict(const Revision& r) {
  return failed_precondition("revision " + std::to_string(r.revision) + " of " + r.location + " / " + r.indicator +
                             (r.disaggregation.empty() ? "" : " / " + r.disaggregation) + " / " + r.source + " / " +
                             r.period.to_string() +
                             " is stored here with another value or time: the histories differ");
}

}  // namespace shouwang::store
