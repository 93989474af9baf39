// FHIR R4: a Bundle of MeasureReport resources, as `shouwang export --format fhir` writes it
// (docs/formats/fhir.md). Each entry is one (location, indicator, period): the group's
// initial-population count (or measureScore) is the total, each stratum a disaggregation. A report
// is taken whole or not at all; the line of a problem is the entry's number in the Bundle (from 1).
#include <array>
#include <span>

#include "core/disaggregation.h"
#include "ingest/json_support.h"
#include "ingest/parsers.h"
#include "ingest/validation.h"
#include "store/export_fhir.h"

namespace shouwang::ingest {
namespace json = boost::json;
namespace {

// What the Bundle may be: what we write (collection), what a FHIR client sends a server (batch,
// transaction) and what a server answers a search with (searchset). Documents, messages and
// histories carry other resources, or several versions of one report, and are refused.
constexpr std::array<std::string_view, 4> kBundleTypes = {"collection", "batch", "transaction", "searchset"};
// The measure-population code system: R4's address and the one earlier versions used.
constexpr std::array<std::string_view, 2> kPopulationSystems = {store::kFhirPopulationSystem,
                                                                "http://hl7.org/fhir/measure-population"};

const json::string* string_field(const json::object& object, std::string_view field) {
  const auto* v = object.if_contains(field);
  return v ? v->if_string() : nullptr;
}

const json::object* object_field(const json::object& object, std::string_view field) {
  const auto* v = object.if_contains(field);
  return v ? v->if_object() : nullptr;
}

const json::array* array_field(const json::object& object, std::string_view field) {
  const auto* v = object.if_contains(field);
  return v ? v->if_array() : nullptr;
}

// The codings of a CodeableConcept, or none.
const json::array& codings(const json::object* codeable) {
  static const json::array kNone;
  const json::array* list = codeable ? array_field(*codeable, "coding") : nullptr;
  return list ? *list : kNone;
}

bool has_coding(const json::object* codeable, std::span<const std::string_view> systems, std::string_view code) {
  for (const auto& c : codings(codeable)) {
    const auto* o = c.if_object();
    const auto* s = o ? string_field(*o, "system") : nullptr;
    const auto* k = o ? string_field(*o, "code") : nullptr;
    if (s == nullptr || k == nullptr || *k != code) continue;
    for (auto system : systems) {
      if (*s == system) return true;
    }
  }
  return false;
}

// The code of the concept's coding of `system`; else (system empty) its first code or its text.
std::optional<std::string> concept_code(const json::object* codeable, std::string_view system) {
  for (const auto& c : codings(codeable)) {
    const auto* o = c.if_object();
    const auto* s = o ? string_field(*o, "system") : nullptr;
    const auto* k = o ? string_field(*o, "code") : nullptr;
    if (k != nullptr && (system.empty() || (s != nullptr && *s == system))) return std::string(*k);
  }
  if (system.empty() && codeable != nullptr) {
    if (const auto* text = string_field(*codeable, "text")) return std::string(*text);
  }
  return std::nullopt;
}

// A category's code: ours, else any coding's code, else the text.
std::optional<std::string> category_code(const json::object* codeable) {
  auto ours = concept_code(codeable, store::kFhirCategorySystem);
  return ours ? ours : concept_code(codeable, "");
}

// The day, ISO week or month that starts on `start` and ends on `end`; no other span is a period of ours.
std::optional<Period> period_of_span(Date start, Date end) {
  if (start == end) return Period::day(start);
  if (start.iso_weekday() == 1 && end == start.plus_days(6)) return Period::week(IsoWeek::containing(start));
  if (start.day() == 1) {
    Period month = Period::month(start.year(), start.month());
    if (month.end() == end) return month;
  }
  return std::nullopt;
}

// Reads one MeasureReport; its observations are added only when nothing in it was wrong.
class ReportReader {
 public:
  ReportReader(RowChecker& check, int64_t line) : check_(check), line_(line) {}

