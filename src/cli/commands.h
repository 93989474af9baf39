// The `shouwang` command: each module's sub-commands are registered by one function here.
// Wiring of every module happens in src/cli only.
#pragma once

#include <CLI/CLI.hpp>

namespace shouwang::cli {

// import, export, token, indicator, location (reporting & open-data core)
void register_data_commands(CLI::App& app);
// serve (HTTP API and web UI)
void register_serve_command(CLI::App& app);

}  // namespace shouwang::cli
