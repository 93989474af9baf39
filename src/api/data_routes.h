// REST endpoints of the reporting & open-data core: health, locations, indicators, series
// (JSON or CSV, with as_of), revisions, and report submission.
#pragma once

#include "api/http.h"
#include "api/store_pool.h"
#include "core/time.h"

namespace shouwang::api {

struct ApiContext {
  StorePool* pool = nullptr;
  const Clock* clock = nullptr;
  // Bulk uploads by an authenticated reporter (reports, sequences) may be this large; every other
  // route takes at most kSmallBodyBytes.
  uint64_t max_upload_bytes = uint64_t{256} << 20;
};

void add_data_routes(Router& router, ApiContext context);

}  // namespace shouwang::api
