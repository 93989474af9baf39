// Alert lifecycle, routing, the outbox delivery loop and the escalation loop.
#include "alert/liaison_service.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <random>

#include "core/fault_point.h"
#include "core/json_text.h"
#include "store/auth.h"
#include "store/open_store.h"

namespace shouwang::alert {
namespace json = boost::json;

namespace {

// A figure of an alert's text: up to six significant digits, "unknown" where the method gave none
// (a week without a fitted model has no threshold; it must not read as a threshold of 0).
std::string number_text(double value) {
  if (!std::isfinite(value)) return "unknown";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

double seconds_between(Timestamp from, Timestamp to) {
  return static_cast<double>(to.micros() - from.micros()) / 1e6;
}

std::string group_key_of(const std::string& location, const std::string& indicator) {
  return location + "|" + indicator;
}

std::string event_indicator(const EventReport& report) { return report.disease.empty() ? "event" : report.disease; }

// Unique among the servers sharing a database, also across restarts of one of them: a restarted
// server must not mistake the claims of its dead predecessor for its own.
std::string new_server_id() {
  std::random_device random;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", random(), random());
  return "pid-" + std::to_string(::getpid()) + "-" + suffix;
}

// Random, so that databases set up apart (each installation its own) never share one.
std::string new_installation_id() {
  std::random_device random;
  char id[17];
  std::snprintf(id, sizeof id, "%08x%08x", random(), random());
  return id;
}

// Messages fetched per federation pass, and how long a pass waits for the first one: also how
// long stop() may wait for the consumer thread.
constexpr int kFederationBatch = 64;
constexpr std::chrono::milliseconds kFederationWait{500};
// After a failed pass (servers unreachable, no JetStream), before the next.
constexpr std::chrono::milliseconds kFederationRetry{1000};

std::string string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The in-process bus's copy of a notification: with whether the alert is published and, for the
// SSE stream to keep it from callers who may not see it, its location and their ancestors
// (`chain`, as ancestors_locked gives it). Read by bus_payload_visible.
std::string bus_payload(json::object payload, const Alert& alert, const std::vector<const Location*>& chain) {
  json::array codes;
  for (const Location* loc : chain) codes.emplace_back(loc->code);
  payload["published"] = alert.published();
  payload["location_chain"] = std::move(codes);
  return json_text(payload);
}

}  // namespace

std::string federation_consumer_name(const std::string& installation_id) { return "shouwang-" + installation_id; }

ConfidentialReach ConfidentialReach::of(std::string_view role, const std::string& location) {
  if (role == "admin") return {.everywhere = true, .within = ""};
  if (role != "focal_point") return {};
  // As check_caller_covers in alert_routes.cc: a focal point without a location acts everywhere.
  return {.everywhere = location.empty(), .within = location};
}

bool bus_payload_visible(const std::string& payload, const ConfidentialReach& reach) {
  if (reach.everywhere) return true;
  boost::system::error_code ec;
  json::value parsed = json::parse(payload, ec);
  if (ec || !parsed.is_object()) return false;
  const json::object& o = parsed.as_object();
  if (const json::value* published = o.if_contains("published"); published && published->is_bool() &&
                                                                  published->as_bool()) {
    return true;
  }
  if (reach.within.empty()) return false;
  const json::value* chain = o.if_contains("location_chain");
  if (!chain || !chain->is_array()) return false;
  for (const json::value& code : chain->as_array()) {
    if (code.is_string() && code.as_string() == reach.within) return true;
  }
  return false;
}

Result<std::unique_ptr<LiaisonService>> LiaisonService::open(LiaisonOptions options) {
  if (!options.clock) return invalid_argument("LiaisonService needs a clock");
  if (!options.log) options.log = [](const std::string& line) { std::cerr << "shouwang: " << line << std::endl; };
  if (!options.webhook_transport) {
    ASSIGN_OR_RETURN(options.webhook_transport, HttpWebhookTransport::create(options.webhook_ca_file));
  }
  std::unique_ptr<LiaisonService> service(new LiaisonService(std::move(options)));
  service->server_id_ = new_server_id();
  ASSIGN_OR_RETURN(service->store_, store::open_store(service->options_.db_path));
  ASSIGN_OR_RETURN(service->db_, store::sql::Database::open(service->options_.db_path));
  ASSIGN_OR_RETURN(service->alerts_, AlertStore::open(*service->db_));
  ASSIGN_OR_RETURN(service->installation_id_,
                   service->alerts_->installation_id(new_installation_id(), service->options_.clock->now()));
  std::lock_guard lock(service->mutex_);
  RETURN_IF_ERROR(service->reload_locations_locked());
  RETURN_IF_ERROR(service->refresh_routing_locked(true));
  return service;
}

LiaisonService::~LiaisonService() { stop(); }

void LiaisonService::start() {
  if (running_.exchange(true)) return;
  delivery_thread_ = std::thread([this] { delivery_loop("webhook"); });
  if (options_.publisher) {
    nats_thread_ = std::thread([this] { delivery_loop("nats"); });
    federation_thread_ = std::thread([this] { federation_loop(); });
  }
  escalation_thread_ = std::thread([this] { escalation_loop(); });
}

void LiaisonService::stop() {
  bus_->close();
  if (!running_.exchange(false)) return;
  wake_delivery();
  if (delivery_thread_.joinable()) delivery_thread_.join();
  if (nats_thread_.joinable()) nats_thread_.join();
  if (escalation_thread_.joinable()) escalation_thread_.join();
  if (federation_thread_.joinable()) federation_thread_.join();
}

void LiaisonService::wake_delivery() {
  std::lock_guard lock(wake_mutex_);
  ++wake_generation_;
  wake_.notify_all();
}

void LiaisonService::delivery_loop(const std::string& channel) {
  while (running_) {
    uint64_t seen;
    {
      std::lock_guard lock(wake_mutex_);
      seen = wake_generation_;
    }
    auto delivered = deliver_due(channel);
    // A full batch means more may be due right now: go again without waiting.
    if (delivered.is_ok() && *delivered >= options_.delivery_batch) continue;
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, options_.delivery_poll, [&] { return wake_generation_ != seen || !running_; });
  }
}

void LiaisonService::escalation_loop() {
  while (running_) {
    (void)escalate_due();  // a failed pass (database busy) is simply retried on the next tick
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, options_.escalation_poll, [&] { return !running_; });
  }
}

