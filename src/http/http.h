// The http layer: the HTTP machinery every module's REST endpoints are built on, and nothing of any
// module's data. A parsed Request, a Response, and a Router by method and path pattern
// ("/api/v1/alerts/{id}/ack") whose routes are plain functions Request -> Response, each with a
// RouteGuard (who may call it, how large its body may be); the Beast server in http/server.h checks
// the guard from the headers alone, before it reads a byte of the body, then runs the handler.
//
// One way to register routes: every module that serves HTTP exposes
//   void add_<module>_routes(http::Router& router, const http::RouteContext& context, <its own stores...>);
// and `shouwang serve` (cli/serve_command.cc) calls each on one Router. The RouteContext is what
// every module shares: the clock, the authenticator its token_route() guards use, the bulk upload
// limit. Anything module-specific (a store, the location catalogue) is a further parameter.
//
// Callers are generic here: an Authenticator turns a bearer secret into a Caller (role name,
// location, label); which roles exist and what they mean is the store's and the modules' business
// (store/auth.h issues the tokens, api::StorePool::authenticator() checks them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/json_text.h"
#include "core/status.h"
#include "core/time.h"

namespace shouwang::http {

// Who made a request, as the route's authenticator found them from their bearer token.
struct Caller {
  std::string role;        // the role's name, as token_route() lists them ("admin", "reporter", ...)
  std::string location;    // the location code the token acts for; may be empty
  std::string label;       // the token's label (a donor's name, a person); may be empty
  std::string token_hash;  // identifies the token without its secret
};

struct Request {
  std::string method;  // GET, POST, ...
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> query;         // decoded query parameters (last one wins)
  std::map<std::string, std::string> path_params;   // {name} segments of the matched route
  std::map<std::string, std::string> headers;       // lower-case names
  std::string body;
  // The caller when the route's guard checked a token (always set on a route that needs one).
  std::optional<Caller> caller;

  // The parameter or "" when absent.
  std::string param(const std::string& name) const;
  std::string header(const std::string& lower_case_name) const;
  // The secret after "Authorization: Bearer " or "Authorization: ApiToken " (DHIS2's personal access
  // token scheme), or "".
  std::string bearer_token() const;
  // Whether the client asked for CSV (Accept: text/csv or ?format=csv).
  bool wants_csv() const;
};

// The request as its origin-form target ("/api/v1/data?location=ITA&from=2020-W01") gives it: the
// decoded path and query. invalid_argument for a malformed target and for a path no route may see
// (NUL or a backslash once decoded, or an encoded slash inside a segment). The server calls this on
// every request line; method, headers and body are the caller's to fill.
Result<Request> request_from_target(std::string_view target);

// Writes chunks of a long-lived response (server-sent events). write() returns false once the
// client has gone away; the producer should then return.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  virtual bool write(const std::string& chunk) = 0;
  // False once the server is shutting down: a producer waiting for news should return.
  virtual bool open() const { return true; }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the server sends the headers, then calls stream until it returns (SSE).
  std::function<void(StreamWriter&)> stream;

  static Response json(const boost::json::value& value, int status = 200);
  static Response text(std::string body, std::string content_type, int status = 200);
  // The JSON error body {"error":{"code","message","details"}} with the status's HTTP code.
  static Response error(const Status& status);
  // The same with a code of the route's own in place of the status's name ("owned_by_node").
  static Response error(const Status& status, std::string_view code);
};

// Conditional GET: a strong entity tag for a body (a hash of its bytes, quoted), and the response to
// send for it: `response` with its ETag and `Cache-Control: no-cache` (a client may keep it but
// revalidates), or 304 Not Modified without a body when the request's If-None-Match names the tag.
std::string entity_tag(std::string_view body);
Response conditional(const Request& request, Response response, const std::string& etag);
// conditional() with the tag of the response's own body.
Response conditional(const Request& request, Response response);

// Maps a Status code to its HTTP status: the only place that does (see status_to_http.cc).
int http_status_for(StatusCode code);

using Handler = std::function<Response(const Request&)>;

// Every route but the bulk uploads takes at most this much body.
inline constexpr uint64_t kSmallBodyBytes = uint64_t{1} << 20;

// Turns a bearer secret into its caller: Unauthenticated for an unknown one, Unavailable when the
// tokens cannot be read (503, never a misleading 401).
using Authenticator = std::function<Result<Caller>(const std::string& secret)>;

// Who may call a route and how much body it takes, decided from the request line and headers.
struct RouteGuard {
  Authenticator authenticate;      // null: a public route
  std::vector<std::string> roles;  // with authenticate: the role names let in (empty: any valid token)
  bool token_optional = false;     // public, but a valid token shows more (confidential alerts)
  uint64_t max_body_bytes = kSmallBodyBytes;
};

// A public route whose body may be up to `max_body_bytes`.
RouteGuard public_route(uint64_t max_body_bytes = kSmallBodyBytes);
// A route for tokens whose role is one of `roles` (any role when empty).
RouteGuard token_route(Authenticator authenticate, std::vector<std::string> roles = {},
                       uint64_t max_body_bytes = kSmallBodyBytes);

// What every module's add_<module>_routes() is given (see the top of this file).
struct RouteContext {
  const Clock* clock = nullptr;
  // Checks bearer secrets for the module's token_route() guards.
  Authenticator authenticate;
  // Bulk uploads by an authenticated caller (reports, sequences) may be this large; every other
  // route takes at most kSmallBodyBytes.
  uint64_t max_upload_bytes = uint64_t{256} << 20;
};

class Router {
 public:
  // `pattern` is a path whose segments may be {name} placeholders.
  void add(const std::string& method, const std::string& pattern, Handler handler,
           RouteGuard guard = public_route());

  // The outcome of checking a request before its body is read.
  struct Admission {
    std::optional<Response> refusal;  // set: answer this and never read the body
    uint64_t max_body_bytes = 0;      // otherwise: read at most this much body, then run()
    const void* route = nullptr;
  };
  // Matches the route (404, 405), checks its guard from the headers (401, 403, 503) and the
  // announced Content-Length against its limit (413). Fills request.path_params and request.caller.
  Admission admit(Request& request, std::optional<uint64_t> content_length) const;
  // Runs the admitted route's handler on the request, body included.
  Response run(const Admission& admission, const Request& request) const;
  // admit() and run() in one, for a request whose body is already read (tests, in-process calls).
  Response dispatch(Request& request) const;
  bool has_route(const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    RouteGuard guard;
  };
  std::vector<Route> routes_;
};

// Query parameters as numbers, range-checked before any cast: absent gives `fallback`; text that
// is not a finite number within [min, max] (e.g. "1e300", "nan", "-1" where 1 is the minimum) is
// InvalidArgument naming the parameter and the range.
Result<double> number_param(const Request& request, const std::string& name, double fallback, double min,
                            double max);
Result<int64_t> whole_number_param(const Request& request, const std::string& name, int64_t fallback, int64_t min,
                                   int64_t max);
// A positive whole number from a path segment (an id), InvalidArgument otherwise.
Result<int64_t> parse_id(const std::string& text);

}  // namespace shouwang::http
