// DHIS2 identifiers, periods and combos: what the dhis2 and dhis2-csv formats share.
#include "ingest/dhis2_values.h"

#include <charconv>

#include "core/disaggregation.h"
#include "core/json_text.h"
#include "ingest/json_support.h"

namespace shouwang::ingest {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

int to_int(std::string_view digits) {
  int out = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return out;
}

// DHIS2's name for the default combo when identifiers are codes.
constexpr std::string_view kDefaultComboCode = "default";

bool is_default_combo(const std::string& id, const Dhis2Mapping& mapping) {
  return id.empty() || id == kDhis2DefaultCombo || (mapping.by_code && id == kDefaultComboCode);
}

}  // namespace

std::optional<Period> parse_dhis2_period(std::string_view text) {
  if (text.size() == 8 && all_digits(text)) {
    auto d = Date::parse(std::string(text.substr(0, 4)) + "-" + std::string(text.substr(4, 2)) + "-" +
                         std::string(text.substr(6, 2)));
    if (d) return Period::day(*d);
    return std::nullopt;
  }
  if (text.size() == 6 && all_digits(text)) {
    int month = to_int(text.substr(4, 2));
    if (month < 1 || month > 12) return std::nullopt;
    return Period::month(to_int(text.substr(0, 4)), static_cast<unsigned>(month));
  }
  if (text.size() >= 6 && text.size() <= 7 && text[4] == 'W' && all_digits(text.substr(0, 4)) &&
      all_digits(text.substr(5))) {
    int year = to_int(text.substr(0, 4)), week = to_int(text.substr(5));
    if (week < 1 || static_cast<unsigned>(week) > IsoWeek::weeks_in_year(year)) return std::nullopt;
    return Period::week(IsoWeek(year, static_cast<unsigned>(week)));
  }
  return std::nullopt;
}

std::string dhis2_period_text(Period period) {
  std::string iso = period.to_string();  // 2020-03-01, 2020-W13 or 2020-03
  switch (period.kind()) {
    case Period::Kind::kDay: return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
    case Period::Kind::kMonth: return iso.substr(0, 4) + iso.substr(5, 2);
    case Period::Kind::kWeek: {
      // DHIS2 writes the week without a leading zero: 2020W5.
      int week = to_int(std::string_view(iso).substr(6));
      return iso.substr(0, 4) + "W" + std::to_string(week);
    }
  }
  return iso;
}

Result<Dhis2Mapping> parse_dhis2_mapping(std::string_view json) {
  ASSIGN_OR_RETURN(auto document, parse_json_document(json));
  const auto* root = document.if_object();
  if (root == nullptr) return invalid_argument("the DHIS2 mapping must be a JSON object");
  Dhis2Mapping mapping;
  auto read = [&](std::string_view name, std::map<std::string, std::string, std::less<>>& out,
                  bool required) -> Status {
    const auto* v = root->if_contains(name);
    if (v == nullptr && !required) return Status::ok();
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
  RETURN_IF_ERROR(read("dataElements", mapping.data_elements, true));
  RETURN_IF_ERROR(read("orgUnits", mapping.org_units, true));
  RETURN_IF_ERROR(read("categoryOptionCombos", mapping.category_option_combos, false));
  for (auto& [id, text] : mapping.category_option_combos) {
    auto canonical = canonical_disaggregation(text);
    if (!canonical) {
      return invalid_argument("DHIS2 mapping \"categoryOptionCombos\": '" + id + "': " + canonical.status().message());
    }
    text = std::move(*canonical);
  }
  return mapping;
}

std::string dhis2_mapping_json(const Dhis2Mapping& mapping) {
  auto object_of = [](const std::map<std::string, std::string, std::less<>>& map) {
    boost::json::object out;
    for (const auto& [id, code] : map) out[id] = code;
    return out;
  };
  boost::json::object root{{"dataElements", object_of(mapping.data_elements)},
                           {"orgUnits", object_of(mapping.org_units)},
                           {"categoryOptionCombos", object_of(mapping.category_option_combos)}};
  return json_text(root);
}

void add_dhis2_value(const Dhis2Value& v, const Dhis2Mapping& mapping, int64_t line, RowChecker& check) {
  auto required = [&](const std::optional<std::string>& field, std::string_view name) -> const std::string* {
    if (field && !field->empty()) return &*field;
    check.error(line, name, "missing " + std::string(name));
    return nullptr;
  };
  // Looks an identifier up in the mapping, or takes it as our code with idScheme=code.
  auto our_code = [&](const std::string& id, const std::map<std::string, std::string, std::less<>>& map,
                      std::string_view name) -> std::optional<std::string> {
    if (mapping.by_code) return id;
    auto it = map.find(id);
    if (it != map.end()) return it->second;
    check.error(line, name, std::string(name) + " '" + id + "' is not in the mapping");
    return std::nullopt;
  };

  std::optional<std::string> indicator, location, disaggregation;
  std::optional<IndicatorKind> kind;
  if (const auto* element = required(v.data_element, "dataElement")) {
    if (auto code = our_code(*element, mapping.data_elements, "dataElement")) {
      if ((kind = check.check_indicator(*code, line, "dataElement"))) indicator = std::move(code);
    }
  }
  if (const auto* org_unit = required(v.org_unit, "orgUnit")) {
    if (auto code = our_code(*org_unit, mapping.org_units, "orgUnit")) {
      if (check.check_location(*code, line, "orgUnit")) location = std::move(code);
    }
  }
  std::optional<Period> period;
  if (const auto* text = required(v.period, "period")) {
    period = parse_dhis2_period(*text);
    if (!period) {
      check.error(line, "period", "period '" + *text +
                                      "' is not a DHIS2 daily (yyyyMMdd), weekly (yyyyWn) or monthly (yyyyMM) period");
    } else if (!check.check_not_future(*period, *text, line, "period")) {
      period.reset();
    }
  }
  const std::string combo = v.category_option_combo.value_or("");
  if (is_default_combo(combo, mapping)) {
    disaggregation = std::string();
  } else if (mapping.by_code) {
    disaggregation = check.check_disaggregation(combo, line, "categoryOptionCombo");
  } else if (auto it = mapping.category_option_combos.find(combo); it != mapping.category_option_combos.end()) {
    disaggregation = it->second;
  } else {
    check.error(line, "categoryOptionCombo", "categoryOptionCombo '" + combo + "' is not in the mapping");
  }
  bool attribute_ok = is_default_combo(v.attribute_option_combo.value_or(""), mapping);
  if (!attribute_ok) {
    check.error(line, "attributeOptionCombo",
                "attributeOptionCombo '" + *v.attribute_option_combo +
                    "': figures are not kept per attribute option combo, only the default one is accepted");
  }
  if (v.deleted) check.error(line, "deleted", "a deletion is refused: figures are never deleted, only revised");
  std::optional<double> value;
  if (const auto* text = required(v.value, "value")) value = check.check_reported_value(*text, line, "value", kind);
  if (indicator && location && period && disaggregation && attribute_ok && !v.deleted && value) {
    check.add(*location, *indicator, *period, *value, line, std::move(*disaggregation));
  }
}

}  // namespace shouwang::ingest
