// DHIS2's /api/dataValueSets over the same importer as `shouwang import` and POST /api/v1/reports.
//
// HTTP statuses are DHIS2's (2.38+) for an import summary: 200 when every value went in cleanly
// (SUCCESS), 409 Conflict when some values had conflicts (WARNING; the valid ones are stored, as
// DHIS2 does by default) or the import as a whole was refused (ERROR). Refusals before any value is
// read (a parameter, the media type, the store unavailable) carry the HTTP status the http layer
// gives their Status, in the same web-message shape.
#include "api/dhis2_routes.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "core/disaggregation.h"
#include "ingest/importer.h"
#include "ingest/validation.h"
#include "store/auth.h"

namespace shouwang::api {
namespace json = boost::json;
using http::Request;
using http::Response;
namespace {

enum class Strategy { kCreateAndUpdate, kCreate, kUpdate, kDelete };

struct PostParameters {
  bool dry_run = false;
  bool by_code = false;  // idScheme=CODE
  Strategy strategy = Strategy::kCreateAndUpdate;
  std::string strategy_name = "CREATE_AND_UPDATE";
  bool atomic = false;  // atomicMode=ALL: any conflict and nothing is written
};

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// DHIS2 spells its enumerations in capitals but accepts any case; absent gives `fallback`.
Result<std::string> choice_param(const Request& request, const std::string& name, std::string fallback,
                                 std::initializer_list<std::string_view> allowed) {
  std::string value = request.param(name).empty() ? fallback : upper(request.param(name));
  std::string listed;
  for (auto a : allowed) {
    if (a == value) return value;
    listed += (listed.empty() ? "" : ", ") + std::string(a);
  }
  return invalid_argument(name + " '" + request.param(name) + "' is not supported here (" + listed + ")");
}

Result<PostParameters> post_parameters(const Request& request) {
  PostParameters p;
  ASSIGN_OR_RETURN(auto dry_run, choice_param(request, "dryRun", "FALSE", {"TRUE", "FALSE"}));
  p.dry_run = dry_run == "TRUE";
  ASSIGN_OR_RETURN(auto scheme, choice_param(request, "idScheme", "UID", {"UID", "CODE"}));
  p.by_code = scheme == "CODE";
  // DHIS2's older names (NEW_AND_UPDATES, NEW, UPDATES, DELETES) are still accepted by DHIS2.
  ASSIGN_OR_RETURN(auto strategy, choice_param(request, "importStrategy", "CREATE_AND_UPDATE",
                                               {"CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE", "NEW_AND_UPDATES",
                                                "NEW", "UPDATES", "DELETES"}));
  if (strategy == "CREATE" || strategy == "NEW") {
    p.strategy = Strategy::kCreate;
    p.strategy_name = "CREATE";
  } else if (strategy == "UPDATE" || strategy == "UPDATES") {
    p.strategy = Strategy::kUpdate;
    p.strategy_name = "UPDATE";
  } else if (strategy == "DELETE" || strategy == "DELETES") {
    p.strategy = Strategy::kDelete;
    p.strategy_name = "DELETE";
  }
  ASSIGN_OR_RETURN(auto atomic, choice_param(request, "atomicMode", "NONE", {"NONE", "ALL"}));
  p.atomic = atomic == "ALL";
  return p;
}

// DHIS2 data values come as JSON, CSV or ADX (which DHIS2 also reads there); DHIS2's own XML is
// not accepted.
Result<ingest::Format> payload_format(const Request& request) {
  std::string type = request.header("content-type");
  if (type.starts_with("application/adx+xml")) return ingest::Format::kAdx;
  if (type.find("json") != std::string::npos) return ingest::Format::kDhis2;
  if (type.find("csv") != std::string::npos) return ingest::Format::kDhis2Csv;
  return invalid_argument("Content-Type '" + type +
                          "' is not accepted here: send DHIS2 data values as application/json, application/csv or "
                          "application/adx+xml");
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

// DHIS2's WebMessage: status OK, WARNING or ERROR, and the ImportSummary (or nothing) as response.
Response web_message(int http_status, std::string_view status, const std::string& message,
                     std::optional<json::object> response = std::nullopt) {
  json::object body{{"httpStatus", reason_phrase(http_status)},
                    {"httpStatusCode", http_status},
                    {"status", status},
                    {"message", message}};
  if (response) body["response"] = std::move(*response);
  return Response::json(body, http_status);
}

Response refusal(const Status& status) {
  return web_message(http::http_status_for(status.code()), "ERROR", status.message());
}

// (location, indicator, disaggregation, period kind, period start): one stored value's key.
using ValueKey = std::tuple<std::string, std::string, std::string, int, int32_t>;
ValueKey key_of(const std::string& location, const std::string& indicator, const std::string& disaggregation,
                Period period) {
  return {location, indicator, disaggregation, static_cast<int>(period.kind()), period.start().days_since_epoch()};
}

// The latest stored value of each row's key in the endpoint's source: one read per series, over
// the dates the rows span.
Result<std::map<ValueKey, double>> stored_values(store::Store& store,
                                                 const std::vector<ingest::ParsedObservation>& rows) {
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<Date, Date>> spans;
  for (const auto& o : rows) {
    auto [it, added] = spans.try_emplace({o.location, o.indicator, o.disaggregation}, o.period.start(), o.period.start());
    if (!added) {
      it->second.first = std::min(it->second.first, o.period.start());
      it->second.second = std::max(it->second.second, o.period.start());
    }
  }
  std::map<ValueKey, double> out;
  for (const auto& [series_key, span] : spans) {
    const auto& [location, indicator, disaggregation] = series_key;
    store::SeriesQuery query;
    query.location = location;
    query.indicator = indicator;
    query.source = std::string(kDhis2ReportSource);
    query.disaggregation = disaggregation;
    query.from = span.first;
    query.to = span.second;
    ASSIGN_OR_RETURN(auto series, store.read_series(query));
    for (const auto& s : series) {
      for (const auto& p : s.points) out[key_of(location, indicator, disaggregation, p.period)] = p.value;
    }
  }
  return out;
}

// What the review found, value by value.
struct Tally {
  int64_t values = 0;    // data values in the payload
  int64_t imported = 0;  // new keys
  int64_t updated = 0;   // stored keys whose value changes
};

json::object import_count(int64_t imported, int64_t updated, int64_t ignored) {
  return json::object{{"imported", imported}, {"updated", updated}, {"ignored", ignored}, {"deleted", 0}};
}

// One conflict per problem. "indexes" is the value's position in the payload: the record number
// of JSON minus one, the CSV line minus the header's (a value spanning lines shifts it); ADX
// problems name their XML line in the message instead.
json::array conflicts_json(const std::vector<ingest::RowProblem>& problems, ingest::Format format) {
  json::array out;
  for (const auto& p : problems) {
    json::object conflict{{"object", p.column.empty() ? "dataValueSet" : p.column},
                          {"property", p.column},
                          {"value", p.message}};
    if (p.line > 0 && format != ingest::Format::kAdx) {
      int64_t index = format == ingest::Format::kDhis2 ? p.line - 1 : p.line - 2;
      conflict["indexes"] = json::array{index};
    }
    out.push_back(std::move(conflict));
  }
  return out;
}

json::object import_options_json(const PostParameters& p) {
  return json::object{{"idSchemes", json::object{{"idScheme", p.by_code ? "CODE" : "UID"}}},
                      {"dryRun", p.dry_run},
                      {"importStrategy", p.strategy_name},
                      {"atomicMode", p.atomic ? "ALL" : "NONE"}};
}

int64_t distinct_row_lines(const std::vector<ingest::RowProblem>& problems) {
  std::set<int64_t> lines;
  for (const auto& p : problems) {
    if (p.line > 0) lines.insert(p.line);
  }
  return static_cast<int64_t>(lines.size());
}

Response post_data_value_sets(const Request& request, const Clock& clock, StorePool& pool,
                              Dhis2MappingStore& mappings,
                              const std::function<void(const AcceptedReport&)>& on_accepted,
                              const OwnershipCheck& owned) {
  Timestamp received_at = clock.now();
  auto who = reporting_token(request);
  if (!who) return refusal(who.status());
  auto parameters = post_parameters(request);
  if (!parameters) return refusal(parameters.status());
  const PostParameters& p = *parameters;
  auto format = payload_format(request);
  if (!format) return refusal(format.status());
  if (request.body.empty()) return refusal(invalid_argument("the data value set is empty"));
  ingest::Dhis2Mapping mapping;
  if (p.by_code) {
    mapping.by_code = true;
  } else {
    auto stored = mappings.load();
    if (!stored) return refusal(stored.status());
    mapping = std::move(*stored);
  }
  auto lease = pool.acquire();
  if (!lease) return refusal(lease.status());
  store::Store& store = **lease;

  ingest::ImportOptions options;
  options.source = std::string(kDhis2ReportSource);
  options.dhis2_mapping = std::move(mapping);
  options.partial = !p.atomic;  // DHIS2 stores the valid values of a set that has conflicts
  options.dry_run = p.dry_run || p.strategy == Strategy::kDelete;
  Tally tally;
  AcceptedReport accepted;
  accepted.received_at = received_at;
  options.review = [&](ingest::ParsedBatch& batch) -> Status {
    tally.values = static_cast<int64_t>(batch.observations.size()) + distinct_row_lines(batch.errors);
    std::vector<ingest::ParsedObservation> allowed;
    for (auto& o : batch.observations) {
      if (!store::may_report_for(*who, o.location)) {
        batch.errors.push_back({o.line, "orgUnit",
                                "this token reports for " + (who->location.empty() ? "no location" : who->location) +
                                    ", not for " + o.location});
      } else if (Status owner = owned ? owned(o.location) : Status::ok(); !owner.is_ok()) {
        // A country a national node owns: a conflict of that value, the others go on.
        batch.errors.push_back({o.line, "orgUnit", owner.message()});
      } else {
        allowed.push_back(std::move(o));
      }
    }
    ASSIGN_OR_RETURN(auto stored, stored_values(store, allowed));
    std::vector<ingest::ParsedObservation> to_write;
    for (auto& o : allowed) {
      auto it = stored.find(key_of(o.location, o.indicator, o.disaggregation, o.period));
      const bool exists = it != stored.end();
      // CREATE leaves stored values alone, UPDATE adds no new ones: both are ignored, as in DHIS2.
      if (exists ? p.strategy == Strategy::kCreate : p.strategy == Strategy::kUpdate) continue;
      if (exists && it->second == o.value) continue;  // equal: ignored, nothing to write
      ++(exists ? tally.updated : tally.imported);
      accepted.series.emplace(o.location, o.indicator);
      to_write.push_back(std::move(o));
    }
    batch.observations = std::move(to_write);
    return Status::ok();
  };
  auto report = ingest::import_content(store, request.body, *format, options, clock);
  if (!report) return refusal(report.status());

  json::array conflicts = conflicts_json(report->errors, *format);
  json::object summary{{"responseType", "ImportSummary"}, {"importOptions", import_options_json(p)}};
  auto answer = [&](int http_status, std::string_view web_status, std::string_view import_status,
                    const std::string& message, json::object count) {
    summary["status"] = import_status;
    summary["description"] = message;
    summary["importCount"] = std::move(count);
    summary["conflicts"] = std::move(conflicts);
    return web_message(http_status, web_status, message, std::move(summary));
  };
  // A problem of the whole payload (line 0): it could not be read.
  const bool payload_refused =
      std::any_of(report->errors.begin(), report->errors.end(), [](const auto& e) { return e.line == 0; });
  if (p.strategy == Strategy::kDelete) {
    conflicts.push_back(json::object{{"object", "importStrategy"},
                                     {"property", "importStrategy"},
                                     {"value", "DELETE is refused: figures are never deleted, only revised"}});
    return answer(409, "ERROR", "ERROR", "importStrategy DELETE is refused: nothing was deleted",
                  import_count(0, 0, tally.values));
  }
  if (payload_refused) {
    // Nothing was read as a value: none is counted, not even as ignored.
    return answer(409, "ERROR", "ERROR", "the data value set could not be read: nothing was imported",
                  import_count(0, 0, 0));
  }
  if (p.atomic && !report->errors.empty()) {
    return answer(409, "ERROR", "ERROR", "atomicMode ALL and some values had conflicts: nothing was imported",
                  import_count(0, 0, tally.values));
  }
  if (report->written && report->new_revisions > 0 && on_accepted) on_accepted(accepted);
  json::object count = import_count(tally.imported, tally.updated, tally.values - tally.imported - tally.updated);
  std::string done = p.dry_run ? "dry run, nothing was stored" : "import done";
  if (!report->errors.empty()) {
    return answer(409, "WARNING", "WARNING",
                  done + "; " + std::to_string(distinct_row_lines(report->errors)) +
                      " value(s) had conflicts and were ignored",
                  std::move(count));
  }
  return answer(200, "OK", "SUCCESS", done, std::move(count));
}

// Our codes -> DHIS2 identifiers, for answers in idScheme=uid (the first id mapped to a code).
struct ReverseMapping {
  std::map<std::string, std::string> data_elements, org_units, combos;
  explicit ReverseMapping(const ingest::Dhis2Mapping& m) {
    for (const auto& [id, code] : m.data_elements) data_elements.emplace(code, id);
    for (const auto& [id, code] : m.org_units) org_units.emplace(code, id);
    for (const auto& [id, code] : m.category_option_combos) combos.emplace(code, id);
  }
};

Response get_data_value_sets(const Request& request, StorePool& pool, Dhis2MappingStore& mappings) {
  auto scheme = choice_param(request, "idScheme", "UID", {"UID", "CODE"});
  if (!scheme) return refusal(scheme.status());
  const bool by_code = *scheme == "CODE";
  if (request.param("orgUnit").empty()) return refusal(invalid_argument("orgUnit is required"));
  if (!request.param("dataSet").empty() && request.param("dataElement").empty()) {
    return refusal(invalid_argument("data sets are not kept here: name the dataElement (or none, for every one)"));
  }
  ingest::Dhis2Mapping mapping;
  if (!by_code) {
    auto stored = mappings.load();
    if (!stored) return refusal(stored.status());
    mapping = std::move(*stored);
  }
  auto our_code = [&](const std::string& id, const std::map<std::string, std::string, std::less<>>& map,
                      const std::string& name) -> Result<std::string> {
    if (by_code) return id;
    auto it = map.find(id);
    if (it == map.end()) return invalid_argument(name + " '" + id + "' is not in the mapping");
    return it->second;
  };
  store::SeriesQuery query;
  query.disaggregation = std::nullopt;  // the totals and every disaggregation
  auto location = our_code(request.param("orgUnit"), mapping.org_units, "orgUnit");
  if (!location) return refusal(location.status());
  query.location = *location;
  if (!request.param("dataElement").empty()) {
    auto indicator = our_code(request.param("dataElement"), mapping.data_elements, "dataElement");
    if (!indicator) return refusal(indicator.status());
    query.indicator = *indicator;
  }
  std::optional<Period> period;
  if (!request.param("period").empty()) {
    period = ingest::parse_dhis2_period(request.param("period"));
    if (!period) return refusal(invalid_argument("period '" + request.param("period") + "' is not a DHIS2 day, week or month"));
    query.from = query.to = period->start();
  } else {
    auto start = Date::parse(request.param("startDate"));
    auto end = Date::parse(request.param("endDate"));
    if (!start || !end) return refusal(invalid_argument("give a period, or startDate and endDate (YYYY-MM-DD)"));
    query.from = *start;
    query.to = *end;
  }
  auto lease = pool.acquire();
  if (!lease) return refusal(lease.status());
  auto revisions = (*lease)->read_revisions(query);
  if (!revisions) return refusal(revisions.status());

  // Oldest first: a key's first revision is when it was created, its last is its value.
  struct Value {
    const store::Revision* first;
    const store::Revision* last;
  };
  std::map<std::tuple<std::string, std::string, std::string, std::string, int, int32_t>, Value> values;
  for (const auto& r : *revisions) {
    if (period && r.period != *period) continue;
    auto key = std::make_tuple(r.location, r.indicator, r.disaggregation, r.source, static_cast<int>(r.period.kind()),
                               r.period.start().days_since_epoch());
    auto [it, added] = values.try_emplace(key, Value{&r, &r});
    if (!added) it->second.last = &r;
  }
  ReverseMapping reverse(mapping);
  auto dhis2_id = [&](const std::string& code, const std::map<std::string, std::string>& map) -> std::optional<std::string> {
    if (by_code) return code;
    auto it = map.find(code);
    if (it == map.end()) return std::nullopt;
    return it->second;
  };
  json::array data_values;
  for (const auto& [key, v] : values) {
    const store::Revision& last = *v.last;
    auto element = dhis2_id(last.indicator, reverse.data_elements);
    auto org_unit = dhis2_id(last.location, reverse.org_units);
    std::optional<std::string> combo =
        last.disaggregation.empty() ? std::optional<std::string>(by_code ? "default" : std::string(ingest::kDhis2DefaultCombo))
                                    : dhis2_id(last.disaggregation, reverse.combos);
    // A value whose identifiers the mapping cannot name is left out: DHIS2 could not read it.
    if (!element || !org_unit || !combo) continue;
    data_values.push_back(json::object{{"dataElement", *element},
                                       {"period", ingest::dhis2_period_text(last.period)},
                                       {"orgUnit", *org_unit},
                                       {"categoryOptionCombo", *combo},
                                       {"value", ingest::format_value(last.value)},
                                       {"storedBy", last.source},
                                       {"created", v.first->reported_at.to_string()},
                                       {"lastUpdated", last.reported_at.to_string()}});
  }
  return Response::json(json::object{{"dataValues", std::move(data_values)}});
}

}  // namespace

void add_dhis2_routes(http::Router& router, const http::RouteContext& context, StorePool& pool,
                      Dhis2MappingStore& mappings, std::function<void(const AcceptedReport&)> on_accepted,
                      OwnershipCheck owned) {
  // The guard refuses a caller without a reporter or admin token before the body is read.
  router.add("POST", "/api/dataValueSets",
             [clock = context.clock, &pool, &mappings, on_accepted = std::move(on_accepted),
              owned = std::move(owned)](const Request& request) {
               return post_data_value_sets(request, *clock, pool, mappings, on_accepted, owned);
             },
             http::token_route(context.authenticate, {"reporter", "admin"}, context.max_upload_bytes));
  router.add("GET", "/api/dataValueSets",
             [&pool, &mappings](const Request& request) { return get_data_value_sets(request, pool, mappings); });
}

}  // namespace shouwang::api
