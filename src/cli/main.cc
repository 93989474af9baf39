// Entry point of `shouwang`: registers every module's sub-commands and runs the chosen one.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Shouwang (守望): open platform for international joint epidemic prevention and control.\n"
      "Report and publish epidemic figures, detect outbreaks, estimate transmission, search guidance,\n"
      "coordinate aid. Run `shouwang <command> --help` for the options of a command."};
  app.set_version_flag("--version", std::string("shouwang ") + SHOUWANG_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  shouwang::cli::register_data_commands(app);
  shouwang::cli::register_import_command(app);
  shouwang::cli::register_serve_command(app);
  shouwang::cli::register_detect_command(app);
  shouwang::cli::register_estimate_commands(app);
  shouwang::cli::register_genome_command(app);
  shouwang::cli::register_aid_command(app);
  shouwang::cli::register_knowledge_commands(app);
  shouwang::cli::register_liaison_commands(app);
  shouwang::cli::register_dhis2_commands(app);
  shouwang::cli::register_migrate_command(app);
  shouwang::cli::register_node_command(app);

  CLI11_PARSE(app, argc, argv);
  return 0;
}
