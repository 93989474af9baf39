// REST endpoints of the reporting & open-data core: health, locations, indicators, series
// (JSON or CSV, with as_of) and revisions.
#pragma once

#include "api/store_pool.h"
#include "http/http.h"

namespace shouwang::api {

// `pool` serves every request and must outlive the router.
void add_data_routes(http::Router& router, const http::RouteContext& context, StorePool& pool);

}  // namespace shouwang::api
