#include "api/report_commit.h"

#include <thread>

namespace shouwang::api {

Result<store::WriteSummary> ReportCommitter::write(store::Store& store, std::span<const store::ObservationWrite> rows,
                                                   const std::string& source, Timestamp reported_at,
                                                   std::span<const Location> locations) {
  Queued mine{store::GroupedWrite{rows, source, reported_at, locations}, std::nullopt, {}};
  std::unique_lock lock(mutex_);
  queue_.push_back(&mine);
  while (!mine.outcome) {
    if (group_running_) {
      mine.wake.wait(lock);
      continue;
    }
    // Lead: write everything queued so far (this report included) in one transaction. On a busy
    // CPU the other request threads may not have run yet: one yield lets them queue their reports
    // for this transaction instead of paying for a commit each.
    group_running_ = true;
    lock.unlock();
    std::this_thread::yield();
    lock.lock();
    std::vector<Queued*> group;
    group.swap(queue_);
    lock.unlock();
    std::vector<store::GroupedWrite> writes;
    writes.reserve(group.size());
    for (Queued* queued : group) writes.push_back(queued->write);
    auto results = store.write_group(writes);
    lock.lock();
    group_running_ = false;
    ++groups_;
    reports_ += static_cast<int64_t>(group.size());
    // Wake only the answered reports and the report that leads the next group, not every waiter.
    for (size_t i = 0; i < group.size(); ++i) {
      group[i]->outcome = std::move(results[i]);
      group[i]->wake.notify_one();
    }
    if (!queue_.empty()) queue_.front()->wake.notify_one();
  }
  return std::move(*mine.outcome);
}

int64_t ReportCommitter::groups() const {
  std::lock_guard lock(mutex_);
  return groups_;
}

int64_t ReportCommitter::reports() const {
  std::lock_guard lock(mutex_);
  return reports_;
}

int64_t ReportCommitter::waiting() const {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(queue_.size());
}

}  // namespace shouwang::api
