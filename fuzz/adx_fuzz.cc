// Fuzz target: ingest::parse_adx, an IHE ADX XML document, as `shouwang import --format adx` and
// POST /api/v1/reports (Content-Type application/adx+xml) hand it over. Both settings of
// allow_corrections run: they take different branches on negative values.
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  auto context = fuzz::fuzz_context();
  ingest::parse_adx(fuzz::as_text(data, size), context);
  context.allow_corrections = true;
  ingest::parse_adx(fuzz::as_text(data, size), context);
  return 0;
}
