// Message-bus delivery of alerts: the seam (AlertPublisher) and its NATS implementation, which
// publishes on alerts.<region>.<country>. When the server has JetStream, messages go to a
// persistent stream with the idempotency key as Nats-Msg-Id, so the server's acknowledgement means
// "stored" and a retried publish is not stored twice; otherwise a core publish followed by a flush
// (the server's PONG) is the acknowledgement.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"

namespace shouwang::alert {

class AlertPublisher {
 public:
  virtual ~AlertPublisher() = default;
  // OK only once the server acknowledged the message; Unavailable otherwise (retry later).
  virtual Status publish(const std::string& subject, const std::string& message_id, const std::string& payload) = 0;
};

inline constexpr const char* kNatsStreamName = "SHOUWANG_ALERTS";

class NatsPublisher final : public AlertPublisher {
 public:
  // Connects to `url` (nats://host:port). The server may be down: the client keeps reconnecting
  // in the background and publish() fails with Unavailable meanwhile.
  static Result<std::unique_ptr<NatsPublisher>> connect(const std::string& url);
  ~NatsPublisher() override;
  Status publish(const std::string& subject, const std::string& message_id, const std::string& payload) override;

 private:
  struct Impl;
  explicit NatsPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shouwang::alert
