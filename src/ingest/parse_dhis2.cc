// DHIS2 dataValueSets JSON: {"dataValues": [{"dataElement", "period", "orgUnit",
// "categoryOptionCombo", "attributeOptionCombo", "value"}, ...]}, identifiers translated through a
// Dhis2Mapping (or taken as our codes with idScheme=code). The set's own "period", "orgUnit" and
// "attributeOptionCombo" are the defaults of its values, as in DHIS2.
#include "ingest/dhis2_values.h"
#include "ingest/json_support.h"
#include "ingest/parsers.h"
#include "ingest/validation.h"

namespace shouwang::ingest {

ParsedBatch parse_dhis2(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  check.set_allow_corrections(context.allow_corrections);
  if (context.dhis2_mapping == nullptr) {
    check.error(0, "", "the dhis2 format needs --mapping FILE (DHIS2 ids -> our codes)");
    return batch;
  }
  boost::json::value document;
  const auto* list = json_records(content, "dataValues",
                                  "the document must be a DHIS2 dataValueSet with a \"dataValues\" array", check, document);
  if (list == nullptr) return batch;
  const auto& set = document.get_object();
  const auto set_period = json_field_text(set, "period");
  const auto set_org_unit = json_field_text(set, "orgUnit");
  const auto set_attribute_combo = json_field_text(set, "attributeOptionCombo");
  for_each_json_record(*list, check, context.progress, [&](const JsonRecord& record) {
    auto field = [&](std::string_view name, const std::optional<std::string>& fallback = std::nullopt) {
      const auto* present = record.object.if_contains(name);
      if (present != nullptr && !present->is_null()) {
        auto text = json_field_text(record.object, name);
        if (!text) record.check.error(record.line, name, std::string(name) + " must be a string or a number");
        return text;
      }
      return fallback;
    };
    Dhis2Value value;
    value.data_element = field("dataElement");
    value.period = field("period", set_period);
    value.org_unit = field("orgUnit", set_org_unit);
    value.category_option_combo = field("categoryOptionCombo");
    value.attribute_option_combo = field("attributeOptionCombo", set_attribute_combo);
    value.value = field("value");
    const auto* deleted = record.object.if_contains("deleted");
    value.deleted = deleted != nullptr && deleted->is_bool() && deleted->get_bool();
    add_dhis2_value(value, *context.dhis2_mapping, record.line, check);
  });
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
