// Fuzz target: ingest::parse_dhis2_csv, DHIS2 data value CSV read by position, with a fixed mapping
// of DHIS2 identifiers (the ones the seed corpus uses) and then with idScheme=code.
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  auto context = fuzz::fuzz_context();
  context.dhis2_mapping = &fuzz::dhis2_fuzz_mapping();
  ingest::parse_dhis2_csv(fuzz::as_text(data, size), context);
  context.dhis2_mapping = &fuzz::dhis2_by_code();
  context.allow_corrections = true;
  ingest::parse_dhis2_csv(fuzz::as_text(data, size), context);
  return 0;
}
