// DHIS2 dataValueSets JSON: {"dataValues": [{"dataElement", "period", "orgUnit", "value"}, ...]},
// with a mapping from DHIS2 identifiers to our indicator and location codes.
#include <charconv>

#include "ingest/json_support.h"
#include "ingest/parsers.h"
#include "ingest/validation.h"

namespace shouwang::ingest {
namespace {

// DHIS2 daily (yyyyMMdd) and weekly (yyyyWn, ISO weeks) periods; other period types (monthly,
// quarterly, yearly, ...) have no Period of ours.
std::optional<Period> parse_dhis2_period(std::string_view text) {
  if (text.size() == 8 && text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::string iso = std::string(text.substr(0, 4)) + "-" + std::string(text.substr(4, 2)) + "-" +
                      std::string(text.substr(6, 2));
    auto d = Date::parse(iso);
    if (d) return Period::day(*d);
    return std::nullopt;
  }
  if (text.size() >= 6 && text.size() <= 7 && text[4] == 'W') {
    int year = 0, week = 0;
    auto digits = [](std::string_view s, int& out) {
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      return ec == std::errc() && ptr == s.data() + s.size();
    };
    if (!digits(text.substr(0, 4), year) || !digits(text.substr(5), week)) return std::nullopt;
    if (week < 1 || static_cast<unsigned>(week) > IsoWeek::weeks_in_year(year)) return std::nullopt;
    return Period::week(IsoWeek(year, static_cast<unsigned>(week)));
  }
  return std::nullopt;
}

}  // namespace

Result<Dhis2Mapping> parse_dhis2_mapping(std::string_view json) {
  ASSIGN_OR_RETURN(auto document, parse_json_document(json));
  const auto* root = document.if_object();
  if (root == nullptr) return invalid_argument("the DHIS2 mapping must be a JSON object");
  Dhis2Mapping mapping;
  auto read = [&](std::string_view name, std::map<std::string, std::string, std::less<>>& out) -> Status {
    const auto* v = root->if_contains(name);
    if (v == nullptr || !v->is_object()) {
      return invalid_argument("the DHIS2 mapping needs an object \"" + std::string(name) + "\" of id -> code");
    }
    for (const auto& [id, code] : v->get_object()) {
      if (!code.is_string()) {
        return invalid_argument("DHIS2 mapping \"" + std::string(name) + "\": the code for '" + std::string(id) +
                                "' is not a string");
      }
      out.emplace(std::string(id), std::string(code.get_string()));
    }
    return Status::ok();
  };
  RETURN_IF_ERROR(read("dataElements", mapping.data_elements));
  RETURN_IF_ERROR(read("orgUnits", mapping.org_units));
  return mapping;
}

ParsedBatch parse_dhis2(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  check.set_allow_corrections(context.allow_corrections);
  if (context.dhis2_mapping == nullptr) {
    check.error(0, "", "the dhis2 format needs --mapping FILE (DHIS2 ids -> our codes)");
    return batch;
  }
  const Dhis2Mapping& mapping = *context.dhis2_mapping;
  boost::json::value document;
  const auto* list = json_records(content, "dataValues",
                                  "the document must be a DHIS2 dataValueSet with a \"dataValues\" array", check, document);
  if (list == nullptr) return batch;
  for_each_json_record(*list, check, context.progress, [&](const JsonRecord& record) {
    const int64_t line = record.line;
    auto element = record.required("dataElement");
    auto org_unit = record.required("orgUnit");
    auto period_text = record.required("period");
    auto value_text = record.required("value");

    std::optional<std::string> indicator, location;
    std::optional<IndicatorKind> kind;
    if (element) {
      auto it = mapping.data_elements.find(*element);
      if (it == mapping.data_elements.end()) {
        check.error(line, "dataElement", "dataElement '" + *element + "' is not in the mapping");
      } else if ((kind = check.check_indicator(it->second, line, "dataElement"))) {
        indicator = it->second;
      }
    }
    if (org_unit) {
      auto it = mapping.org_units.find(*org_unit);
      if (it == mapping.org_units.end()) {
        check.error(line, "orgUnit", "orgUnit '" + *org_unit + "' is not in the mapping");
      } else if (check.check_location(it->second, line, "orgUnit")) {
        location = it->second;
      }
    }
    std::optional<Period> period;
    if (period_text) {
      period = parse_dhis2_period(*period_text);
      if (!period) {
        check.error(line, "period", "period '" + *period_text +
                                        "' is not a DHIS2 daily (yyyyMMdd) or weekly (yyyyWn) period");
      } else if (!check.check_not_future(*period, *period_text, line, "period")) {
        period.reset();
      }
    }
    auto value = value_text ? check.check_reported_value(*value_text, line, "value", kind) : std::nullopt;
    if (indicator && location && period && value) check.add(*location, *indicator, *period, *value, line);
  });
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
