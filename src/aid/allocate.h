// One allocation round as a pure function: (policy, needs snapshot, offers snapshot, costs) ->
// allocation. The same inputs always give the same allocation, so a published round can be
// re-run by anyone. Inputs are checked first; an error names the offending row.
#pragma once

#include <optional>
#include <vector>

#include "aid/model.h"
#include "core/status.h"

namespace shouwang::aid {

// Items are allocated independently. For each item, `options.buffer` of the offered units is held
// back, then the policy decides how many units each need receives (see Policy) and which offers
// send them. When `costs` is given, goods only travel along the (origin, country) pairs it lists
// and every offer needs an origin; without it transport is free and only purchase prices count.
// Cost rows for origins or countries not in this round are skipped.
// Errors (InvalidArgument): malformed codes, negative quantities, duplicate rows, an
// offer without origin when costs are given, a cost missing for a pair the `fair` policy uses,
// or fair quantities that no priced route can deliver under `fair-then-cost`.
Result<Allocation> allocate(const std::vector<Need>& needs, const std::vector<Offer>& offers,
                            const std::optional<std::vector<TransportCost>>& costs,
                            const AllocationOptions& options);

}  // namespace shouwang::aid