void LiaisonService::federation_loop() {
  std::string last_problem;
  while (running_) {
    auto received = receive_remote(kFederationWait);
    if (received.is_ok()) {
      if (!last_problem.empty()) options_.log("federation: receiving alerts of other installations again");
      last_problem.clear();
      continue;
    }
    // Said once, not on every retry.
    if (received.status().message() != last_problem) {
      last_problem = received.status().message();
      options_.log("federation: " + received.status().to_string() + " (retrying)");
    }
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, kFederationRetry, [&] { return !running_; });
  }
}

// ---------------------------------------------------------------------------------------------
// Locations and routing caches

Status LiaisonService::reload_locations_locked() {
  ASSIGN_OR_RETURN(auto locations, store_->list_locations());
  locations_.clear();
  children_.clear();
  for (auto& loc : locations) {
    if (!loc.parent.empty()) children_.emplace(loc.parent, loc.code);
    locations_.emplace(loc.code, std::move(loc));
  }
  return Status::ok();
}

std::vector<std::string> LiaisonService::within_locked(const std::string& code) {
  std::vector<std::string> out{code};
  // The bound guards against a cycle in bad data, as in ancestors_locked.
  for (size_t i = 0; i < out.size() && out.size() <= locations_.size(); ++i) {
    auto [begin, end] = children_.equal_range(out[i]);
    for (auto it = begin; it != end; ++it) out.push_back(it->second);
  }
  return out;
}

Result<std::vector<const Location*>> LiaisonService::ancestors_locked(const std::string& code) {
  if (!locations_.count(code)) {
    RETURN_IF_ERROR(reload_locations_locked());
    if (!locations_.count(code)) return not_found("unknown location '" + code + "'");
  }
  std::vector<const Location*> chain;
  std::string current = code;
  while (!current.empty() && chain.size() < 16) {  // the bound guards against a cycle in bad data
    auto it = locations_.find(current);
    if (it == locations_.end()) break;
    chain.push_back(&it->second);
    current = it->second.parent;
  }
  return chain;
}

Result<bool> LiaisonService::covers(const std::string& ancestor, const std::string& location) {
  std::lock_guard lock(mutex_);
  ASSIGN_OR_RETURN(auto chain, ancestors_locked(location));
  for (const Location* loc : chain) {
    if (loc->code == ancestor) return true;
  }
  return false;
}

Status LiaisonService::check_location(const std::string& code) {
  std::lock_guard lock(mutex_);
  return ancestors_locked(code).status();
}

Status LiaisonService::refresh_routing_locked(AlertTables& tables, bool force) {
  // The routing version changes with every subscription or policy added or deleted, also by
  // another server or the CLI's `liaison subscribe`, so those are picked up without a restart.
  ASSIGN_OR_RETURN(int64_t version, tables.routing_version());
  if (!force && version == routing_version_) return Status::ok();
  ASSIGN_OR_RETURN(auto subscriptions, tables.list_subscriptions());
  ASSIGN_OR_RETURN(auto policies, tables.list_escalation_policies());
  subscriptions_by_location_.clear();
  for (auto& s : subscriptions) subscriptions_by_location_.emplace(s.location, std::move(s));
  policies_ = std::move(policies);
  routing_version_ = version;
  return Status::ok();
}

Status LiaisonService::refresh_routing_locked(bool force) {
  return alerts_->on_connection([&](AlertTables& tables) { return refresh_routing_locked(tables, force); });
}

// ---------------------------------------------------------------------------------------------
// Opening, grouping and notifications

