#include "api/report_commit.h"

#include <vector>

namespace shouwang::api {

Result<store::WriteSummary> ReportCommitter::write(store::Store& store, std::span<const store::ObservationWrite> rows,
                                                   const std::string& source, Timestamp reported_at,
                                                   std::span<const Location> locations) {
  return group_.submit(store::GroupedWrite{rows, source, reported_at, locations},
                       [&store](const std::vector<store::GroupedWrite*>& items) {
                         std::vector<store::GroupedWrite> writes;
                         writes.reserve(items.size());
                         for (const store::GroupedWrite* item : items) writes.push_back(*item);
                         return store.write_group(writes);
                       });
}

}  // namespace shouwang::api
