// Fuzz target: ingest::parse_csv, the long CSV format (location,indicator,date,value), as
// `shouwang import` and POST /api/v1/reports hand it over. Both settings of allow_corrections run:
// they take different branches on negative values.
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  auto context = fuzz::fuzz_context();
  ingest::parse_csv(fuzz::as_text(data, size), context);
  context.allow_corrections = true;
  ingest::parse_csv(fuzz::as_text(data, size), context);
  return 0;
}
