// A deliberate bug of each kind the sanitizer builds look for, one per argument, so ctest can check
// that the build really is instrumented and that a finding stops the program (tests/sanitizers).
// Prints "survived" when the bug went unnoticed.
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>

namespace {

// Read through a volatile so that the optimiser cannot see, and drop, the bug.
volatile int g_index = 8;
volatile int g_large = 2147483647;
// Allocates through a pointer the compiler cannot follow, so UBSan's object-size check does not
// know the size and the overflow is left to AddressSanitizer, whose report the test asks for.
int* (*volatile g_allocate)(int) = [](int count) { return new int[count](); };

int heap_overflow() {
  int* values = g_allocate(8);
  int read = values[g_index];
  delete[] values;
  return read;
}

int leak() {
  int* values = new int[64]();
  values[0] = g_index;
  std::printf("%p\n", static_cast<void*>(values));  // the only copy of the pointer leaves the program
  return 0;
}

int signed_overflow() {
  int large = g_large;
  return large + 1;
}

int race() {
  int counter = 0;
  std::thread other([&] {
    for (int i = 0; i < 1000; ++i) ++counter;
  });
  for (int i = 0; i < 1000; ++i) ++counter;
  other.join();
  return counter;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s heap-overflow|leak|signed-overflow|race\n", argv[0]);
    return 2;
  }
  std::string_view kind = argv[1];
  int result = kind == "heap-overflow"     ? heap_overflow()
               : kind == "leak"            ? leak()
               : kind == "signed-overflow" ? signed_overflow()
               : kind == "race"            ? race()
                                           : -1;
  std::printf("survived (%d)\n", result);
  return 0;
}
