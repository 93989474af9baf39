#include "federation/replicator.h"

#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "federation/batch.h"

namespace shouwang::federation {
namespace {

namespace json = boost::json;

class HttpHubTransport final : public HubTransport {
 public:
  HttpHubTransport(std::shared_ptr<http::HttpClient> client, std::string hub_url, std::string token)
      : client_(std::move(client)), hub_url_(std::move(hub_url)), token_(std::move(token)) {
    while (!hub_url_.empty() && hub_url_.back() == '/') hub_url_.pop_back();
  }
  Result<http::ClientResponse> post(const std::string& path, const std::string& body) override {
    return client_->send("POST", hub_url_ + path, {{"Authorization", "Bearer " + token_}}, body);
  }

 private:
  std::shared_ptr<http::HttpClient> client_;
  std::string hub_url_;
  std::string token_;
};

constexpr const char* kBatchPath = "/api/v1/federation/revisions";

// The hub's answer as a Status: its error message for a refusal; 5xx, 408 and 429 are worth a retry
// like a lost connection (Unavailable), other refusals wait for the operator but are retried too.
Result<json::object> answer_of(const Result<http::ClientResponse>& response) {
  if (!response) return response.status();
  boost::system::error_code ec;
  json::value body = json::parse(response->body, ec);
  if (response->status != 200) {
    std::string message = "the hub answered HTTP " + std::to_string(response->status);
    if (!ec && body.is_object() && body.as_object().contains("error")) {
      const auto& error = body.as_object().at("error");
      if (error.is_object() && error.as_object().contains("message") && error.as_object().at("message").is_string()) {
        message += ": " + std::string(error.as_object().at("message").as_string());
      }
    }
    return unavailable(message);
  }
  if (ec || !body.is_object()) return unavailable("the hub's answer is not a JSON object");
  return std::move(body.as_object());
}

Result<int64_t> int_field(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end() || !it->value().is_int64()) {
    return unavailable("the hub's answer has no whole number '" + std::string(name) + "'");
  }
  return it->value().as_int64();
}

}  // namespace

std::shared_ptr<HubTransport> http_hub_transport(std::shared_ptr<http::HttpClient> client, std::string hub_url,
                                                 std::string token) {
  return std::make_shared<HttpHubTransport>(std::move(client), std::move(hub_url), std::move(token));
}

Replicator::Replicator(WithStore with_store, std::shared_ptr<HubTransport> hub, ReplicatorOptions options)
    : with_store_(std::move(with_store)), hub_(std::move(hub)), options_(options) {}

Replicator::~Replicator() { stop(); }

Status Replicator::learn_cursor() {
  Batch hello;
  ASSIGN_OR_RETURN(auto answer, answer_of(hub_->post(kBatchPath, encode(hello))));
  ASSIGN_OR_RETURN(int64_t cursor, int_field(answer, "cursor"));
  auto node = answer.find("node");
  if (node == answer.end() || !node->value().is_string()) return unavailable("the hub's answer names no node");
  std::lock_guard lock(mutex_);
  state_.country = std::string(node->value().as_string());
  state_.cursor = cursor;
  return Status::ok();
}