  void read(const json::object& report) {
    const size_t errors_before = check_.batch().errors.size();
    auto status = string_field(report, "status");
    if (status == nullptr || *status != "complete") {
      check_.error(line_, "status",
                   status ? "status '" + std::string(*status) + "' is not complete (only final figures are imported)"
                          : std::string("\"status\" is missing"));
    }
    auto type = string_field(report, "type");
    if (type == nullptr || *type != "summary") {
      check_.error(
          line_, "type",
          type ? "type '" + std::string(*type) + "' is not summary (counts for a place, not for a patient or a list)"
               : std::string("\"type\" is missing"));
    }
    std::optional<std::string> location = read_subject(report);
    std::optional<Period> period = read_period(report);
    const auto* groups = array_field(report, "group");
    if (groups == nullptr || groups->size() != 1 || !(*groups)[0].is_object()) {
      check_.error(line_, "group", "a report needs exactly one group (one indicator)");
      return;
    }
    const json::object& group = (*groups)[0].get_object();
    std::optional<std::string> indicator = concept_code(object_field(group, "code"), store::kFhirIndicatorSystem);
    std::optional<IndicatorKind> kind;
    if (!indicator) {
      check_.error(line_, "group.code",
                   "group.code has no coding of system " + std::string(store::kFhirIndicatorSystem));
    } else {
      kind = check_.check_indicator(*indicator, line_, "group.code");
      check_measure(report, *indicator);
    }
    std::vector<std::pair<std::string, double>> values;  // disaggregation, value
    bool any_value = false;
    if (auto total = read_value(group, "group", kind, any_value)) values.emplace_back(std::string(), *total);
    if (const auto* stratifiers = array_field(group, "stratifier")) {
      for (size_t s = 0; s < stratifiers->size(); ++s) {
        any_value |= read_stratifier((*stratifiers)[s], s, kind, values);
      }
    }
    if (!any_value) {
      check_.error(line_, "group", "the group has no initial-population count, no measureScore and no stratum");
    }
    if (check_.batch().errors.size() != errors_before || !location || !period || !kind) return;
    for (auto& [disaggregation, value] : values)
      check_.add(*location, *indicator, *period, value, line_, disaggregation);
  }

 private:
  std::optional<std::string> read_subject(const json::object& report) {
    const auto* subject = object_field(report, "subject");
    const auto* reference = subject ? string_field(*subject, "reference") : nullptr;
    if (reference == nullptr) {
      check_.error(line_, "subject", "\"subject.reference\" is missing (Location/<code>)");
      return std::nullopt;
    }
    std::string_view text = *reference;
    if (!text.starts_with("Location/")) {
      check_.error(line_, "subject", "subject '" + std::string(text) + "' is not a Location/<code> reference");
      return std::nullopt;
    }
    std::string code(text.substr(9));
    if (!check_.check_location(code, line_, "subject")) return std::nullopt;
    return code;
  }

  std::optional<Period> read_period(const json::object& report) {
    const auto* period = object_field(report, "period");
    const auto* start_text = period ? string_field(*period, "start") : nullptr;
    const auto* end_text = period ? string_field(*period, "end") : nullptr;
    if (start_text == nullptr || end_text == nullptr) {
      check_.error(line_, "period", "\"period\" needs a start and an end (YYYY-MM-DD)");
      return std::nullopt;
    }
    auto start = Date::parse(*start_text);
    auto end = Date::parse(*end_text);
    if (!start || !end) {
      check_.error(
          line_, "period",
          "period " + std::string(*start_text) + ".." + std::string(*end_text) + " is not two dates YYYY-MM-DD");
      return std::nullopt;
    }
    std::string span = std::string(*start_text) + ".." + std::string(*end_text);
    auto result = period_of_span(*start, *end);
    if (!result) {
      check_.error(line_, "period",
                   "period " + span + " is not a day, an ISO week (Monday..Sunday) or a calendar month");
      return std::nullopt;
    }
    if (!check_.check_not_future(*result, span, line_, "period")) return std::nullopt;
    return result;
  }

  // A measure of ours names the indicator too; it must be the group's.
  void check_measure(const json::object& report, const std::string& indicator) {
    const auto* measure = string_field(report, "measure");
    if (measure == nullptr) {
      check_.error(line_, "measure",
                   "\"measure\" is missing (" + std::string(store::kFhirMeasureBase) + indicator + ")");
      return;
    }
    std::string_view text = *measure;
    if (text.starts_with(store::kFhirMeasureBase) && text.substr(store::kFhirMeasureBase.size()) != indicator) {
      check_.error(line_, "measure", "measure '" + std::string(text) + "' is not the group's indicator " + indicator);
    }
  }

  // The initial-population count of `holder` (a group or a stratum), else its measureScore.
  // `found` says whether it gives either; a value found but unusable is reported, and nullopt returned.
  std::optional<double> read_value(const json::object& holder, const std::string& where,
                                   std::optional<IndicatorKind> kind, bool& found) {
    found = true;
    if (const auto* populations = array_field(holder, "population")) {
      for (const auto& p : *populations) {
        const auto* population = p.if_object();
        if (population == nullptr ||
            !has_coding(object_field(*population, "code"), kPopulationSystems, store::kFhirInitialPopulation)) {
          continue;
        }
        const std::string column = where + ".population.count";
        const auto* count = population->if_contains("count");
        if (count == nullptr || !(count->is_int64() || count->is_uint64())) {
          check_.error(
              line_, column,
              count ? "the initial-population count is not an integer" : "the initial-population has no count");
          return std::nullopt;
        }
        return check_.check_reported_value(*json_field_text(*population, "count"), line_, column, kind);
      }
    }
    if (const auto* score = object_field(holder, "measureScore")) {
      const std::string column = where + ".measureScore";
      const auto* value = score->if_contains("value");
      if (value == nullptr || !value->is_number()) {
        check_.error(line_, column, "measureScore has no numeric value");
        return std::nullopt;
      }
      return check_.check_reported_value(*json_field_text(*score, "value"), line_, column, kind);
    }
    found = false;
    return std::nullopt;
  }

