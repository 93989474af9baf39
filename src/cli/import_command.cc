// Sub-command registration; filled in by its module's work.
#include "cli/commands.h"

namespace shouwang::cli {

void register_import_command(CLI::App& app) {}

}  // namespace shouwang::cli
