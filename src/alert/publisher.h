// Message-bus delivery of alerts: the seam (AlertPublisher, and AlertFeed for reading the stream
// back) and its NATS implementation, which publishes on alerts.<region>.<country>. When the
// servers have JetStream, messages go to a persistent stream with the idempotency key as
// Nats-Msg-Id, so the server's acknowledgement means "stored" and a retried publish is not stored
// twice; otherwise a core publish followed by a flush (the server's PONG) is the acknowledgement.
//
// Federation: the client is given every server of a NATS cluster and keeps reconnecting to any
// of them. The stream is replicated on min(3, servers of the cluster) servers, so it survives the
// loss of one of three. Each installation reads the stream through a durable pull consumer of its
// own with explicit acknowledgements: what it has not acknowledged comes again, after a restart
// of the installation or of a NATS server.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shouwang::alert {

// One message of the alert stream as a consumer receives it.
struct StreamMessage {
  std::string subject;
  std::string message_id;  // its Nats-Msg-Id; empty when it was published without one
  std::string payload;
  // Tells the server this consumer is done with the message, so that it is not delivered again.
  // Unavailable when the server did not confirm it: the message may come again, later.
  std::function<Status()> ack;
};

// A durable consumer of the alert stream: a message not acknowledged is delivered again.
class AlertFeed {
 public:
  virtual ~AlertFeed() = default;
  // Up to `max` messages, waiting up to `wait` for them; none when none came in time.
  virtual Result<std::vector<StreamMessage>> fetch(int max, std::chrono::milliseconds wait) = 0;
};

class AlertPublisher {
 public:
  virtual ~AlertPublisher() = default;
  // OK only once the server acknowledged the message; Unavailable otherwise (retry later).
  virtual Status publish(const std::string& subject, const std::string& message_id, const std::string& payload) = 0;
  // The stream of every installation's alerts, read through the durable consumer `consumer`
  // (created when missing, from the messages published after that). FailedPrecondition when the
  // bus keeps no stream (a NATS server without JetStream); Unavailable when it cannot be reached.
  virtual Result<std::unique_ptr<AlertFeed>> open_feed(const std::string& consumer);
};

inline constexpr const char* kNatsStreamName = "SHOUWANG_ALERTS";
// A message handed to a consumer and not acknowledged within this is delivered again.
inline constexpr std::chrono::seconds kNatsAckWait{10};

// The servers of a --nats value: nats://host:port URLs separated by commas (at least one).
Result<std::vector<std::string>> parse_nats_servers(std::string_view list);

class NatsPublisher final : public AlertPublisher {
 public:
  // Connects to any of `servers` (nats://host:port, the servers of one cluster). They may all be
  // down: the client keeps reconnecting in the background and publish() fails with Unavailable
  // meanwhile. Servers the cluster announces are added to the list.
  static Result<std::unique_ptr<NatsPublisher>> connect(const std::vector<std::string>& servers);
  // `servers` as parse_nats_servers reads it.
  static Result<std::unique_ptr<NatsPublisher>> connect(std::string_view servers);
  ~NatsPublisher() override;
  Status publish(const std::string& subject, const std::string& message_id, const std::string& payload) override;
  Result<std::unique_ptr<AlertFeed>> open_feed(const std::string& consumer) override;

  struct Impl;

 private:
  explicit NatsPublisher(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the feeds, whose messages use its connection
};

}  // namespace shouwang::alert
