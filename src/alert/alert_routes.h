// REST endpoints of the liaison: subscriptions, manual event reports, alerts and their
// acknowledgement, the live SSE stream, and the Prometheus metrics.
//
//   POST   /api/v1/events                 focal_point or admin token; opens or joins an alert
//   GET    /api/v1/alerts                 ?state=open|acknowledged|resolved&location=&limit=1..10000
//   GET    /api/v1/alerts/stream          text/event-stream of every transition
//   GET    /api/v1/alerts/{id}            the alert with its transitions and deliveries
//   POST   /api/v1/alerts/{id}/ack        focal_point (covering the location) or admin token
//   POST   /api/v1/alerts/{id}/resolve    same
//   POST   /api/v1/alerts/{id}/publish    same; makes an event alert public
//   POST   /api/v1/subscriptions          focal_point or admin token
//   GET    /api/v1/subscriptions          same (secrets are never shown)
//   DELETE /api/v1/subscriptions/{id}     same
//   GET    /api/v1/metrics                Prometheus text format
//
// An event alert nobody has published yet is confidential: the three GET routes are public, but
// show it only to admins and to focal points covering its location (by their optional bearer
// token); to anyone else it does not exist (404 as for an unknown id, absent from lists and from
// the stream). Alert JSON says "published" (with published_at and published_by once it is).
#pragma once

#include <functional>
#include <string>

#include "alert/liaison_service.h"
#include "http/http.h"

namespace shouwang::alert {

// The guards check tokens with `context.authenticate`: give them liaison_authenticator(service),
// whose lookups the service caches (a token lookup costs more than the rest of an event report).
// `service` must outlive the router.
// GET /api/v1/metrics renders the service's metrics followed by `more_metrics` (other services of
// the same server, in Prometheus' text format).
void add_alert_routes(http::Router& router, const http::RouteContext& context, LiaisonService& service,
                      std::function<std::string()> more_metrics = {});

// The service's own token lookups (LiaisonService::authenticate), as the http layer's Caller.
http::Authenticator liaison_authenticator(LiaisonService& service);

}  // namespace shouwang::alert
