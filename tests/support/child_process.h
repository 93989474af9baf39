// Test support: the real `shouwang` binary (SHOUWANG_BIN) as a child process. Its standard output
// is a pipe the test reads (the port `serve` prints, the rest after the exit); its standard error
// goes to a file when one is named, else to the test's own. A fault point (core/fault_point.h) can
// be armed for it alone.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace shouwang::testing {

inline const std::string kBinary = SHOUWANG_BIN;

class ChildProcess {
 public:
  // `shouwang ARGS` with SHOUWANG_FAULT_POINT=fault (none when empty, whatever the test's own
  // environment says); standard error to `stderr_path` unless it is empty.
  ChildProcess(const std::vector<std::string>& args, const std::string& fault = "",
               const std::string& stderr_path = "") {
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
    int err = stderr_path.empty() ? -1 : ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      if (err >= 0) dup2(err, STDERR_FILENO);
      execve(kBinary.c_str(), argv.data(), envp.data());
      _exit(127);
    }
    close(out[1]);
    if (err >= 0) close(err);
    stdout_ = out[0];
  }
  // A child still running is killed.
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Reads standard output until `shouwang serve` says where it listens; 0 if it exited first.
  uint16_t wait_for_port() {
    std::string text;
    char c;
    const std::regex listening(R"(on https?://127\.0\.0\.1:(\d+)/)");
    std::smatch match;
    while (stdout_ >= 0 && read(stdout_, &c, 1) == 1) {
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
  // `then` (SIGTERM by default; 0 sends nothing) and waits up to 30 s more. -1 when it has not
  // exited by then.
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

  // Sends `signal` and waits up to `deadline` for the exit: the wait status, or -1 when the
  // process had to be killed.
  int stop(int signal, std::chrono::milliseconds deadline) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = wait(deadline, 0);
    if (status != -1) return status;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
};

}  // namespace shouwang::testing
