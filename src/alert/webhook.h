// Webhook delivery: the signature receivers verify, and the small HTTP-client seam the delivery
// loop posts through (tests substitute a fake; production posts with http/client.h, over http://
// and https://, the latter only to receivers whose certificate verifies).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/client.h"

namespace shouwang::alert {

// "sha256=" + lower-case hex HMAC-SHA256(secret, body), the X-Shouwang-Signature header value.
std::string webhook_signature(const std::string& secret, const std::string& body);

using Headers = http::ClientHeaders;

// The detail a transport puts on a failed POST whose receiver presented a certificate that did
// not verify, so the liaison can count those apart without reading the message.
inline constexpr std::string_view kTlsVerificationFailed = http::kTlsVerificationFailed;
bool is_tls_verification_failure(const Status& status);

class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  // POSTs `body` as application/json. OK only for a 2xx answer; Unavailable for a refused
  // connection, a timeout, a receiver certificate that does not verify (with the detail
  // kTlsVerificationFailed) or a 5xx/408/429 answer (worth retrying), InvalidArgument for other 4xx.
  virtual Status post(const std::string& url, const Headers& headers, const std::string& body) = 0;
};

// POSTs with http/client.h.
class HttpWebhookTransport final : public WebhookTransport {
 public:
  // Trusts the PEM certificates in `ca_file`, or the system store when it is empty;
  // InvalidArgument when the file cannot be loaded.
  static Result<std::shared_ptr<HttpWebhookTransport>> create(
      const std::string& ca_file = "", std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpWebhookTransport() override;
  Status post(const std::string& url, const Headers& headers, const std::string& body) override;

 private:
  explicit HttpWebhookTransport(std::shared_ptr<http::HttpClient> client);
  std::shared_ptr<http::HttpClient> client_;
};

}  // namespace shouwang::alert
