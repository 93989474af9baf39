// Webhook delivery against a receiver that misbehaves on the network: it resets the connection,
// stalls past the delivery timeout, or answers 500, and then recovers. Each failure is retried
// after the backoff (1 s, 2 s, 4 s, ... of the manual clock, never sooner) through the real HTTP
// transport, and once the receiver answers 200 the notification has been delivered exactly once.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <thread>
#include <vector>

#include "alert/liaison_service.h"
#include "alert/test_support.h"

namespace shouwang::alert {
namespace {

// A webhook receiver on loopback that answers in the way set_mode() says.
class MisbehavingReceiver {
 public:
  enum class Mode { kReset, kStall, kError500, kAccept };

  MisbehavingReceiver() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~MisbehavingReceiver() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    for (int fd : stalled_) close(fd);
    close(listener_);
  }

  uint16_t port() const { return port_; }
  void set_mode(Mode mode) { mode_ = mode; }
  int connections() const { return connections_; }
  std::vector<std::string> accepted_keys() {
    std::lock_guard lock(mutex_);
    return accepted_keys_;
  }

 private:
  void serve() {
    while (!stopping_) {
      pollfd waiting{listener_, POLLIN, 0};
      if (poll(&waiting, 1, 50) <= 0) continue;
      int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      Mode mode = mode_;
      if (mode == Mode::kStall) {
        stalled_.push_back(fd);  // read nothing, answer nothing, keep it open
        continue;
      }
      std::string request = read_request(fd);
      if (mode == Mode::kReset) {
        linger abort{1, 0};  // close with RST instead of FIN
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
      } else if (mode == Mode::kError500) {
        write_all(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      } else {
        {
          std::lock_guard lock(mutex_);
          accepted_keys_.push_back(header(request, "idempotency-key"));
        }
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      }
      close(fd);
    }
  }
  // The header block and as much of the body as Content-Length announces (2 s at most).
  static std::string read_request(int fd) {
    timeval timeout{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string text;
    char buffer[4096];
    while (true) {
      size_t end = text.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string length = header(text, "content-length");
        if (text.size() >= end + 4 + (length.empty() ? 0 : std::stoul(length))) return text;
      }
      ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) return text;
      text.append(buffer, static_cast<size_t>(n));
    }
  }
  static std::string header(const std::string& request, const std::string& name) {
    std::string lower = request;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    size_t at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) return "";
    size_t start = request.find_first_not_of(' ', at + 3 + name.size());
    return request.substr(start, request.find("\r\n", start) - start);
  }
  static void write_all(int fd, const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = write(fd, text.data() + done, text.size() - done);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<Mode> mode_{Mode::kAccept};
  std::atomic<int> connections_{0};
  std::vector<int> stalled_;  // the serving thread's only
  std::mutex mutex_;
  std::vector<std::string> accepted_keys_;
  std::thread thread_;
};

TEST(WebhookFaults, ResetsStallsAnd500sAreRetriedWithBackoffAndTheRecoveryDeliversOnce) {
  testing::TempDatabase db("webhook-faults");
  ASSERT_TRUE(db.ok());
  MisbehavingReceiver receiver;
  ASSERT_NE(receiver.port(), 0);
  ManualClock clock(*Timestamp::parse("2026-03-10T08:00:00Z"));
  const auto timeout = std::chrono::milliseconds(300);
  auto transport = HttpWebhookTransport::create("", timeout);
  ASSERT_TRUE(transport.is_ok()) << transport.status().to_string();
  LiaisonOptions options;
  options.db_path = db.path();
  options.clock = &clock;
  options.webhook_transport = *transport;
  options.retry_base_micros = 1'000'000;
  auto service = LiaisonService::open(options);
  ASSERT_TRUE(service.is_ok()) << service.status().to_string();
  Subscription subscription;
  subscription.name = "ministry";
  subscription.location = "NGA";
  subscription.webhook = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  ASSERT_TRUE((*service)->add_subscription(subscription).is_ok());
  ASSERT_TRUE((*service)->on_signals({Signal{"NGA", "cases", "2026-W10", "ears-c2", 90, 10, true, 4}}).is_ok());

  using Mode = MisbehavingReceiver::Mode;
  const Mode failures[] = {Mode::kReset, Mode::kStall, Mode::kError500, Mode::kReset, Mode::kStall, Mode::kError500};
  double backoff = 1;  // seconds before the next attempt
  for (Mode mode : failures) {
    SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)) + ", backoff " + std::to_string(backoff));
    receiver.set_mode(mode);
    const int before = receiver.connections();
    const auto started = std::chrono::steady_clock::now();
    auto delivered = (*service)->deliver_due();
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(delivered.is_ok()) << delivered.status().to_string();
    EXPECT_EQ(*delivered, 0);
    EXPECT_EQ(receiver.connections(), before + 1);
    if (mode == Mode::kStall) {
      // Given up at the delivery timeout, not left hanging.
      EXPECT_GE(took, timeout);
      EXPECT_LT(took, std::chrono::seconds(3));
    }
    // Not retried before the backoff has passed, retried once it has.
    clock.advance_seconds(backoff - 0.1);
    ASSERT_EQ(*(*service)->deliver_due(), 0);
    EXPECT_EQ(receiver.connections(), before + 1) << "retried before the backoff";
    clock.advance_seconds(0.1);
    backoff *= 2;
  }
  receiver.set_mode(Mode::kAccept);
  const int before = receiver.connections();
  EXPECT_EQ(*(*service)->deliver_due(), 1);
  EXPECT_EQ(receiver.connections(), before + 1);
  clock.advance_seconds(3600);
  EXPECT_EQ(*(*service)->deliver_due(), 0);
  EXPECT_EQ(*(*service)->pending_deliveries(), 0);
  EXPECT_EQ(receiver.connections(), before + 1);
  auto keys = receiver.accepted_keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_FALSE(keys[0].empty());
}

}  // namespace
}  // namespace shouwang::alert
