// Fuzz target: the body of POST /api/v1/federation/revisions, a batch a national node pushes to a
// hub (federation/batch.h). decode() checks every field before the hub stores anything; a batch it
// accepts must encode and decode again to the same batch (what the node sends is what the hub reads).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "federation/batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shouwang;
  auto batch = federation::decode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!batch.is_ok()) return 0;
  std::string again = federation::encode(*batch);
  auto round = federation::decode(again);
  if (!round.is_ok() || federation::encode(*round) != again) std::abort();
  return 0;
}
