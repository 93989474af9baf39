// What the ingest fuzz targets share: the catalogue an import checks codes against (the reference
// locations and indicators compiled into the program, as `shouwang import` uses on a fresh store)
// and a fixed "today", so that a run depends on its input alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/indicator.h"
#include "ingest/parsers.h"
#include "ingest/reference_data.h"
#include "ingest/validation.h"

namespace shouwang::fuzz {

inline const ingest::MemoryCatalog& reference_catalog() {
  static const ingest::MemoryCatalog catalog(ingest::reference_locations(), builtin_indicators());
  return catalog;
}

inline ingest::ParseContext fuzz_context() {
  static const Date today = *Date::parse("2025-01-01");
  return ingest::ParseContext{reference_catalog(), today, {}, "cases"};
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The DHIS2 targets' fixed mapping of the identifiers their seed corpora use to our codes.
inline const ingest::Dhis2Mapping& dhis2_fuzz_mapping() {
  static const ingest::Dhis2Mapping mapping = *ingest::parse_dhis2_mapping(R"({
    "dataElements": {"fbfJHSPpUQD": "cases", "cYeuwXTCPkU": "deaths", "hfdmMSPBgLG": "cases_cumulative"},
    "orgUnits": {"DiszpKrYNg8": "ITA", "O6uvpzGd5pu": "ZZZ-21", "Pq7r": "ITA-21", "ImspTQPwCqd": "CHN"},
    "categoryOptionCombos": {"femYoung": "SEX=F;AGE=15-24", "male": "SEX=M"}})");
  return mapping;
}

// idScheme=code: identifiers taken as our codes.
inline const ingest::Dhis2Mapping& dhis2_by_code() {
  static const ingest::Dhis2Mapping mapping = [] {
    ingest::Dhis2Mapping m;
    m.by_code = true;
    return m;
  }();
  return mapping;
}

}  // namespace shouwang::fuzz
