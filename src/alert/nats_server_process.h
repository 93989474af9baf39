// A real nats-server as a child process on loopback, for the tests and the benchmark that need
// one (Debian package nats-server): started on a free port, JetStream optional, stopped cleanly
// or killed like a crash. NatsCluster starts three (or more) of them as one JetStream cluster,
// each from its own configuration file, as docs/federation.md tells operators to.
#pragma once

#include <fcntl.h>
#include <nats/nats.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
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

// Starts `args` (args[0] the program) with its output discarded; 0 when it could not be started.
inline pid_t spawn_quietly(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : 0;
}

inline bool wait_until_accepting(uint16_t port) {
  for (int i = 0; i < 100; ++i) {
    if (port_accepts(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A nats-server child process on loopback; JetStream stores to `store_dir` when it is given.
// With a `config_file` the server reads everything from it (and `store_dir` is not used).
class NatsServerProcess {
 public:
  NatsServerProcess(uint16_t port, std::string store_dir, std::string config_file = "")
      : port_(port), store_dir_(std::move(store_dir)), config_file_(std::move(config_file)) {}
  ~NatsServerProcess() { kill_hard(); }

  bool start() {
    std::vector<std::string> args = {nats_server_binary()};
    if (!config_file_.empty()) {
      args.insert(args.end(), {"-c", config_file_});
    } else {
      args.insert(args.end(), {"-a", "127.0.0.1", "-p", std::to_string(port_)});
      if (!store_dir_.empty()) args.insert(args.end(), {"-js", "-sd", store_dir_});
    }
    pid_ = spawn_quietly(std::move(args));
    return pid_ > 0 && wait_until_accepting(port_);
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
  bool running() const { return pid_ > 0; }

 private:
  uint16_t port_;
  std::string store_dir_;
  std::string config_file_;
  pid_t pid_ = 0;
};

// A JetStream cluster of `size` nats-servers on loopback, named n1, n2, ..., each started from its
// own configuration file in `dir` (listen address, server_name, jetstream store_dir, and a
// cluster block with the routes to all of them).
class NatsCluster {
 public:
  explicit NatsCluster(std::string dir, int size = 3) : dir_(std::move(dir)) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::vector<uint16_t> route_ports;
    std::set<uint16_t> taken;
    auto distinct_port = [&] {
      uint16_t port = free_loopback_port();
      while (!taken.insert(port).second) port = free_loopback_port();
      return port;
    };
    for (int i = 0; i < size; ++i) {
      client_ports_.push_back(distinct_port());
      route_ports.push_back(distinct_port());
    }
    std::string routes;
    for (uint16_t p : route_ports) routes += "    nats-route://127.0.0.1:" + std::to_string(p) + "\n";
    for (int i = 0; i < size; ++i) {
      std::string name = "n" + std::to_string(i + 1);
      std::string config = dir_ + "/" + name + ".conf";
      std::ofstream(config) << "server_name: " << name << "\n"
                            << "listen: 127.0.0.1:" << client_ports_[i] << "\n"
                            << "jetstream {\n  store_dir: \"" << dir_ << "/" << name << "\"\n}\n"
                            << "cluster {\n  name: shouwang\n  listen: 127.0.0.1:" << route_ports[i] << "\n"
                            << "  routes: [\n"
                            << routes << "  ]\n}\n";
      servers_.push_back(std::make_unique<NatsServerProcess>(client_ports_[i], "", config));
    }
  }
  ~NatsCluster() {
    servers_.clear();  // killed
    std::filesystem::remove_all(dir_);
  }

  // Starts every server and waits until JetStream answers (the cluster elected its meta leader).
  bool start(std::chrono::seconds limit = std::chrono::seconds(30)) {
    for (auto& server : servers_) {
      if (!server->start()) return false;
    }
    return jetstream_ready(limit);
  }

  bool jetstream_ready(std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      natsConnection* nc = nullptr;
      jsCtx* js = nullptr;
      bool ready = false;
      if (natsConnection_ConnectTo(&nc, urls().c_str()) == NATS_OK &&
          natsConnection_JetStream(&js, nc, nullptr) == NATS_OK) {
        jsAccountInfo* info = nullptr;
        ready = js_GetAccountInfo(&info, js, nullptr, nullptr) == NATS_OK;
        if (info) jsAccountInfo_Destroy(info);
      }
      if (js) jsCtx_Destroy(js);
      if (nc) natsConnection_Destroy(nc);
      if (ready) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  int size() const { return static_cast<int>(servers_.size()); }
  // The server named `name` (n1, n2, ...).
  NatsServerProcess& server(const std::string& name) { return *servers_.at(std::stoi(name.substr(1)) - 1); }
  std::string url(int i) const { return "nats://127.0.0.1:" + std::to_string(client_ports_.at(i)); }
  // Every server's URL, comma-separated: what `serve --nats` takes.
  std::string urls() const {
    std::string out;
    for (int i = 0; i < size(); ++i) out += (i ? "," : "") + url(i);
    return out;
  }

 private:
  std::string dir_;
  std::vector<uint16_t> client_ports_;
  std::vector<std::unique_ptr<NatsServerProcess>> servers_;
};

}  // namespace shouwang::alert::testing
