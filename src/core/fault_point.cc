// The armed fault point, read once from SHOUWANG_FAULT_POINT.
#include "core/fault_point.h"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <mutex>
#include <string>

namespace shouwang::fault::detail {
namespace {

struct Armed {
  std::string name;
  long nth = 1;
  std::atomic<long> passages{0};
};

Armed& armed() {
  static Armed instance;
  return instance;
}

}  // namespace

int read_armed_state() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* text = std::getenv("SHOUWANG_FAULT_POINT");
    std::string_view spec = text == nullptr ? std::string_view() : std::string_view(text);
    Armed& a = armed();
    if (auto colon = spec.rfind(':'); colon != std::string_view::npos) {
      std::string_view number = spec.substr(colon + 1);
      long nth = 0;
      auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), nth);
      // A malformed count arms nothing rather than a point the test did not ask for.
      bool valid = error == std::errc() && end == number.data() + number.size() && nth >= 1;
      a.nth = nth;
      spec = valid ? spec.substr(0, colon) : std::string_view();
    }
    a.name = std::string(spec);
    armed_state.store(a.name.empty() ? 1 : 2, std::memory_order_relaxed);
  });
  return armed_state.load(std::memory_order_relaxed);
}

void passed_armed(std::string_view name) {
  Armed& a = armed();
  if (name != a.name) return;
  long passage = ++a.passages;
  if (passage != a.nth) return;
  // write(2), not iostreams: async-signal-safe and unbuffered, so the line is out before the kill.
  std::string line = "shouwang: fault point " + a.name + " reached (passage " + std::to_string(passage) + ")\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  ::raise(SIGKILL);
}

}  // namespace shouwang::fault::detail
