// The HTTP layer's own small vocabulary: a parsed request, a response, and a router by method and
// path pattern ("/api/v1/alerts/{id}/ack"). Every module's REST endpoints are plain functions
// Request -> Response registered on the Router; the Beast server in server.h carries them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/status.h"

namespace shouwang::api {

struct Request {
  std::string method;  // GET, POST, ...
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> query;         // decoded query parameters (last one wins)
  std::map<std::string, std::string> path_params;   // {name} segments of the matched route
  std::map<std::string, std::string> headers;       // lower-case names
  std::string body;

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

class Router {
 public:
  // `pattern` is a path whose segments may be {name} placeholders.
  void add(const std::string& method, const std::string& pattern, Handler handler);
  // Finds the route, fills request.path_params and runs it. 404 JSON when no pattern matches the
  // path, 405 when the path matches with another method.
  Response dispatch(Request& request) const;
  bool has_route(const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Helpers for handlers.
Result<double> parse_number_param(const Request& request, const std::string& name);
// A count as a JSON integer (573, not 5.73E2), other finite numbers as doubles, NaN/inf as null.
boost::json::value json_number(double value);

}  // namespace shouwang::api
