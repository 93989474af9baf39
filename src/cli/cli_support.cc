// Error reporting and progress display for the command line.
#include "cli/cli_support.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace shouwang::cli {

void fail(const Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  for (const auto& line : status.details()) std::cerr << "  " << line << "\n";
  int code = status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound
                 ? kExitUsage
                 : kExitErrors;
  throw CLI::RuntimeError(code);
}

void exit_with(int exit_code) { throw CLI::RuntimeError(exit_code); }

ProgressBar::ProgressBar(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), enabled_(isatty(STDERR_FILENO) != 0 && total > 0) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int64_t done) {
  if (!enabled_ || finished_) return;
  auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 40;
  double fraction = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  if (fraction > 1) fraction = 1;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r%s [%s] %3d%% (%lld/%lld)", label_.c_str(), bar.c_str(),
               static_cast<int>(fraction * 100), static_cast<long long>(done), static_cast<long long>(total_));
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  update(total_);
  finished_ = true;
  std::fputc('\n', stderr);
}

}  // namespace shouwang::cli
