// HTTPS webhook delivery against a receiver run by the test on 127.0.0.1, with a test CA, server
// certificates and a rogue self-signed certificate made by the openssl command line: what
// verifies is delivered, what does not (unknown CA, wrong host, old TLS, silence) gets nothing
// and, through the liaison, is retried and counted.
#include <openssl/ssl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alert/liaison_service.h"
#include "alert/test_support.h"
#include "alert/webhook.h"

namespace shouwang::alert {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// The OpenSSL defaults of this test program are weakened to TLS 1.0 and security level 0 (before
// main, so before OpenSSL reads its configuration): what the transport refuses, it refuses by its
// own settings, not because the system's openssl.cnf happens to.
class WeakOpensslDefaults {
 public:
  WeakOpensslDefaults() {
    path_ = fs::temp_directory_path() / ("shouwang-webhook-tls-" + std::to_string(getpid()) + ".cnf");
    std::ofstream(path_) << "openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = weak\n"
                            "[weak]\nMinProtocol = TLSv1\nCipherString = DEFAULT@SECLEVEL=0\n";
    setenv("OPENSSL_CONF", path_.c_str(), 1);
  }
  ~WeakOpensslDefaults() { fs::remove(path_); }

 private:
  fs::path path_;
};
const WeakOpensslDefaults weak_openssl_defaults;

// Extensions of each certificate; -config keeps the system openssl.cnf out of the test.
constexpr const char* kOpensslConfig = R"(
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[localhost]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[other]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
)";

// The test PKI, made once per test program in a temporary directory removed at exit.
class TestPki {
 public:
  TestPki() {
    dir_ = fs::temp_directory_path() / ("shouwang-webhook-tls-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "openssl.cnf") << kOpensslConfig;
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -config openssl.cnf";
    ok_ = run("openssl req -x509 -days 2 -extensions ca -subj /CN=Shouwang-Test-CA -keyout ca.key -out ca.pem" + key) &&
          signed_by_ca("localhost") && signed_by_ca("other") &&
          run("openssl req -x509 -days 2 -extensions localhost -subj /CN=localhost -keyout rogue.key -out rogue.pem" +
              key);
  }
  ~TestPki() { fs::remove_all(dir_); }

  bool ok() const { return ok_; }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::string ca() const { return file("ca.pem"); }

 private:
  // <name>.pem and <name>.key: a certificate with the extensions of section [name], issued by ca.pem.
  bool signed_by_ca(const std::string& name) {
    return run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -config openssl.cnf -subj /CN=" +
               name + " -keyout " + name + ".key -out " + name + ".csr") &&
           run("openssl x509 -req -days 2 -set_serial " + std::to_string(++serial_) + " -in " + name +
               ".csr -CA ca.pem -CAkey ca.key -extfile openssl.cnf -extensions " + name + " -out " + name + ".pem");
  }
  bool run(const std::string& command) {
    std::string line = "cd '" + dir_.string() + "' && " + command + " >>openssl.log 2>&1";
    return std::system(line.c_str()) == 0;
  }

  fs::path dir_;
  bool ok_ = false;
  int serial_ = 0;
};

const TestPki& pki() {
  static TestPki instance;
  return instance;
}

struct Received {
  std::string body;
  std::string signature;
  std::string server_name;  // SNI; empty when the client sent none
};

// A small HTTPS receiver on 127.0.0.1 (an ephemeral port), on its own thread, answering 200 to
// each request. Every connection is dropped after at most 2 s, and all of it stops with the object.
class HttpsReceiver {
 public:
  enum class Mode {
    kAnswer,
    kTls11Only,  // a receiver that never moved past TLS 1.1
    kSilent,     // accepts the connection and never shakes hands
  };

  HttpsReceiver(const std::string& name, Mode mode = Mode::kAnswer)
      : tls_(ssl::context::tls_server), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), mode_(mode) {
    tls_.use_certificate_chain_file(pki().file(name + ".pem"));
    tls_.use_private_key_file(pki().file(name + ".key"), ssl::context::pem);
    if (mode == Mode::kTls11Only) {
      SSL_CTX_set_max_proto_version(tls_.native_handle(), TLS1_1_VERSION);
    }
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpsReceiver() {
    io_.stop();
    thread_.join();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port()) + "/hook";
  }
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls_);
    beast::get_lowest_layer(stream).expires_after(2s);
    if (mode_ == Mode::kSilent) {
      asio::steady_timer hold(io_, 2s);
      co_await hold.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return;
    }
    auto [handshake] = co_await stream.async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (handshake) co_return;
    const char* server_name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    auto [read, read_bytes] = co_await http::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
    if (read) co_return;
    {
      std::lock_guard lock(mutex_);
      received_.push_back({request.body(), std::string(request["X-Shouwang-Signature"]),
                           server_name ? server_name : ""});
    }
    http::response<http::empty_body> response{http::status::ok, 11};
    response.keep_alive(false);
    response.prepare_payload();
    co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
  }

  asio::io_context io_;
  ssl::context tls_;
  tcp::acceptor acceptor_;
  Mode mode_;
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  std::thread thread_;
};