Result<std::string> LiaisonService::queue_transition_locked(AlertTables& tables, const Alert& alert,
                                                            const std::string& kind, Timestamp origin_at,
                                                            const std::string& actor, Timestamp now,
                                                            Audience audience) {
  ASSIGN_OR_RETURN(auto chain, ancestors_locked(alert.location));
  std::string country = "ALL";
  std::string region = "WORLD";
  for (const Location* loc : chain) {
    if (loc->level == LocationLevel::kCountry) country = loc->code;
    if (loc->level == LocationLevel::kRegion) region = loc->code;
  }
  std::string base_key = "alert-" + std::to_string(alert.id) + "-" + kind;
  json::object body{{"alert_id", alert.id},
                    {"event", kind},
                    {"state", std::string(alert_state_name(alert.state))},
                    {"location", alert.location},
                    {"country", country == "ALL" ? json::value(nullptr) : json::value(country)},
                    {"region", region},
                    {"indicator", alert.indicator},
                    {"severity", std::string(severity_name(alert.severity))},
                    {"text", alert.text},
                    {"origin", alert.origin},
                    {"signal_count", alert.signal_count},
                    {"opened_at", alert.opened_at.to_string()},
                    {"report_received_at", alert.report_received_at.to_string()},
                    {"transition_at", origin_at.to_string()},
                    {"actor", actor}};

  if (audience == Audience::kEveryChannel) {
    for (const Location* loc : chain) {
      auto [begin, end] = subscriptions_by_location_.equal_range(loc->code);
      for (auto it = begin; it != end; ++it) {
        const Subscription& s = it->second;
        if (!s.indicator.empty() && s.indicator != alert.indicator) continue;
        if (alert.severity < s.min_severity) continue;
        json::object payload = body;
        std::string key = base_key + "-sub-" + std::to_string(s.id);
        payload["idempotency_key"] = key;
        payload["subscription"] = json::object{{"id", s.id}, {"name", s.name}, {"location", s.location}};
        OutboxEntry entry{0, key, alert.id, "webhook", s.webhook, s.secret, json_text(payload), kind,
                          origin_at, 0, now, ""};
        RETURN_IF_ERROR(tables.enqueue(entry).status());
      }
    }
    if (options_.publisher) {
      json::object payload = body;
      // Unique across installations (each numbers its alerts from 1): it is the Nats-Msg-Id the
      // stream de-duplicates on, and the id other installations record the message under.
      std::string key = base_key + "-nats-" + installation_id_;
      payload["idempotency_key"] = key;
      payload["origin_installation"] = installation_id_;
      // Other installations route on it: their catalogue may lack a subdivision of this one's.
      json::array codes;
      for (const Location* loc : chain) codes.emplace_back(loc->code);
      payload["location_chain"] = std::move(codes);
      OutboxEntry entry{0, key, alert.id, "nats", "alerts." + region + "." + country, "", json_text(payload),
                        kind, origin_at, 0, now, ""};
      RETURN_IF_ERROR(tables.enqueue(entry).status());
    }
  }
  body["idempotency_key"] = base_key;
  return bus_payload(std::move(body), alert, chain);
}

Result<LiaisonService::Opened> LiaisonService::open_or_join_locked(AlertTables& tables, Alert candidate,
                                                                  Timestamp now) {
  candidate.group_key = group_key_of(candidate.location, candidate.indicator);
  ASSIGN_OR_RETURN(auto existing,
                   tables.find_groupable_alert(candidate.group_key,
                                               Timestamp(now.micros() - options_.group_window_micros)));
  Opened out;
  out.received_at = candidate.report_received_at;
  if (existing) {
    // A detection signal joining an unpublished event alert leaves it confidential: the event's
    // text is in it, and only a focal point may decide to publish that. An event report joining a
    // published alert adds no text, only a count, so the alert stays public.
    RETURN_IF_ERROR(tables.record_joined_signal(existing->id, now, candidate.severity));
    out.update = AlertUpdate{existing->id, false, existing->state};
    return out;
  }
  candidate.state = AlertState::kOpen;
  candidate.opened_at = now;
  candidate.last_signal_at = now;
  candidate.signal_count = 1;
  ASSIGN_OR_RETURN(candidate.id, tables.insert_alert(candidate));
  RETURN_IF_ERROR(tables.add_transition(Transition{candidate.id, "", "open", candidate.opened_by, now, ""}));
  ASSIGN_OR_RETURN(out.bus_payload, queue_transition_locked(tables, candidate, "opened", candidate.report_received_at,
                                                            candidate.opened_by, now));
  out.update = AlertUpdate{candidate.id, true, AlertState::kOpen};
  return out;
}

bool LiaisonService::announce_committed(const Opened& opened, Timestamp committed) {
  metrics_.report_to_alert.observe(seconds_between(opened.received_at, committed));
  metrics_.count_alert(opened.update.opened);
  if (!opened.update.opened) return false;
  bus_->publish(opened.bus_payload);
  metrics_.report_to_delivery("bus").observe(seconds_between(opened.received_at, options_.clock->now()));
  return true;
}

Result<std::vector<AlertUpdate>> LiaisonService::on_signals(const std::vector<Signal>& signals,
                                                            std::optional<Timestamp> report_received_at) {
  std::vector<Opened> results;
  {
    std::lock_guard lock(mutex_);
    Timestamp now = options_.clock->now();
    Timestamp received = report_received_at.value_or(now);
    RETURN_IF_ERROR(refresh_routing_locked(false));
    std::vector<std::string> groups;
    for (const Signal& signal : signals) {
      if (signal.alarm) groups.push_back(group_key_of(signal.location, signal.indicator));
    }
    RETURN_IF_ERROR(alerts_->in_transaction([&](AlertTables& tables) -> Status {
      results.clear();
      RETURN_IF_ERROR(tables.lock_groups(groups));
      for (const Signal& signal : signals) {
        if (!signal.alarm) continue;
        RETURN_IF_ERROR(ancestors_locked(signal.location).status());
        Alert candidate;
        candidate.location = signal.location;
        candidate.indicator = signal.indicator;
        candidate.severity = severity_of_signal(signal);
        candidate.origin = "signal";
        candidate.text = signal.method + ": " + number_text(signal.observed) + " " + signal.indicator + " in " +
                         signal.period + " above the threshold " + number_text(signal.upperbound) + " (score " +
                         number_text(signal.score) + ")";
        candidate.report_received_at = received;
        candidate.opened_by = "detection:" + signal.method;
        // Detection runs on figures that are already public: its alerts are published as they open.
        candidate.published_at = now;
        candidate.published_by = candidate.opened_by;
        ASSIGN_OR_RETURN(Opened opened, open_or_join_locked(tables, std::move(candidate), now));
        results.push_back(std::move(opened));
      }
      fault::point("liaison.signals.before_commit");
      return Status::ok();
    }));
  }
  std::vector<AlertUpdate> updates;
  Timestamp committed = options_.clock->now();
  bool any_opened = false;
  for (const auto& r : results) {
    any_opened |= announce_committed(r, committed);
    updates.push_back(r.update);
  }
  if (any_opened) wake_delivery();
  return updates;
}

