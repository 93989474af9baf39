// The node's side of federation: pushes its country's change feed (store::Store::read_feed) to the
// hub, in order and in batches, over POST /api/v1/federation/revisions. The hub's answer is the only
// cursor: the node asks for it when it starts and moves on only once the hub says a batch is
// committed, so a batch lost to a crash (of either side) or a refusal is sent again, and a retry
// stores nothing twice (the hub keeps revisions by their number). Failures back off exponentially.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/status.h"
#include "core/time.h"
#include "federation/hub_routes.h"
#include "http/client.h"

namespace shouwang::federation {

// How the node reaches the hub: one POST of a JSON body to a path, the hub's answer back.
class HubTransport {
 public:
  virtual ~HubTransport() = default;
  virtual Result<http::ClientResponse> post(const std::string& path, const std::string& body) = 0;
};

// Over HTTP(S) with the node's token as the bearer.
std::shared_ptr<HubTransport> http_hub_transport(std::shared_ptr<http::HttpClient> client, std::string hub_url,
                                                 std::string token);

struct ReplicatorOptions {
  int64_t batch_revisions = 5000;                  // revisions per batch at most (an entry is never split)
  std::chrono::milliseconds idle_poll{500};        // between looks at the feed when all is sent
  std::chrono::milliseconds retry_base{250};       // first wait after a failure, doubled up to retry_max
  std::chrono::milliseconds retry_max{30'000};
};

struct ReplicationState {
  std::string country;  // learned from the hub
  std::optional<int64_t> cursor;  // the hub's, as it last answered; unknown until it has
  int64_t head = 0;
  int64_t batches = 0;
  int64_t revisions_sent = 0;
  int64_t failures = 0;
  std::string last_error;
};

class Replicator {
 public:
  Replicator(WithStore with_store, std::shared_ptr<HubTransport> hub, ReplicatorOptions options = {});
  ~Replicator();

  // One step: learns the cursor if unknown, else sends the next batch (possibly empty, to report
  // the head). Gives how many revisions the hub accepted as new; Unavailable when the hub is down
  // or refused (the cursor stays).
  Result<int64_t> push_once();
  // Whether the hub holds everything of the node's feed as of the last step.
  bool caught_up() const;

  // A background thread that pushes until stop(); wake() starts a step at once (a report arrived).
  void start();
  void stop();
  void wake();

  ReplicationState state() const;
  std::string render_metrics() const;

 private:
  void loop();
  Status learn_cursor();

  WithStore with_store_;
  std::shared_ptr<HubTransport> hub_;
  ReplicatorOptions options_;
  mutable std::mutex mutex_;
  ReplicationState state_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace shouwang::federation