  // Adds each stratum's (disaggregation, value) to `values`; true when there is any stratum.
  bool read_stratifier(const json::value& item, size_t index, std::optional<IndicatorKind> kind,
                       std::vector<std::pair<std::string, double>>& values) {
    const std::string where = "group.stratifier[" + std::to_string(index) + "]";
    const auto* stratifier = item.if_object();
    const auto* strata = stratifier ? array_field(*stratifier, "stratum") : nullptr;
    if (strata == nullptr) {
      check_.error(line_, where, "a stratifier needs a \"stratum\" array");
      return false;
    }
    // A stratum given by `value` alone belongs to the stratifier's one category.
    const auto* codes = array_field(*stratifier, "code");
    std::optional<std::string> single_category;
    if (codes != nullptr && codes->size() == 1) single_category = category_code((*codes)[0].if_object());
    for (size_t n = 0; n < strata->size(); ++n) {
      const std::string column = where + ".stratum[" + std::to_string(n) + "]";
      const auto* stratum = (*strata)[n].if_object();
      if (stratum == nullptr) {
        check_.error(line_, column, "a stratum must be an object");
        continue;
      }
      std::vector<DisaggregationPair> pairs;
      if (const auto* components = array_field(*stratum, "component")) {
        for (const auto& c : *components) {
          const auto* component = c.if_object();
          auto category = component ? category_code(object_field(*component, "code")) : std::nullopt;
          auto option = component ? concept_code(object_field(*component, "value"), "") : std::nullopt;
          if (!category || !option) {
            check_.error(line_, column, "a component needs a code (the category) and a value (the option)");
            pairs.clear();
            break;
          }
          pairs.emplace_back(std::move(*category), std::move(*option));
        }
      } else if (const auto* value = object_field(*stratum, "value"); value && single_category) {
        if (auto option = concept_code(value, "")) pairs.emplace_back(*single_category, std::move(*option));
      }
      if (pairs.empty()) {
        check_.error(line_, column, "the stratum names no category and option (component[] with code and value)");
        continue;
      }
      auto disaggregation = disaggregation_from_pairs(std::move(pairs));
      if (!disaggregation) {
        check_.error(line_, column, disaggregation.status().message());
        continue;
      }
      bool found = false;
      auto value = read_value(*stratum, column, kind, found);
      if (!found) check_.error(line_, column, "the stratum has no initial-population count and no measureScore");
      if (value) values.emplace_back(std::move(*disaggregation), *value);
    }
    return !strata->empty();
  }

  RowChecker& check_;
  int64_t line_;
};

}  // namespace

ParsedBatch parse_fhir(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  check.set_allow_corrections(context.allow_corrections);
  boost::json::value document;
  const auto* entries =
      json_records(content, "entry", "the document must be a FHIR Bundle with an \"entry\" array", check, document);
  if (entries == nullptr) return batch;
  const auto& root = document.get_object();
  const auto* resource_type = string_field(root, "resourceType");
  if (resource_type == nullptr || *resource_type != "Bundle") {
    check.error(0, "resourceType", "the document must be a FHIR Bundle (resourceType \"Bundle\")");
    return batch;
  }
  const auto* type = string_field(root, "type");
  bool type_ok = false;
  for (auto t : kBundleTypes) type_ok = type_ok || (type != nullptr && *type == t);
  if (!type_ok) {
    std::string found = type ? std::string(*type) : std::string();
    check.error(0, "type", "Bundle type '" + found + "' is not collection, batch, transaction or searchset");
    return batch;
  }
  for_each_json_record(*entries, check, context.progress, [&](const JsonRecord& record) {
    const auto* resource = object_field(record.object, "resource");
    const auto* kind = resource ? string_field(*resource, "resourceType") : nullptr;
    if (kind == nullptr || *kind != "MeasureReport") {
      std::string found = kind ? std::string(*kind) : std::string("(none)");
      check.error(record.line, "resource",
                  resource == nullptr ? std::string("the entry has no resource")
                                      : "resource type " + found + " is not MeasureReport");
      return;
    }
    ReportReader(check, record.line).read(*resource);
  });
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
