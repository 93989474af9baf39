// REST endpoints of the reporting & open-data core: health, locations, indicators, series
// (JSON or CSV, with as_of; published series from memory, api/figures_cache.h, with ETags), the
// dashboard's map of every country on one day, and revisions.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/store_pool.h"
#include "http/http.h"

namespace shouwang::api {

// `pool` serves every request and must outlive the router. GET /api/v1/health answers 503
// ("degraded", with the problems) when the store cannot be read or `service_problem` (e.g. the
// detection queue's backlog check) returns a sentence.
void add_data_routes(http::Router& router, const http::RouteContext& context, StorePool& pool,
                     std::function<std::optional<std::string>()> service_problem = {});

}  // namespace shouwang::api
