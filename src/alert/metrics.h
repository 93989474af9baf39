// Latency histograms and counters of the liaison pipeline in the Prometheus text format
// (GET /api/v1/metrics). Hand-written because Debian 12 packages no Prometheus C++ client; the
// format is small (cumulative buckets, _sum, _count).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shouwang::alert {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // Lines "<name>_bucket{<labels>,le="..."} n", _sum and _count.
  std::string render(const std::string& name, const std::string& labels) const;
  int64_t count() const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<int64_t> counts_;  // per bucket, not cumulative; last is +Inf
  double sum_ = 0;
  int64_t total_ = 0;
};

// Seconds from 1 ms to 1 h: alerts should take milliseconds, escalations minutes.
std::vector<double> latency_buckets_seconds();

class LiaisonMetrics {
 public:
  LiaisonMetrics();
  // Report received -> alert opened or joined (committed).
  Histogram report_to_alert;
  // Report received -> notification delivered, per channel (webhook, nats, bus), for openings.
  Histogram& report_to_delivery(const std::string& channel);
  // Transition (ack, escalation, ...) -> notification delivered, per channel.
  Histogram& transition_to_delivery(const std::string& channel);
  void count_delivery(const std::string& channel, bool ok);
  void count_alert(bool opened);
  // One webhook attempt whose receiver's TLS certificate did not verify.
  void count_webhook_tls_failure() { ++webhook_tls_failures_; }
  // One message of the federation's alert stream handled, by outcome: "queued" (another
  // installation's transition, queued for this one's subscribers), "duplicate" (handled before:
  // a redelivery), "own" (this installation's, already delivered here), "unreadable".
  void count_federation_message(const std::string& outcome);
  int64_t federation_messages(const std::string& outcome) const;
  // One group commit of `reports` event reports (their average is the batch size).
  void count_event_commit(int64_t reports);
  int64_t event_commits() const { return event_commits_.load(); }
  int64_t events_committed() const { return events_committed_.load(); }

  std::string render_prometheus(int64_t outbox_pending) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Histogram>> report_to_delivery_;
  std::map<std::string, std::unique_ptr<Histogram>> transition_to_delivery_;
  std::map<std::pair<std::string, bool>, int64_t> deliveries_;
  std::map<std::string, int64_t> federation_messages_;
  std::atomic<int64_t> alerts_opened_{0};
  std::atomic<int64_t> signals_joined_{0};
  std::atomic<int64_t> event_commits_{0};
  std::atomic<int64_t> events_committed_{0};
  std::atomic<int64_t> webhook_tls_failures_{0};
};

}  // namespace shouwang::alert
