// Fuzz target: ingest::parse_sdmx_csv, SDMX-CSV 2.0 of our dataflow, as
// `shouwang import --format sdmx-csv` hands it over. Both settings of allow_corrections run.
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  auto context = fuzz::fuzz_context();
  ingest::parse_sdmx_csv(fuzz::as_text(data, size), context);
  context.allow_corrections = true;
  ingest::parse_sdmx_csv(fuzz::as_text(data, size), context);
  return 0;
}
