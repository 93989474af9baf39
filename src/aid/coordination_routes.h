// REST endpoints of aid coordination under /api/v1/aid: needs (a country's reporter token),
// offers (donor tokens: the token's label is the donor's name), allocation rounds (coordinators),
// shipments and their events (delivery confirmed by the recipient country only), and the public
// transparency report (JSON or CSV, no login). Admins may do everything but confirm a delivery.
#pragma once

#include <functional>
#include <vector>

#include "aid/coordination_store.h"
#include "core/location.h"
#include "http/http.h"

namespace shouwang::aid {

// The location catalogue, read when a need gives no population (api::StorePool::location_catalogue()).
using LocationCatalogue = std::function<Result<std::vector<Location>>()>;

// `coordination` serves every request (it leases a connection per call) and must outlive the
// router; the token guards use `context.authenticate`.
void add_aid_routes(http::Router& router, const http::RouteContext& context, CoordinationStore& coordination,
                    LocationCatalogue locations);

}  // namespace shouwang::aid
