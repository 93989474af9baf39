// Support of the crash tests: the real `shouwang` binary (SHOUWANG_BIN) run with a fault point
// armed (core/fault_point.h), proof that it died by SIGKILL at that point and nowhere else, and
// reads of the store it left behind through store::sql (never sqlite3.h).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/sql.h"

namespace shouwang::crash {

inline const std::string kBinary = SHOUWANG_BIN;

// The seed of a test's random choices: SHOUWANG_CRASH_SEED when set (to replay a failure), else
// the clock. Printed, so a failing run can be replayed.
inline uint64_t crash_seed() {
  const char* given = std::getenv("SHOUWANG_CRASH_SEED");
  uint64_t seed = given != nullptr ? std::strtoull(given, nullptr, 10)
                                   : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::printf("crash seed %llu (SHOUWANG_CRASH_SEED=%llu replays it)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `shouwang ARGS` as a child process with SHOUWANG_FAULT_POINT=fault (none when empty); its
// standard error goes to `stderr_path`, its standard output to a pipe read by wait_for_port().
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& fault, const std::string& stderr_path)
      : stderr_path_(stderr_path) {
    // Arguments and environment are built before fork(): the child of a threaded test may only
    // call async-signal-safe functions until it execs.
    std::vector<std::string> argv_text = {kBinary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string_view(*e).starts_with("SHOUWANG_FAULT_POINT=")) continue;
      env_text.emplace_back(*e);
    }
    if (!fault.empty()) env_text.push_back("SHOUWANG_FAULT_POINT=" + fault);
    std::vector<char*> argv, envp;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return;
    int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      execve(kBinary.c_str(), argv.data(), envp.data());
      _exit(127);
    }
    close(out[1]);
    close(err);
    stdout_ = out[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // Reads standard output until `shouwang serve` says where it listens; 0 if it exited first.
  uint16_t wait_for_port() {
    std::string text;
    char c;
    const std::regex listening(R"(on https?://127\.0\.0\.1:(\d+)/)");
    std::smatch match;
    while (read(stdout_, &c, 1) == 1) {
      text += c;
      if (c == '\n' && std::regex_search(text, match, listening)) return static_cast<uint16_t>(std::stoi(match[1]));
    }
    return 0;
  }
  // Everything left on standard output, up to its end (call once the child has exited).
  std::string rest_of_stdout() {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while (stdout_ >= 0 && (n = read(stdout_, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
    return text;
  }

  // Waits up to `deadline` for the exit and returns the wait status; on the deadline sends
  // `then` (SIGTERM by default, never SIGKILL: a kill the test sent must not pass for a fault
  // point's) and waits for that exit. -1 when even that did not end it in 30 s.
  int wait(std::chrono::milliseconds deadline, int then = SIGTERM) {
    if (pid_ <= 0) return -1;
    auto until = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    while (true) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      if (std::chrono::steady_clock::now() >= until) {
        if (then == 0) return -1;
        kill(pid_, then);
        then = 0;
        until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::string stderr_text() const { return read_text(stderr_path_); }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string stderr_path_;
};

// Whether the child died by SIGKILL at the armed fault point `point` (its name without ":nth"):
// the signal alone is not enough, the point must have said it fired.
inline bool killed_at(int status, const std::string& stderr_text, const std::string& point) {
  return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
         stderr_text.find("shouwang: fault point " + point + " reached") != std::string::npos;
}

inline std::string describe_exit(int status) {
  if (status == -1) return "still running";
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit code " + std::to_string(WEXITSTATUS(status));
}

// One connection to what `db` names (a SQLite file or a postgresql:// URL), for checks.
inline std::unique_ptr<store::sql::Connection> connect_for_checks(const std::string& db) {
  auto conn = store::sql::connect(db);
  EXPECT_TRUE(conn.is_ok()) << conn.status().to_string();
  return conn.is_ok() ? std::move(conn).value() : nullptr;
}

// SQLite's own check of the file ("ok" when sound); PostgreSQL has no equivalent and answers "ok".
inline std::string integrity_check(store::sql::Connection& conn) {
  if (conn.dialect() != store::sql::Dialect::kSqlite) return "ok";
  auto rows = conn.query("PRAGMA integrity_check");
  if (!rows.is_ok()) return rows.status().to_string();
  std::string out;
  for (size_t i = 0; i < rows->size(); ++i) out += (i ? "\n" : "") + (*rows)[i].text(0);
  return out;
}

// Revisions stored under `source`.
inline int64_t revisions_of_source(store::sql::Connection& conn, const std::string& source) {
  auto n = conn.scalar("SELECT COUNT(*) FROM observations o JOIN series s ON s.id = o.series_id WHERE s.source = ?",
                       source);
  EXPECT_TRUE(n.is_ok()) << n.status().to_string();
  return n.is_ok() ? *n : -1;
}

}  // namespace shouwang::crash
