// A Beast HTTP client over TCP or TLS whose operations run asynchronously on a private io_context,
// one at a time: Beast's stream deadline applies to asynchronous operations only.
#include "http/client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <type_traits>

namespace shouwang::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Starts one asynchronous operation and runs the io_context until it and the deadline timer it
// armed have finished.
template <typename Start>
beast::error_code run_one(asio::io_context& io, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

// The server's certificate must name `host`, the URL's host: a DNS name, also sent as SNI
// (which RFC 6066 does not allow for an IP address), or an IP address matched against the
// certificate's IP entries.
Status expect_peer(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  beast::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  bool set = not_ip ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1 &&
                          SSL_set_tlsext_host_name(ssl, host.c_str()) == 1
                    : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  if (!set) return internal_error("cannot set the expected TLS peer name " + host);
  return Status::ok();
}

// Connects, shakes hands (TLS), writes the request and reads the answer, all before one deadline.
template <typename Stream>
Status exchange(asio::io_context& io, Stream& stream, const tcp::resolver::results_type& endpoints,
                bhttp::request<bhttp::string_body>& request, bhttp::response<bhttp::string_body>& response,
                std::chrono::milliseconds timeout, const std::string& name, const std::string& url) {
  auto& tcp_stream = beast::get_lowest_layer(stream);
  tcp_stream.expires_after(timeout);
  auto failed = [&](const char* step, const beast::error_code& ec) {
    return unavailable(name + " " + url + ": " + step + ": " + ec.message());
  };
  if (auto ec = run_one(io, [&](auto done) { tcp_stream.async_connect(endpoints, done); })) {
    return failed("connect", ec);
  }
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    if (auto ec = run_one(io, [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); })) {
      long verify = SSL_get_verify_result(stream.native_handle());
      if (verify != X509_V_OK) {
        return Status(StatusCode::kUnavailable,
                      name + " " + url + ": the server's TLS certificate did not verify: " +
                          X509_verify_cert_error_string(verify),
                      {std::string(kTlsVerificationFailed)});
      }
      return failed("TLS handshake", ec);
    }
  }
  if (auto ec = run_one(io, [&](auto done) { bhttp::async_write(stream, request, done); })) {
    return failed("write", ec);
  }
  beast::flat_buffer buffer;
  if (auto ec = run_one(io, [&](auto done) { bhttp::async_read(stream, buffer, response, done); })) {
    return failed("read", ec);
  }
  // The answer is complete by its own framing, so closing without waiting for the server's TLS
  // close_notify loses nothing, and a server that never sends one cannot hold the request up.
  beast::error_code ignored;
  tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return Status::ok();
}

}  // namespace

Result<std::shared_ptr<HttpClient>> HttpClient::create(std::string name, const std::string& ca_file,
                                                       std::chrono::milliseconds timeout) {
  try {
    auto tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    // TLS 1.0 and 1.1 are deprecated (RFC 8996), whatever the system's OpenSSL defaults.
    if (SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION) != 1) {
      return internal_error("cannot require TLS 1.2 for " + name);
    }
    tls->set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (ca_file.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->load_verify_file(ca_file, ec);
    }
    if (ec) {
      return invalid_argument(name + " CA " + (ca_file.empty() ? "system store" : "file " + ca_file) +
                              " cannot be loaded: " + ec.message());
    }
    return std::shared_ptr<HttpClient>(new HttpClient(std::move(name), std::move(tls), timeout));
  } catch (const std::exception& e) {
    // ssl::context's constructor reports a failed SSL_CTX_new by exception.
    return internal_error("cannot set up TLS for " + name + ": " + e.what());
  }
}

HttpClient::HttpClient(std::string name, std::unique_ptr<ssl::context> tls, std::chrono::milliseconds timeout)
    : name_(std::move(name)), tls_(std::move(tls)), timeout_(timeout) {}

HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::send(std::string_view method, const std::string& url, const ClientHeaders& headers,
                                        const std::string& body, std::string_view content_type) {
  auto parsed = boost::urls::parse_uri(url);
  bool tls = parsed && parsed->scheme() == "https";
  if (!parsed || (!tls && parsed->scheme() != "http")) return invalid_argument("unsupported " + name_ + " URL: " + url);
  bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) return invalid_argument("unknown HTTP method " + std::string(method));
  std::string host = parsed->host_address();
  std::string port = parsed->has_port() ? std::string(parsed->port()) : tls ? "443" : "80";
  std::string target = parsed->encoded_target().empty() ? "/" : std::string(parsed->encoded_target());
  bhttp::request<bhttp::string_body> request{verb, target, 11};
  request.set(bhttp::field::host, std::string(parsed->encoded_host_and_port()));
  request.set(bhttp::field::user_agent, "shouwang");
  if (!body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put) {
    request.set(bhttp::field::content_type, content_type);
  }
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  bhttp::response<bhttp::string_body> response;
  try {
    asio::io_context io;
    beast::error_code ec;
    // Name resolution is outside the deadline: getaddrinfo cannot be cancelled anyway.
    auto endpoints = tcp::resolver(io).resolve(host, port, ec);
    if (ec) return unavailable(name_ + " " + url + ": cannot resolve " + host + ": " + ec.message());
    if (tls) {
      TlsStream stream(io, *tls_);
      RETURN_IF_ERROR(expect_peer(stream.native_handle(), host));
      RETURN_IF_ERROR(exchange(io, stream, endpoints, request, response, timeout_, name_, url));
    } else {
      beast::tcp_stream stream(io);
      RETURN_IF_ERROR(exchange(io, stream, endpoints, request, response, timeout_, name_, url));
    }
  } catch (const std::exception& e) {
    // Beast and Asio report some failures (e.g. allocating a socket) by exception; all are network
    // trouble, the retryable kind.
    return unavailable(name_ + " " + url + ": " + e.what());
  }
  return ClientResponse{response.result_int(), std::move(response.body())};
}

}  // namespace shouwang::http
