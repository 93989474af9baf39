// export, token, locations, indicators, source: the reporting & open-data core on the command line.
#include <iostream>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/database.h"
#include "core/disaggregation.h"
#include "store/aggregate.h"
#include "store/auth.h"
#include "store/export.h"

namespace shouwang::cli {
namespace {

struct ExportOptions {
  std::string db;
  std::string location, indicator, source, from, to, as_of;
  std::string disaggregation = "all";
  std::optional<int> lag;
  std::string format = "csv";
};

void run_export(const ExportOptions& opt) {
  store::SeriesQuery query;
  if (!opt.location.empty()) query.location = opt.location;
  if (!opt.indicator.empty()) query.indicator = opt.indicator;
  if (!opt.source.empty()) query.source = opt.source;
  if (opt.disaggregation == "all") {
    query.disaggregation = std::nullopt;
  } else if (opt.disaggregation != "total") {
    auto canonical = canonical_disaggregation(opt.disaggregation);
    if (!canonical) fail(invalid_argument("--disaggregation: " + canonical.status().message()));
    query.disaggregation = *canonical;
  }
  if (!opt.from.empty()) {
    auto p = Period::parse(opt.from);
    if (!p) fail(invalid_argument("--from: " + p.status().message()));
    query.from = p->start();
  }
  if (!opt.to.empty()) {
    auto p = Period::parse(opt.to);
    if (!p) fail(invalid_argument("--to: " + p.status().message()));
    query.to = p->end();
  }
  if (!opt.as_of.empty()) {
    auto t = Timestamp::parse(opt.as_of);
    if (!t) fail(invalid_argument("--as-of: " + t.status().message()));
    query.as_of = *t;
  }
  query.lag = opt.lag;
  auto db = open_database(opt.db);
  if (!db) fail(db.status());
  std::vector<store::Series> series;
  if (query.location && query.indicator) {
    // One series: a region or the world is summed from its countries when not stored directly.
    auto one = store::read_location_series(**db, query);
    if (!one) fail(one.status());
    series.push_back(std::move(one).value());
  } else {
    auto all = (*db)->read_series(query);
    if (!all) fail(all.status());
    series = std::move(all).value();
  }
  auto format = store::find_export_format(opt.format);
  if (!format) fail(format.status());
  std::cout << (*format)->write(series);
}

}  // namespace

void register_data_commands(CLI::App& app) {
  auto export_options = std::make_shared<ExportOptions>();
  auto* exp = app.add_subcommand("export",
                                 "Print stored series in the long format (location,indicator,date,value, and\n"
                                 "disaggregation when a series has one), sorted by location, indicator and date;\n"
                                 "`import` of the output reproduces the data.");
  exp->add_option("--db", export_options->db, kDbHelp)->required();
  exp->add_option("--location", export_options->location, "Location code (ITA, AFRO, WORLD, USA-NY); all when absent");
  exp->add_option("--indicator", export_options->indicator, "Indicator code (cases, deaths, ...); all when absent");
  exp->add_option("--source", export_options->source, "Source name; default: each series' default source");
  exp->add_option("--disaggregation", export_options->disaggregation,
                  "all (default: totals and every disaggregation), total, or one such as 'SEX=F;AGE=15-24'\n"
                  "(a single --location and --indicator gives one series: the total unless one is named)");
  exp->add_option("--from", export_options->from, "First period (YYYY-MM-DD, YYYY-Www or YYYY-MM), inclusive");
  exp->add_option("--to", export_options->to, "Last period (YYYY-MM-DD, YYYY-Www or YYYY-MM), inclusive");
  exp->add_option("--as-of", export_options->as_of,
                  "ISO 8601 UTC timestamp: the data exactly as it was known then (e.g. 2020-04-01T00:00:00Z)");
  exp->add_option("--lag", export_options->lag,
                  "Days: each value as it was known that many days after its period ended (the end of\n"
                  "that UTC day), to study reporting delay and backfill; combines with --as-of")
      ->check(CLI::Range(0, store::kMaxLagDays));
  std::vector<std::string> format_names;
  for (const auto& format : store::export_formats()) format_names.emplace_back(format.name);
  exp->add_option("--format", export_options->format, "One of: " + CLI::detail::join(format_names, ", "))
      ->check(CLI::IsMember(format_names));
  exp->callback([export_options] { run_export(*export_options); });

  auto* token = app.add_subcommand("token", "Manage access tokens (only a hash is stored)");
  token->require_subcommand(1);
  struct TokenOptions {
    std::string db, role = "reporter", location, label;
  };
  auto token_options = std::make_shared<TokenOptions>();
  auto* create = token->add_subcommand("create", "Create a token and print it as the last line (shown only once)");
  create->add_option("--db", token_options->db, kDbHelp)->required();
  create->add_option("--role", token_options->role,
                     "admin, reporter, focal_point, editor, donor or coordinator")->required();
  create->add_option("--location", token_options->location,
                     "The country a reporter writes for (and its subdivisions), or a focal point's area");
  create->add_option("--label", token_options->label, "Who the token is for, for the audit trail");
  create->callback([token_options] {
    auto role = store::parse_role(token_options->role);
    if (!role) fail(role.status());
    if (*role == store::Role::kNode) {
      fail(invalid_argument("a node's token comes with its registration: shouwang node add --db D --country C"));
    }
    auto db = open_database(token_options->db);
    if (!db) fail(db.status());
    if (!token_options->location.empty()) {
      auto locations = (*db)->list_locations();
      if (!locations) fail(locations.status());
      bool known = false;
      for (const auto& l : *locations) known = known || l.code == token_options->location;
      if (!known) fail(invalid_argument("unknown location '" + token_options->location + "'"));
    }
    SystemClock clock;
    auto secret = store::issue_token(**db, *role, token_options->location, token_options->label, clock.now());
    if (!secret) fail(secret.status());
    std::cerr << "Created a " << token_options->role << " token"
              << (token_options->location.empty() ? "" : " for " + token_options->location)
              << ". Keep it secret: it is not stored and cannot be shown again.\n";
    std::cout << *secret << "\n";
  });

  struct ListOptions {
    std::string db, level;
  };
  auto list_options = std::make_shared<ListOptions>();
  auto* locations = app.add_subcommand("locations", "List known locations (code, level, parent, names, population)");
  locations->add_option("--db", list_options->db, kDbHelp)->required();
  locations->add_option("--level", list_options->level, "world, region, country or subnational");
  locations->callback([list_options] {
    auto db = open_database(list_options->db);
    if (!db) fail(db.status());
    auto all = (*db)->list_locations();
    if (!all) fail(all.status());
    std::cout << "code,level,parent,name_en,name_zh,population\n";
    for (const auto& l : *all) {
      if (!list_options->level.empty() && location_level_name(l.level) != list_options->level) continue;
      std::string name = l.name_en.find(',') != std::string::npos ? "\"" + l.name_en + "\"" : l.name_en;
      std::cout << l.code << ',' << location_level_name(l.level) << ',' << l.parent << ',' << name << ','
                << l.name_zh << ',' << (l.population ? std::to_string(*l.population) : "") << "\n";
    }
  });

  auto* indicators = app.add_subcommand("indicators", "List indicators, or add a custom one");
  struct IndicatorOptions {
    std::string db, add, unit = "persons", kind = "incident", description, disease;
  };
  auto ind = std::make_shared<IndicatorOptions>();
  indicators->add_option("--db", ind->db, kDbHelp)->required();
  indicators->add_option("--add", ind->add, "Code of a custom indicator to add (e.g. icu_admissions)");
  indicators->add_option("--unit", ind->unit, "Unit of the added indicator");
  indicators->add_option("--kind", ind->kind, "incident (new per period) or cumulative");
  indicators->add_option("--description", ind->description, "Description of the added indicator");
  indicators->add_option("--disease", ind->disease,
                         "Disease the added indicator counts (lower-case code: cholera, measles, covid19)");
  indicators->callback([ind] {
    auto db = open_database(ind->db);
    if (!db) fail(db.status());
    if (!ind->add.empty()) {
      auto kind = parse_indicator_kind(ind->kind);
      if (!kind) fail(kind.status());
      if (!ind->disease.empty()) {
        if (Status s = validate_disease_code(ind->disease); !s.is_ok()) fail(s);
      }
      Status s = (*db)->upsert_indicator(Indicator{ind->add, ind->unit, *kind, ind->description, ind->disease});
      if (!s.is_ok()) fail(s);
    } else if (!ind->disease.empty()) {
      fail(invalid_argument("--disease describes an indicator added with --add"));
    }
    auto all = (*db)->list_indicators();
    if (!all) fail(all.status());
    std::cout << "code,kind,unit,disease,description\n";
    for (const auto& i : *all) {
      std::cout << i.code << ',' << indicator_kind_name(i.kind) << ',' << i.unit << ',' << i.disease << ",\""
                << i.description << "\"\n";
    }
  });

  auto* source = app.add_subcommand("source", "Show or set the default source of a location's indicator");
  struct SourceOptions {
    std::string db, location, indicator, set;
  };
  auto src = std::make_shared<SourceOptions>();
  source->add_option("--db", src->db, kDbHelp)->required();
  source->add_option("--location", src->location, "Location code")->required();
  source->add_option("--indicator", src->indicator, "Indicator code")->required();
  source->add_option("--set-default", src->set, "Make this source the default for queries without source=");
  source->callback([src] {
    auto db = open_database(src->db);
    if (!db) fail(db.status());
    if (!src->set.empty()) {
      Status s = (*db)->set_default_source(src->location, src->indicator, src->set);
      if (!s.is_ok()) fail(s);
    }
    auto current = (*db)->default_source(src->location, src->indicator);
    if (!current) fail(current.status());
    std::cout << *current << "\n";
  });
}

}  // namespace shouwang::cli