Result<LiaisonService::Opened> LiaisonService::open_or_join_event_locked(AlertTables& tables,
                                                                        const EventSubmission& submission) {
  const EventReport& report = submission.report;
  Timestamp now = options_.clock->now();
  RETURN_IF_ERROR(ancestors_locked(report.location).status());
  Alert candidate;
  candidate.location = report.location;
  candidate.indicator = event_indicator(report);
  candidate.severity = report.severity;
  candidate.origin = "event";
  candidate.text = report.text;
  candidate.report_received_at = report.received_at.value_or(now);
  candidate.opened_by = submission.actor;
  return open_or_join_locked(tables, std::move(candidate), now);
}

std::vector<Result<AlertUpdate>> LiaisonService::report_events(const std::vector<const EventSubmission*>& reports) {
  std::vector<std::optional<Result<Opened>>> outcomes(reports.size());
  auto fail_all = [&](const Status& status) {
    std::vector<Result<AlertUpdate>> failed;
    for (size_t i = 0; i < reports.size(); ++i) {
      failed.push_back(outcomes[i] && !outcomes[i]->is_ok() ? outcomes[i]->status() : status);
    }
    return failed;
  };
  {
    std::lock_guard lock(mutex_);
    std::vector<std::string> groups;
    for (const EventSubmission* submission : reports) {
      groups.push_back(group_key_of(submission->report.location, event_indicator(submission->report)));
    }
    Status written = alerts_->in_transaction([&](AlertTables& tables) -> Status {
      // Inside the transaction: the routing check shares its connection instead of taking another.
      RETURN_IF_ERROR(refresh_routing_locked(tables, false));
      RETURN_IF_ERROR(tables.lock_groups(groups));
      for (size_t i = 0; i < reports.size(); ++i) {
        if (reports[i]->report.text.empty()) {
          outcomes[i] = Result<Opened>(invalid_argument("an event report needs a 'text'"));
          continue;
        }
        RETURN_IF_ERROR(tables.begin_report_savepoint());
        outcomes[i] = open_or_join_event_locked(tables, *reports[i]);
        Status closed = outcomes[i]->is_ok() ? tables.release_report_savepoint() : tables.rollback_report_savepoint();
        // A savepoint that cannot be closed leaves nothing to commit: the database rolled the
        // whole transaction back (SQLite on a disk full, an I/O error or RAISE(ROLLBACK)) or the
        // connection was lost. Every report fails.
        if (!closed.is_ok()) {
          return unavailable("the database rolled the transaction back: " +
                             (outcomes[i]->is_ok() ? closed.message() : outcomes[i]->status().message()));
        }
      }
      return Status::ok();
    });
    if (!written.is_ok()) return fail_all(written);
  }
  Timestamp committed = options_.clock->now();
  std::vector<Result<AlertUpdate>> updates;
  bool any_opened = false;
  int64_t stored = 0;
  for (auto& outcome : outcomes) {
    if (!outcome->is_ok()) {
      updates.push_back(outcome->status());
      continue;
    }
    Opened& opened = **outcome;
    ++stored;
    any_opened |= announce_committed(opened, committed);
    updates.push_back(opened.update);
  }
  metrics_.count_event_commit(stored);
  if (any_opened) wake_delivery();
  return updates;
}

