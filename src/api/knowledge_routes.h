// REST endpoints of the knowledge centre: search, a document, the diff between two editions
// (public), and adding a document (editor or admin token).
#pragma once

#include "http/http.h"
#include "knowledge/knowledge.h"

namespace shouwang::api {

// `kb` serves every request (it is safe to share between threads) and must outlive the router.
void add_knowledge_routes(http::Router& router, const http::RouteContext& context, knowledge::KnowledgeBase& kb);

}  // namespace shouwang::api
