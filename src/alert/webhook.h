// Webhook delivery: the signature receivers verify, and the small HTTP-client seam the delivery
// loop posts through (tests substitute a fake; production uses a Boost.Beast client).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace shouwang::alert {

// "sha256=" + lower-case hex HMAC-SHA256(secret, body), the X-Shouwang-Signature header value.
std::string webhook_signature(const std::string& secret, const std::string& body);

using Headers = std::vector<std::pair<std::string, std::string>>;

class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  // POSTs `body` as application/json. OK only for a 2xx answer; Unavailable for a refused
  // connection, a timeout or a 5xx/408/429 answer (worth retrying), InvalidArgument for other 4xx.
  virtual Status post(const std::string& url, const Headers& headers, const std::string& body) = 0;
};

// Plain HTTP/1.1 over TCP (http:// URLs), one connection per POST, with a deadline.
class HttpWebhookTransport final : public WebhookTransport {
 public:
  explicit HttpWebhookTransport(std::chrono::milliseconds timeout = std::chrono::seconds(5)) : timeout_(timeout) {}
  Status post(const std::string& url, const Headers& headers, const std::string& body) override;

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace shouwang::alert
