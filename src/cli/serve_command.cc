// serve: the HTTP API and the web UI on one port.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <tuple>

#include "aid/coordination_routes.h"
#include "alert/alert_routes.h"
#include "alert/liaison_service.h"
#include "alert/publisher.h"
#include "api/data_routes.h"
#include "api/dhis2_routes.h"
#include "api/estimate_routes.h"
#include "api/knowledge_routes.h"
#include "api/report_routes.h"
#include "api/signal_routes.h"
#include "api/store_pool.h"
#include "federation/hub_routes.h"
#include "federation/registry.h"
#include "federation/replicator.h"
#include "genome/sharing_routes.h"
#include "http/server.h"
#include "store/sql.h"
#include "watch/detection_queue.h"
#include "watch/report_watch.h"
#include "watch/watch.h"
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
  std::string nats_url;  // one or more servers, comma-separated
  std::vector<std::string> detect_methods = {"ears-c2", "noufaily"};
  std::string genome_dataset;  // empty: submissions answer 503 naming --genome-dataset
  std::string kb_index;        // empty: knowledge::default_index_dir(db)
  std::string tls_cert;
  std::string tls_key;
  std::string webhook_ca;
  uint64_t max_report_bytes = uint64_t{256} << 20;
  size_t max_connections = 10'000;
  int64_t delivery_lease_seconds = 600;
  std::string hub_url;    // empty: not a national node
  std::string hub_token;
  std::string hub_ca;
  int64_t hub_batch = 5000;
};

