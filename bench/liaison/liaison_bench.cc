// Liaison benchmark, loopback only: focal-point reports POSTed over HTTP at a target rate, with
// 1,000 webhook subscriptions, a real nats-server (JetStream) and the in-process bus. Prints
// p50/p99/max report->delivery latency per channel, all measured in the same run.
//
// Each sender is one keep-alive connection that waits for its answer before sending the next
// report, as a reporting system does; at 10,000 reports/s over 4 connections every answer would
// have to come back within 0.4 ms, so the default is 16 connections (--senders).
//
// One report in --new-every opens a new alert (a new outbreak); the others repeat an ongoing one
// in their country and are grouped into its open alert, as repeated reports are in practice.
// Latency is measured for every opened alert: from just before its report is written to the
// socket to the moment the bus listener, the NATS subscriber or the webhook receiver has it.
#include <nats/nats.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alert/alert_routes.h"
#include "alert/liaison_service.h"
#include "alert/nats_server_process.h"
#include "http/server.h"
#include "store/auth.h"
#include "store/open_store.h"


namespace {

using namespace shouwang;
using Steady = std::chrono::steady_clock;
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;

struct Config {
  double rate = 10'000;
  double seconds = 60;
  int subscriptions = 1000;
  int senders = 16;  // keep-alive connections, each waiting for its answer before the next report
  int new_every = 100;
  double drain_seconds = 30;
  bool nats = true;
};

// Latencies (ms) of one channel, keyed by the report that opened the alert.
struct Channel {
  std::string name;
  std::mutex mutex;
  std::vector<double> ms;
  void add(double v) {
    std::lock_guard lock(mutex);
    ms.push_back(v);
  }
};

std::vector<Steady::time_point> g_sent;  // per report sequence number
std::atomic<int64_t> g_sent_count{0};

// "bench-<seq>" in an alert's text gives the report it came from.
int64_t report_of(const std::string& payload) {
  auto pos = payload.find("bench-");
  if (pos == std::string::npos) return -1;
  return std::strtoll(payload.c_str() + pos + 6, nullptr, 10);
}

void record(Channel& channel, const std::string& payload) {
  auto now = Steady::now();
  int64_t seq = report_of(payload);
  if (seq < 0 || seq >= static_cast<int64_t>(g_sent.size())) return;
  if (payload.find("\"event\":\"opened\"") == std::string::npos) return;
  channel.add(std::chrono::duration<double, std::milli>(now - g_sent[seq]).count());
}

// CPU seconds (user + system) this process has used so far, all threads.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p * v.size())) - (p > 0 ? 1 : 0);
  return v[std::min(i, v.size() - 1)];
}

std::vector<Location> bench_locations() {
  std::vector<Location> out = {{"WORLD", "World", "", "", std::nullopt, LocationLevel::kWorld}};
  for (const auto& region : who_region_codes()) {
    out.push_back({region, region, "", "WORLD", std::nullopt, LocationLevel::kRegion});
  }
  // 200 synthetic countries AAA, AAB, ... spread over the six regions.
  for (int i = 0; i < 200; ++i) {
    std::string code = {char('A' + i / 676), char('A' + (i / 26) % 26), char('A' + i % 26)};
    out.push_back({code, code, "", who_region_codes()[i % 6], 1'000'000, LocationLevel::kCountry});
  }
  return out;
}


void nats_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  record(*static_cast<Channel*>(closure), std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
  natsMsg_Destroy(msg);
}

