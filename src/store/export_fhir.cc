// FHIR R4 MeasureReport Bundle writer (docs/formats/fhir.md).
#include "store/export_fhir.h"

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <tuple>

#include "core/disaggregation.h"
#include "core/json_text.h"

namespace shouwang::store {
namespace json = boost::json;
namespace {

// What one MeasureReport carries: the total, when stored, and the stored disaggregations.
struct ReportValues {
  std::optional<double> total;
  std::map<std::string, double> parts;  // canonical disaggregation -> value
};
using ReportKey = std::tuple<std::string, std::string, Period>;  // location, indicator, period

json::object coding(std::string_view system, std::string_view code) {
  return json::object{{"system", system}, {"code", code}};
}

json::object codeable(std::string_view system, std::string_view code) {
  return json::object{{"coding", json::array{coding(system, code)}}};
}

// The value as a population count, or as a measureScore when it is not a FHIR integer.
void put_value(json::object& target, double value) {
  if (fhir_value_is_count(value)) {
    target["population"] = json::array{json::object{{"code", codeable(kFhirPopulationSystem, kFhirInitialPopulation)},
                                                    {"count", static_cast<int64_t>(value)}}};
  } else {
    target["measureScore"] = json::object{{"value", value}};
  }
}

json::object measure_report(const ReportKey& key, const ReportValues& values) {
  const auto& [location, indicator, period] = key;
  json::object group{{"code", codeable(kFhirIndicatorSystem, indicator)}};
  if (values.total) put_value(group, *values.total);
  // One stratifier per set of categories (AGE; AGE and SEX; ...), its strata in canonical order.
  std::map<std::string, json::array> strata_by_categories;
  std::map<std::string, json::array> codes_by_categories;
  for (const auto& [disaggregation, value] : values.parts) {
    std::string categories;
    json::array components, codes;
    for (const auto& [category, option] : disaggregation_pairs(disaggregation)) {
      categories += categories.empty() ? category : ";" + category;
      components.push_back(
          json::object{{"code", codeable(kFhirCategorySystem, category)}, {"value", json::object{{"text", option}}}});
      codes.push_back(codeable(kFhirCategorySystem, category));
    }
    json::object stratum{{"component", std::move(components)}};
    put_value(stratum, value);
    strata_by_categories[categories].push_back(std::move(stratum));
    codes_by_categories[categories] = std::move(codes);
  }
  if (!strata_by_categories.empty()) {
    json::array stratifiers;
    for (auto& [categories, strata] : strata_by_categories) {
      stratifiers.push_back(
          json::object{{"code", std::move(codes_by_categories[categories])}, {"stratum", std::move(strata)}});
    }
    group["stratifier"] = std::move(stratifiers);
  }
  return json::object{
      {"resourceType", "MeasureReport"},
      {"status", "complete"},
      {"type", "summary"},
      {"measure", std::string(kFhirMeasureBase) + indicator},
      {"subject", json::object{{"reference", "Location/" + location}}},
      {"period", json::object{{"start", period.start().to_string()}, {"end", period.end().to_string()}}},
      {"group", json::array{std::move(group)}},
  };
}

}  // namespace

bool fhir_value_is_count(double value) {
  return std::isfinite(value) && value == std::trunc(value) &&
         value >= static_cast<double>(std::numeric_limits<int32_t>::min()) &&
         value <= static_cast<double>(std::numeric_limits<int32_t>::max());
}

std::string series_to_fhir(const std::vector<Series>& series) {
  std::map<ReportKey, ReportValues> reports;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      auto& values = reports[ReportKey{s.location, s.indicator, p.period}];
      if (s.disaggregation.empty()) {
        values.total = p.value;
      } else {
        values.parts[s.disaggregation] = p.value;
      }
    }
  }
  // Each entry is printed as soon as it is built: a Bundle of every report as one document would
  // hold several times the text's size in memory.
  std::string out = R"({"resourceType":"Bundle","type":"collection","entry":[)";
  bool first = true;
  for (const auto& [key, values] : reports) {
    if (!first) out += ',';
    first = false;
    out += json_text(json::object{{"resource", measure_report(key, values)}});
  }
  out += "]}\n";
  return out;
}

}  // namespace shouwang::store
