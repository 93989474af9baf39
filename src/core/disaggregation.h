// A disaggregation names the part of a total a figure counts: a set of category=option pairs such
// as AGE=15-24 and SEX=F (DHIS2's category option combos, ADX's extra dataValue attributes, FHIR's
// stratifiers). Its canonical text sorts the pairs by category and joins them with ';'
// ("AGE=15-24;SEX=F"); the empty text is the total. Totals are reported, never summed from parts.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace shouwang {

using DisaggregationPair = std::pair<std::string, std::string>;  // category, option

// Checks "SEX=F;AGE=15-24" (pairs in any order, each category once) and returns its canonical
// text. Categories are ASCII letters, digits and '_' starting with a letter (at most 32; so an ADX
// attribute can carry them), other than dataElement, value, period and orgUnit; options are 1-64 bytes of printable text without ';' or '=' and without
// spaces at either end.
Result<std::string> canonical_disaggregation(std::string_view text);
// The same from separate pairs.
Result<std::string> disaggregation_from_pairs(std::vector<DisaggregationPair> pairs);
// The pairs of a canonical text, in canonical order; none for the total.
std::vector<DisaggregationPair> disaggregation_pairs(std::string_view canonical);

}  // namespace shouwang
