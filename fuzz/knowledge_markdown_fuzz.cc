// Fuzz target: knowledge::parse_markdown, the import of a Markdown guidance file into sections.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "knowledge/importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)shouwang::knowledge::parse_markdown(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
