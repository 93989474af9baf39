// Fuzz target: ingest::parse_dhis2_csv, DHIS2 data value CSV read by position, with a fixed mapping
// of DHIS2 identifiers (the ones the seed corpus uses) and then with idScheme=code.
#include "fuzz/ingest_support.h"

namespace {

const shouwang::ingest::Dhis2Mapping& fuzz_mapping() {
  static const shouwang::ingest::Dhis2Mapping mapping = *shouwang::ingest::parse_dhis2_mapping(R"({
    "dataElements": {"fbfJHSPpUQD": "cases", "cYeuwXTCPkU": "deaths", "hfdmMSPBgLG": "cases_cumulative"},
    "orgUnits": {"DiszpKrYNg8": "ITA", "O6uvpzGd5pu": "ZZZ-21", "Pq7r": "ITA-21"},
    "categoryOptionCombos": {"femYoung": "SEX=F;AGE=15-24", "male": "SEX=M"}})");
  return mapping;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  auto context = fuzz::fuzz_context();
  context.dhis2_mapping = &fuzz_mapping();
  ingest::parse_dhis2_csv(fuzz::as_text(data, size), context);
  static const ingest::Dhis2Mapping by_code = [] {
    ingest::Dhis2Mapping m;
    m.by_code = true;
    return m;
  }();
  context.dhis2_mapping = &by_code;
  context.allow_corrections = true;
  ingest::parse_dhis2_csv(fuzz::as_text(data, size), context);
  return 0;
}
