// Helpers shared by the sub-commands: turning a Status into a one-line error and an exit code,
// and a progress bar for long work on a terminal.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace shouwang::cli {

// Exit codes: 0 success, 1 the work ran but found errors (e.g. rejected rows), 2 bad usage or input.
inline constexpr int kExitErrors = 1;
inline constexpr int kExitUsage = 2;

// The help of every `--db` option: the same store behind both spellings.
inline constexpr const char* kDbHelp =
    "Database: a SQLite file (created when absent) or a PostgreSQL URL such as\n"
    "postgresql://user@host:5432/dbname (the database must exist; tables are created)";

// Prints "error: <message>" and its details to stderr and ends the sub-command with an exit code
// chosen from the status code (usage/input errors 2, everything else 1).
[[noreturn]] void fail(const Status& status);

// Ends the sub-command with `exit_code` after the caller printed what it had to say.
[[noreturn]] void exit_with(int exit_code);

// A progress bar on stderr, drawn only when stderr is a terminal and at most ~10 times a second.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total);
  ~ProgressBar();
  void update(int64_t done);
  void finish();

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace shouwang::cli
