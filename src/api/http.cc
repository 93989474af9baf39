// Request helpers, responses and the router.
#include "api/http.h"

#include <charconv>
#include <cmath>

#include "core/json_text.h"

namespace shouwang::api {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string Request::param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

std::string Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::bearer_token() const {
  std::string auth = header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (auth.size() > kPrefix.size() && (auth.starts_with(kPrefix) || auth.starts_with("bearer "))) {
    return auth.substr(kPrefix.size());
  }
  return {};
}

bool Request::wants_csv() const {
  if (param("format") == "csv") return true;
  if (param("format") == "json") return false;
  return header("accept").find("text/csv") != std::string::npos;
}

Response Response::json(const boost::json::value& value, int status) {
  Response r;
  r.status = status;
  r.body = json_text(value);
  return r;
}

Response Response::text(std::string body, std::string content_type, int status) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::error(const Status& status) {
  boost::json::array details;
  for (const auto& d : status.details()) details.emplace_back(d);
  boost::json::object error{{"code", std::string(status_code_name(status.code()))},
                            {"message", status.message()},
                            {"details", std::move(details)}};
  return json(boost::json::object{{"error", std::move(error)}}, http_status_for(status.code()));
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{method, split_path(pattern), std::move(handler)});
}

bool Router::has_route(const std::string& path) const {
  auto segments = split_path(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const auto& s = route.segments[i];
      match = (s.size() > 2 && s.front() == '{' && s.back() == '}') || s == segments[i];
    }
    if (match) return true;
  }
  return false;
}

Response Router::dispatch(Request& request) const {
  auto segments = split_path(request.path);
  bool path_matched = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const auto& s = route.segments[i];
      if (s.size() > 2 && s.front() == '{' && s.back() == '}') {
        params[s.substr(1, s.size() - 2)] = segments[i];
      } else {
        match = s == segments[i];
      }
    }
    if (!match) continue;
    path_matched = true;
    if (route.method != request.method && !(route.method == "GET" && request.method == "HEAD")) continue;
    request.path_params = std::move(params);
    return route.handler(request);
  }
  if (path_matched) {
    Response r = Response::error(invalid_argument("method " + request.method + " is not allowed on " + request.path));
    r.status = 405;
    return r;
  }
  return Response::error(not_found("no such endpoint: " + request.path));
}

Result<double> parse_number_param(const Request& request, const std::string& name) {
  std::string text = request.param(name);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return invalid_argument("parameter '" + name + "' must be a number, got '" + text + "'");
  }
  return value;
}

boost::json::value json_number(double value) {
  if (!std::isfinite(value)) return nullptr;
  if (value == std::floor(value) && std::fabs(value) < 9.0e15) return static_cast<int64_t>(value);
  return value;
}

}  // namespace shouwang::api
