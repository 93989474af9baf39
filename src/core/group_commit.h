// Group commit: callers arriving while a group is being written wait and then share the next one,
// so a burst of writes pays for one commit, not one each. The first waiting caller leads: it takes
// every queued item (its own included), writes them with its own `write` on its own thread, and
// hands each caller its outcome; only the answered callers and the next leader are woken. Event
// reports (alert/liaison_service) and data reports (api/report_commit) are written this way.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace shouwang {

template <typename Item, typename Outcome>
class GroupCommit {
 public:
  // `write(std::vector<Item*>&)` gets the group's items in arrival order and gives one Outcome per
  // item, in that order. Returns this caller's outcome once its group is written.
  template <typename Write>
  Outcome submit(Item item, Write&& write) {
    Queued mine{std::move(item), std::nullopt, {}};
    std::unique_lock lock(mutex_);
    queue_.push_back(&mine);
    while (!mine.outcome) {
      if (running_) {
        mine.wake.wait(lock);
        continue;
      }
      running_ = true;
      // On a busy CPU the other callers' threads may not have run yet: one yield lets them queue
      // for this group instead of paying for a commit each.
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
      std::vector<Queued*> group;
      group.swap(queue_);
      lock.unlock();
      std::vector<Item*> items;
      items.reserve(group.size());
      for (Queued* queued : group) items.push_back(&queued->item);
      std::vector<Outcome> outcomes = write(items);
      lock.lock();
      running_ = false;
      ++groups_;
      items_ += static_cast<int64_t>(group.size());
      for (size_t i = 0; i < group.size(); ++i) {
        group[i]->outcome.emplace(std::move(outcomes[i]));
        group[i]->wake.notify_one();
      }
      if (!queue_.empty()) queue_.front()->wake.notify_one();
    }
    return std::move(*mine.outcome);
  }

  // Groups written so far, the items in them, and the items waiting for the next group.
  int64_t groups() const {
    std::lock_guard lock(mutex_);
    return groups_;
  }
  int64_t items() const {
    std::lock_guard lock(mutex_);
    return items_;
  }
  int64_t waiting() const {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(queue_.size());
  }

 private:
  struct Queued {
    Item item;
    std::optional<Outcome> outcome;
    std::condition_variable wake;  // answered, or its turn to lead
  };
  mutable std::mutex mutex_;
  std::vector<Queued*> queue_;
  bool running_ = false;
  int64_t groups_ = 0;
  int64_t items_ = 0;
};

}  // namespace shouwang
