// Fuzz target: ingest::parse_dhis2, a DHIS2 dataValueSets JSON file, read with a fixed mapping of
// DHIS2 identifiers (the ones the seed corpus uses) to our codes, then with idScheme=code (the
// identifiers taken as our codes). Both settings of allow_corrections run: they take different
// branches on negative values.
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  auto context = fuzz::fuzz_context();
  context.dhis2_mapping = &fuzz::dhis2_fuzz_mapping();
  ingest::parse_dhis2(fuzz::as_text(data, size), context);
  context.allow_corrections = true;
  ingest::parse_dhis2(fuzz::as_text(data, size), context);
  context.dhis2_mapping = &fuzz::dhis2_by_code();
  ingest::parse_dhis2(fuzz::as_text(data, size), context);
  return 0;
}
