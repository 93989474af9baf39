// REST endpoint for detection signals: GET /api/v1/signals?location=&indicator=&method=&from=&to=&alarm=true
#pragma once

#include "api/data_routes.h"

namespace shouwang::api {

void add_signal_routes(Router& router, ApiContext context);

}  // namespace shouwang::api
