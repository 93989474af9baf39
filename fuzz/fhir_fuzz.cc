// Fuzz target: ingest::parse_fhir, a FHIR R4 Bundle of MeasureReport resources, as
// `shouwang import --format fhir` and POST /api/v1/reports (application/fhir+json) hand it over.
// Both settings of allow_corrections run: they take different branches on negative values.
#include "fuzz/ingest_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  auto context = fuzz::fuzz_context();
  ingest::parse_fhir(fuzz::as_text(data, size), context);
  context.allow_corrections = true;
  ingest::parse_fhir(fuzz::as_text(data, size), context);
  return 0;
}
