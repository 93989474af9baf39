// REST endpoints of the knowledge centre: search, a document, the diff between two editions
// (public), and adding a document (editor or admin token).
#pragma once

#include "api/data_routes.h"

namespace shouwang::api {

void add_knowledge_routes(Router& router, ApiContext context);

}  // namespace shouwang::api