// The liaison's view of a detection verdict (NaN stays NaN: "unknown", never a threshold of 0).
alert::Signal liaison_signal(const watch::Signal& s) {
  return alert::Signal{s.location, s.indicator, s.week.to_string(), s.method, s.observed, s.upperbound,
                       s.alarm == detect::Alarm::kYes, s.score};
}

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
  // Blocked before any thread starts, so that every thread inherits the mask and only the
  // signal thread below receives SIGINT and SIGTERM.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  {
    auto db = open_database(opt.db);  // creates the schema and reference locations if new
    if (!db) fail(db.status());
  }
  SystemClock clock;
  api::StorePool pool(opt.db);
  // The modules' tables (store::sql): one bounded pool shared by every route, outliving the server.
  auto database = store::sql::Database::open(opt.db);
  if (!database) fail(database.status());
  auto router = std::make_shared<http::Router>();
  // What every module's routes share: the clock, the token check of their guards, the upload limit.
  const http::RouteContext context{.clock = &clock, .authenticate = pool.authenticator(),
                                   .max_upload_bytes = opt.max_report_bytes};
  auto detection_signals = watch::SignalStore::open(**database);
  if (!detection_signals) fail(detection_signals.status());
  api::add_signal_routes(*router, context, **detection_signals, pool);
  api::add_estimate_routes(*router, context, pool);
  auto knowledge_base = knowledge::KnowledgeBase::open(
      **database, opt.kb_index.empty() ? knowledge::default_index_dir(opt.db) : opt.kb_index);
  if (!knowledge_base) fail(knowledge_base.status());
  api::add_knowledge_routes(*router, context, **knowledge_base);
  auto coordination = aid::CoordinationStore::open(**database);
  if (!coordination) fail(coordination.status());
  aid::add_aid_routes(*router, context, **coordination, pool.location_catalogue());
  auto genomes = genome::GenomeStore::open(**database);
  if (!genomes) fail(genomes.status());
  genome::add_genome_routes(*router, context, **genomes, pool.location_catalogue(),
                            genome::GenomeSharingOptions{.dataset_dir = opt.genome_dataset});

  alert::LiaisonOptions liaison_options;
  liaison_options.db_path = opt.db;
  liaison_options.clock = &clock;
  liaison_options.webhook_ca_file = opt.webhook_ca;
  liaison_options.delivery_lease_micros = opt.delivery_lease_seconds * 1'000'000;
  if (!opt.nats_url.empty()) {
    auto nats = alert::NatsPublisher::connect(opt.nats_url);
    if (!nats) fail(nats.status());
    liaison_options.publisher = std::shared_ptr<alert::AlertPublisher>(std::move(nats).value());
  }
  auto liaison = alert::LiaisonService::open(liaison_options);
  if (!liaison) fail(liaison.status());
  // The liaison's routes check tokens through its cache (a lookup costs more than an event report).
  http::RouteContext liaison_context = context;
  liaison_context.authenticate = alert::liaison_authenticator(**liaison);
  (*liaison)->start();
  // Report -> detection -> alert. A report is answered once committed; its series wait on a
  // background queue (coalesced per series) whose problems are counted on /api/v1/metrics, logged
  // with the series, and whose backlog the health check watches. Never returned to the reporter,
  // whose figures are stored either way.
  alert::LiaisonService* liaison_service = liaison->get();
  watch::ReportWatch report_watch(**detection_signals, opt.detect_methods, clock,
                                  [liaison_service](const std::vector<watch::Signal>& newest, Timestamp received_at) {
                                    std::vector<alert::Signal> signals;
                                    for (const auto& s : newest) signals.push_back(liaison_signal(s));
                                    return liaison_service->on_signals(signals, received_at).status();
                                  });
  watch::DetectionQueue detection_queue(
      report_watch,
      [&pool](const std::function<void(store::Store&)>& work) -> Status {
        ASSIGN_OR_RETURN(auto store, pool.acquire());
        work(*store);
        return Status::ok();
      },
      clock, watch::DetectionQueue::Options{});
  // Federation: every server can be a hub (nodes registered with `shouwang node add`), and with
  // --hub it is a national node pushing its country's figures to one.
  auto nodes = federation::NodeRegistry::open(**database);
  if (!nodes) fail(nodes.status());
  federation::WithStore with_store = [&pool](const std::function<Status(store::Store&)>& work) -> Status {
    ASSIGN_OR_RETURN(auto store, pool.acquire());
    return work(*store);
  };
  federation::add_federation_routes(*router, context, **nodes, with_store);
  std::unique_ptr<federation::Replicator> replicator;
  if (!opt.hub_url.empty()) {
    auto client = http::HttpClient::create("hub", opt.hub_ca, std::chrono::seconds(60));
    if (!client) fail(client.status());
    replicator = std::make_unique<federation::Replicator>(
        with_store, federation::http_hub_transport(std::move(*client), opt.hub_url, opt.hub_token),
        federation::ReplicatorOptions{.batch_revisions = opt.hub_batch});
  }
  federation::NodeRegistry* node_registry = nodes->get();
  api::OwnershipCheck owned_here = [node_registry, &clock](const std::string& location) {
    return federation::check_not_owned(*node_registry, location, clock.now());
  };
  alert::add_alert_routes(*router, liaison_context, **liaison, [&detection_queue, node_registry, &clock, &replicator] {
    return detection_queue.render_metrics() + federation::render_federation_metrics(*node_registry, clock.now()) +
           (replicator ? replicator->render_metrics() : "");
  });
  api::add_data_routes(*router, context, pool, [&detection_queue] { return detection_queue.backlog_problem(); });
  auto detect_after_report = [&detection_queue, &replicator](const api::AcceptedReport& report) {
    Status queued = detection_queue.enqueue(watch::ReportedSeries{{report.series.begin(), report.series.end()}, report.received_at});
    if (!queued.is_ok()) std::cerr << "detection after report: " << queued.to_string() << "\n";
    if (replicator) replicator->wake();
  };
  api::add_report_routes(*router, context, pool, detect_after_report, owned_here);
  // DHIS2's /api/dataValueSets: the same reporting, in DHIS2's protocol.
  auto dhis2_mappings = api::Dhis2MappingStore::open(**database);
  if (!dhis2_mappings) fail(dhis2_mappings.status());
  api::add_dhis2_routes(*router, context, pool, **dhis2_mappings, detect_after_report, owned_here);

  http::ServerOptions server_options;
  server_options.address = opt.address;
  server_options.port = opt.port;
  server_options.web_root = find_web_root(opt.web_root);
  server_options.tls_cert_file = opt.tls_cert;
  server_options.tls_key_file = opt.tls_key;
  server_options.max_connections = opt.max_connections;
  http::HttpServer server(server_options, router);
  Status started = server.start();
  if (!started.is_ok()) fail(started);

  // Stop cleanly on Ctrl-C or SIGTERM: a dedicated thread waits for the signal, then the server
  // stops accepting and drains; wait() returns once every server thread is joined, and the
  // liaison's threads are joined after it, so nothing outlives what it uses.
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    std::cout << "shouwang: " << (received == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": no new connections; finishing the requests in flight" << std::endl;
    server.stop();
  });

  if (replicator) {
    replicator->start();
    std::cout << "shouwang: national node, pushing its figures to the hub " << opt.hub_url << std::endl;
  }
  std::cout << "shouwang serving " << opt.db << " on " << (opt.tls_cert.empty() ? "http" : "https") << "://"
            << opt.address << ":" << server.port() << "/"
            << (server_options.web_root.empty() ? " (API only: the web UI is not built)" : "") << std::endl;
  server.wait();
  signal_thread.join();
  if (replicator) replicator->stop();
  (*liaison)->stop();
  std::cout << "shouwang: stopped" << std::endl;
}

}  // namespace

