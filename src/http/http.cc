// Request helpers, responses and the router.
#include "http/http.h"

#include <cctype>

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/url.hpp>
#include <openssl/sha.h>

#include "core/json_text.h"

namespace shouwang::http {
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

Result<Request> request_from_target(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return invalid_argument("malformed request target");
  Request request;
  request.path = parsed->path();
  // A decoded path with NUL or a backslash, or a segment that was an encoded slash, is never a
  // route; refused here so that no handler sees it.
  if (request.path.find('\0') != std::string::npos || request.path.find('\\') != std::string::npos) {
    return invalid_argument("malformed request path");
  }
  for (auto segment : parsed->encoded_segments()) {
    if (segment.find("%2F") != std::string_view::npos || segment.find("%2f") != std::string_view::npos) {
      return invalid_argument("malformed request path");
    }
  }
  for (auto param : parsed->params()) request.query[param.key] = param.value;
  return request;
}

std::string Request::param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

std::string Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::bearer_token() const {
  // "Bearer <t>" (RFC 6750) or "ApiToken <t>" (how DHIS2 clients send a personal access token);
  // the scheme is case-insensitive (RFC 9110). Any other scheme gives no token, hence a 401.
  std::string auth = header("authorization");
  size_t space = auth.find(' ');
  if (space == std::string::npos || space + 1 >= auth.size()) return {};
  std::string scheme = auth.substr(0, space);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer" && scheme != "apitoken") return {};
  return auth.substr(space + 1);
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

std::string entity_tag(std::string_view body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int i = 0; i < 16; ++i) tag += {kHex[digest[i] >> 4], kHex[digest[i] & 15]};
  return tag + "\"";
}

namespace {
// Whether an If-None-Match value ("*", or tags separated by commas, weak ones W/-prefixed) names
// `etag`. The weak comparison RFC 9110 asks for with If-None-Match: W/"x" matches "x".
bool names_tag(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    size_t comma = if_none_match.find(',');
    std::string_view one = if_none_match.substr(0, comma);
    while (!one.empty() && (one.front() == ' ' || one.front() == '\t')) one.remove_prefix(1);
    while (!one.empty() && (one.back() == ' ' || one.back() == '\t')) one.remove_suffix(1);
    if (one.starts_with("W/")) one.remove_prefix(2);
    if (one == "*" || one == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}
}  // namespace

Response conditional(const Request& request, Response response, const std::string& etag) {
  if (response.status != 200) return response;
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", "no-cache");
  if (names_tag(request.header("if-none-match"), etag)) {
    response.status = 304;
    response.body.clear();
  }
  return response;
}

Response conditional(const Request& request, Response response) {
  std::string etag = entity_tag(response.body);
  return conditional(request, std::move(response), etag);
}

Response Response::text(std::string body, std::string content_type, int status) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::error(const Status& status) { return error(status, status_code_name(status.code())); }

Response Response::error(const Status& status, std::string_view code) {
  boost::json::array details;
  for (const auto& d : status.details()) details.emplace_back(d);
  boost::json::object error{{"code", std::string(code)},
                            {"message", status.message()},
                            {"details", std::move(details)}};
  return json(boost::json::object{{"error", std::move(error)}}, http_status_for(status.code()));
}

RouteGuard public_route(uint64_t max_body_bytes) {
  RouteGuard guard;
  guard.max_body_bytes = max_body_bytes;
  return guard;
}

RouteGuard token_route(Authenticator authenticate, std::vector<std::string> roles, uint64_t max_body_bytes) {
  // A token route is never public: one registered without an authenticator refuses every token.
  if (!authenticate) {
    authenticate = [](const std::string&) -> Result<Caller> {
      return internal_error("this route needs a token but was registered without an authenticator");
    };
  }
  return RouteGuard{.authenticate = std::move(authenticate), .roles = std::move(roles), .max_body_bytes = max_body_bytes};
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler, RouteGuard guard) {
  routes_.push_back(Route{method, split_path(pattern), std::move(handler), std::move(guard)});
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

namespace {

// The guard's verdict on the request's credentials: OK (request.caller set when a token was given
// and valid), or the Status to answer with.
Status check_guard(const RouteGuard& guard, Request& request) {
  if (!guard.authenticate) return Status::ok();
  std::string secret = request.bearer_token();
  if (secret.empty()) {
    if (guard.token_optional) return Status::ok();
    return unauthenticated("this request needs a token (Authorization: Bearer <token> or ApiToken <token>)");
  }
  ASSIGN_OR_RETURN(Caller caller, guard.authenticate(secret));
  if (!guard.roles.empty() &&
      std::find(guard.roles.begin(), guard.roles.end(), caller.role) == guard.roles.end()) {
    std::string allowed;
    for (size_t i = 0; i < guard.roles.size(); ++i) {
      allowed += (i == 0 ? "" : i + 1 == guard.roles.size() ? " or " : ", ") + guard.roles[i];
    }
    return permission_denied("a " + caller.role + " token cannot do this (" + allowed + " needed)");
  }
  request.caller = std::move(caller);
  return Status::ok();
}

}  // namespace

Router::Admission Router::admit(Request& request, std::optional<uint64_t> content_length) const {
  Admission out;
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
    // Credentials first: an anonymous caller learns nothing about the limits of a guarded route.
    if (Status s = check_guard(route.guard, request); !s.is_ok()) {
      out.refusal = Response::error(s);
      return out;
    }
    if (content_length && *content_length > route.guard.max_body_bytes) {
      out.refusal = Response::error(invalid_argument(
          "the body is " + std::to_string(*content_length) + " bytes; this endpoint takes at most " +
          std::to_string(route.guard.max_body_bytes)));
      out.refusal->status = 413;
      return out;
    }
    out.max_body_bytes = route.guard.max_body_bytes;
    out.route = &route;
    return out;
  }
  if (path_matched) {
    out.refusal = Response::error(invalid_argument("method " + request.method + " is not allowed on " + request.path));
    out.refusal->status = 405;
    return out;
  }
  out.refusal = Response::error(not_found("no such endpoint: " + request.path));
  return out;
}

Response Router::run(const Admission& admission, const Request& request) const {
  if (admission.refusal) return *admission.refusal;
  return static_cast<const Route*>(admission.route)->handler(request);
}

Response Router::dispatch(Request& request) const {
  Admission admission = admit(request, request.body.size());
  return run(admission, request);
}

Result<double> number_param(const Request& request, const std::string& name, double fallback, double min,
                            double max) {
  std::string text = request.param(name);
  if (text.empty()) return fallback;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value) || value < min || value > max) {
    return invalid_argument("parameter '" + name + "' must be a number from " + json_text(boost::json::value(min)) +
                            " to " + json_text(boost::json::value(max)) + ", got '" + text + "'");
  }
  return value;
}

Result<int64_t> whole_number_param(const Request& request, const std::string& name, int64_t fallback, int64_t min,
                                   int64_t max) {
  std::string text = request.param(name);
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max) {
    return invalid_argument("parameter '" + name + "' must be a whole number from " + std::to_string(min) + " to " +
                            std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

Result<int64_t> parse_id(const std::string& text) {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return invalid_argument("'" + text + "' is not an id");
  }
  return id;
}

}  // namespace shouwang::http