constexpr const char* kBody = R"({"alert":"cholera","country":"NGA"})";
constexpr const char* kSecret = "s3cret";

Status post_signed(const std::string& url, const std::string& ca_file, std::chrono::milliseconds timeout = 3s) {
  auto transport = HttpWebhookTransport::create(ca_file, timeout);
  if (!transport.is_ok()) return transport.status();
  return (*transport)->post(url, {{"X-Shouwang-Signature", webhook_signature(kSecret, kBody)}}, kBody);
}

// Unavailable (retried), marked as a certificate that did not verify, naming OpenSSL's reason.
void expect_verification_failure(const Status& status, const std::string& reason) {
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.to_string();
  EXPECT_TRUE(is_tls_verification_failure(status)) << status.to_string();
  EXPECT_NE(status.message().find(reason), std::string::npos) << status.to_string();
}

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class WebhookTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pki().ok()) << "openssl failed; see " << pki().file("openssl.log"); }
};

TEST_F(WebhookTlsTest, DeliversToAReceiverSignedByTheGivenCa) {
  HttpsReceiver receiver("localhost");
  Status by_ip = post_signed(receiver.url("127.0.0.1"), pki().ca());
  ASSERT_TRUE(by_ip.is_ok()) << by_ip.to_string();
  Status by_name = post_signed(receiver.url("localhost"), pki().ca());
  ASSERT_TRUE(by_name.is_ok()) << by_name.to_string();
  auto received = receiver.received();
  ASSERT_EQ(received.size(), 2u);
  for (const auto& r : received) {
    EXPECT_EQ(r.body, kBody);
    EXPECT_EQ(r.signature, webhook_signature(kSecret, kBody));
  }
  EXPECT_EQ(received[0].server_name, "");  // SNI carries host names only (RFC 6066)
  EXPECT_EQ(received[1].server_name, "localhost");
}

TEST_F(WebhookTlsTest, SystemStoreDoesNotTrustTheTestCa) {
  HttpsReceiver receiver("localhost");
  expect_verification_failure(post_signed(receiver.url(), ""), "unable to get local issuer certificate");
  EXPECT_TRUE(receiver.received().empty());
}

TEST_F(WebhookTlsTest, WithoutACaFileTheSystemStoreIsRead) {
  // OpenSSL's default verify paths honour SSL_CERT_FILE: the test CA stands in for the system store.
  ScopedEnv store("SSL_CERT_FILE", pki().ca());
  HttpsReceiver receiver("localhost");
  Status status = post_signed(receiver.url(), "");
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(receiver.received().size(), 1u);
}

TEST_F(WebhookTlsTest, RogueSelfSignedCertificateIsRefused) {
  HttpsReceiver receiver("rogue");
  expect_verification_failure(post_signed(receiver.url(), pki().ca()), "self-signed certificate");
  expect_verification_failure(post_signed(receiver.url("localhost"), pki().ca()), "self-signed certificate");
  EXPECT_TRUE(receiver.received().empty());
}

TEST_F(WebhookTlsTest, CertificateForAnotherHostIsRefused) {
  HttpsReceiver receiver("other");  // signed by the test CA, but for other.example only
  expect_verification_failure(post_signed(receiver.url("localhost"), pki().ca()), "hostname mismatch");
  expect_verification_failure(post_signed(receiver.url("127.0.0.1"), pki().ca()), "IP address mismatch");
  EXPECT_TRUE(receiver.received().empty());
}

TEST_F(WebhookTlsTest, ReceiverBelowTls12IsRefused) {
  HttpsReceiver receiver("localhost", HttpsReceiver::Mode::kTls11Only);
  Status status = post_signed(receiver.url(), pki().ca());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.to_string();
  EXPECT_FALSE(is_tls_verification_failure(status)) << status.to_string();
  EXPECT_TRUE(receiver.received().empty());
}

