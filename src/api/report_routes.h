// POST /api/v1/reports: reporters submit figures (the csv or json import formats) with a bearer
// token; a reporter may write only its own country and that country's subdivisions. An accepted
// report is written all or nothing, grouped with the reports arriving meanwhile into one
// transaction (api/report_commit.h), then `on_accepted` runs (detection, alerts) without affecting
// the answer.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <utility>

#include "api/store_pool.h"
#include "core/time.h"
#include "http/http.h"

namespace shouwang::api {

struct AcceptedReport {
  std::set<std::pair<std::string, std::string>> series;  // (location, indicator) written
  Timestamp received_at;
};

// Whether this server takes figures of `location`: OK, or the refusal (a federation hub refuses the
// countries its national nodes own), answered 409 with the error code kOwnedByNode.
using OwnershipCheck = std::function<Status(const std::string& location)>;
inline constexpr std::string_view kOwnedByNode = "owned_by_node";

// The token a route's guard let in, as store::may_report_for() reads it (created_at unset).
Result<store::Token> reporting_token(const http::Request& request);

// `pool` serves every request and must outlive the router.
void add_report_routes(http::Router& router, const http::RouteContext& context, StorePool& pool,
                       std::function<void(const AcceptedReport&)> on_accepted = {}, OwnershipCheck owned = {});

}  // namespace shouwang::api
