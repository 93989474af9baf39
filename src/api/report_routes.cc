// Report submission over HTTP through the same importer as `shouwang import`.
#include "api/report_routes.h"

#include <set>

#include "api/report_commit.h"

#include "core/fault_point.h"
#include "ingest/importer.h"
#include "store/auth.h"

namespace shouwang::api {
namespace json = boost::json;
using http::Request;
using http::Response;
namespace {

json::array problems_json(const std::vector<ingest::RowProblem>& problems) {
  json::array out;
  for (const auto& p : problems) {
    out.push_back(json::object{{"line", p.line}, {"column", p.column}, {"message", p.message}});
  }
  return out;
}

Result<ingest::Format> format_of(const Request& request) {
  std::string format = request.param("format");
  if (format.empty()) {
    std::string type = request.header("content-type");
    if (type.starts_with("application/adx+xml")) return ingest::Format::kAdx;
    format = type.find("application/fhir+json") != std::string::npos ? "fhir"
             : type.find("json") != std::string::npos                ? "json"
                                                                     : "csv";
  }
  return ingest::parse_format(format);
}

}  // namespace

Result<store::Token> reporting_token(const Request& request) {
  if (!request.caller) return internal_error("the report route was registered without a token guard");
  ASSIGN_OR_RETURN(store::Role role, store::parse_role(request.caller->role));
  // created_at stays unset: the guard does not carry it and may_report_for() does not read it.
  store::Token token;
  token.token_hash = request.caller->token_hash;
  token.role = role;
  token.location = request.caller->location;
  token.label = request.caller->label;
  return token;
}

void add_report_routes(http::Router& router, const http::RouteContext& context, StorePool& pool,
                       std::function<void(const AcceptedReport&)> on_accepted, OwnershipCheck owned) {
  // The guard refuses a caller without a reporter or admin token before the body is read.
  http::RouteGuard guard = http::token_route(context.authenticate, {"reporter", "admin"}, context.max_upload_bytes);
  // Reports checked while another group is written share the next transaction.
  auto committer = std::make_shared<ReportCommitter>();
  router.add("POST", "/api/v1/reports", [clock = context.clock, &pool, on_accepted, owned, committer](const Request& request) {
    Timestamp received_at = clock->now();
    auto who = reporting_token(request);
    if (!who) return Response::error(who.status());
    auto lease = pool.acquire();
    if (!lease) return Response::error(lease.status());
    auto format = format_of(request);
    if (!format) return Response::error(format.status());
    if (request.body.empty()) return Response::error(invalid_argument("the report is empty"));

    ingest::ImportOptions options;
    // One default source for every format, so a reporter's CSV and JSON submissions form one series.
    options.source = request.param("source").empty() ? "report" : request.param("source");
    options.partial = request.param("partial") == "true";
    options.jhu_indicator = request.param("indicator");
    AcceptedReport accepted;
    accepted.received_at = received_at;
    std::optional<Status> owned_elsewhere;
    options.authorize = [&](const ingest::ParsedBatch& batch) -> Status {
      std::set<std::string, std::less<>> owner_checked;  // a bulk upload asks once per location, not per row
      for (const auto& o : batch.observations) {
        if (!store::may_report_for(*who, o.location)) {
          return permission_denied("this token reports for " + (who->location.empty() ? "no location" : who->location) +
                                   ", not for " + o.location + " (line " + std::to_string(o.line) + ")");
        }
        if (owned && owner_checked.insert(o.location).second) {
          if (Status here = owned(o.location); !here.is_ok()) {
            if (here.code() == StatusCode::kAlreadyExists) owned_elsewhere = here;
            return here;
          }
        }
        accepted.series.emplace(o.location, o.indicator);
      }
      return Status::ok();
    };
    store::Store& store = **lease;
    options.write = [&](std::span<const store::ObservationWrite> rows, const std::string& source, Timestamp reported_at,
                        std::span<const Location> locations) {
      return committer->write(store, rows, source, reported_at, locations);
    };
    auto report = ingest::import_content(store, request.body, *format, options, *clock);
    if (!report) return owned_elsewhere ? Response::error(*owned_elsewhere, kOwnedByNode) : Response::error(report.status());
    // Committed, not yet answered: the reporter does not know its report is stored.
    fault::point("report.before_answer");

    json::object body{{"observations", report->observations},
                      {"new_revisions", report->new_revisions},
                      {"written", report->written},
                      {"warnings", problems_json(report->warnings)},
                      {"errors", problems_json(report->errors)}};
    if (!report->written && !report->errors.empty()) {
      std::vector<std::string> details;
      for (const auto& p : report->errors) details.push_back(ingest::describe_problem(p));
      Response r = Response::error(invalid_argument(
          std::to_string(report->errors.size()) + " invalid row(s): nothing was written", std::move(details)));
      return r;
    }
    if (report->written && report->new_revisions > 0 && on_accepted) on_accepted(accepted);
    return Response::json(body, 200);
  }, std::move(guard));
}

}  // namespace shouwang::api
