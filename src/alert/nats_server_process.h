// A real nats-server as a child process on loopback, for the tests and the benchmark that need
// one (Debian package nats-server): started on a free port, JetStream optional, stopped cleanly
// or killed like a crash.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace shouwang::alert::testing {

inline std::string nats_server_binary() {
  for (const char* candidate : {"/usr/sbin/nats-server", "/usr/bin/nats-server"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return "";
}

inline uint16_t free_loopback_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

inline bool port_accepts(uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

// A nats-server child process on loopback; JetStream stores to `store_dir` when it is given.
class NatsServerProcess {
 public:
  NatsServerProcess(uint16_t port, std::string store_dir) : port_(port), store_dir_(std::move(store_dir)) {}
  ~NatsServerProcess() { kill_hard(); }

  bool start() {
    std::vector<std::string> args = {nats_server_binary(), "-a", "127.0.0.1", "-p", std::to_string(port_)};
    if (!store_dir_.empty()) {
      args.insert(args.end(), {"-js", "-sd", store_dir_});
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;
    for (int i = 0; i < 100; ++i) {
      if (port_accepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // SIGTERM: the server shuts down cleanly.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

  // SIGKILL: no chance to flush or say goodbye, like a crash.
  void kill_hard() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  uint16_t port_;
  std::string store_dir_;
  pid_t pid_ = 0;
};

}  // namespace shouwang::alert::testing
