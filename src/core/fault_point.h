// Fault points: named places in production code where the crash tests (tests/crash) make the
// process kill itself, so that a kill lands inside the window a test means to hit rather than
// wherever a timer happens to fire. SHOUWANG_FAULT_POINT=name[:nth] arms one point: its nth
// passage (default 1st) writes "shouwang: fault point NAME reached (passage N)" to stderr and
// raises SIGKILL, which cannot be caught, so nothing after it runs. Unset, a passage costs one
// load of a flag read once at the first passage.
#pragma once

#include <atomic>
#include <string_view>

namespace shouwang::fault {

namespace detail {
// 0: not read yet, 1: no point armed, 2: a point is armed.
inline std::atomic<int> armed_state{0};
int read_armed_state();
void passed_armed(std::string_view name);
}  // namespace detail

// Marks a passage through the fault point `name`; kills the process on the armed passage.
inline void point(std::string_view name) {
  int state = detail::armed_state.load(std::memory_order_relaxed);
  if (state == 0) state = detail::read_armed_state();
  if (state == 2) detail::passed_armed(name);
}

}  // namespace shouwang::fault
