// Boost.Beast synchronous server, one thread per connection. Simpler than an async state machine
// and adequate here: handlers block on SQLite anyway, and SSE streams hold their connection.
#include "api/server.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/url.hpp>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

namespace shouwang::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string mime_type(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt" || ext == ".csv") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// Serves web_root files; unknown non-API paths get index.html so the single-page app routes.
Response serve_static(const std::string& web_root, const std::string& path) {
  namespace fs = std::filesystem;
  if (web_root.empty()) {
    return Response::text("Shouwang API server. The web UI is not built; see README (scripts/run).\n",
                          "text/plain; charset=utf-8", path == "/" ? 200 : 404);
  }
  if (path.find("..") != std::string::npos) return Response::error(invalid_argument("bad path"));
  fs::path root(web_root);
  fs::path file = root / path.substr(1);
  std::error_code ec;
  if (path == "/" || !fs::is_regular_file(file, ec)) file = root / "index.html";
  std::ifstream in(file, std::ios::binary);
  if (!in) return Response::error(not_found("no such file: " + path));
  std::ostringstream content;
  content << in.rdbuf();
  Response r = Response::text(content.str(), mime_type(file));
  if (path.starts_with("/assets/")) r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  return r;
}

class SocketStreamWriter final : public StreamWriter {
 public:
  explicit SocketStreamWriter(tcp::socket& socket) : socket_(socket) {}
  bool write(const std::string& chunk) override {
    // Chunked transfer encoding, written by hand because the headers went out already.
    std::ostringstream frame;
    frame << std::hex << chunk.size() << "\r\n" << chunk << "\r\n";
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(frame.str()), ec);
    return !ec;
  }

 private:
  tcp::socket& socket_;
};

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> connections{0};
  std::mutex mutex;
  std::condition_variable stopped_cv;
  bool stopped = false;

  void handle_connection(tcp::socket socket) {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (!stopping) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      http::read(socket, buffer, parser, ec);
      if (ec == http::error::end_of_stream || ec) break;
      auto& raw = parser.get();

      Request request;
      request.method = std::string(raw.method_string());
      auto target = boost::urls::parse_origin_form(raw.target());
      if (!target) {
        send(socket, Response::error(invalid_argument("malformed request target")), raw.version(), false, ec);
        break;
      }
      request.path = target->path();
      for (auto param : target->params()) request.query[param.key] = param.value;
      for (const auto& field : raw) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers[name] = std::string(field.value());
      }
      request.body = std::move(raw.body());
      bool keep_alive = raw.keep_alive();

      Response response;
      if (request.path.starts_with("/api/")) {
        try {
          response = router->dispatch(request);
        } catch (const std::exception& e) {
          // Handlers return Status; an exception here is a bug, reported as such, not a crash.
          response = Response::error(internal_error(std::string("unexpected failure: ") + e.what()));
        }
      } else if (request.method == "GET" || request.method == "HEAD") {
        response = serve_static(options.web_root, request.path);
      } else {
        response = Response::error(not_found("no such endpoint: " + request.path));
      }

      if (response.stream) {
        stream(socket, response, raw.version());
        break;
      }
      send(socket, response, raw.version(), keep_alive, ec);
      if (ec || !keep_alive) break;
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }

  void send(tcp::socket& socket, const Response& response, unsigned version, bool keep_alive,
            boost::system::error_code& ec) {
    http::response<http::string_body> res{static_cast<http::status>(response.status), version};
    res.set(http::field::server, "shouwang");
    res.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(keep_alive);
    res.body() = response.body;
    res.prepare_payload();
    http::write(socket, res, ec);
  }

  void stream(tcp::socket& socket, const Response& response, unsigned version) {
    std::ostringstream head;
    head << "HTTP/1.1 " << response.status << " OK\r\nServer: shouwang\r\nContent-Type: " << response.content_type
         << "\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n";
    for (const auto& [name, value] : response.headers) head << name << ": " << value << "\r\n";
    head << "\r\n";
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(head.str()), ec);
    if (ec) return;
    SocketStreamWriter writer(socket);
    response.stream(writer);
    asio::write(socket, asio::buffer(std::string("0\r\n\r\n")), ec);
  }

  void accept_loop() {
    while (!stopping) {
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (stopping) break;
      if (ec) continue;
      if (connections >= options.max_connections) {
        socket.close(ec);  // shed load rather than run out of threads
        continue;
      }
      ++connections;
      std::thread([this, s = std::move(socket)]() mutable {
        handle_connection(std::move(s));
        --connections;
      }).detach();
    }
    std::lock_guard lock(mutex);
    stopped = true;
    stopped_cv.notify_all();
  }
};

HttpServer::HttpServer(ServerOptions options, std::shared_ptr<const Router> router) : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->router = std::move(router);
}

HttpServer::~HttpServer() {
  stop();
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  // Connection threads hold `impl_`: let them finish their current request.
  for (int i = 0; i < 200 && impl_->connections > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (impl_->connections > 0) impl_.release();  // still streaming: leak rather than crash at exit
}

Status HttpServer::start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec) return invalid_argument("bad listen address '" + impl_->options.address + "'");
  tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unavailable("cannot listen on " + impl_->options.address + ":" + std::to_string(impl_->options.port) +
                       ": " + ec.message());
  }
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
  return Status::ok();
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  boost::system::error_code ec;
  // Wake the blocking accept() with a connection of our own, then close.
  tcp::socket poke(impl_->io);
  poke.connect(tcp::endpoint(impl_->acceptor.local_endpoint(ec).address(), port_), ec);
  impl_->acceptor.close(ec);
}

void HttpServer::wait() {
  std::unique_lock lock(impl_->mutex);
  impl_->stopped_cv.wait(lock, [&] { return impl_->stopped; });
}

}  // namespace shouwang::api
