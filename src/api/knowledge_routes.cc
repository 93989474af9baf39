// /api/v1/kb/... over src/knowledge.
#include "api/knowledge_routes.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>

#include "knowledge/knowledge.h"

namespace shouwang::api {
namespace json = boost::json;
using http::Request;
using http::Response;
namespace {

// A whole-number parameter from 0 to 1,000,000 (limits, offsets, editions).
Result<int> int_param(const Request& request, const std::string& name, std::optional<int> fallback) {
  if (request.param(name).empty() && !fallback) return invalid_argument("parameter '" + name + "' is required");
  ASSIGN_OR_RETURN(int64_t value, http::whole_number_param(request, name, fallback.value_or(0), 0, 1'000'000));
  return static_cast<int>(value);
}

std::optional<std::string> optional_param(const Request& request, const std::string& name) {
  std::string v = request.param(name);
  return v.empty() ? std::nullopt : std::optional<std::string>(v);
}

}  // namespace

void add_knowledge_routes(http::Router& router, const http::RouteContext& context, knowledge::KnowledgeBase& kb) {
  router.add("GET", "/api/v1/kb/search", [&kb](const Request& request) {
    knowledge::SearchRequest search;
    search.query = request.param("q");
    search.lang = optional_param(request, "lang");
    search.family = optional_param(request, "family");
    search.topic = optional_param(request, "topic");
    if (auto e = request.param("edition"); !e.empty()) search.edition = e;
    search.published_from = optional_param(request, "from");
    search.published_to = optional_param(request, "to");
    auto limit = int_param(request, "limit", 10);
    auto offset = int_param(request, "offset", 0);
    if (!limit) return Response::error(limit.status());
    if (!offset) return Response::error(offset.status());
    search.limit = *limit;
    search.offset = *offset;
    auto hits = kb.search(search);
    if (!hits) return Response::error(hits.status());
    return Response::json(knowledge::hits_to_json(*hits));
  });

  router.add("GET", "/api/v1/kb/documents/{id}", [&kb](const Request& request) {
    auto id = http::parse_id(request.path_params.at("id"));
    if (!id) return Response::error(id.status());
    auto view = kb.get_document(*id);
    if (!view) return Response::error(view.status());
    return Response::json(knowledge::document_to_json(*view));
  });

  router.add("GET", "/api/v1/kb/families/{family}/diff", [&kb](const Request& request) {
    auto from = int_param(request, "from", std::nullopt);
    auto to = int_param(request, "to", std::nullopt);
    if (!from) return Response::error(from.status());
    if (!to) return Response::error(to.status());
    auto diff = kb.diff_editions(request.path_params.at("family"), *from, *to, optional_param(request, "lang"));
    if (!diff) return Response::error(diff.status());
    return Response::json(knowledge::edition_diff_to_json(*diff));
  });

  // POST /api/v1/kb/documents?family=&edition=&lang=&title=&topic=&format=md|txt|html: the body is
  // the document. Editors and admins only.
  router.add("POST", "/api/v1/kb/documents", [clock = context.clock, &kb](const Request& request) {
    auto edition = int_param(request, "edition", std::nullopt);
    if (!edition) return Response::error(edition.status());
    knowledge::DocumentMeta meta;
    meta.family = request.param("family");
    meta.edition = *edition;
    meta.lang = request.param("lang");
    meta.title = request.param("title");
    meta.published = request.param("published");
    meta.source = request.param("source");
    if (auto topic = request.param("topic"); !topic.empty()) meta.topics.push_back(topic);
    if (meta.family.empty()) return Response::error(invalid_argument("parameter 'family' is required"));
    std::string format = request.param("format").empty() ? "md" : request.param("format");
    if (format != "md" && format != "txt" && format != "html") {
      return Response::error(invalid_argument("parameter 'format' must be md, txt or html"));
    }
    // The importer reads files (it picks the parser by extension), so the body goes through one.
    auto path = std::filesystem::temp_directory_path() /
                ("shouwang-kb-" + std::to_string(getpid()) + "-" + std::to_string(clock->now().micros()) + "." + format);
    {
      std::ofstream out(path, std::ios::binary);
      out << request.body;
      if (!out) return Response::error(unavailable("cannot stage the uploaded document"));
    }
    auto document = knowledge::document_from_file(path.string(), meta);
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (!document) return Response::error(document.status());
    auto id = kb.add_document(std::move(document).value());
    if (!id) return Response::error(id.status());
    return Response::json(json::object{{"id", *id}}, 201);
  }, http::token_route(context.authenticate, {"editor", "admin"}));
}

}  // namespace shouwang::api