Result<AlertUpdate> LiaisonService::report_event(const EventReport& report, const std::string& actor) {
  if (report.text.empty()) return invalid_argument("an event report needs a 'text'");
  EventSubmission submission{report, actor};
  return event_group_.submit(&submission, [this](const std::vector<const EventSubmission**>& items) {
    std::vector<const EventSubmission*> submissions;
    submissions.reserve(items.size());
    for (const EventSubmission** item : items) submissions.push_back(*item);
    return report_events(submissions);
  });
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

Result<Alert> LiaisonService::change_state(int64_t alert_id, AlertState to, const std::string& actor,
                                           const std::string& note) {
  std::string bus_payload;
  Alert alert;
  {
    std::lock_guard lock(mutex_);
    Timestamp now = options_.clock->now();
    RETURN_IF_ERROR(alerts_->in_transaction([&](AlertTables& tables) -> Status {
      RETURN_IF_ERROR(refresh_routing_locked(tables, false));
      // Locked: another server acknowledging the same alert at once waits, then finds it acknowledged.
      ASSIGN_OR_RETURN(alert, tables.lock_alert(alert_id));
      bool allowed = (to == AlertState::kAcknowledged && alert.state == AlertState::kOpen) ||
                     (to == AlertState::kResolved && alert.state != AlertState::kResolved);
      if (!allowed) {
        return failed_precondition("alert " + std::to_string(alert_id) + " is " +
                                   std::string(alert_state_name(alert.state)) + "; it cannot become " +
                                   std::string(alert_state_name(to)));
      }
      std::string from(alert_state_name(alert.state));
      alert.state = to;
      RETURN_IF_ERROR(tables.set_state(alert_id, to));
      RETURN_IF_ERROR(
          tables.add_transition(Transition{alert_id, from, std::string(alert_state_name(to)), actor, now, note}));
      ASSIGN_OR_RETURN(bus_payload,
                       queue_transition_locked(tables, alert, std::string(alert_state_name(to)), now, actor, now));
      return Status::ok();
    }));
  }
  bus_->publish(bus_payload);
  wake_delivery();
  return alert;
}

Result<Alert> LiaisonService::acknowledge(int64_t alert_id, const std::string& actor, const std::string& note) {
  return change_state(alert_id, AlertState::kAcknowledged, actor, note);
}

Result<Alert> LiaisonService::resolve(int64_t alert_id, const std::string& actor, const std::string& note) {
  return change_state(alert_id, AlertState::kResolved, actor, note);
}

Result<Alert> LiaisonService::publish(int64_t alert_id, const std::string& actor, const std::string& note) {
  std::string bus_payload;
  Alert alert;
  {
    std::lock_guard lock(mutex_);
    Timestamp now = options_.clock->now();
    bool already = false;
    RETURN_IF_ERROR(alerts_->in_transaction([&](AlertTables& tables) -> Status {
      ASSIGN_OR_RETURN(alert, tables.lock_alert(alert_id));
      if (alert.published()) {
        already = true;
        return Status::ok();
      }
      alert.published_at = now;
      alert.published_by = actor;
      RETURN_IF_ERROR(tables.set_published(alert_id, now, actor));
      // Publication is not a change of state: the transition stays in the state, as an escalation does.
      std::string state(alert_state_name(alert.state));
      RETURN_IF_ERROR(tables.add_transition(
          Transition{alert_id, state, state, actor, now, note.empty() ? "published" : "published: " + note}));
      ASSIGN_OR_RETURN(bus_payload,
                       queue_transition_locked(tables, alert, "published", now, actor, now, Audience::kBusOnly));
      return Status::ok();
    }));
    if (already) return alert;
  }
  bus_->publish(bus_payload);
  return alert;
}

Result<Alert> LiaisonService::get_alert(int64_t alert_id) {
  std::lock_guard lock(mutex_);
  return alerts_->on_connection([&](AlertTables& tables) { return tables.get_alert(alert_id); });
}

Result<std::vector<Alert>> LiaisonService::list_alerts(const AlertFilter& filter) {
  std::lock_guard lock(mutex_);
  return alerts_->on_connection([&](AlertTables& tables) { return tables.list_alerts(filter); });
}

Result<bool> LiaisonService::may_see(const ConfidentialReach& reach, const Alert& alert) {
  if (alert.published() || reach.everywhere) return true;
  if (reach.within.empty()) return false;
  return covers(reach.within, alert.location);
}

Result<Alert> LiaisonService::get_visible_alert(int64_t alert_id, const ConfidentialReach& reach) {
  ASSIGN_OR_RETURN(Alert alert, get_alert(alert_id));
  ASSIGN_OR_RETURN(bool visible, may_see(reach, alert));
  if (!visible) return alert_not_found(alert_id);
  return alert;
}

Result<std::vector<Alert>> LiaisonService::list_visible_alerts(AlertFilter filter, const ConfidentialReach& reach) {
  std::lock_guard lock(mutex_);
  // Filtered in SQL, not afterwards, so that `limit` counts only what the caller may see.
  if (!reach.everywhere) {
    filter.confidential_within = reach.within.empty() ? std::vector<std::string>() : within_locked(reach.within);
  }
  return alerts_->on_connection([&](AlertTables& tables) { return tables.list_alerts(filter); });
}

Result<std::vector<Transition>> LiaisonService::list_transitions(int64_t alert_id) {
  std::lock_guard lock(mutex_);
  return alerts_->on_connection([&](AlertTables& tables) { return tables.list_transitions(alert_id); });
}

// ---------------------------------------------------------------------------------------------
// Subscriptions and policies

Result<Subscription> LiaisonService::add_subscription(Subscription subscription) {
  if (subscription.name.empty()) return invalid_argument("a subscription needs a name");
  RETURN_IF_ERROR(validate_webhook_url(subscription.webhook));
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(ancestors_locked(subscription.location).status());
  subscription.created_at = options_.clock->now();
  RETURN_IF_ERROR(alerts_->in_transaction([&](AlertTables& tables) -> Status {
    ASSIGN_OR_RETURN(subscription.id, tables.add_subscription(subscription));
    return Status::ok();
  }));
  RETURN_IF_ERROR(refresh_routing_locked(true));
  return subscription;
}

Result<std::vector<Subscription>> LiaisonService::list_subscriptions() {
  std::lock_guard lock(mutex_);
  return alerts_->on_connection([](AlertTables& tables) { return tables.list_subscriptions(); });
}

Status LiaisonService::delete_subscription(int64_t id) {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(alerts_->in_transaction([&](AlertTables& tables) { return tables.delete_subscription(id); }));
  return refresh_routing_locked(true);
}

Result<EscalationPolicy> LiaisonService::add_escalation_policy(EscalationPolicy policy) {
  if (policy.after_micros <= 0) return invalid_argument("an escalation delay must be positive");
  RETURN_IF_ERROR(validate_webhook_url(policy.webhook));
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(ancestors_locked(policy.location).status());
  policy.created_at = options_.clock->now();
  RETURN_IF_ERROR(alerts_->in_transaction([&](AlertTables& tables) -> Status {
    ASSIGN_OR_RETURN(policy.id, tables.add_escalation_policy(policy));
    return Status::ok();
  }));
  RETURN_IF_ERROR(refresh_routing_locked(true));
  return policy;
}

Result<std::vector<EscalationPolicy>> LiaisonService::list_escalation_policies() {
  std::lock_guard lock(mutex_);
  return alerts_->on_connection([](AlertTables& tables) { return tables.list_escalation_policies(); });
}

// ---------------------------------------------------------------------------------------------
// Escalation

Result<int> LiaisonService::escalate_due() {
  int fired = 0;
  std::vector<std::string> bus_payloads;
  {
    std::lock_guard lock(mutex_);
    RETURN_IF_ERROR(refresh_routing_locked(false));
    Timestamp now = options_.clock->now();
    for (const EscalationPolicy& policy : policies_) {
      ASSIGN_OR_RETURN(auto due, alerts_->on_connection([&](AlertTables& tables) {
        return tables.unescalated_open_alerts(policy.id, Timestamp(now.micros() - policy.after_micros));
      }));
      if (due.empty()) continue;
      // Counted only once the transaction holding them has committed.
      std::vector<std::string> policy_payloads;
      RETURN_IF_ERROR(alerts_->in_transaction([&](AlertTables& tables) -> Status {
        policy_payloads.clear();
        for (const Alert& alert : due) {
          ASSIGN_OR_RETURN(auto chain, ancestors_locked(alert.location));
          bool applies = false;
          for (const Location* loc : chain) applies = applies || loc->code == policy.location;
          // Recorded either way, so the next pass does not look at this alert again. Not recorded
          // here: another server escalated it first, and sends it.
          ASSIGN_OR_RETURN(bool recorded, tables.record_escalation(alert.id, policy.id, applies ? now : Timestamp(0)));
          if (!recorded || !applies) continue;
          std::string actor = "escalation-policy:" + std::to_string(policy.id);
          RETURN_IF_ERROR(tables.add_transition(
              Transition{alert.id, "open", "open", actor, now, "not acknowledged: escalated to " + policy.webhook}));
          std::string key = "alert-" + std::to_string(alert.id) + "-escalated-policy-" + std::to_string(policy.id);
          json::object payload{{"alert_id", alert.id},
                               {"event", "escalated"},
                               {"state", "open"},
                               {"location", alert.location},
                               {"indicator", alert.indicator},
                               {"severity", std::string(severity_name(alert.severity))},
                               {"text", alert.text},
                               {"origin", alert.origin},
                               {"signal_count", alert.signal_count},
                               {"opened_at", alert.opened_at.to_string()},
                               {"transition_at", now.to_string()},
                               {"actor", actor},
                               {"idempotency_key", key},
                               {"escalation", json::object{{"policy_id", policy.id},
                                                           {"location", policy.location},
                                                           {"after_seconds", policy.after_micros / 1'000'000}}}};
          RETURN_IF_ERROR(tables
                              .enqueue(OutboxEntry{0, key, alert.id, "webhook", policy.webhook, policy.secret,
                                                   json_text(payload), "escalated", now, 0, now, ""})
                              .status());
          policy_payloads.push_back(bus_payload(std::move(payload), alert, chain));
        }
        return Status::ok();
      }));
      fired += static_cast<int>(policy_payloads.size());
      for (auto& p : policy_payloads) bus_payloads.push_back(std::move(p));
    }
  }
  for (const auto& p : bus_payloads) bus_->publish(p);
  if (fired > 0) wake_delivery();
  return fired;
}

// ---------------------------------------------------------------------------------------------
// Delivery

Status LiaisonService::deliver_one(const OutboxEntry& entry) {
  if (entry.channel == "nats") {
    if (!options_.publisher) return unavailable("no NATS server is configured");
    return options_.publisher->publish(entry.target, entry.idempotency_key, entry.payload);
  }
  Headers headers = {{"Idempotency-Key", entry.idempotency_key}, {"X-Shouwang-Event", entry.kind}};
  if (!entry.secret.empty()) headers.emplace_back("X-Shouwang-Signature", webhook_signature(entry.secret, entry.payload));
  return options_.webhook_transport->post(entry.target, headers, entry.payload);
}

Result<int> LiaisonService::deliver_due(const std::string& channel) {
  std::unique_lock<std::mutex> webhook_pass(webhook_pass_mutex_, std::defer_lock);
  std::unique_lock<std::mutex> nats_pass(nats_pass_mutex_, std::defer_lock);
  if (channel.empty()) {
    std::lock(webhook_pass, nats_pass);
  } else {
    (channel == "nats" ? nats_pass : webhook_pass).lock();
  }
  // Claimed before sending: another server sharing the database passes over these entries while
  // this one holds them, and takes them over only if this one dies and the lease runs out.
  std::vector<OutboxEntry> entries;
  // Nothing is sent past three quarters of the lease, so that no send is still under way when
  // another server may take the entry over; what is left is released for the next pass.
  Timestamp stop_sending_at;
  {
    std::lock_guard lock(mutex_);
    Timestamp now = options_.clock->now();
    stop_sending_at = Timestamp(now.micros() + options_.delivery_lease_micros / 4 * 3);
    ASSIGN_OR_RETURN(entries, alerts_->claim_due(now, options_.delivery_batch, channel, server_id_,
                                                 Timestamp(now.micros() + options_.delivery_lease_micros)));
  }
  if (entries.empty()) return 0;

  // Entries to the same target go in order on one worker (a receiver sees "opened" before
  // "acknowledged"); different targets in parallel.
  std::vector<std::vector<size_t>> groups;
  {
    std::map<std::string, size_t> group_of_target;
    for (size_t i = 0; i < entries.size(); ++i) {
      auto [it, inserted] = group_of_target.emplace(entries[i].channel + " " + entries[i].target, groups.size());
      if (inserted) groups.emplace_back();
      groups[it->second].push_back(i);
    }
  }
  // Each outcome is recorded as soon as its receiver has answered, not once the whole batch is
  // sent: a server that dies mid-batch leaves unrecorded only the notifications in flight (sent
  // again once the lease has passed, with the same Idempotency-Key), not everything it had sent.
  std::vector<std::optional<Status>> results(entries.size());  // nullopt: not sent
  std::atomic<int> delivered{0};
  std::atomic<bool> record_failed{false};
  std::mutex record_error_mutex;
  Status record_error;
  auto record = [&](size_t i) {
    const OutboxEntry& e = entries[i];
    const Status& result = *results[i];
    int64_t attempts = e.attempts + 1;
    std::lock_guard lock(mutex_);
    Timestamp now = options_.clock->now();
    Status recorded = alerts_->in_transaction([&](AlertTables& tables) -> Status {
      if (result.is_ok()) return tables.mark_delivered(e.id, server_id_, now, attempts);
      int64_t backoff = options_.retry_base_micros;
      for (int64_t k = 1; k < attempts && backoff < options_.retry_max_micros; ++k) backoff *= 2;
      backoff = std::min(backoff, options_.retry_max_micros);
      bool give_up = attempts >= options_.max_attempts;
      return tables.mark_attempt_failed(e.id, server_id_, attempts, Timestamp(now.micros() + backoff),
                                        result.message(), give_up);
    });
    if (!recorded.is_ok()) {
      std::lock_guard first(record_error_mutex);
      if (record_error.is_ok()) record_error = recorded;
      record_failed = true;
      return;
    }
    fault::point("outbox.after_mark");
    if (result.is_ok()) ++delivered;
  };
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t g = next++; g < groups.size(); g = next++) {
      for (size_t i : groups[g]) {
        // A database that cannot record an outcome stops the sending: each further send would be
        // sent again once the claim has run out.
        if (options_.clock->now() >= stop_sending_at || record_failed) break;
        results[i] = deliver_one(entries[i]);
        // The receiver has answered; its answer is not recorded yet.
        fault::point("outbox.after_send");
        record(i);
      }
    }
  };
  size_t workers = std::min<size_t>(groups.size(), std::max(1, options_.delivery_parallelism));
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();

  // What was not sent before the stop goes back, for the next pass of any server.
  Status released;
  if (std::any_of(results.begin(), results.end(), [](const auto& r) { return !r; })) {
    std::lock_guard lock(mutex_);
    released = alerts_->in_transaction([&](AlertTables& tables) -> Status {
      for (size_t i = 0; i < entries.size(); ++i) {
        if (!results[i]) RETURN_IF_ERROR(tables.release_claim(entries[i].id, server_id_));
      }
      return Status::ok();
    });
  }
  // Counted for what was sent, whether or not its outcome could be recorded.
  const Timestamp now = options_.clock->now();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!results[i]) continue;
    const OutboxEntry& e = entries[i];
    const Status& result = *results[i];
    metrics_.count_delivery(e.channel, result.is_ok());
    if (is_tls_verification_failure(result)) metrics_.count_webhook_tls_failure();
    if (result.is_ok()) {
      double latency = seconds_between(e.origin_at, now);
      (e.kind == "opened" ? metrics_.report_to_delivery(e.channel) : metrics_.transition_to_delivery(e.channel))
          .observe(latency);
    }
  }
  RETURN_IF_ERROR(record_error);
  RETURN_IF_ERROR(released);
  return delivered.load();
}

