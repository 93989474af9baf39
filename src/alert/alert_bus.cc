// The in-process bus and its per-consumer queue.
#include "alert/alert_bus.h"

#include <vector>

namespace shouwang::alert {

int64_t AlertBus::subscribe(Listener listener) {
  std::lock_guard lock(mutex_);
  int64_t id = next_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void AlertBus::unsubscribe(int64_t id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

void AlertBus::publish(const std::string& payload) {
  std::lock_guard lock(mutex_);
  for (auto& [id, listener] : listeners_) listener(payload);
}

BusQueue::BusQueue(AlertBus& bus, size_t capacity) : bus_(bus), capacity_(capacity) {
  subscription_ = bus_.subscribe([this](const std::string& payload) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    // A stalled consumer must not grow memory without bound: drop its oldest message.
    if (items_.size() >= capacity_) {
      items_.pop_front();
      ++dropped_;
    }
    items_.push_back(payload);
    ready_.notify_one();
  });
}

BusQueue::~BusQueue() { bus_.unsubscribe(subscription_); }

std::optional<std::string> BusQueue::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
  if (items_.empty()) return std::nullopt;
  std::string out = std::move(items_.front());
  items_.pop_front();
  return out;
}

void BusQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  items_.clear();
  ready_.notify_all();
}

int64_t BusQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace shouwang::alert
