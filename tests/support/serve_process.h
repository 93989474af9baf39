// Test support for the end-to-end tests that run the real `shouwang` binary (SHOUWANG_BIN): one
// command to completion, and `shouwang serve` as a child process whose port is read from the line
// it prints when it listens.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace shouwang::testing {

inline const std::string kBinary = SHOUWANG_BIN;

// Runs the binary and returns its standard output; the test fails on a non-zero exit.
inline std::string run(const std::string& arguments) {
  std::string out;
  FILE* pipe = popen((kBinary + " " + arguments + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << arguments;
  return out;
}

inline std::string last_line(const std::string& text) {
  std::string line, last;
  std::istringstream in(text);
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// `shouwang serve --db DB --port 0 ARGS...` in a child process. The destructor sends SIGTERM and
// reaps it, unless the test already did (stop()).
class ServeProcess {
 public:
  ServeProcess(const std::string& db, std::vector<std::string> args) {
    int out[2];
    if (pipe(out) != 0) return;
    std::vector<std::string> argv_text = {kBinary, "serve", "--db", db, "--port", "0"};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      std::vector<char*> argv;
      for (auto& a : argv_text) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(kBinary.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    std::string text;
    char c;
    const std::regex listening(R"(on https?://127\.0\.0\.1:(\d+)/)");
    std::smatch match;
    while (read(out[0], &c, 1) == 1) {
      text += c;
      if (c == '\n' && std::regex_search(text, match, listening)) {
        port_ = static_cast<uint16_t>(std::stoi(match[1]));
        break;
      }
    }
    stdout_ = out[0];
  }
  ~ServeProcess() {
    if (pid_ > 0) stop(SIGTERM, std::chrono::seconds(30));
    if (stdout_ >= 0) close(stdout_);
  }
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits up to `deadline` for the exit: the wait status, or -1 when the
  // process had to be killed.
  int stop(int signal, std::chrono::milliseconds deadline) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    auto until = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }

  // What the server printed after its "serving" line (call after stop()).
  std::string rest_of_output() {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while (stdout_ >= 0 && (n = read(stdout_, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
    return text;
  }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  uint16_t port_ = 0;
};

}  // namespace shouwang::testing
