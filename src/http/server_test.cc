// The server as an outsider meets it: raw sockets that send exactly the bytes a hostile client
// would (no client library normalising paths), idle and half-sent connection floods, anonymous
// and oversized bodies, HTTPS, and a stop under load. Each test fails on the server this one
// replaced (thread per connection, no deadlines, body read before routing, `root / path`).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "http/server.h"
#include "http/test_client.h"

namespace shouwang::http {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

// A loopback TCP connection with plain POSIX calls, so the test controls every byte.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Everything the server sends until it closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buffer[65536];
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }
  // Reads until the end of one response's headers (and Content-Length bytes of body).
  std::string read_response(std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char c;
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline && out.find("\r\n\r\n") == std::string::npos) {
      if (::recv(fd_, &c, 1, 0) != 1) return out;
      out.push_back(c);
    }
    size_t length_at = out.find("Content-Length: ");
    if (length_at == std::string::npos) return out;
    size_t length = std::strtoul(out.c_str() + length_at + 16, nullptr, 10);
    std::string body(length, '\0');
    size_t got = 0;
    while (got < length && Clock::now() < deadline) {
      ssize_t n = ::recv(fd_, body.data() + got, length - got, 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    return out + body.substr(0, got);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

int status_of(const std::string& response) {
  if (response.size() < 12 || !response.starts_with("HTTP/1.1 ")) return 0;
  return std::atoi(response.c_str() + 9);
}

// A router with a public health route, a reporter-only upload route (large body), a small
// token route, and a counter of how often each handler ran.
struct TestRoutes {
  std::atomic<int> uploads{0};
  std::atomic<int> authentications{0};
  std::atomic<bool> store_down{false};
  std::shared_ptr<Router> router = std::make_shared<Router>();

  TestRoutes() {
    Authenticator auth = [this](const std::string& secret) -> Result<Caller> {
      ++authentications;
      if (store_down) return unavailable("the database is locked");
      if (secret == "reporter-secret") return Caller{.role = "reporter", .location = "CHN"};
      if (secret == "editor-secret") return Caller{.role = "editor"};
      return unauthenticated("the bearer token is not valid");
    };
    router->add("GET", "/api/v1/health", [](const Request&) { return Response::json(boost::json::object{{"status", "ok"}}); });
    router->add("POST", "/api/v1/reports", [this](const Request& r) {
      ++uploads;
      return Response::json(boost::json::object{{"bytes", r.body.size()}});
    }, token_route(auth, {"reporter"}, 64u << 20));
    router->add("POST", "/api/v1/events", [](const Request& r) {
      return Response::json(boost::json::object{{"bytes", r.body.size()}});
    }, token_route(auth, {"reporter", "editor"}));
  }
};

std::unique_ptr<HttpServer> start_server(std::shared_ptr<const Router> router, ServerOptions options = {}) {
  options.address = "127.0.0.1";
  options.port = 0;
  auto server = std::make_unique<HttpServer>(std::move(options), std::move(router));
  if (!server->start().is_ok()) return nullptr;
  return server;
}

std::string get(uint16_t port, const std::string& target, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  RawConnection c(port);
  c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  return c.read_all(timeout);
}

// ---------------------------------------------------------------------------------------------
// Static files: nothing outside the web root.

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.file("web");
    fs::create_directories(root_ + "/assets");
    std::ofstream(root_ + "/index.html") << "<!doctype html><title>app</title>";
    std::ofstream(root_ + "/assets/app.js") << "console.log('app')";
    // A file beside the root the server must never hand out (think: the database).
    secret_ = dir_.file("shouwang.db");
    std::ofstream(secret_) << "SECRET-DATABASE-CONTENT";
    fs::create_symlink(secret_, root_ + "/assets/escape.js");
    fs::create_directory_symlink(dir_.path(), root_ + "/outside");
    ServerOptions options;
    options.web_root = root_;
    server_ = start_server(routes_.router, options);
    ASSERT_NE(server_, nullptr);
  }

  TempDir dir_{"static"};
  std::string root_;
  std::string secret_;
  TestRoutes routes_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(StaticFilesTest, NoRequestReachesAFileOutsideTheRoot) {
  std::string encoded_secret;
  for (char c : secret_) encoded_secret += c == '/' ? std::string("%2F") : std::string(1, c);
  const std::vector<std::string> attacks = {
      "//etc/passwd",
      "/%2Fetc%2Fpasswd",
      "/..%2F..%2Fetc%2Fpasswd",
      "/assets/%2e%2e/%2e%2e/etc/passwd",
      "/assets/../../etc/passwd",
      "/%00",
      "/index.html%00.js",
      "/" + secret_,                     // "//tmp/.../shouwang.db": the database's own absolute path
      "/" + encoded_secret,               // the same, slashes encoded
      "/..%2Fshouwang.db",
      "/..%5Cshouwang.db",
      "/assets%5C..%5C..%5Cshouwang.db",
      "/.%2e/shouwang.db",
      "/%2e%2e/shouwang.db",
      "/assets/escape.js",                // a symlink inside the root to a file outside
      "/outside/shouwang.db",             // a directory symlink out of the root
      "/./index.html",
      "/assets//app.js",
  };
  for (const auto& target : attacks) {
    std::string response = get(server_->port(), target);
    EXPECT_EQ(response.find("SECRET-DATABASE-CONTENT"), std::string::npos) << target;
    EXPECT_EQ(response.find("root:"), std::string::npos) << target;
    EXPECT_EQ(status_of(response), 404) << target << "\n" << response.substr(0, 200);
  }
}

TEST_F(StaticFilesTest, ServesItsOwnFilesAndTheAppsRoutesWithSecurityHeaders) {
  std::string js = get(server_->port(), "/assets/app.js");
  EXPECT_EQ(status_of(js), 200);
  EXPECT_NE(js.find("console.log('app')"), std::string::npos);
  EXPECT_NE(js.find("text/javascript"), std::string::npos);
  EXPECT_NE(js.find("X-Content-Type-Options: nosniff"), std::string::npos);

  for (const std::string target : {"/", "/country/ITA", "/alerts"}) {
    std::string page = get(server_->port(), target);
    EXPECT_EQ(status_of(page), 200) << target;
    EXPECT_NE(page.find("<title>app</title>"), std::string::npos) << target;
    EXPECT_NE(page.find("Content-Security-Policy: default-src 'self'"), std::string::npos) << target;
    EXPECT_NE(page.find("Referrer-Policy: no-referrer"), std::string::npos) << target;
    EXPECT_NE(page.find("X-Content-Type-Options: nosniff"), std::string::npos) << target;
  }
  // A missing asset is 404, not the app's page under a script's name.
  EXPECT_EQ(status_of(get(server_->port(), "/assets/missing.js")), 404);
  // HEAD: the headers of GET, no body.
  RawConnection c(server_->port());
  c.send("HEAD /assets/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string head = c.read_all(std::chrono::seconds(2));
  EXPECT_EQ(status_of(head), 200);
  EXPECT_NE(head.find("Content-Length: 18"), std::string::npos) << head;
  EXPECT_EQ(head.find("console.log"), std::string::npos);
}

TEST(ServerPaths, EncodedSlashesAndNulNeverReachARoute) {
  TestRoutes routes;
  auto server = start_server(routes.router);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(status_of(get(server->port(), "/api/v1/health")), 200);
  EXPECT_EQ(status_of(get(server->port(), "/api%2Fv1%2Fhealth")), 404);
  EXPECT_EQ(status_of(get(server->port(), "/api/v1%2Fhealth")), 400);
  EXPECT_EQ(status_of(get(server->port(), "/api/v1/health%00")), 400);
}

TEST(ServerPaths, ARequestTargetIsDecodedIntoPathAndQuery) {
  auto request = request_from_target("/api/v1/data%20x?location=IT%41&location=CHN&empty=&flag&=v");
  ASSERT_TRUE(request.is_ok()) << request.status().to_string();
  EXPECT_EQ(request->path, "/api/v1/data x");
  EXPECT_EQ(request->param("location"), "CHN");  // the last one wins
  EXPECT_TRUE(request->query.contains("empty"));
  EXPECT_TRUE(request->query.contains("flag"));
  EXPECT_EQ(request->param(""), "v");
  for (const char* refused : {"api/v1/data", "/a%2fb", "/a%5Cb", "/a%00", "/a b", "/%zz"}) {
    EXPECT_FALSE(request_from_target(refused).is_ok()) << refused;
  }
}

// ---------------------------------------------------------------------------------------------
// Connections: floods of idle and half-sent connections, deadlines, the cap.

TEST(ServerConnections, AnswersHealthWithin1sUnder2000IdleAndHalfSentConnections) {
  TestRoutes routes;
  auto server = start_server(routes.router);
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 2000; ++i) {
    auto c = std::make_unique<RawConnection>(server->port());
    ASSERT_TRUE(c->connected()) << i;
    // Half of them start a request and never finish its header (slowloris).
    if (i % 2 == 1) c->send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    flood.push_back(std::move(c));
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto start = Clock::now();
    std::string response = get(server->port(), "/api/v1/health", std::chrono::seconds(2));
    auto elapsed = Clock::now() - start;
    EXPECT_EQ(status_of(response), 200) << response;
    EXPECT_LT(elapsed, std::chrono::seconds(1));
  }
}

TEST(ServerConnections, AHalfSentHeaderIsCutOffAtTheHeaderDeadline) {
  TestRoutes routes;
  ServerOptions options;
  options.header_timeout = std::chrono::milliseconds(300);
  options.idle_timeout = std::chrono::milliseconds(300);
  auto server = start_server(routes.router, options);
  ASSERT_NE(server, nullptr);

  RawConnection slow(server->port());
  slow.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n");
  auto start = Clock::now();
  std::string got = slow.read_all(std::chrono::seconds(5));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2)) << "the server waited for the header forever";
  EXPECT_EQ(got, "");

  // Keep-alive: after a response, an idle connection is closed at the idle deadline.
  RawConnection idle(server->port());
  idle.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(idle.read_response(std::chrono::seconds(2))), 200);
  start = Clock::now();
  EXPECT_EQ(idle.read_all(std::chrono::seconds(5)), "");
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST(ServerConnections, ConnectionsPastTheCapAreRefusedAtOnce) {
  TestRoutes routes;
  ServerOptions options;
  options.max_connections = 50;
  auto server = start_server(routes.router, options);
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 50; ++i) held.push_back(std::make_unique<RawConnection>(server->port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all 50 accepted
  auto start = Clock::now();
  RawConnection extra(server->port());
  std::string got = extra.read_all(std::chrono::seconds(3));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(status_of(got), 503) << got;
  // Once connections go away, new ones are served again.
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(status_of(get(server->port(), "/api/v1/health")), 200);
}

// ---------------------------------------------------------------------------------------------
// Bodies: authenticate first, per-route limits.

long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  }
  return 0;
}

