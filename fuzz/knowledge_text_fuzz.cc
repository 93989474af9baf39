// Fuzz target: knowledge::parse_plain_text, the import of a plain-text guidance file (and of the
// text pdftotext makes of a PDF) into sections.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "knowledge/importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)shouwang::knowledge::parse_plain_text(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
