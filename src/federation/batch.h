// The wire format of replication, node -> hub: a batch of the node's change feed as JSON, the body
// of POST /api/v1/federation/revisions (docs/federation.md shows one). Encoding is the node's,
// decoding the hub's: a batch comes from the network, so decode() checks every field (codes,
// periods, instants, finite numbers, positions in order) before anything is stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/indicator.h"
#include "core/location.h"
#include "core/status.h"
#include "store/store.h"

namespace shouwang::federation {

struct Batch {
  // The hub cursor the node believes in: the feed position this batch follows. Absent in the
  // node's first request, which only asks for the cursor (and carries no revisions).
  std::optional<int64_t> after;
  int64_t through = 0;  // the node's feed position this batch reaches
  int64_t head = 0;     // the node's newest feed position (what the hub is behind by)
  std::vector<Location> locations;    // subdivisions the revisions name, for the hub's catalogue
  std::vector<Indicator> indicators;  // definitions of the indicators the revisions name
  std::vector<store::Revision> revisions;
};

std::string encode(const Batch& batch);
// InvalidArgument naming the first bad field; at most kMaxRevisions revisions.
Result<Batch> decode(std::string_view body);

inline constexpr size_t kMaxRevisions = 100'000;

}  // namespace shouwang::federation
