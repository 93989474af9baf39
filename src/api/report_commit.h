// Group commit of data reports (POST /api/v1/reports): reports whose rows are checked while another
// group is being written wait and then share the next transaction (Store::write_group, through
// core/group_commit.h), so a burst of reports pays for one commit, not one each. Each report keeps
// its all-or-nothing: it is written in a savepoint of its own and answered only once the
// transaction holding it has committed.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/group_commit.h"
#include "core/location.h"
#include "core/status.h"
#include "store/store.h"

namespace shouwang::api {

class ReportCommitter {
 public:
  // Writes one report's rows, grouped with the reports queued meanwhile. `store` is the caller's
  // own connection: whichever caller leads a group writes it on its connection.
  Result<store::WriteSummary> write(store::Store& store, std::span<const store::ObservationWrite> rows,
                                    const std::string& source, Timestamp reported_at,
                                    std::span<const Location> locations);

  // Groups written so far and reports in them, and reports waiting for the next group.
  int64_t groups() const { return group_.groups(); }
  int64_t reports() const { return group_.items(); }
  int64_t waiting() const { return group_.waiting(); }

 private:
  GroupCommit<store::GroupedWrite, Result<store::WriteSummary>> group_;
};

}  // namespace shouwang::api
