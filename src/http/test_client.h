// Test support for the HTTP layer: a minimal blocking client, a server on a free loopback port,
// and a temporary folder for the test database that is removed afterwards.
#pragma once

#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <boost/beast.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "http/server.h"

namespace shouwang::http::testing {

struct ClientResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

inline ClientResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                                   const std::string& body = "", std::map<std::string, std::string> headers = {}) {
  namespace beast = boost::beast;
  namespace beast_http = beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  beast_http::request<beast_http::string_body> req{beast_http::string_to_verb(method), target, 11};
  req.set(beast_http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  beast_http::write(socket, req);
  beast::flat_buffer buffer;
  beast_http::response<beast_http::string_body> res;
  beast_http::read(socket, buffer, res);
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& f : res) out.headers[std::string(f.name_string())] = std::string(f.value());
  boost::system::error_code ec;
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  return out;
}

// Expects `status` and returns the JSON object of the body (empty when it is not one).
inline boost::json::object expect_json_object(const ClientResponse& r, int status = 200) {
  EXPECT_EQ(r.status, status) << r.body;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

// Expects `status` and returns the message of the JSON error body ("" when there is none).
inline std::string expect_refusal_message(const ClientResponse& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").at("message").as_string());
}

// A fresh folder under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("shouwang-" + name + "-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A started server on 127.0.0.1 and a port the system picked; null when it could not start.
inline std::unique_ptr<HttpServer> start_loopback_server(std::shared_ptr<const Router> router) {
  auto server = std::make_unique<HttpServer>(ServerOptions{.port = 0}, std::move(router));
  if (!server->start().is_ok()) return nullptr;
  return server;
}

}  // namespace shouwang::http::testing