// ---------------------------------------------------------------------------------------------
// Federation: other installations' transitions from the alert stream

Result<int> LiaisonService::receive_remote(std::chrono::milliseconds wait) {
  if (!options_.publisher) return failed_precondition("no NATS server is configured");
  std::lock_guard feed_lock(feed_mutex_);
  if (!feed_) {
    ASSIGN_OR_RETURN(feed_, options_.publisher->open_feed(federation_consumer_name(installation_id_)));
  }
  auto fetched = feed_->fetch(kFederationBatch, wait);
  if (!fetched.is_ok()) {
    feed_.reset();  // opened again by the next pass (the consumer may have to be created again)
    return fetched.status();
  }
  int fresh = 0;
  Status first_error;
  for (const StreamMessage& message : *fetched) {
    boost::system::error_code ec;
    json::value parsed = json::parse(message.payload, ec);
    std::string outcome = "unreadable";
    if (!ec && parsed.is_object()) {
      const json::object& payload = parsed.as_object();
      // Without an origin (published before federation existed) whose alert it is is unknown:
      // it may be this installation's own, already delivered here.
      std::string origin = string_field(payload, "origin_installation");
      if (origin == installation_id_) {
        outcome = "own";
      } else if (!origin.empty()) {
        auto handled = queue_remote_transition(message, payload, origin);
        if (!handled.is_ok()) {
          // Not acknowledged: the stream delivers it again after kNatsAckWait.
          if (first_error.is_ok()) first_error = handled.status();
          continue;
        }
        outcome = *handled;
      }
    }
    metrics_.count_federation_message(outcome);
    if (outcome == "new") ++fresh;
    // Unconfirmed, the message comes again and is then found recorded: nothing is queued twice.
    (void)message.ack();
  }
  if (fresh > 0) wake_delivery();
  RETURN_IF_ERROR(first_error);
  return fresh;
}

