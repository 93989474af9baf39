// The hub's side of federation over HTTP: the endpoint national nodes push their change feed to,
// the public list of nodes with their replication lag, and the metrics of that lag.
//   POST /api/v1/federation/revisions   a batch (federation/batch.h), node token
//   GET  /api/v1/federation/nodes       public
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "federation/registry.h"
#include "http/http.h"
#include "store/store.h"

namespace shouwang::federation {

// Runs `work` on a store of the hub's database (a pooled one in `serve`).
using WithStore = std::function<Status(const std::function<Status(store::Store&)>& work)>;

void add_federation_routes(http::Router& router, const http::RouteContext& context, NodeRegistry& registry,
                           WithStore with_store);

// Prometheus text: replication lag per node.
std::string render_federation_metrics(NodeRegistry& registry, Timestamp now);

}  // namespace shouwang::federation
