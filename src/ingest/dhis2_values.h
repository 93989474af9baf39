// What the DHIS2 JSON and CSV formats share: one data value as DHIS2 writes it (identifiers in the
// payload's idScheme), checked and translated to our codes through a Dhis2Mapping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ingest/parsers.h"
#include "ingest/validation.h"

namespace shouwang::ingest {

// One data value's fields as read; nullopt where the payload had none (the column names are the
// JSON ones, which problems name for both formats).
struct Dhis2Value {
  std::optional<std::string> data_element;
  std::optional<std::string> period;
  std::optional<std::string> org_unit;
  std::optional<std::string> category_option_combo;
  std::optional<std::string> attribute_option_combo;
  std::optional<std::string> value;
  bool deleted = false;  // DHIS2's "deleted": true asks for a deletion
};

// Checks every field of `value` (each problem recorded for `line`) and adds the observation to the
// checker's batch when all are good.
void add_dhis2_value(const Dhis2Value& value, const Dhis2Mapping& mapping, int64_t line, RowChecker& check);

}  // namespace shouwang::ingest
