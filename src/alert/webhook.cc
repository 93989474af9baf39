// HMAC signing with OpenSSL and a synchronous Beast HTTP client with a deadline.
#include "alert/webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/url/parse.hpp>

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

Status HttpWebhookTransport::post(const std::string& url, const Headers& headers, const std::string& body) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  namespace asio = boost::asio;
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http") return invalid_argument("unsupported webhook URL: " + url);
  std::string host = parsed->host();
  std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
  std::string target = parsed->encoded_target().empty() ? "/" : std::string(parsed->encoded_target());
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(timeout_);
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, parsed->has_port() ? host + ":" + port : host);
    request.set(http::field::user_agent, "shouwang-liaison");
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    unsigned code = response.result_int();
    if (code >= 200 && code < 300) return Status::ok();
    std::string message = "webhook " + url + " answered HTTP " + std::to_string(code);
    if (code >= 500 || code == 408 || code == 429) return unavailable(message);
    return invalid_argument(message);
  } catch (const std::exception& e) {
    // Beast reports network failures by exception; they are the retryable kind.
    return unavailable("webhook " + url + ": " + e.what());
  }
}

}  // namespace shouwang::alert
