// The web UI's files. The request path is hostile: it is decoded once, segment by segment, and a
// segment that is empty, "." or "..", or that decodes to a slash, a backslash or NUL, ends the
// lookup with 404. What is left is resolved with weakly_canonical (symlinks followed) and must
// still lie under the canonical root.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/url.hpp>

#include "http/server.h"

namespace shouwang::http {
namespace fs = std::filesystem;
namespace {

std::string mime_type(const fs::path& path) {
  std::string ext = path.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt" || ext == ".csv") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

Response not_found_file() { return Response::error(not_found("no such file")); }

// The decoded segments of a clean path, or nullopt when any segment is suspicious. Split by hand
// rather than with boost::urls::parse_path, which hides a leading "/." segment.
std::optional<std::vector<std::string>> clean_segments(std::string_view encoded_path) {
  if (!encoded_path.starts_with('/')) return std::nullopt;
  std::vector<std::string> out;
  if (encoded_path == "/") return out;
  std::string_view rest = encoded_path.substr(1);
  while (true) {
    size_t slash = rest.find('/');
    auto encoded = boost::urls::make_pct_string_view(rest.substr(0, slash));
    if (!encoded) return std::nullopt;
    std::string s = encoded->decode();  // each segment decoded exactly once
    if (s.empty() || s == "." || s == ".." || s.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return std::nullopt;
    }
    out.push_back(std::move(s));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

// Is `path` the root itself or inside it? Both canonical.
bool is_within(const fs::path& root, const fs::path& path) {
  auto [root_end, path_it] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

Response read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return not_found_file();
  std::ostringstream content;
  content << in.rdbuf();
  return Response::text(content.str(), mime_type(file));
}

}  // namespace

void add_security_headers(Response& response, bool is_page) {
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (!is_page) return;
  // The dashboard loads only its own scripts and API; no inline script, nothing framed. Inline
  // style attributes are allowed because ECharts' tooltips and the map legend's swatches set them;
  // the dangerous half of an injection, script, stays blocked.
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'");
  response.headers.emplace_back("X-Frame-Options", "DENY");
}

Response serve_static(const std::string& web_root, std::string_view encoded_path) {
  if (web_root.empty()) {
    return Response::text("Shouwang API server. The web UI is not built; see README (scripts/run).\n",
                          "text/plain; charset=utf-8", encoded_path == "/" ? 200 : 404);
  }
  std::error_code ec;
  const fs::path root = fs::canonical(web_root, ec);
  if (ec) return Response::error(unavailable("the web root is not readable"));
  auto segments = clean_segments(encoded_path);
  if (!segments) return not_found_file();
  Response response;
  if (segments->empty()) {
    response = read_file(root / "index.html");
  } else {
    fs::path candidate = root;
    for (const auto& s : *segments) candidate /= s;
    fs::path resolved = fs::weakly_canonical(candidate, ec);
    if (ec || !is_within(root, resolved)) return not_found_file();
    if (fs::is_regular_file(resolved, ec)) {
      response = read_file(resolved);
      if (segments->front() == "assets") {
        response.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
      }
    } else if (segments->back().find('.') == std::string::npos && segments->front() != "assets") {
      // A route of the single-page app (/country/ITA): the app itself answers it.
      response = read_file(root / "index.html");
    } else {
      return not_found_file();
    }
  }
  add_security_headers(response, response.content_type.starts_with("text/html"));
  return response;
}

}  // namespace shouwang::http