std::set<std::string> LiaisonService::remote_chain_locked(const json::object& payload) {
  std::vector<std::string> given;
  if (const json::value* chain = payload.if_contains("location_chain"); chain && chain->is_array()) {
    for (const json::value& code : chain->as_array()) {
      if (code.is_string()) given.emplace_back(code.as_string());
    }
  }
  for (const char* key : {"location", "country", "region"}) given.push_back(string_field(payload, key));
  std::set<std::string> codes;
  for (const std::string& code : given) {
    // Up the local tree from each code this installation knows; the bound guards against a cycle.
    std::string current = code;
    for (int depth = 0; !current.empty() && depth < 16 && codes.insert(current).second; ++depth) {
      auto it = locations_.find(current);
      if (it == locations_.end()) break;
      current = it->second.parent;
    }
  }
  codes.erase("");
  return codes;
}

Result<std::string> LiaisonService::queue_remote_transition(const StreamMessage& message, const json::object& payload,
                                                            const std::string& origin) {
  std::string message_id = message.message_id.empty() ? string_field(payload, "idempotency_key") : message.message_id;
  std::string event = string_field(payload, "event");
  std::string indicator = string_field(payload, "indicator");
  const json::value* alert_id_value = payload.if_contains("alert_id");
  auto severity = parse_severity(string_field(payload, "severity"));
  if (message_id.empty() || event.empty() || !alert_id_value || !alert_id_value->is_int64() || !severity.is_ok()) {
    return std::string("unreadable");
  }
  const int64_t alert_id = alert_id_value->as_int64();
  std::lock_guard lock(mutex_);
  const Timestamp now = options_.clock->now();
  // The latency is measured from where the other installation measures it: the report for an
  // opening, the transition otherwise.
  auto origin_at = Timestamp::parse(string_field(payload, event == "opened" ? "report_received_at" : "transition_at"));
  std::set<std::string> chain = remote_chain_locked(payload);
  bool fresh = false;
  RETURN_IF_ERROR(alerts_->in_transaction([&](AlertTables& tables) -> Status {
    RETURN_IF_ERROR(refresh_routing_locked(tables, false));
    ASSIGN_OR_RETURN(fresh, tables.record_received(message_id, origin, message.subject, now));
    if (!fresh) return Status::ok();
    for (const std::string& code : chain) {
      auto [begin, end] = subscriptions_by_location_.equal_range(code);
      for (auto it = begin; it != end; ++it) {
        const Subscription& s = it->second;
        if (!s.indicator.empty() && s.indicator != indicator) continue;
        if (*severity < s.min_severity) continue;
        json::object body = payload;
        body.erase("location_chain");  // the shape of this installation's own webhooks
        std::string key = message_id + "-sub-" + std::to_string(s.id);
        body["idempotency_key"] = key;
        body["subscription"] = json::object{{"id", s.id}, {"name", s.name}, {"location", s.location}};
        OutboxEntry entry{0, key, alert_id, "webhook", s.webhook, s.secret, json_text(body), event,
                          origin_at.is_ok() ? *origin_at : now, 0, now, origin};
        RETURN_IF_ERROR(tables.enqueue(entry).status());
      }
    }
    return Status::ok();
  }));
  return std::string(fresh ? "new" : "duplicate");
}

