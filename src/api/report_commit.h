// Group commit of data reports (POST /api/v1/reports, /api/dataValueSets): reports whose rows are
// checked while another group is being written wait and then share the next transaction
// (Store::write_group), so a burst of reports pays for one commit, not one each. Each report keeps
// its all-or-nothing: it is written in a savepoint of its own and answered only once the
// transaction holding it has committed. Event reports do the same in the liaison.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

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
  int64_t groups() const;
  int64_t reports() const;
  int64_t waiting() const;

 private:
  struct Queued {
    store::GroupedWrite write;
    std::optional<Result<store::WriteSummary>> outcome;
    std::condition_variable wake;  // answered, or its turn to lead
  };
  mutable std::mutex mutex_;
  std::vector<Queued*> queue_;
  bool group_running_ = false;
  int64_t groups_ = 0;
  int64_t reports_ = 0;
};

}  // namespace shouwang::api
