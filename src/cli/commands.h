// The `shouwang` command: each module's sub-commands are registered by one function here.
// Wiring of every module happens in src/cli only.
#pragma once

#include <CLI/CLI.hpp>

namespace shouwang::cli {

// export, token, locations, indicators (reporting & open-data core): data_commands.cc
void register_data_commands(CLI::App& app);
// import (all formats, validation, progress, summary): import_command.cc
void register_import_command(CLI::App& app);
// serve (HTTP API and web UI): serve_command.cc
void register_serve_command(CLI::App& app);
// detect (outbreak detection): detect_command.cc
void register_detect_command(CLI::App& app);
// rt, backtest (transmission and forecasting): estimate_commands.cc
void register_estimate_commands(CLI::App& app);
// genome analyze (genome sharing): genome_command.cc
void register_genome_command(CLI::App& app);
// aid allocate (aid coordination): aid_command.cc
void register_aid_command(CLI::App& app);
// kb add|search|diff|reindex (knowledge centre): knowledge_commands.cc
void register_knowledge_commands(CLI::App& app);
// liaison subscribe|escalation (emergency liaison): liaison_commands.cc
void register_liaison_commands(CLI::App& app);
// dhis2 mapping (DHIS2 interoperability): dhis2_command.cc
void register_dhis2_commands(CLI::App& app);
// migrate (every module's schema, once, under a lock): migrate_command.cc
void register_migrate_command(CLI::App& app);
// node add|list: federation's national nodes at a hub.
void register_node_command(CLI::App& app);

}  // namespace shouwang::cli