Result<int64_t> LiaisonService::pending_deliveries() {
  std::lock_guard lock(mutex_);
  return alerts_->pending_count();
}

Result<std::vector<OutboxEntry>> LiaisonService::delivered_entries(int64_t alert_id) {
  std::lock_guard lock(mutex_);
  return alerts_->on_connection([&](AlertTables& tables) { return tables.delivered_entries(alert_id); });
}

Result<store::Token> LiaisonService::authenticate(const std::string& secret) {
  if (secret.empty()) return store::authenticate(*store_, secret);  // its refusal, no lookup
  std::string hash = store::hash_token_secret(secret);
  Timestamp now = options_.clock->now();
  {
    std::lock_guard lock(token_cache_mutex_);
    auto it = token_cache_.find(hash);
    if (it != token_cache_.end() && now.micros() - it->second.second.micros() < kTokenCacheMicros &&
        now.micros() >= it->second.second.micros()) {
      return it->second.first;
    }
  }
  Result<store::Token> token = [&] {
    std::lock_guard lock(mutex_);
    return store::authenticate(*store_, secret);
  }();
  if (token.is_ok()) {
    std::lock_guard lock(token_cache_mutex_);
    if (token_cache_.size() >= 4096) token_cache_.clear();  // bounded: a flood of distinct tokens
    token_cache_[hash] = {*token, now};
  }
  return token;
}

std::string LiaisonService::render_metrics() {
  auto pending = pending_deliveries();
  return metrics_.render_prometheus(pending.is_ok() ? *pending : -1);
}

}  // namespace shouwang::alert
