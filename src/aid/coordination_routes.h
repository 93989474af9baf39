// REST endpoints of aid coordination under /api/v1/aid: needs (a country's reporter token),
// offers (donor tokens: the token's label is the donor's name), allocation rounds (coordinators),
// shipments and their events (delivery confirmed by the recipient country only), and the public
// transparency report (JSON or CSV, no login). Admins may do everything but confirm a delivery.
#pragma once

#include "aid/coordination_store.h"
#include "api/data_routes.h"
#include "api/http.h"

namespace shouwang::aid {

// `coordination` serves every request (it leases a connection per call) and must outlive the
// router; the token guards and the population lookup use `context.pool`.
void add_aid_routes(api::Router& router, api::ApiContext context, CoordinationStore& coordination);

}  // namespace shouwang::aid
