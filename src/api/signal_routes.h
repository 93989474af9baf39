// REST endpoint for detection signals: GET /api/v1/signals?location=&indicator=&method=&from=&to=&alarm=true
#pragma once

#include "api/store_pool.h"
#include "http/http.h"
#include "watch/watch.h"

namespace shouwang::api {

// `signals` serves every request (it leases a connection per call) and must outlive the router;
// `pool` answers which indicators are cumulative (refused: detection runs on incident counts).
void add_signal_routes(http::Router& router, const http::RouteContext& context, watch::SignalStore& signals,
                       StorePool& pool);

}  // namespace shouwang::api
