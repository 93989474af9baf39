// Fuzz target: ingest::parse_dhis2_mapping, the JSON file `shouwang import --mapping` reads to map
// DHIS2 identifiers to our codes.
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)shouwang::ingest::parse_dhis2_mapping(shouwang::fuzz::as_text(data, size));
  return 0;
}
