// A webhook receiver for the liaison tests: a real HTTP server on loopback that records every
// POST, so that what a subscriber receives (and how many times) is seen from its side.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/server.h"

namespace shouwang::alert::testing {

class Receiver {
 public:
  using Clock = std::chrono::steady_clock;
  struct Post {
    std::string path;
    std::string body;
    std::map<std::string, std::string> headers;
    Clock::time_point at;
  };

  explicit Receiver(uint16_t port = 0) {
    auto router = std::make_shared<http::Router>();
    // Under /api/ because the Shouwang server routes only that prefix to its Router.
    router->add("POST", "/api/hook/{name}", [this](const http::Request& request) {
      std::lock_guard lock(mutex_);
      posts_.push_back({request.path, request.body, request.headers, Clock::now()});
      arrived_.notify_all();
      return http::Response::json(boost::json::object{{"ok", true}});
    });
    http::ServerOptions options;
    options.port = port;
    server_ = std::make_unique<http::HttpServer>(options, router);
    started_ = server_->start();
  }
  bool started() const { return started_.is_ok(); }
  uint16_t port() const { return server_->port(); }
  std::string url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/api/hook/" + name;
  }
  // Waits until `n` POSTs reached `path`, at most `timeout`; returns them.
  std::vector<Post> wait_for(const std::string& path, size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return matching(path).size() >= n; });
    return matching(path);
  }
  // Every POST so far, to any path.
  std::vector<Post> posts() {
    std::lock_guard lock(mutex_);
    return posts_;
  }

 private:
  std::vector<Post> matching(const std::string& path) const {
    std::vector<Post> out;
    for (const auto& p : posts_) {
      if (p.path == path) out.push_back(p);
    }
    return out;
  }
  std::unique_ptr<http::HttpServer> server_;
  Status started_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Post> posts_;
};

}  // namespace shouwang::alert::testing
