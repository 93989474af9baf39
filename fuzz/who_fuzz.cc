// Fuzz target: ingest::parse_who, the WHO COVID-19 global data CSV (daily or weekly rows).
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  ingest::parse_who(fuzz::as_text(data, size), fuzz::fuzz_context());
  return 0;
}
