// DHIS2's own data value endpoint at DHIS2's path, so a DHIS2 client (or a DHIS2 instance pushing
// data) configured with Shouwang's base URL reports to it:
//   POST /api/dataValueSets  DHIS2 JSON or CSV data values, with a reporter or admin token
//        ("Authorization: ApiToken <t>" or "Bearer <t>"); query dryRun, idScheme (uid: through the
//        stored Dhis2MappingStore; code: our own codes), importStrategy, atomicMode. The answer is
//        DHIS2's (2.38+) web message with its ImportSummary: each value imported (new), updated
//        (changed: a new revision), ignored (equal to what is stored, outside the strategy, or
//        refused with a conflict). A reporter writes only its country and subdivisions.
//   GET  /api/dataValueSets?orgUnit=&dataElement=&period= (or startDate/endDate): stored values in
//        DHIS2 JSON, public like every other read of the figures.
// docs/formats/dhis2.md is the contract.
#pragma once

#include <functional>

#include "api/dhis2_mapping_store.h"
#include "api/report_routes.h"
#include "api/store_pool.h"
#include "http/http.h"

namespace shouwang::api {

// Values are written under this source, with the reports of POST /api/v1/reports: a country's
// figures form one series whichever of the two ways it reports.
inline constexpr std::string_view kDhis2ReportSource = "report";

// `pool` and `mappings` serve every request and must outlive the router; `on_accepted` runs after a
// write that added revisions (detection, alerts), as for POST /api/v1/reports.
void add_dhis2_routes(http::Router& router, const http::RouteContext& context, StorePool& pool,
                      Dhis2MappingStore& mappings, std::function<void(const AcceptedReport&)> on_accepted = {},
                      OwnershipCheck owned = {});

}  // namespace shouwang::api
