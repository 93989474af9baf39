// Fuzz target: genome::FastaReader, which reads the sequences `shouwang genome` and
// POST /api/v1/sequences are given, record by record until the end or the first refusal.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "genome/fasta_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream input(std::string(reinterpret_cast<const char*>(data), size));
  shouwang::genome::FastaReader reader(input, "fuzz");
  while (true) {
    auto record = reader.next();
    if (!record.is_ok() || !record.value().has_value()) break;
  }
  return 0;
}
