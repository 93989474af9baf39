// REST endpoint for detection signals: GET /api/v1/signals?location=&indicator=&method=&from=&to=&alarm=true
#pragma once

#include "http/http.h"
#include "watch/watch.h"

namespace shouwang::api {

// `signals` serves every request (it leases a connection per call) and must outlive the router.
void add_signal_routes(http::Router& router, const http::RouteContext& context, watch::SignalStore& signals);

}  // namespace shouwang::api
