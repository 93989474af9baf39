// REST endpoints of the transmission engine: GET /api/v1/rt and GET /api/v1/forecasts over a
// stored daily series (a region's is the sum of its countries').
#pragma once

#include "api/store_pool.h"
#include "http/http.h"

namespace shouwang::api {

// `pool` serves every request and must outlive the router.
void add_estimate_routes(http::Router& router, const http::RouteContext& context, StorePool& pool);

}  // namespace shouwang::api
