// What every parser produces: the valid observations of a file plus a list of problems, one per
// bad row (line, column, reason). Parsers never write; the importer decides, from the problems
// and --partial, whether anything is written at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/indicator.h"
#include "core/location.h"
#include "core/period.h"

namespace shouwang::ingest {

struct ParsedObservation {
  std::string location;
  std::string indicator;
  Period period;
  double value = 0;
  int64_t line = 0;  // 1-based line (or record number for JSON) it came from
  std::string disaggregation;  // canonical (core/disaggregation.h); empty for the total
};

struct RowProblem {
  int64_t line = 0;     // 0 when the problem is about the whole file
  std::string column;   // header name or JSON field; empty when not about one column
  std::string message;  // a sentence a reporter understands
};

struct ParsedBatch {
  std::vector<ParsedObservation> observations;
  std::vector<RowProblem> errors;    // rows rejected
  std::vector<RowProblem> warnings;  // rows kept but worth a look (e.g. a cumulative decrease)
  // Subnational locations the file introduces (e.g. JHU provinces), to add to the catalogue.
  std::vector<Location> new_locations;
};

// What the parsers check codes against: the store's catalogue, loaded once per import.
class Catalog {
 public:
  virtual ~Catalog() = default;
  virtual bool has_location(const std::string& code) const = 0;
  virtual std::optional<IndicatorKind> indicator_kind(const std::string& code) const = 0;
};

}  // namespace shouwang::ingest