Config parse_args(int argc, char** argv) {
  Config c;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    double v = std::atof(argv[i + 1]);
    if (k == "--rate") c.rate = v;
    else if (k == "--seconds") c.seconds = v;
    else if (k == "--subscriptions") c.subscriptions = static_cast<int>(v);
    else if (k == "--senders") c.senders = static_cast<int>(v);
    else if (k == "--new-every") c.new_every = std::max(1, static_cast<int>(v));
    else if (k == "--drain-seconds") c.drain_seconds = v;
    else if (k == "--nats") c.nats = v != 0;
    else {
      std::cerr << "usage: liaison_bench [--rate R] [--seconds S] [--subscriptions N] [--senders K] "
                   "[--new-every M] [--drain-seconds D] [--nats 0|1]\n";
      std::exit(2);
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  Config config = parse_args(argc, argv);
  // Bounded whatever the flags say: at most 10 minutes of sending and 1.2 million reports.
  config.seconds = std::min(config.seconds, 600.0);
  int64_t total = std::min<int64_t>(static_cast<int64_t>(config.rate * config.seconds), 1'200'000);
  g_sent.resize(total);

  std::string dir = (std::filesystem::temp_directory_path() / ("shouwang-liaison-bench-" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(dir);
  std::string db_path = dir + "/bench.db";
  SystemClock clock;
  std::string admin;
  {
    auto store = store::open_store(db_path);
    if (!store || !(*store)->upsert_locations(bench_locations()).is_ok()) {
      std::cerr << "cannot create the benchmark database\n";
      return 1;
    }
    admin = *store::issue_token(**store, store::Role::kAdmin, "", "bench", clock.now());
  }

  Channel bus, nats, webhook;
  bus.name = "bus";
  nats.name = "nats";
  webhook.name = "webhook";
  std::atomic<int64_t> webhook_posts{0};

  // The webhook receiver: a loopback HTTP server.
  auto receiver_router = std::make_shared<http::Router>();
  receiver_router->add("POST", "/api/hook/{n}", [&](const http::Request& request) {
    ++webhook_posts;
    record(webhook, request.body);
    return http::Response::json(json::object{{"ok", true}});
  });
  http::ServerOptions receiver_options;
  receiver_options.port = 0;
  receiver_options.max_connections = 4096;
  http::HttpServer receiver(receiver_options, receiver_router);
  if (!receiver.start().is_ok()) return 1;

  std::unique_ptr<alert::testing::NatsServerProcess> nats_server;
  natsConnection* nats_subscriber = nullptr;
  natsSubscription* nats_subscription = nullptr;
  alert::LiaisonOptions options;
  options.db_path = db_path;
  options.clock = &clock;
  options.delivery_poll = std::chrono::milliseconds(10);
  options.delivery_parallelism = 8;
  if (config.nats) {
    nats_server = std::make_unique<alert::testing::NatsServerProcess>(alert::testing::free_loopback_port(),
                                                                      dir + "/jetstream");
    if (!nats_server->start()) {
      std::cerr << "nats-server did not start (Debian package nats-server)\n";
      return 1;
    }
    std::string url = nats_server->url();
    auto publisher = alert::NatsPublisher::connect(url);
    if (!publisher) return 1;
    options.publisher = std::move(*publisher);
    natsConnection_ConnectTo(&nats_subscriber, url.c_str());
    natsConnection_Subscribe(&nats_subscription, nats_subscriber, "alerts.>", nats_message, &nats);
    natsConnection_Flush(nats_subscriber);
  }
  auto service_or = alert::LiaisonService::open(options);
  if (!service_or) {
    std::cerr << service_or.status().to_string() << "\n";
    return 1;
  }
  auto& service = **service_or;

  // 1,000 subscriptions: 5 per country (990), one per WHO region at medium, 4 global at high.
  auto locations = bench_locations();
  std::string hook = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/api/hook/";
  for (int i = 0; i < config.subscriptions; ++i) {
    alert::Subscription s;
    s.name = "fp-" + std::to_string(i);
    s.webhook = hook + std::to_string(i);
    s.secret = "secret-" + std::to_string(i);
    int regional = std::min(6, config.subscriptions / 100), global = std::min(4, config.subscriptions / 200);
    if (i < regional) {
      s.location = who_region_codes()[i];
      s.min_severity = alert::Severity::kMedium;
    } else if (i < regional + global) {
      s.location = "WORLD";
      s.min_severity = alert::Severity::kHigh;
    } else {
      s.location = locations[7 + i % 200].code;
    }
    if (!service.add_subscription(s).is_ok()) return 1;
  }
  int64_t bus_listener = service.bus().subscribe([&](const std::string& payload) { record(bus, payload); });
  service.start();

  auto router = std::make_shared<http::Router>();
  const http::RouteContext context{.clock = &clock, .authenticate = alert::liaison_authenticator(service)};
  alert::add_alert_routes(*router, context, service);
  http::ServerOptions server_options;
  server_options.port = 0;
  http::HttpServer server(server_options, router);
  if (!server.start().is_ok()) return 1;

  // Senders: keep-alive connections, each paced to its share of the rate.
  std::vector<double> accept_ms;
  std::mutex accept_mutex;
  std::atomic<int64_t> failures{0};
  auto begin = Steady::now();
  double cpu_at_begin = process_cpu_seconds();
  std::vector<std::thread> senders;
  for (int k = 0; k < config.senders; ++k) {
    senders.emplace_back([&, k] {
      asio::io_context io;
      beast::tcp_stream stream(io);
      stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
      beast::flat_buffer buffer;
      std::vector<double> local_accept;
      const char* severities[] = {"low", "medium", "high"};
      for (int64_t seq = k; seq < total; seq += config.senders) {
        auto due = begin + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seq / config.rate));
        std::this_thread::sleep_until(due);
        const std::string& country = locations[7 + seq % 200].code;
        bool opens = seq % config.new_every == 0;
        json::object event{{"location", country},
                           {"severity", severities[(seq / config.new_every) % 3]},
                           {"text", "bench-" + std::to_string(seq)},
                           {"disease", opens ? "outbreak-" + std::to_string(seq) : std::string("ongoing")}};
        beast_http::request<beast_http::string_body> request{beast_http::verb::post, "/api/v1/events", 11};
        request.set(beast_http::field::host, "127.0.0.1");
        request.set(beast_http::field::authorization, "Bearer " + admin);
        request.set(beast_http::field::content_type, "application/json");
        request.keep_alive(true);
        request.body() = json::serialize(event);
        request.prepare_payload();
        g_sent[seq] = Steady::now();
        beast_http::write(stream, request);
        beast_http::response<beast_http::string_body> response;
        beast_http::read(stream, buffer, response);
        local_accept.push_back(std::chrono::duration<double, std::milli>(Steady::now() - g_sent[seq]).count());
        if (response.result_int() >= 300) ++failures;
        ++g_sent_count;
      }
      std::lock_guard lock(accept_mutex);
      accept_ms.insert(accept_ms.end(), local_accept.begin(), local_accept.end());
    });
  }
  for (auto& t : senders) t.join();
  double send_seconds = std::chrono::duration<double>(Steady::now() - begin).count();
  double send_cpu_seconds = process_cpu_seconds() - cpu_at_begin;

  // Drain: wait until the outbox is empty (bounded).
  auto drain_deadline = Steady::now() + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(config.drain_seconds));
  while (Steady::now() < drain_deadline) {
    auto pending = service.pending_deliveries();
    if (pending.is_ok() && *pending == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int64_t pending = service.pending_deliveries().is_ok() ? *service.pending_deliveries() : -1;
  service.bus().unsubscribe(bus_listener);

  size_t opened;
  {
    std::lock_guard lock(bus.mutex);
    opened = bus.ms.size();  // the bus hears of every opening
  }
  std::printf("liaison bench (loopback): %lld reports over HTTP in %.1f s (target %.0f/s, achieved %.0f/s), "
              "%lld rejected; %d subscriptions; 1 report in %d is a new outbreak, the rest group (%zu alerts opened)\n",
              static_cast<long long>(total), send_seconds, config.rate, total / send_seconds,
              static_cast<long long>(failures.load()), config.subscriptions, config.new_every, opened);
  std::printf("CPU while sending (this process: senders, server, liaison, webhook receiver; not nats-server): "
              "%.1f s user+system = %.2f cores, %.0f us per report\n",
              send_cpu_seconds, send_cpu_seconds / send_seconds, 1e6 * send_cpu_seconds / std::max<int64_t>(1, total));
  std::printf("group commit: %lld event reports stored in %lld transactions (%.1f per transaction)\n",
              static_cast<long long>(service.metrics().events_committed()),
              static_cast<long long>(service.metrics().event_commits()),
              service.metrics().events_committed() / std::max<double>(1, service.metrics().event_commits()));
  std::printf("report accepted (HTTP response): p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", percentile(accept_ms, 0.5),
              percentile(accept_ms, 0.99), percentile(accept_ms, 1.0));
  std::printf("%-8s %12s %10s %10s %10s\n", "channel", "deliveries", "p50_ms", "p99_ms", "max_ms");
  for (Channel* c : {&bus, &nats, &webhook}) {
    std::lock_guard lock(c->mutex);
    if (c->ms.empty() && c == &nats && !config.nats) continue;
    std::printf("%-8s %12zu %10.2f %10.2f %10.2f\n", c->name.c_str(), c->ms.size(), percentile(c->ms, 0.5),
                percentile(c->ms, 0.99), percentile(c->ms, 1.0));
  }
  if (config.nats && !bus.ms.empty() && !nats.ms.empty()) {
    std::printf("ratio nats/bus: p50 %.1fx  p99 %.1fx\n", percentile(nats.ms, 0.5) / std::max(1e-3, percentile(bus.ms, 0.5)),
                percentile(nats.ms, 0.99) / std::max(1e-3, percentile(bus.ms, 0.99)));
  }
  std::printf("webhook POSTs received: %lld; outbox still pending after the drain: %lld\n",
              static_cast<long long>(webhook_posts.load()), static_cast<long long>(pending));

  server.stop();
  service.stop();
  if (nats_subscription) natsSubscription_Destroy(nats_subscription);
  if (nats_subscriber) natsConnection_Destroy(nats_subscriber);
  if (nats_server) nats_server->stop();
  std::filesystem::remove_all(dir);
  return 0;
}
