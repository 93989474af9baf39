// The JSON observations format: {"observations": [{"location", "indicator", "date", "value"}]}.
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
  const auto& records = *list;
  const int64_t total = static_cast<int64_t>(records.size());
  int64_t record_number = 0;
  for (const auto& record : records) {
    const int64_t line = ++record_number;
    if ((record_number & 0xffff) == 0 && context.progress) context.progress(record_number, total);
    const auto* object = record.if_object();
    if (object == nullptr) {
      check.error(line, "", "record is not an object");
      continue;
    }
    auto field = [&](std::string_view name) -> std::optional<std::string> {
      auto text = json_field_text(*object, name);
      if (!text) {
        check.error(line, name, object->contains(name) ? "\"" + std::string(name) + "\" has the wrong type"
                                                        : "\"" + std::string(name) + "\" is missing");
      }
      return text;
    };
    auto location = field("location");
    auto indicator = field("indicator");
    auto date = field("date");
    auto value_text = field("value");
    bool location_ok = location && check.check_location(*location, line, "location");
    auto kind = indicator ? check.check_indicator(*indicator, line, "indicator") : std::nullopt;
    bool indicator_ok = kind.has_value();
    auto period = date ? check.check_period(*date, line, "date") : std::nullopt;
    auto value = value_text ? check.check_reported_value(*value_text, line, "value", kind) : std::nullopt;
    if (location_ok && indicator_ok && period && value) check.add(*location, *indicator, *period, *value, line);
  }
  if (context.progress) context.progress(total, total);
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
