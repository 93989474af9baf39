// The released binary, tried as an outsider would with a raw socket: no path returns the database
// file (or anything outside the web root), an anonymous 200 MB upload is refused before it is
// read and leaves the server's memory as it was, and SIGTERM under load drains and exits 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "http/test_client.h"
#include "tests/support/serve_process.h"

namespace shouwang {
namespace {

using http::testing::TempDir;
using Clock = std::chrono::steady_clock;

// Sends `request` on a fresh loopback connection and returns what comes back until the server
// closes or `timeout` passes.
std::string exchange(uint16_t port, const std::string& request, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buffer[8192];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
      out.append(buffer, static_cast<size_t>(n));
      // One response is enough when the server keeps the connection.
      if (out.find("\r\n\r\n") != std::string::npos && out.find("Content-Length") != std::string::npos) {
        size_t length = std::stoul(out.substr(out.find("Content-Length: ") + 16));
        if (out.size() >= out.find("\r\n\r\n") + 4 + length) break;
      }
    }
  }
  ::close(fd);
  return out;
}

int status_of(const std::string& response) {
  return response.starts_with("HTTP/1.1 ") ? std::atoi(response.c_str() + 9) : 0;
}

long resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  }
  return 0;
}

class ServeSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("shouwang.db");
    web_ = dir_.file("web");
    std::filesystem::create_directories(web_ + "/assets");
    std::ofstream(web_ + "/index.html") << "<!doctype html><title>dashboard</title>";
    testing::run("token create --db " + db_ + " --role reporter --location CHN");
    serve_ = std::make_unique<testing::ServeProcess>(db_, std::vector<std::string>{"--web-root", web_});
    ASSERT_NE(serve_->port(), 0) << "shouwang serve did not start";
  }

  TempDir dir_{"serve-security"};
  std::string db_, web_;
  std::unique_ptr<testing::ServeProcess> serve_;
};

TEST_F(ServeSecurityTest, NoPathReturnsTheDatabaseOrASystemFile) {
  std::string encoded_db;
  for (char c : db_) encoded_db += c == '/' ? std::string("%2F") : std::string(1, c);
  for (const std::string target : {"/" + db_, "/" + encoded_db, std::string("//etc/passwd"), std::string("/%2Fetc%2Fpasswd"),
                                   std::string("/..%2F..%2Fetc%2Fpasswd"), std::string("/assets/%2e%2e/%2e%2e/etc/passwd"),
                                   std::string("/%00"), std::string("/../shouwang.db"), std::string("/..%2Fshouwang.db")}) {
    std::string response = exchange(serve_->port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                    std::chrono::seconds(5));
    EXPECT_EQ(status_of(response), 404) << target;
    EXPECT_EQ(response.find("SQLite format"), std::string::npos) << target;
    EXPECT_EQ(response.find("root:"), std::string::npos) << target;
  }
}

TEST_F(ServeSecurityTest, AnAnonymous200MBUploadIsRefusedWithinASecondAndNotBuffered) {
  long before = resident_kib(serve_->pid());
  ASSERT_GT(before, 0);
  auto start = Clock::now();
  std::string response = exchange(serve_->port(),
                                   "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                                   "Content-Length: 200000000\r\n\r\nlocation,indicator,date,value\n",
                                   std::chrono::seconds(5));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(status_of(response), 401) << response;
  EXPECT_LT(resident_kib(serve_->pid()) - before, 50 * 1024);
}

TEST_F(ServeSecurityTest, SigtermUnderLoadDrainsAndExitsZero) {
  const uint16_t port = serve_->port();
  std::atomic<bool> running{true};
  std::atomic<int> answered{0}, cut_short{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      while (running) {
        std::string r = exchange(port, "GET /api/v1/locations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                 std::chrono::seconds(5));
        if (status_of(r) == 200 && r.ends_with("]}")) {
          ++answered;
        } else if (!r.empty()) {
          ++cut_short;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto start = Clock::now();
  int status = serve_->stop(SIGTERM, std::chrono::seconds(15));
  running = false;
  for (auto& t : clients) t.join();
  ASSERT_NE(status, -1) << "the server did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(status)) << "killed by a signal: " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(12));
  EXPECT_GT(answered.load(), 0);
  EXPECT_EQ(cut_short.load(), 0) << "a response was cut short by the shutdown";
  EXPECT_NE(serve_->rest_of_output().find("shouwang: stopped"), std::string::npos);
}

}  // namespace
}  // namespace shouwang