void register_serve_command(CLI::App& app) {
  auto opt = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand("serve", "Serve the REST API (/api/v1/...) and the web dashboard");
  serve->add_option("--db", opt->db, kDbHelp)->required();
  serve->add_option("--port", opt->port, "TCP port (0 picks a free one)")->capture_default_str();
  serve->add_option("--address", opt->address, "Address to listen on")->capture_default_str();
  serve->add_option("--web-root", opt->web_root, "Folder of the built web UI (default: web/dist of this checkout)");
  serve->add_option("--nats", opt->nats_url,
                    "NATS servers of one cluster for alerts, comma-separated (e.g. "
                    "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224): transitions are "
                    "published to a JetStream stream replicated on up to 3 of them, and other installations' "
                    "alerts reach this one's subscribers; default: in-process bus only");
  serve->add_option("--detect-methods", opt->detect_methods,
                    "Detection methods run on every accepted report (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  serve->add_option("--kb-index", opt->kb_index,
                    "Folder of the knowledge centre's search index, rebuilt from the database when missing "
                    "or stale (default: beside a SQLite --db; ./shouwang-kb-<database> for a PostgreSQL URL)");
  serve->add_option("--genome-dataset", opt->genome_dataset,
                    "SARS-CoV-2 dataset folder submitted sequences are analysed against (Nextclade's "
                    "sars-cov-2 dataset). Without it the server runs, and POST /api/v1/sequences answers 503")
      ->envname("SHOUWANG_GENOME_DATASET");
  serve->add_option("--tls-cert", opt->tls_cert,
                    "PEM certificate (chain) to serve HTTPS with (TLS 1.2+); needs --tls-key");
  serve->add_option("--tls-key", opt->tls_key, "PEM private key of --tls-cert");
  serve->add_option("--max-report-bytes", opt->max_report_bytes,
                    "Largest body of a bulk upload (POST /api/v1/reports, /api/v1/sequences) by an "
                    "authenticated reporter; every other endpoint takes at most 1 MiB")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  serve->add_option("--max-connections", opt->max_connections,
                    "Open connections at most; past it new ones get 503 at once")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  serve->add_option("--webhook-ca", opt->webhook_ca,
                    "PEM file of the certificate authorities https:// webhook receivers are verified "
                    "against (default: the system's store)");
  serve->add_option("--delivery-lease", opt->delivery_lease_seconds,
                    "Seconds a server holds the notifications it is sending: if it dies, any server on the "
                    "database (itself restarted included) sends them once this has passed. Sending stops "
                    "at three quarters of it, so it must exceed a few webhook timeouts (5 s each)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{2}, int64_t{86'400}));
  serve->add_option("--hub", opt->hub_url,
                    "Run as a national node: push this database's figures of the node's country to the hub at "
                    "this URL (e.g. https://hub.example.org:8443), in order, resuming where the hub's "
                    "cursor says after any failure. Needs --hub-token");
  serve->add_option("--hub-token", opt->hub_token,
                    "The token `shouwang node add` printed at the hub (role node, scoped to one country)")
      ->envname("SHOUWANG_HUB_TOKEN");
  serve->add_option("--hub-ca", opt->hub_ca,
                    "PEM file of the certificate authorities an https:// hub is verified against (default: the "
                    "system's store)");
  serve->add_option("--hub-batch", opt->hub_batch,
                    "Revisions per batch pushed to the hub at most (a write to one series is never split)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{50'000}));
  serve->callback([opt] {
    if (opt->hub_url.empty() != opt->hub_token.empty()) fail(invalid_argument("--hub and --hub-token go together"));
    run_serve(*opt);
  });
}

}  // namespace shouwang::cli
