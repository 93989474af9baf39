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

}  // namespace shouwang::fuzz
