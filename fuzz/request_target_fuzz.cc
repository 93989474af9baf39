// Fuzz target: the request target of an HTTP request line ("/api/v1/alerts/7/ack?limit=20&x=%41"),
// as the server sees it: http::request_from_target decodes the path and the query string, the
// router matches the path against patterns with {placeholders} (404/405/401 refusals included),
// and the handler reads the parameters as every module's routes do (number_param,
// whole_number_param, parse_id, wants_csv). The input is the target, byte for byte.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/http.h"

namespace {

using namespace shouwang;

http::Response read_parameters(const http::Request& request) {
  auto limit = http::whole_number_param(request, "limit", 100, 1, 10000);
  auto threshold = http::number_param(request, "threshold", 0.5, 0, 1);
  if (auto it = request.path_params.find("id"); it != request.path_params.end()) {
    auto id = http::parse_id(it->second);
    if (!id.is_ok()) return http::Response::error(id.status());
  }
  if (!limit.is_ok()) return http::Response::error(limit.status());
  if (!threshold.is_ok()) return http::Response::error(threshold.status());
  return http::Response::text(request.param("location") + (request.wants_csv() ? "csv" : "json"), "text/plain");
}

const http::Router& fuzz_router() {
  static const http::Router router = [] {
    http::Router r;
    r.add("GET", "/api/v1/data", read_parameters);
    r.add("GET", "/api/v1/alerts/{id}", read_parameters);
    r.add("POST", "/api/v1/alerts/{id}/ack", read_parameters,
          http::token_route([](const std::string&) -> Result<http::Caller> {
            return unauthenticated("no token is valid here");
          }));
    r.add("GET", "/api/v1/locations/{code}/series/{indicator}", read_parameters);
    return r;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto request = http::request_from_target(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!request.is_ok()) return 0;
  for (const char* method : {"GET", "POST", "HEAD"}) {
    http::Request attempt = request.value();
    attempt.method = method;
    fuzz_router().dispatch(attempt);
  }
  return 0;
}