TEST_F(WebhookTlsTest, DeadlineCoversTheHandshake) {
  HttpsReceiver receiver("localhost", HttpsReceiver::Mode::kSilent);  // would hold the connection 2 s
  auto started = std::chrono::steady_clock::now();
  Status status = post_signed(receiver.url(), pki().ca(), 300ms);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.to_string();
  EXPECT_FALSE(is_tls_verification_failure(status));
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(WebhookTlsTest, UnloadableCaFileIsAnErrorNotTheSystemStore) {
  std::string empty = pki().file("empty.pem");
  std::ofstream{empty};
  for (const std::string& ca : {pki().file("missing.pem"), empty}) {
    EXPECT_EQ(HttpWebhookTransport::create(ca).status().code(), StatusCode::kInvalidArgument) << ca;
  }
  testing::TempDatabase db("WebhookTlsBadCa");
  ManualClock clock(*Timestamp::parse("2024-03-10T08:00:00Z"));
  LiaisonOptions options;
  options.db_path = db.path();
  options.clock = &clock;
  options.webhook_ca_file = pki().file("missing.pem");
  EXPECT_EQ(LiaisonService::open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(WebhookTlsTest, OnlyHttpAndHttpsAreSpoken) {
  auto transport = HttpWebhookTransport::create(pki().ca());
  ASSERT_TRUE(transport.is_ok());
  EXPECT_EQ((*transport)->post("ftp://127.0.0.1/hook", {}, kBody).code(), StatusCode::kInvalidArgument);
}

// A port on 127.0.0.1 that nothing listens on (just released by the kernel).
unsigned short closed_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

TEST_F(WebhookTlsTest, LiaisonRetriesAndCountsAnUnverifiableReceiverThenDeliversOnce) {
  testing::TempDatabase db("WebhookTlsLiaison");
  ASSERT_TRUE(db.ok());
  ManualClock clock(*Timestamp::parse("2024-03-10T08:00:00Z"));
  HttpsReceiver receiver("localhost");
  auto open = [&](const std::string& ca_file) {
    LiaisonOptions options;
    options.db_path = db.path();
    options.clock = &clock;
    options.webhook_ca_file = ca_file;
    return LiaisonService::open(options);
  };
  auto service = open("");  // the system store, which does not know the test CA
  ASSERT_TRUE(service.is_ok()) << service.status().to_string();
  auto opened = (*service)->on_signals({Signal{"NGA", "cases", "2024-W10", "farrington_flexible", 30, 10, true, 3.2}});
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  {
    // Queued as routing queues a subscriber's notification; this test is about its delivery. The
    // second entry fails for another reason (nothing listens), which is not a TLS failure.
    auto database = store::sql::Database::open(db.path());
    ASSERT_TRUE(database.is_ok());
    auto alerts = AlertStore::open(**database);
    ASSERT_TRUE(alerts.is_ok());
    int64_t alert_id = (*opened)[0].alert_id;
    Timestamp now = clock.now();
    ASSERT_TRUE((*alerts)->enqueue({0, "tls-1", alert_id, "webhook", receiver.url(), kSecret, kBody, "opened", now, 0, now})
                    .is_ok());
    std::string refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/hook";
    ASSERT_TRUE((*alerts)->enqueue({0, "tls-2", alert_id, "webhook", refused, "", kBody, "opened", now, 0, now}).is_ok());
  }

  EXPECT_EQ(*(*service)->deliver_due(), 0);
  clock.advance_seconds(1);  // the first retry is due after 1 s
  EXPECT_EQ(*(*service)->deliver_due(), 0);
  EXPECT_EQ(*(*service)->pending_deliveries(), 2);
  std::string metrics = (*service)->render_metrics();
  EXPECT_NE(metrics.find("\nshouwang_webhook_tls_failures_total 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE shouwang_webhook_tls_failures_total counter\n"), std::string::npos);
  EXPECT_TRUE(receiver.received().empty());

  service->reset();
  service = open(pki().ca());  // the operator passes serve --webhook-ca and restarts
  ASSERT_TRUE(service.is_ok()) << service.status().to_string();
  clock.advance_seconds(2);
  EXPECT_EQ(*(*service)->deliver_due(), 1);
  clock.advance_seconds(600);
  EXPECT_EQ(*(*service)->deliver_due(), 0);  // the refused one is still failing
  EXPECT_EQ(*(*service)->pending_deliveries(), 1);
  EXPECT_NE((*service)->render_metrics().find("\nshouwang_webhook_tls_failures_total 0\n"), std::string::npos);
  auto received = receiver.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].body, kBody);
  EXPECT_EQ(received[0].signature, webhook_signature(kSecret, kBody));
}

}  // namespace
}  // namespace shouwang::alert
