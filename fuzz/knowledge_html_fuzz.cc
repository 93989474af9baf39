// Fuzz target: knowledge::parse_html, the import of an HTML guidance file into sections.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "knowledge/importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)shouwang::knowledge::parse_html(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
