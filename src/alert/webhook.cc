// HMAC signing with OpenSSL; webhooks are POSTed by the shared HTTP client (http/client.h).
#include "alert/webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

namespace shouwang::alert {

std::string webhook_signature(const std::string& secret, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

bool is_tls_verification_failure(const Status& status) {
  return status.code() == StatusCode::kUnavailable &&
         std::ranges::find(status.details(), kTlsVerificationFailed) != status.details().end();
}

Result<std::shared_ptr<HttpWebhookTransport>> HttpWebhookTransport::create(const std::string& ca_file,
                                                                           std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(auto client, http::HttpClient::create("webhook", ca_file, timeout));
  return std::shared_ptr<HttpWebhookTransport>(new HttpWebhookTransport(std::move(client)));
}

HttpWebhookTransport::HttpWebhookTransport(std::shared_ptr<http::HttpClient> client) : client_(std::move(client)) {}

HttpWebhookTransport::~HttpWebhookTransport() = default;

Status HttpWebhookTransport::post(const std::string& url, const Headers& headers, const std::string& body) {
  ASSIGN_OR_RETURN(http::ClientResponse response, client_->send("POST", url, headers, body));
  unsigned code = response.status;
  if (code >= 200 && code < 300) return Status::ok();
  std::string message = "webhook " + url + " answered HTTP " + std::to_string(code);
  if (code >= 500 || code == 408 || code == 429) return unavailable(message);
  return invalid_argument(message);
}

}  // namespace shouwang::alert
