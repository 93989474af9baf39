// Fuzz target: ingest::parse_jhu, the JHU CSSE wide time series of cumulative counts. The first
// byte picks the series the file is said to hold (cases, deaths, or an unsupported name), so that
// every branch on --indicator is reachable; the rest is the file.
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  if (size == 0) return 0;
  static const char* const kIndicators[] = {"cases", "deaths", "tests"};
  auto context = fuzz::fuzz_context();
  context.jhu_indicator = kIndicators[data[0] % 3];
  ingest::parse_jhu(fuzz::as_text(data + 1, size - 1), context);
  return 0;
}
