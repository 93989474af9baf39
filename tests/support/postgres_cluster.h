// A throwaway PostgreSQL 15 cluster for tests: initdb into a temporary directory (as the
// unprivileged `postgres` user when the test runs as root, because the server refuses to run as
// root), a server listening only on 127.0.0.1 at a free port with its Unix socket in that
// directory, databases created on demand, and everything stopped and removed by the destructor.
// Tests never talk to a system-wide cluster.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/status.h"

extern char** environ;

namespace shouwang::testing {

class PostgresCluster {
 public:
  static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

  // Starts a cluster; the error says what is missing or what failed, with the server's log.
  static Result<std::unique_ptr<PostgresCluster>> start() {
    namespace fs = std::filesystem;
    if (!fs::exists(fs::path(kBinDir) / "initdb") || !fs::exists(fs::path(kBinDir) / "pg_ctl")) {
      return failed_precondition(std::string("the PostgreSQL 15 server programs are missing (no ") + kBinDir +
                                 "/initdb): run scripts/setup, which installs postgresql-15");
    }
    std::unique_ptr<PostgresCluster> cluster(new PostgresCluster());
    if (::geteuid() == 0) {
      const passwd* user = ::getpwnam("postgres");
      if (user == nullptr) {
        return failed_precondition("tests run as root start PostgreSQL as the `postgres` user, which does not "
                                   "exist: run scripts/setup, which installs postgresql-15");
      }
      cluster->as_postgres_ = true;
      cluster->uid_ = user->pw_uid;
      cluster->gid_ = user->pw_gid;
    }
    std::string pattern = (fs::temp_directory_path() / "shouwang-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return internal_error("cannot create a directory for the cluster");
    cluster->dir_ = pattern;
    if (cluster->as_postgres_ && ::chown(pattern.c_str(), cluster->uid_, cluster->gid_) != 0) {
      return internal_error("cannot hand " + pattern + " to the postgres user");
    }
    auto initdb = cluster->run(cluster->server_program("initdb", {"-D", cluster->data_dir(), "-U", "postgres",
                                                                   "-A", "trust", "-E", "UTF8", "--no-sync",
                                                                   "--no-instructions",
                                                                   // A linguistic default collation, as
                                                                   // operators' databases have: orders
                                                                   // the store needs must not rely on it.
                                                                   "--locale=C.UTF-8", "--locale-provider=icu",
                                                                   "--icu-locale=en-US"}));
    if (!initdb) return initdb.status();
    // A port found free may be taken before the server binds it; try a few.
    Status started;
    for (int attempt = 0; attempt < 3; ++attempt) {
      cluster->port_ = free_port();
      started = cluster->start_server();
      if (started.is_ok()) return cluster;
    }
    return started;
  }

  ~PostgresCluster() {
    if (running_) (void)run(server_program("pg_ctl", {"-D", data_dir(), "-m", "immediate", "-w", "stop"}));
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  // Restarts the server as an operator would (fast shutdown: every connection drops, open
  // transactions roll back) on the same port. Not "immediate": with this cluster's durability
  // settings off, a crash may lose recent commits, which is not what the tests study.
  Status restart() {
    auto stopped = run(server_program("pg_ctl", {"-D", data_dir(), "-m", "fast", "-w", "stop"}));
    if (!stopped) return stopped.status();
    running_ = false;
    return start_server();
  }

  int port() const { return port_; }
  std::string url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }

  // Creates an empty database and returns its URL.
  Result<std::string> create_database(const std::string& name) {
    auto created = run(client_program("createdb", {name}));
    if (!created) return created.status();
    return url(name);
  }

  // Runs SQL through psql; the output is unaligned, one row a line, fields separated by '|'.
  Result<std::string> psql(const std::string& database, const std::string& sql) {
    auto out = run(client_program("psql", {"-d", database, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql}));
    if (out && !out->empty() && out->back() == '\n') out->pop_back();
    return out;
  }

 private:
  PostgresCluster() = default;

  std::string data_dir() const { return dir_ + "/data"; }

  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
  }

  Status start_server() {
    // Durability settings off: the cluster lives for one test run.
    std::string options = "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port_) +
                          " -c unix_socket_directories='" + dir_ +
                          "' -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    auto started = run(server_program("pg_ctl", {"-D", data_dir(), "-l", dir_ + "/server.log", "-w", "-t", "30",
                                                 "-o", options, "start"}));
    if (started) {
      running_ = true;
      return Status::ok();
    }
    std::ifstream log(dir_ + "/server.log");
    std::stringstream text;
    text << log.rdbuf();
    return Status(started.status().code(), started.status().message() + "\nserver log:\n" + text.str());
  }

  // A program of the server package, run as `postgres` when we are root.
  std::vector<std::string> server_program(const std::string& name, std::vector<std::string> arguments) const {
    std::vector<std::string> argv;
    if (as_postgres_) argv = {"runuser", "-u", "postgres", "--"};
    argv.push_back(std::string(kBinDir) + "/" + name);
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return argv;
  }

  // A client program connecting to this cluster over TCP.
  std::vector<std::string> client_program(const std::string& name, std::vector<std::string> arguments) const {
    std::vector<std::string> argv = {std::string(kBinDir) + "/" + name, "-h", "127.0.0.1", "-p",
                                     std::to_string(port_), "-U", "postgres"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return argv;
  }

  // Runs argv to completion in the cluster's directory and returns what it printed; a non-zero
  // exit is an error carrying that output. Output goes through a file, not a pipe: pg_ctl leaves
  // a server running that must not hold our end open.
  Result<std::string> run(const std::vector<std::string>& argv) const {
    std::string output = dir_ + "/command-" + std::to_string(commands_run_++) + ".out";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // The postgres user may not be allowed into the test's working directory.
    posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t child = 0;
    int spawned = ::posix_spawnp(&child, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    std::string command;
    for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
    if (spawned != 0) return internal_error("cannot run " + command + ": " + std::strerror(spawned));
    int status = 0;
    ::waitpid(child, &status, 0);
    std::ifstream in(output);
    std::stringstream text;
    text << in.rdbuf();
    std::error_code ignored;
    std::filesystem::remove(output, ignored);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return internal_error(command + " failed:\n" + text.str());
    return text.str();
  }

  std::string dir_;
  int port_ = 0;
  bool running_ = false;
  bool as_postgres_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  mutable std::atomic<int> commands_run_{0};
};

}  // namespace shouwang::testing
