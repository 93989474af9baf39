// liaison subscribe | escalation: a focal point's webhook subscription and a location's
// escalation policy, written to the database the server reads (a running server picks them up
// within a second).
#include <iostream>

#include "alert/liaison_service.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/database.h"

namespace shouwang::cli {
namespace {

struct SubscribeOptions {
  std::string db;
  std::string name;
  std::string organisation;
  std::string location;
  std::string webhook;
  std::string secret;
  std::string indicator;
  std::string min_severity = "low";
};

struct EscalationOptions {
  std::string db;
  std::string location;
  std::string after;
  std::string webhook;
  std::string secret;
  std::string name;
};

std::unique_ptr<alert::LiaisonService> open_liaison(const std::string& db, const Clock& clock) {
  {
    auto store = open_database(db);  // creates the schema and the reference locations if new
    if (!store) fail(store.status());
  }
  alert::LiaisonOptions options;
  options.db_path = db;
  options.clock = &clock;
  auto service = alert::LiaisonService::open(options);
  if (!service) fail(service.status());
  return std::move(*service);
}

void run_subscribe(const SubscribeOptions& opt) {
  auto severity = alert::parse_severity(opt.min_severity);
  if (!severity) fail(severity.status());
  SystemClock clock;
  auto service = open_liaison(opt.db, clock);
  alert::Subscription s;
  s.name = opt.name;
  s.organisation = opt.organisation;
  s.location = opt.location;
  s.webhook = opt.webhook;
  s.secret = opt.secret;
  s.indicator = opt.indicator;
  s.min_severity = *severity;
  auto created = service->add_subscription(s);
  if (!created) fail(created.status());
  std::cout << "subscription " << created->id << ": " << created->name << " <- alerts at " << created->location
            << " and below" << (created->indicator.empty() ? "" : " for " + created->indicator) << ", severity >= "
            << alert::severity_name(created->min_severity) << ", to " << created->webhook
            << (created->secret.empty() ? " (unsigned)" : " (signed)") << "\n";
}

void run_escalation(const EscalationOptions& opt) {
  auto after = alert::parse_duration_micros(opt.after);
  if (!after) fail(after.status());
  SystemClock clock;
  auto service = open_liaison(opt.db, clock);
  alert::EscalationPolicy p;
  p.location = opt.location;
  p.after_micros = *after;
  p.webhook = opt.webhook;
  p.secret = opt.secret;
  p.name = opt.name;
  auto created = service->add_escalation_policy(p);
  if (!created) fail(created.status());
  std::cout << "escalation policy " << created->id << ": alerts at " << created->location
            << " and below not acknowledged within " << opt.after << " go to " << created->webhook
            << (created->secret.empty() ? " (unsigned)" : " (signed)") << "\n";
}

}  // namespace

void register_liaison_commands(CLI::App& app) {
  auto* liaison = app.add_subcommand("liaison", "Emergency liaison: alert subscriptions and escalation policies");
  liaison->require_subcommand(1);

  auto sub = std::make_shared<SubscribeOptions>();
  auto* subscribe = liaison->add_subcommand(
      "subscribe", "Send alerts at a location (and everything below it) to a focal point's webhook");
  subscribe->add_option("--db", sub->db, kDbHelp)->required();
  subscribe->add_option("--name", sub->name, "Focal point's name")->required();
  subscribe->add_option("--organisation", sub->organisation, "Focal point's organisation");
  subscribe->add_option("--location", sub->location, "WORLD, a WHO region (AFRO), a country (NGA) or a subdivision")
      ->required();
  subscribe->add_option("--webhook", sub->webhook, "http:// URL that receives the JSON alerts by POST")->required();
  subscribe->add_option("--secret", sub->secret, "Key of the X-Shouwang-Signature HMAC-SHA256 header");
  subscribe->add_option("--indicator", sub->indicator, "Only alerts for this indicator (default: all)");
  subscribe->add_option("--min-severity", sub->min_severity, "low|medium|high")->capture_default_str();
  subscribe->callback([sub] { run_subscribe(*sub); });

  auto esc = std::make_shared<EscalationOptions>();
  auto* escalation = liaison->add_subcommand(
      "escalation", "Notify a higher level when an alert at a location stays unacknowledged");
  escalation->add_option("--db", esc->db, kDbHelp)->required();
  escalation->add_option("--location", esc->location, "Alerts at this location and below")->required();
  escalation->add_option("--after", esc->after, "Delay without acknowledgement: 2s, 15m, 1h, 1d")->required();
  escalation->add_option("--webhook", esc->webhook, "http:// URL of the escalation target")->required();
  escalation->add_option("--secret", esc->secret, "Key of the X-Shouwang-Signature HMAC-SHA256 header");
  escalation->add_option("--name", esc->name, "A label for the target (e.g. the regional office)");
  escalation->callback([esc] { run_escalation(*esc); });
}

}  // namespace shouwang::cli
