// Webhook delivery: the signature receivers verify, and the small HTTP-client seam the delivery
// loop posts through (tests substitute a fake; production uses a Boost.Beast client speaking
// http:// and https://, the latter only to receivers whose certificate verifies).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace boost::asio::ssl {
class context;
}

namespace shouwang::alert {

// "sha256=" + lower-case hex HMAC-SHA256(secret, body), the X-Shouwang-Signature header value.
std::string webhook_signature(const std::string& secret, const std::string& body);

using Headers = std::vector<std::pair<std::string, std::string>>;

// The detail a transport puts on a failed POST whose receiver presented a certificate that did
// not verify, so the liaison can count those apart without reading the message.
inline constexpr std::string_view kTlsVerificationFailed = "tls_verification_failed";
bool is_tls_verification_failure(const Status& status);

class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  // POSTs `body` as application/json. OK only for a 2xx answer; Unavailable for a refused
  // connection, a timeout, a receiver certificate that does not verify (with the detail
  // kTlsVerificationFailed) or a 5xx/408/429 answer (worth retrying), InvalidArgument for other 4xx.
  virtual Status post(const std::string& url, const Headers& headers, const std::string& body) = 0;
};

// HTTP/1.1 over TCP (http://) or TLS 1.2+ (https://), one connection per POST, with one deadline
// over connect, handshake, write and read. An https:// receiver must present a chain to a trusted
// CA that names the URL's host; nothing is sent otherwise, and there is no fallback.
class HttpWebhookTransport final : public WebhookTransport {
 public:
  // Trusts the PEM certificates in `ca_file`, or the system store when it is empty;
  // InvalidArgument when the file cannot be loaded.
  static Result<std::shared_ptr<HttpWebhookTransport>> create(
      const std::string& ca_file = "", std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpWebhookTransport() override;
  Status post(const std::string& url, const Headers& headers, const std::string& body) override;

 private:
  HttpWebhookTransport(std::unique_ptr<boost::asio::ssl::context> tls, std::chrono::milliseconds timeout);

  std::unique_ptr<boost::asio::ssl::context> tls_;  // set up once, then shared by concurrent POSTs
  std::chrono::milliseconds timeout_;
};

}  // namespace shouwang::alert
