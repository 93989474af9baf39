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

#include "tests/support/child_process.h"

namespace shouwang::testing {

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
  ServeProcess(const std::string& db, const std::vector<std::string>& args) : child_(serve_args(db, args)) {
    port_ = child_.wait_for_port();
  }
  ~ServeProcess() {
    if (child_.pid() > 0) child_.stop(SIGTERM, std::chrono::seconds(30));
  }
  uint16_t port() const { return port_; }
  pid_t pid() const { return child_.pid(); }

  // Sends `signal` and waits up to `deadline` for the exit: the wait status, or -1 when the
  // process had to be killed.
  int stop(int signal, std::chrono::milliseconds deadline) { return child_.stop(signal, deadline); }

  // What the server printed after its "serving" line (call after stop()).
  std::string rest_of_output() { return child_.rest_of_stdout(); }

 private:
  static std::vector<std::string> serve_args(const std::string& db, const std::vector<std::string>& args) {
    std::vector<std::string> all = {"serve", "--db", db, "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }

  ChildProcess child_;
  uint16_t port_ = 0;
};

}  // namespace shouwang::testing
