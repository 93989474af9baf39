// Runs the `shouwang` binary for command-line tests: its exit code and what it printed.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>

#include "tests/support/test_paths.h"

namespace shouwang::testing {

// `shouwang ARGUMENTS` through the shell: exit code (-1 when it did not exit) and standard output,
// with standard error appended when `merge_stderr` (else discarded, so an export's output is the
// file alone).
inline std::pair<int, std::string> run_shouwang(const std::string& arguments, bool merge_stderr = true) {
  std::string out;
  FILE* pipe = popen((std::string(SHOUWANG_BIN) + " " + arguments + (merge_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (pipe == nullptr) return {-1, out};
  char buffer[65536];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The same, and the test fails unless the command succeeds.
inline std::string shouwang_ok(const std::string& arguments, bool merge_stderr = true) {
  auto [code, out] = run_shouwang(arguments, merge_stderr);
  EXPECT_EQ(code, 0) << arguments << "\n" << out;
  return out;
}

}  // namespace shouwang::testing
