// The in-process bus: every alert transition is published here right after it is committed, for
// live consumers in the same process (the SSE stream of the dashboard, benchmarks). Nothing is
// kept: a consumer that is not listening misses the message (webhooks and NATS are the durable
// channels).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace shouwang::alert {

class AlertBus {
 public:
  using Listener = std::function<void(const std::string& payload)>;
  // Listeners run on the publishing thread and must be quick.
  int64_t subscribe(Listener listener);
  void unsubscribe(int64_t id);
  void publish(const std::string& payload);
  // Tells long-lived consumers (SSE streams) that the service is shutting down.
  void close() { closed_ = true; }
  bool closed() const { return closed_; }

 private:
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  int64_t next_id_ = 1;
  std::map<int64_t, Listener> listeners_;
};

// A bounded queue fed by a bus subscription, for a consumer on its own thread (an SSE stream).
// Unsubscribes when destroyed.
class BusQueue {
 public:
  BusQueue(AlertBus& bus, size_t capacity = 10'000);
  ~BusQueue();
  // The next payload, or nullopt after `timeout` or close().
  std::optional<std::string> pop(std::chrono::milliseconds timeout);
  void close();
  int64_t dropped() const;

 private:
  AlertBus& bus_;
  int64_t subscription_ = 0;
  size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> items_;
  bool closed_ = false;
  int64_t dropped_ = 0;
};

}  // namespace shouwang::alert
