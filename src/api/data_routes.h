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
};

void add_data_routes(Router& router, ApiContext context);

}  // namespace shouwang::api
