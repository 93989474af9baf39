// The HTTP layer's own small vocabulary: a parsed request, a response, and a router by method and
// path pattern ("/api/v1/alerts/{id}/ack"). Every module's REST endpoints are plain functions
// Request -> Response registered on the Router with a RouteGuard (who may call it, how large its
// body may be); the Beast server in server.h checks the guard from the headers alone, before it
// reads a byte of the body, then runs the handler.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/json_text.h"
#include "core/status.h"
#include "store/store.h"

namespace shouwang::api {

struct Request {
  std::string method;  // GET, POST, ...
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> query;         // decoded query parameters (last one wins)
  std::map<std::string, std::string> path_params;   // {name} segments of the matched route
  std::map<std::string, std::string> headers;       // lower-case names
  std::string body;
  // The caller's token when the route's guard checked one (always set on a route that needs one).
  std::optional<store::Token> token;

  // The parameter or "" when absent.
  std::string param(const std::string& name) const;
  std::string header(const std::string& lower_case_name) const;
  // The secret after "Authorization: Bearer ", or "".
  std::string bearer_token() const;
  // Whether the client asked for CSV (Accept: text/csv or ?format=csv).
  bool wants_csv() const;
};

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
};

// Maps a Status code to its HTTP status: the only place that does (see status_to_http.cc).
int http_status_for(StatusCode code);

using Handler = std::function<Response(const Request&)>;

// Every route but the bulk uploads takes at most this much body.
inline constexpr uint64_t kSmallBodyBytes = uint64_t{1} << 20;

// Turns a bearer secret into its token: Unauthenticated for an unknown one, Unavailable when the
// token store cannot be read (503, never a misleading 401).
using Authenticator = std::function<Result<store::Token>(const std::string& secret)>;

// Who may call a route and how much body it takes, decided from the request line and headers.
struct RouteGuard {
  Authenticator authenticate;    // null: a public route
  std::vector<store::Role> roles;  // with authenticate: the roles let in (empty: any valid token)
  bool token_optional = false;   // public, but a valid token shows more (confidential alerts)
  uint64_t max_body_bytes = kSmallBodyBytes;
};

// A public route whose body may be up to `max_body_bytes`.
RouteGuard public_route(uint64_t max_body_bytes = kSmallBodyBytes);
// A route for tokens of `roles` (any role when empty).
RouteGuard token_route(Authenticator authenticate, std::vector<store::Role> roles = {},
                       uint64_t max_body_bytes = kSmallBodyBytes);

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
  // announced Content-Length against its limit (413). Fills request.path_params and request.token.
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

}  // namespace shouwang::api
