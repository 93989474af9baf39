// The HTTP(S) server: carries the Router's endpoints and serves the web UI's static files, built to
// face the open internet. Connections are asynchronous (Boost.Beast), so idle or half-sent ones
// cost no thread; handlers, which block on the database, run on a bounded worker pool; each
// long-lived event stream gets a thread of its own, up to a cap. Deadlines bound the request
// header, the keep-alive wait, a stalled body and the response write. A route's guard is checked
// from the headers before the body is read. stop() drains and joins every thread it started.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/http.h"
#include "core/status.h"

namespace shouwang::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;             // 0 picks a free port (tests)
  std::string web_root;             // folder with index.html; empty: no static files
  // Both set: HTTPS only (TLS 1.2 or newer). The certificate file may hold the whole chain.
  std::string tls_cert_file;
  std::string tls_key_file;
  size_t max_connections = 10'000;  // beyond it a new connection is answered 503 and closed
  size_t max_streams = 256;         // concurrent event streams (each holds a thread)
  size_t worker_threads = 16;       // handlers running at once
  size_t io_threads = 2;
  uint32_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};     // a new connection's first request header
  std::chrono::milliseconds idle_timeout{30'000};       // keep-alive wait for the next request
  std::chrono::milliseconds body_stall_timeout{30'000}; // no body byte for this long: closed
  std::chrono::milliseconds write_timeout{60'000};
  std::chrono::milliseconds drain_timeout{10'000};      // stop(): in-flight requests may finish
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, std::shared_ptr<const Router> router);
  // Stops and waits (see stop()).
  ~HttpServer();

  // Binds and starts accepting. Unavailable when the port is taken; InvalidArgument for a bad
  // address or unreadable TLS files.
  Status start();
  uint16_t port() const { return port_; }
  // Stops accepting, closes idle connections, ends event streams, lets in-flight requests finish
  // within drain_timeout (then closes what is left). Returns at once; wait() joins. Safe to call
  // from any thread, more than once.
  void stop();
  // Blocks until stop() was called and every thread of the server has been joined.
  void wait();

  struct Impl;  // defined in server.cc; public only so that its connection type can name it

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

// The file under `web_root` that the request path names, with the Content-Type and security
// headers of the web UI; the single-page app's own routes get index.html; anything else is 404,
// never a file outside the root. `encoded_path` is the path as it arrived (percent-encoded).
Response serve_static(const std::string& web_root, std::string_view encoded_path);

// Headers every response carries (no MIME sniffing, no referrer leaks), and the
// Content-Security-Policy of the web UI's pages.
void add_security_headers(Response& response, bool is_page);

}  // namespace shouwang::http
