// The JSON observations format: {"observations": [{"location", "indicator", "date", "value"
// [, "disaggregation"]}]}.
#include "ingest/json_support.h"
#include "ingest/parsers.h"
#include "ingest/validation.h"

namespace shouwang::ingest {

ParsedBatch parse_json(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  check.set_allow_corrections(context.allow_corrections);
  boost::json::value document;
  const auto* list = json_records(content, "observations",
                                  "the document must be an object with an \"observations\" array", check, document);
  if (list == nullptr) return batch;
  for_each_json_record(*list, check, context.progress, [&](const JsonRecord& record) {
    const int64_t line = record.line;
    auto location = record.required("location");
    auto indicator = record.required("indicator");
    auto date = record.required("date");
    auto value_text = record.required("value");
    bool location_ok = location && check.check_location(*location, line, "location");
    auto kind = indicator ? check.check_indicator(*indicator, line, "indicator") : std::nullopt;
    bool indicator_ok = kind.has_value();
    auto period = date ? check.check_period(*date, line, "date") : std::nullopt;
    auto value = value_text ? check.check_reported_value(*value_text, line, "value", kind) : std::nullopt;
    // Optional: absent is the total.
    std::optional<std::string> disaggregation = std::string();
    if (record.object.contains("disaggregation")) {
      auto text = json_field_text(record.object, "disaggregation");
      disaggregation = text ? check.check_disaggregation(*text, line, "disaggregation") : std::nullopt;
      if (!text) check.error(line, "disaggregation", "disaggregation must be a string such as \"SEX=F;AGE=15-24\"");
    }
    if (location_ok && indicator_ok && period && value && disaggregation) {
      check.add(*location, *indicator, *period, *value, line, std::move(*disaggregation));
    }
  });
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
