// REST endpoints of the transmission engine: GET /api/v1/rt and GET /api/v1/forecasts over a
// stored daily series (a region's is the sum of its countries').
#pragma once

#include "api/data_routes.h"

namespace shouwang::api {

void add_estimate_routes(Router& router, ApiContext context);

}  // namespace shouwang::api
