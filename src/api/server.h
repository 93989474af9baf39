// The HTTP server (Boost.Beast): carries the Router's endpoints and serves the web UI's static
// files. Loopback by default; one thread per connection (keep-alive, and long-lived SSE streams).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "api/http.h"
#include "core/status.h"

namespace shouwang::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;             // 0 picks a free port (tests)
  std::string web_root;             // folder with index.html; empty: no static files
  size_t max_connections = 1024;
  size_t max_body_bytes = 256u << 20;  // reports of a whole country's history fit
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, std::shared_ptr<const Router> router);
  ~HttpServer();

  // Binds and starts accepting on a background thread. Unavailable when the port is taken.
  Status start();
  uint16_t port() const { return port_; }
  // Stops accepting; open connections end after their current request.
  void stop();
  // Blocks until stop() is called (from a signal handler thread, say).
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace shouwang::api
