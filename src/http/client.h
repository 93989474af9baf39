// The HTTP client Shouwang speaks to other servers with (webhook receivers, a federation hub):
// HTTP/1.1 over TCP (http://) or TLS 1.2+ (https://), one connection per request and one deadline
// over connect, handshake, write and read. An https:// server must present a chain to a trusted CA
// that names the URL's host; nothing is sent otherwise, and there is no fallback.
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

namespace shouwang::http {

using ClientHeaders = std::vector<std::pair<std::string, std::string>>;

// The detail a failed request carries when the server's certificate did not verify, so callers can
// count those apart without reading the message.
inline constexpr std::string_view kTlsVerificationFailed = "tls_verification_failed";

struct ClientResponse {
  unsigned status = 0;
  std::string body;
};

class HttpClient {
 public:
  // Trusts the PEM certificates in `ca_file`, or the system store when it is empty; InvalidArgument
  // when the file cannot be loaded. `name` starts every error message ("webhook", "hub").
  static Result<std::shared_ptr<HttpClient>> create(std::string name, const std::string& ca_file = "",
                                                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpClient();
  // Any answer the server gave, whatever its status; Unavailable when none came (refused
  // connection, timeout, a certificate that did not verify: detail kTlsVerificationFailed),
  // InvalidArgument for a URL that is not http:// or https://.
  Result<ClientResponse> send(std::string_view method, const std::string& url, const ClientHeaders& headers,
                              const std::string& body, std::string_view content_type = "application/json");

 private:
  HttpClient(std::string name, std::unique_ptr<boost::asio::ssl::context> tls, std::chrono::milliseconds timeout);
  std::string name_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // set up once, then shared by concurrent requests
  std::chrono::milliseconds timeout_;
};

}  // namespace shouwang::http