Result<int64_t> Replicator::push_once() {
  auto failed = [this](const Status& s) -> Status {
    std::lock_guard lock(mutex_);
    ++state_.failures;
    state_.last_error = s.message();
    return s;
  };
  bool known;
  {
    std::lock_guard lock(mutex_);
    known = state_.cursor.has_value();
  }
  if (!known) {
    if (Status learned = learn_cursor(); !learned.is_ok()) return failed(learned);
  }
  std::string country;
  int64_t cursor;
  {
    std::lock_guard lock(mutex_);
    country = state_.country;
    cursor = *state_.cursor;
  }
  Batch batch;
  batch.after = cursor;
  Status read = with_store_([&](store::Store& store) -> Status {
    ASSIGN_OR_RETURN(store::FeedPage page, store.read_feed(cursor, country, options_.batch_revisions));
    batch.through = page.through;
    batch.head = page.head;
    std::set<std::string> locations, indicators;
    for (auto& entry : page.entries) {
      for (auto& r : entry.revisions) {
        locations.insert(r.location);
        indicators.insert(r.indicator);
        batch.revisions.push_back(std::move(r));
      }
    }
    if (batch.revisions.empty()) return Status::ok();
    // The catalogue entries the hub needs: the subdivisions named (and those between them and the
    // country), and the definitions of the indicators.
    ASSIGN_OR_RETURN(auto all_locations, store.list_locations());
    std::map<std::string, const Location*> by_code;
    for (const auto& l : all_locations) by_code.emplace(l.code, &l);
    std::set<std::string> wanted;
    for (std::string code : locations) {
      while (code != country && is_country_or_below(code, country) && wanted.insert(code).second) {
        auto it = by_code.find(code);
        if (it == by_code.end()) break;
        code = it->second->parent;
      }
    }
    for (const auto& code : wanted) {
      if (auto it = by_code.find(code); it != by_code.end()) batch.locations.push_back(*it->second);
    }
    ASSIGN_OR_RETURN(auto all_indicators, store.list_indicators());
    for (const auto& i : all_indicators) {
      if (indicators.contains(i.code)) batch.indicators.push_back(i);
    }
    return Status::ok();
  });
  if (!read.is_ok()) return failed(read);
  auto response = hub_->post(kBatchPath, encode(batch));
  if (response.is_ok() && response->status == 409) {
    // The hub holds less than this node thought: start again from the hub's own cursor.
    std::lock_guard lock(mutex_);
    state_.cursor.reset();
  }
  auto answer = answer_of(response);
  if (!answer) return failed(answer.status());
  auto new_cursor = int_field(*answer, "cursor");
  auto accepted = int_field(*answer, "accepted");
  if (!new_cursor) return failed(new_cursor.status());
  std::lock_guard lock(mutex_);
  state_.cursor = *new_cursor;
  state_.head = batch.head;
  ++state_.batches;
  state_.revisions_sent += static_cast<int64_t>(batch.revisions.size());
  state_.last_error.clear();
  return accepted.is_ok() ? *accepted : int64_t{0};
}

bool Replicator::caught_up() const {
  std::lock_guard lock(mutex_);
  return state_.cursor && *state_.cursor >= state_.head && state_.batches > 0;
}

void Replicator::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { loop(); });
}

void Replicator::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Replicator::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void Replicator::loop() {
  std::chrono::milliseconds backoff{0};
  std::string logged_error;
  while (true) {
    auto pushed = push_once();
    std::chrono::milliseconds wait;
    if (pushed.is_ok()) {
      backoff = std::chrono::milliseconds{0};
      if (!logged_error.empty()) {
        std::cerr << "federation: the hub takes batches again" << std::endl;
        logged_error.clear();
      }
      wait = caught_up() ? options_.idle_poll : std::chrono::milliseconds{0};
    } else {
      backoff = backoff.count() == 0 ? options_.retry_base : std::min(backoff * 2, options_.retry_max);
      wait = backoff;
      // Said once per kind of trouble, not on every retry.
      if (pushed.status().message() != logged_error) {
        logged_error = pushed.status().message();
        std::cerr << "federation: " << logged_error << " (retrying with backoff)" << std::endl;
      }
    }
    std::unique_lock lock(mutex_);
    if (!running_) return;
    if (wait.count() > 0) wake_.wait_for(lock, wait, [this] { return !running_ || woken_; });
    woken_ = false;
    if (!running_) return;
  }
}

ReplicationState Replicator::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::string Replicator::render_metrics() const {
  ReplicationState s = state();
  std::ostringstream out;
  out << "# HELP shouwang_replication_lag_entries Entries of this node's change feed the hub has not confirmed\n"
      << "# TYPE shouwang_replication_lag_entries gauge\n"
      << "shouwang_replication_lag_entries " << (s.cursor ? std::max<int64_t>(0, s.head - *s.cursor) : s.head) << "\n"
      << "# HELP shouwang_replication_revisions_sent_total Revisions this node sent to its hub\n"
      << "# TYPE shouwang_replication_revisions_sent_total counter\n"
      << "shouwang_replication_revisions_sent_total " << s.revisions_sent << "\n"
      << "# HELP shouwang_replication_failures_total Pushes to the hub that failed (and were retried)\n"
      << "# TYPE shouwang_replication_failures_total counter\n"
      << "shouwang_replication_failures_total " << s.failures << "\n";
  return out.str();
}

}  // namespace shouwang::federation