TEST(ServerBodies, AnAnonymousUploadAnnouncing200MBIsRefusedUnread) {
  TestRoutes routes;
  auto server = start_server(routes.router);
  ASSERT_NE(server, nullptr);
  long before = resident_kib();
  RawConnection c(server->port());
  auto start = Clock::now();
  c.send("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 200000000\r\n\r\n");
  std::string response = c.read_response(std::chrono::seconds(5));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(status_of(response), 401) << response;
  EXPECT_NE(response.find("needs a token"), std::string::npos);
  // Whatever the client sends now is not read into memory.
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 64 && c.send(chunk); ++i) {
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LT(resident_kib() - before, 32 * 1024) << "the server buffered the refused body";
  EXPECT_EQ(routes.uploads, 0);
  EXPECT_EQ(routes.authentications, 0);  // no token, no lookup
}

TEST(ServerBodies, AWrongTokenIsRefusedBeforeTheBodyAndAStoreFailureIs503) {
  TestRoutes routes;
  auto server = start_server(routes.router);
  ASSERT_NE(server, nullptr);
  RawConnection c(server->port());
  c.send("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Length: 100000000\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response(std::chrono::milliseconds(500))), 401);

  RawConnection editor(server->port());
  editor.send("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer editor-secret\r\n"
              "Content-Length: 100000000\r\n\r\n");
  EXPECT_EQ(status_of(editor.read_response(std::chrono::milliseconds(500))), 403);

  routes.store_down = true;
  RawConnection down(server->port());
  down.send("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer reporter-secret\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(status_of(down.read_response(std::chrono::seconds(2))), 503);
  EXPECT_EQ(routes.uploads, 0);
}

TEST(ServerBodies, ASmallRouteAnswers413ForABodyOver1MiBAndALargeRouteTakesIt) {
  TestRoutes routes;
  auto server = start_server(routes.router);
  ASSERT_NE(server, nullptr);
  const std::string two_mib(2u << 20, 'x');
  // Announced: refused from the header.
  RawConnection announced(server->port());
  announced.send("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer reporter-secret\r\n"
                 "Content-Length: " + std::to_string(two_mib.size()) + "\r\n\r\n");
  EXPECT_EQ(status_of(announced.read_response(std::chrono::seconds(2))), 413);
  // Chunked (no length announced): refused once the limit is passed.
  RawConnection chunked(server->port());
  chunked.send("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer reporter-secret\r\n"
               "Transfer-Encoding: chunked\r\n\r\n");
  std::ostringstream size;
  size << std::hex << two_mib.size();
  chunked.send(size.str() + "\r\n");
  chunked.send(two_mib);
  EXPECT_EQ(status_of(chunked.read_response(std::chrono::seconds(5))), 413);
  // The upload route takes 2 MiB from a reporter.
  auto ok = testing::http_request(server->port(), "POST", "/api/v1/reports", two_mib,
                                  {{"Authorization", "Bearer reporter-secret"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(routes.uploads, 1);
}

TEST(ServerBodies, ExpectContinueIsAnsweredOnlyAfterTheGuardLetsTheRequestIn) {
  TestRoutes routes;
  auto server = start_server(routes.router);
  ASSERT_NE(server, nullptr);
  RawConnection anonymous(server->port());
  anonymous.send("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(status_of(anonymous.read_response(std::chrono::seconds(2))), 401);

  RawConnection reporter(server->port());
  reporter.send("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer reporter-secret\r\n"
                "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(status_of(reporter.read_response(std::chrono::seconds(2))), 100);
  reporter.send("hello");
  std::string response = reporter.read_response(std::chrono::seconds(2));
  EXPECT_EQ(status_of(response), 200) << response;
  EXPECT_NE(response.find("\"bytes\":5"), std::string::npos);
}

TEST(ServerParams, NumbersAreRangeCheckedBeforeAnyCast) {
  Request request;
  for (const std::string text : {"1e300", "nan", "NaN", "inf", "-1", "0", "366", "7.5", "7x", ""}) {
    request.query["window"] = text;
    auto window = whole_number_param(request, "window", 7, 1, 365);
    if (text.empty()) {
      EXPECT_EQ(*window, 7);
    } else {
      EXPECT_FALSE(window.is_ok()) << text;
    }
    request.query["si_mean"] = text;
    auto mean = number_param(request, "si_mean", 4.7, 1, 100);
    if (text.empty() || text == "7.5") {
      EXPECT_TRUE(mean.is_ok()) << text;
    } else {
      EXPECT_FALSE(mean.is_ok()) << text;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTTPS and shutdown.

std::string shell_quote(const std::string& s) { return "'" + s + "'"; }

TEST(ServerTls, ServesHttpsWithTls12OrNewerOnly) {
  TempDir dir("tls");
  const std::string key = dir.file("key.pem"), cert = dir.file("cert.pem");
  std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                        "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
                        shell_quote(key) + " -out " + shell_quote(cert) + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  TestRoutes routes;
  ServerOptions options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto server = start_server(routes.router, options);
  ASSERT_NE(server, nullptr);

  namespace asio = boost::asio;
  namespace ssl = asio::ssl;
  namespace beast = boost::beast;
  namespace beast_http = beast::http;
  auto https_get = [&](int max_version) -> int {
    asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(cert);
    ctx.set_verify_mode(ssl::verify_peer);
    if (max_version) SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    stream.next_layer().expires_after(std::chrono::seconds(5));
    SSL_set1_host(stream.native_handle(), "127.0.0.1");
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), server->port()});
    beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) return -1;
    beast_http::request<beast_http::empty_body> req{beast_http::verb::get, "/api/v1/health", 11};
    req.set(beast_http::field::host, "127.0.0.1");
    beast_http::write(stream, req, ec);
    beast::flat_buffer buffer;
    beast_http::response<beast_http::string_body> res;
    beast_http::read(stream, buffer, res, ec);
    if (ec) return -2;
    return static_cast<int>(res.result_int());
  };
  EXPECT_EQ(https_get(0), 200);
  EXPECT_EQ(https_get(TLS1_1_VERSION), -1) << "a TLS 1.1 client must not get a session";
  // Plain HTTP on the HTTPS port gets no answer of the API.
  std::string plain = get(server->port(), "/api/v1/health", std::chrono::seconds(2));
  EXPECT_NE(status_of(plain), 200);

  ServerOptions wrong = options;
  wrong.tls_key_file = dir.file("missing.pem");
  HttpServer broken(wrong, routes.router);
  EXPECT_FALSE(broken.start().is_ok());
}

TEST(ServerShutdown, StopFinishesEveryRequestInFlightEndsStreamsAndJoins) {
  auto router = std::make_shared<Router>();
  std::atomic<int> entered{0};
  router->add("GET", "/api/v1/slow", [&](const Request&) {
    ++entered;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    return Response::json(boost::json::object{{"ok", true}});
  });
  router->add("GET", "/api/v1/stream", [](const Request&) {
    Response r;
    r.content_type = "text/event-stream";
    r.stream = [](StreamWriter& writer) {
      while (writer.open()) {
        if (!writer.write(": tick\n\n")) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    };
    return r;
  });
  ServerOptions options;
  options.drain_timeout = std::chrono::seconds(5);
  auto server = start_server(router, options);
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();

  RawConnection stream(port);
  stream.send("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(stream.read_response(std::chrono::seconds(2)).find("text/event-stream"), std::string::npos);

  std::atomic<bool> running{true};
  std::atomic<int> answered{0}, broken{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      while (running) {
        RawConnection c(port);
        if (!c.connected() || !c.send("GET /api/v1/slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) continue;
        std::string response = c.read_all(std::chrono::seconds(5));
        if (status_of(response) == 200 && response.find("{\"ok\":true}") != std::string::npos) {
          ++answered;
        } else if (!response.empty()) {
          ++broken;  // a response cut short or an error
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto start = Clock::now();
  server->stop();
  server->wait();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
  running = false;
  for (auto& t : clients) t.join();
  EXPECT_GT(entered.load(), 0);
  EXPECT_EQ(answered.load(), entered.load()) << "every request a handler started was answered in full";
  EXPECT_EQ(broken.load(), 0);
  // The stream ended with the server.
  std::string rest = stream.read_all(std::chrono::seconds(2));
  EXPECT_NE(rest.find("0\r\n\r\n"), std::string::npos);
  // And nothing listens any more.
  RawConnection after(port);
  EXPECT_FALSE(after.connected());
}

// A module that forgets its context's authenticator must not get a public route by mistake.
TEST(RouteGuards, ATokenRouteWithoutAnAuthenticatorIsNeverPublic) {
  Router router;
  int ran = 0;
  router.add("POST", "/api/v1/reports", [&ran](const Request&) {
    ++ran;
    return Response::json(boost::json::object{{"ok", true}});
  }, token_route(nullptr, {"reporter"}));
  Request anonymous;
  anonymous.method = "POST";
  anonymous.path = "/api/v1/reports";
  EXPECT_EQ(router.dispatch(anonymous).status, 401);
  Request with_token = anonymous;
  with_token.headers["authorization"] = "Bearer sw_anything";
  EXPECT_EQ(router.dispatch(with_token).status, 500);
  EXPECT_EQ(ran, 0);
}

// DHIS2 clients send their personal access token as "ApiToken <t>": accepted wherever "Bearer <t>"
// is, in any letter case; any other scheme carries no token and is a 401 before the handler runs.
TEST(RouteGuards, ApiTokenIsABearerTokenAndOtherSchemesAreRefused) {
  Router router;
  std::string seen;
  Authenticator authenticate = [&seen](const std::string& secret) -> Result<Caller> {
    seen = secret;
    if (secret != "sw_right") return unauthenticated("the token is not valid");
    return Caller{"reporter", "CHN", "test", "hash"};
  };
  router.add("POST", "/api/dataValueSets", [](const Request&) {
    return Response::json(boost::json::object{{"ok", true}});
  }, token_route(authenticate, {"reporter"}));
  auto status_with = [&](const std::string& authorization) {
    Request request;
    request.method = "POST";
    request.path = "/api/dataValueSets";
    request.headers["authorization"] = authorization;
    return router.dispatch(request).status;
  };
  EXPECT_EQ(status_with("ApiToken sw_right"), 200);
  EXPECT_EQ(seen, "sw_right");
  EXPECT_EQ(status_with("apitoken sw_right"), 200);
  EXPECT_EQ(status_with("Bearer sw_right"), 200);
  EXPECT_EQ(status_with("ApiToken sw_wrong"), 401);
  seen.clear();
  EXPECT_EQ(status_with("Basic sw_right"), 401);
  EXPECT_EQ(status_with("Token sw_right"), 401);
  EXPECT_EQ(status_with("ApiTokensw_right"), 401);
  EXPECT_EQ(status_with("ApiToken "), 401);
  EXPECT_TRUE(seen.empty()) << "a wrong scheme reached the authenticator with " << seen;
}

TEST(StatusToHttp, EveryCodeHasItsStatus) {
  EXPECT_EQ(http_status_for(StatusCode::kOk), 200);
  EXPECT_EQ(http_status_for(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status_for(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(http_status_for(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(http_status_for(StatusCode::kNotFound), 404);
  EXPECT_EQ(http_status_for(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(http_status_for(StatusCode::kFailedPrecondition), 422);
  EXPECT_EQ(http_status_for(StatusCode::kInternal), 500);
  EXPECT_EQ(http_status_for(StatusCode::kUnavailable), 503);
}

}  // namespace
}  // namespace shouwang::http
