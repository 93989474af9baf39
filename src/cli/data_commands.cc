// import, export, token: the reporting & open-data core on the command line.
#include "cli/commands.h"

namespace shouwang::cli {

void register_data_commands(CLI::App& app) {}

}  // namespace shouwang::cli
