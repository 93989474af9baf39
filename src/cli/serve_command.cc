// serve: the HTTP API and the web UI on one port.
#include <csignal>
#include <filesystem>
#include <iostream>

#include "api/data_routes.h"
#include "api/estimate_routes.h"
#include "api/server.h"
#include "api/signal_routes.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/database.h"

namespace shouwang::cli {
namespace {

struct ServeOptions {
  std::string db;
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  std::string web_root;
};

// The built web UI: --web-root, else web/dist beside the build folder of this binary.
std::string find_web_root(const std::string& given) {
  if (!given.empty()) return given;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.parent_path(); dir = dir.parent_path()) {
    if (fs::is_regular_file(dir / "web" / "dist" / "index.html", ec)) return (dir / "web" / "dist").string();
  }
  return {};
}

void run_serve(const ServeOptions& opt) {
  {
    auto db = open_database(opt.db);  // creates the schema and reference locations if new
    if (!db) fail(db.status());
  }
  SystemClock clock;
  api::StorePool pool(opt.db);
  auto router = std::make_shared<api::Router>();
  api::ApiContext context{&pool, &clock};
  api::add_data_routes(*router, context);
  api::add_signal_routes(*router, context);
  api::add_estimate_routes(*router, context);

  api::ServerOptions server_options;
  server_options.address = opt.address;
  server_options.port = opt.port;
  server_options.web_root = find_web_root(opt.web_root);
  api::HttpServer server(server_options, router);
  Status started = server.start();
  if (!started.is_ok()) fail(started);

  // Stop cleanly on Ctrl-C or SIGTERM: a dedicated thread waits for the signal.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  });

  std::cout << "shouwang serving " << opt.db << " on http://" << opt.address << ":" << server.port() << "/"
            << (server_options.web_root.empty() ? " (API only: the web UI is not built)" : "") << std::endl;
  server.wait();
  signal_thread.join();
}

}  // namespace

void register_serve_command(CLI::App& app) {
  auto opt = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand("serve", "Serve the REST API (/api/v1/...) and the web dashboard");
  serve->add_option("--db", opt->db, "Database file (created if absent)")->required();
  serve->add_option("--port", opt->port, "TCP port (0 picks a free one)")->capture_default_str();
  serve->add_option("--address", opt->address, "Address to listen on")->capture_default_str();
  serve->add_option("--web-root", opt->web_root, "Folder of the built web UI (default: web/dist of this checkout)");
  serve->callback([opt] { run_serve(*opt); });
}

}  // namespace shouwang::cli
