// Prometheus text rendering of the liaison histograms and counters.
#include "alert/metrics.h"

#include <algorithm>
#include <memory>
#include <sstream>

namespace shouwang::alert {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
  ++total_;
}

int64_t Histogram::count() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::string Histogram::render(const std::string& name, const std::string& labels) const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  std::string prefix = labels.empty() ? "" : labels + ",";
  int64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out << name << "_bucket{" << prefix << "le=\"" << bounds_[i] << "\"} " << cumulative << "\n";
  }
  cumulative += counts_.back();
  out << name << "_bucket{" << prefix << "le=\"+Inf\"} " << cumulative << "\n";
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out << name << "_sum" << braces << " " << sum_ << "\n";
  out << name << "_count" << braces << " " << total_ << "\n";
  return out.str();
}

std::vector<double> latency_buckets_seconds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}

LiaisonMetrics::LiaisonMetrics() : report_to_alert(latency_buckets_seconds()) {}

Histogram& LiaisonMetrics::report_to_delivery(const std::string& channel) {
  std::lock_guard lock(mutex_);
  auto& h = report_to_delivery_[channel];
  if (!h) h = std::make_unique<Histogram>(latency_buckets_seconds());
  return *h;
}

Histogram& LiaisonMetrics::transition_to_delivery(const std::string& channel) {
  std::lock_guard lock(mutex_);
  auto& h = transition_to_delivery_[channel];
  if (!h) h = std::make_unique<Histogram>(latency_buckets_seconds());
  return *h;
}

void LiaisonMetrics::count_delivery(const std::string& channel, bool ok) {
  std::lock_guard lock(mutex_);
  ++deliveries_[{channel, ok}];
}

void LiaisonMetrics::count_federation_message(const std::string& outcome) {
  std::lock_guard lock(mutex_);
  ++federation_messages_[outcome];
}

int64_t LiaisonMetrics::federation_messages(const std::string& outcome) const {
  std::lock_guard lock(mutex_);
  auto it = federation_messages_.find(outcome);
  return it == federation_messages_.end() ? 0 : it->second;
}

void LiaisonMetrics::count_alert(bool opened) { (opened ? alerts_opened_ : signals_joined_)++; }

void LiaisonMetrics::count_event_commit(int64_t reports) {
  ++event_commits_;
  events_committed_ += reports;
}

std::string LiaisonMetrics::render_prometheus(int64_t outbox_pending) const {
  std::ostringstream out;
  out << "# HELP shouwang_alert_report_to_alert_seconds Report received to alert opened or joined.\n"
      << "# TYPE shouwang_alert_report_to_alert_seconds histogram\n"
      << report_to_alert.render("shouwang_alert_report_to_alert_seconds", "");
  std::lock_guard lock(mutex_);
  out << "# HELP shouwang_alert_report_to_delivery_seconds Report received to notification of the opened alert "
         "delivered.\n# TYPE shouwang_alert_report_to_delivery_seconds histogram\n";
  for (const auto& [channel, h] : report_to_delivery_) {
    out << h->render("shouwang_alert_report_to_delivery_seconds", "channel=\"" + channel + "\"");
  }
  out << "# HELP shouwang_alert_transition_to_delivery_seconds Acknowledgement, resolution or escalation to "
         "notification delivered.\n# TYPE shouwang_alert_transition_to_delivery_seconds histogram\n";
  for (const auto& [channel, h] : transition_to_delivery_) {
    out << h->render("shouwang_alert_transition_to_delivery_seconds", "channel=\"" + channel + "\"");
  }
  out << "# HELP shouwang_alert_deliveries_total Delivery attempts by channel and result.\n"
      << "# TYPE shouwang_alert_deliveries_total counter\n";
  for (const auto& [key, n] : deliveries_) {
    out << "shouwang_alert_deliveries_total{channel=\"" << key.first << "\",result=\""
        << (key.second ? "ok" : "error") << "\"} " << n << "\n";
  }
  out << "# HELP shouwang_alert_federation_messages_total Messages of the federation's alert stream handled, by "
         "outcome.\n# TYPE shouwang_alert_federation_messages_total counter\n";
  for (const auto& [outcome, n] : federation_messages_) {
    out << "shouwang_alert_federation_messages_total{outcome=\"" << outcome << "\"} " << n << "\n";
  }
  out << "# HELP shouwang_alert_alerts_opened_total Alerts opened.\n# TYPE shouwang_alert_alerts_opened_total counter\n"
      << "shouwang_alert_alerts_opened_total " << alerts_opened_.load() << "\n"
      << "# HELP shouwang_alert_signals_grouped_total Signals and reports that joined an open alert.\n"
      << "# TYPE shouwang_alert_signals_grouped_total counter\n"
      << "shouwang_alert_signals_grouped_total " << signals_joined_.load() << "\n"
      << "# HELP shouwang_alert_event_commits_total Transactions that stored event reports (group commit).\n"
      << "# TYPE shouwang_alert_event_commits_total counter\n"
      << "shouwang_alert_event_commits_total " << event_commits_.load() << "\n"
      << "# HELP shouwang_alert_events_committed_total Event reports stored by those transactions.\n"
      << "# TYPE shouwang_alert_events_committed_total counter\n"
      << "shouwang_alert_events_committed_total " << events_committed_.load() << "\n"
      << "# HELP shouwang_webhook_tls_failures_total Webhook attempts not sent because the receiver's TLS "
         "certificate did not verify.\n"
      << "# TYPE shouwang_webhook_tls_failures_total counter\n"
      << "shouwang_webhook_tls_failures_total " << webhook_tls_failures_.load() << "\n"
      << "# HELP shouwang_alert_outbox_pending Notifications waiting for delivery.\n"
      << "# TYPE shouwang_alert_outbox_pending gauge\n"
      << "shouwang_alert_outbox_pending " << outbox_pending << "\n";
  return out.str();
}

}  // namespace shouwang::alert
