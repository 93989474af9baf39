#include "federation/hub_routes.h"

#include <boost/json.hpp>
#include <map>
#include <set>
#include <sstream>

#include "core/json_text.h"
#include "federation/batch.h"

namespace shouwang::federation {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

json::value time_or_null(const std::optional<Timestamp>& t) {
  return t ? json::value(t->to_string()) : json::value(nullptr);
}

json::object node_json(const Node& n, Timestamp now) {
  return json::object{{"country", n.country},
                      {"label", n.label},
                      {"registered_at", n.registered_at.to_string()},
                      {"cursor", n.cursor},
                      {"node_head", n.node_head},
                      {"lag_entries", n.lag_entries()},
                      {"lag_seconds", json_number(n.lag_seconds(now))},
                      {"revisions_received", n.revisions_received},
                      {"last_batch_at", time_or_null(n.last_batch_at)},
                      {"last_error", n.last_error},
                      {"last_error_at", time_or_null(n.last_error_at)}};
}

// Everything in a batch must be the node's own: its country and that country's subdivisions.
Status check_scope(const Batch& batch, const std::string& country) {
  for (const auto& r : batch.revisions) {
    if (!is_country_or_below(r.location, country)) {
      return permission_denied("this node reports for " + country + ", not for " + r.location);
    }
  }
  for (const auto& l : batch.locations) {
    if (!is_country_or_below(l.code, country) || (l.code != country && !is_country_or_below(l.parent, country))) {
      return permission_denied("this node describes locations of " + country + " only, not " + l.code);
    }
  }
  return Status::ok();
}

// Stores a checked batch: unknown indicators and the node's subdivisions first, then the revisions.
Result<int64_t> store_batch(store::Store& store, const Batch& batch, const std::string& country) {
  ASSIGN_OR_RETURN(auto known, store.list_indicators());
  std::set<std::string> codes;
  for (const auto& i : known) codes.insert(i.code);
  for (const auto& i : batch.indicators) {
    if (!codes.contains(i.code)) RETURN_IF_ERROR(store.upsert_indicator(i));
  }
  std::vector<Location> subdivisions;
  for (const auto& l : batch.locations) {
    if (l.code != country) subdivisions.push_back(l);  // the country itself is the hub's reference entry
  }
  if (!subdivisions.empty()) RETURN_IF_ERROR(store.upsert_locations(subdivisions));
  return store.apply_revisions(batch.revisions);
}

Response refusal(NodeRegistry& registry, const Node& node, const Status& status, std::string_view code,
                 Timestamp now) {
  (void)registry.record_refusal(node.country, status.message(), now);
  return Response::error(status, code);
}

Response receive_batch(const Request& request, NodeRegistry& registry, const WithStore& with_store, Timestamp now) {
  if (!request.caller) return Response::error(internal_error("the federation route was registered without a token guard"));
  auto node = registry.find_by_token(request.caller->token_hash);
  if (!node) {
    if (node.status().code() == StatusCode::kNotFound) {
      return Response::error(permission_denied("this node token is not registered at this hub"));
    }
    return Response::error(node.status());
  }
  auto batch = decode(request.body);
  if (!batch) return refusal(registry, *node, batch.status(), status_code_name(batch.status().code()), now);
  json::object answer{{"node", node->country}, {"label", node->label}, {"cursor", node->cursor}};
  if (!batch->after) return Response::json(answer);  // a node asking where to start
  if (*batch->after > node->cursor) {
    // The node believes the hub holds more than it does (the hub was restored from a backup, say):
    // it must send again from the hub's cursor. Nothing is stored out of order.
    Response r = Response::error(
        already_exists("the hub holds this node's feed up to " + std::to_string(node->cursor) + ", not " +
                       std::to_string(*batch->after) + ": send from there"),
        "cursor_behind");
    auto body = json::parse(r.body);
    body.as_object()["cursor"] = node->cursor;
    r.body = json_text(body);
    return r;
  }
  if (Status in_scope = check_scope(*batch, node->country); !in_scope.is_ok()) {
    return refusal(registry, *node, in_scope, status_code_name(in_scope.code()), now);
  }
  int64_t accepted = 0;
  Status stored = with_store([&](store::Store& store) -> Status {
    ASSIGN_OR_RETURN(accepted, store_batch(store, *batch, node->country));
    return Status::ok();
  });
  if (!stored.is_ok()) {
    // A revision that contradicts the hub's copy: the histories differ, and replication of this node
    // stops at this batch until an operator looks (GET /api/v1/federation/nodes shows why).
    if (stored.code() == StatusCode::kFailedPrecondition) {
      return refusal(registry, *node, already_exists(stored.message()), "revision_conflict", now);
    }
    return Response::error(stored);
  }
  if (Status noted = registry.record_batch(node->country, batch->through, batch->head, accepted, now); !noted.is_ok()) {
    return Response::error(noted);  // the revisions are stored; the node's retry finds them there
  }
  answer["cursor"] = std::max(node->cursor, batch->through);
  answer["received"] = static_cast<int64_t>(batch->revisions.size());
  answer["accepted"] = accepted;
  return Response::json(answer);
}

}  // namespace

void add_federation_routes(http::Router& router, const http::RouteContext& context, NodeRegistry& registry,
                           WithStore with_store) {
  const Clock* clock = context.clock;
  router.add("POST", "/api/v1/federation/revisions",
             [&registry, with_store, clock](const Request& request) {
               return receive_batch(request, registry, with_store, clock->now());
             },
             http::token_route(context.authenticate, {"node"}, context.max_upload_bytes));
  router.add("GET", "/api/v1/federation/nodes", [&registry, clock](const Request&) {
    auto nodes = registry.list();
    if (!nodes) return Response::error(nodes.status());
    Timestamp now = clock->now();
    json::array out;
    for (const auto& n : *nodes) out.push_back(node_json(n, now));
    return Response::json(json::object{{"nodes", std::move(out)}});
  });
}

std::string render_federation_metrics(NodeRegistry& registry, Timestamp now) {
  auto nodes = registry.list();
  if (!nodes) return "";
  std::ostringstream out;
  out << "# HELP shouwang_federation_lag_seconds Seconds since this hub last held all of a node's figures\n"
      << "# TYPE shouwang_federation_lag_seconds gauge\n";
  for (const auto& n : *nodes) out << "shouwang_federation_lag_seconds{node=\"" << n.country << "\"} " << n.lag_seconds(now) << "\n";
  out << "# HELP shouwang_federation_lag_entries Entries of a node's change feed this hub has not received\n"
      << "# TYPE shouwang_federation_lag_entries gauge\n";
  for (const auto& n : *nodes) out << "shouwang_federation_lag_entries{node=\"" << n.country << "\"} " << n.lag_entries() << "\n";
  out << "# HELP shouwang_federation_revisions_received_total Revisions this hub stored from a node\n"
      << "# TYPE shouwang_federation_revisions_received_total counter\n";
  for (const auto& n : *nodes) {
    out << "shouwang_federation_revisions_received_total{node=\"" << n.country << "\"} " << n.revisions_received << "\n";
  }
  return out.str();
}

}  // namespace shouwang::federation
