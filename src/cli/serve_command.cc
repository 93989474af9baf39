// serve: the HTTP API and web UI.
#include "cli/commands.h"

namespace shouwang::cli {

void register_serve_command(CLI::App& app) {}

}  // namespace shouwang::cli
