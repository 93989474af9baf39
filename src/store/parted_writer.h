// Internal to src/store: the ObservationWriter both backends hand out from begin_write. Each part
// goes to the backend's write_part inside the transaction begin_write opened; commit() appends the
// changed series to the change feed, upserts the locations the rows need and commits. A backend
// provides
//   Result<int64_t> write_part(rows, source, reported_at, WriteProgress& progress)
//   Status append_to_feed(const std::set<int64_t>& series_ids, Timestamp reported_at)
//   Status upsert_locations_in_transaction(locations)
//   Status exec_sql(std::string_view sql)
//   Status lock_group(std::span<const GroupedWrite> writes)
// and a transaction type with `Status commit()` that rolls back when destroyed uncommitted.
// write_group_in_savepoints() gives both backends Store::write_group from the same pieces.
#pragma once

#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include <unordered_set>
#include <utility>

#include "core/fault_point.h"
#include "store/store.h"

namespace shouwang::store {

// What the parts of one write did so far.
struct WriteProgress {
  // Series an earlier part created: their stored rows are all this write's own.
  std::unordered_set<int64_t> created_in_write;
  // Series that gained a revision: one feed entry each at commit.
  std::set<int64_t> changed_series;
};

template <typename Backend, typename Transaction>
class PartedWriter final : public ObservationWriter {
 public:
  PartedWriter(Backend& backend, std::unique_ptr<Transaction> tx, std::string source, Timestamp reported_at)
      : backend_(backend), tx_(std::move(tx)), source_(std::move(source)), reported_at_(reported_at) {}

  Status add(std::span<const ObservationWrite> rows) override {
    if (tx_ == nullptr) return failed_precondition("this write was already committed");
    ASSIGN_OR_RETURN(int64_t revisions, backend_.write_part(rows, source_, reported_at_, progress_));
    summary_.observations += static_cast<int64_t>(rows.size());
    summary_.new_revisions += revisions;
    return Status::ok();
  }

  Result<WriteSummary> commit(std::span<const Location> locations) override {
    if (tx_ == nullptr) return failed_precondition("this write was already committed");
    if (!locations.empty()) RETURN_IF_ERROR(backend_.upsert_locations_in_transaction(locations));
    // Last before the commit: PostgreSQL numbers feed entries under a table lock held until the
    // commit, and a lock taken after it could close a cycle with another writer (a deadlock).
    RETURN_IF_ERROR(backend_.append_to_feed(progress_.changed_series, reported_at_));
    fault::point("store.write_observations.before_commit");
    RETURN_IF_ERROR(tx_->commit());
    fault::point("store.write_observations.after_commit");
    tx_.reset();
    return summary_;
  }

 private:
  Backend& backend_;
  std::unique_ptr<Transaction> tx_;
  std::string source_;
  Timestamp reported_at_;
  WriteSummary summary_;
  WriteProgress progress_;
};

// Store::write_group over a backend: `begin` opens the transaction; each write runs in a savepoint
// rolled back alone when the write fails.
template <typename Backend, typename Begin>
std::vector<Result<WriteSummary>> write_group_in_savepoints(Backend& backend, std::span<const GroupedWrite> writes,
                                                            Begin begin) {
  std::vector<Result<WriteSummary>> out;
  out.reserve(writes.size());
  auto tx = begin();
  if (!tx.is_ok()) {
    for (size_t i = 0; i < writes.size(); ++i) out.emplace_back(tx.status());
    return out;
  }
  // Several servers on one database: every series the group writes is locked first, in one order
  // (a write alone locks its own in that order too), so two groups never wait on each other crosswise.
  if (Status locked = backend.lock_group(writes); !locked.is_ok()) {
    for (size_t i = 0; i < writes.size(); ++i) out.emplace_back(locked);
    return out;
  }
  // Each stored write's changed series, entered in the feed after all writes (see commit() above).
  std::vector<std::pair<std::set<int64_t>, Timestamp>> feed;
  for (const GroupedWrite& write : writes) {
    Status opened = backend.exec_sql("SAVEPOINT grouped_write");
    if (!opened.is_ok()) {
      out.emplace_back(opened);
      continue;
    }
    auto written = [&]() -> Result<WriteSummary> {
      if (write.source.empty()) return invalid_argument("a write needs a source name");
      WriteProgress progress;
      ASSIGN_OR_RETURN(int64_t revisions, backend.write_part(write.rows, write.source, write.reported_at, progress));
      if (!write.locations.empty()) RETURN_IF_ERROR(backend.upsert_locations_in_transaction(write.locations));
      feed.emplace_back(std::move(progress.changed_series), write.reported_at);
      return WriteSummary{static_cast<int64_t>(write.rows.size()), revisions};
    }();
    if (written.is_ok()) {
      Status released = backend.exec_sql("RELEASE SAVEPOINT grouped_write");
      if (!released.is_ok()) {
        // The transaction cannot go on: nothing of the group is committed.
        for (auto& earlier : out) earlier = Result<WriteSummary>(released);
        while (out.size() < writes.size()) out.emplace_back(released);
        return out;
      }
      out.push_back(std::move(written));
    } else {
      (void)backend.exec_sql("ROLLBACK TO SAVEPOINT grouped_write");
      (void)backend.exec_sql("RELEASE SAVEPOINT grouped_write");
      out.push_back(std::move(written));
    }
  }
  Status committed = Status::ok();
  for (const auto& [series, reported_at] : feed) {
    committed = backend.append_to_feed(series, reported_at);
    if (!committed.is_ok()) break;
  }
  fault::point("store.write_group.before_commit");
  if (committed.is_ok()) committed = (*tx)->commit();
  if (!committed.is_ok()) {
    for (auto& result : out) {
      if (result.is_ok()) result = Result<WriteSummary>(committed);
    }
  }
  return out;
}

}  // namespace shouwang::store
