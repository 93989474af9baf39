// Test support for the formats that both export and import (adx, fhir, sdmx-csv): a parse with the
// reference catalogue, problems looked up and printed, and rows as comparable text so that
// Series -> text -> parse can be checked to give back the same rows.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/indicator.h"
#include "ingest/parsers.h"
#include "ingest/reference_data.h"
#include "ingest/validation.h"
#include "store/export.h"
#include "store/store.h"

namespace shouwang::ingest::testing {

class FormatTest : public ::testing::Test {
 protected:
  FormatTest() : catalog_(reference_locations(), builtin_indicators()) {}

  ParsedBatch parse(Format format, std::string_view content, bool allow_corrections = false) {
    ParseContext context{catalog_, *Date::parse("2024-01-01")};
    context.allow_corrections = allow_corrections;
    return parse_file(format, content, context);
  }
  static bool has_problem(const std::vector<RowProblem>& problems, int64_t line, std::string_view column,
                          std::string_view text) {
    for (const auto& p : problems) {
      if (p.line == line && p.column == column && p.message.find(text) != std::string::npos) return true;
    }
    return false;
  }
  static std::string dump(const std::vector<RowProblem>& problems) {
    std::string out;
    for (const auto& p : problems) out += std::to_string(p.line) + "," + p.column + ": " + p.message + "\n";
    return out;
  }
  // "ITA|cases|AGE=0-4|2020-03|12", sorted.
  static std::vector<std::string> rows(const ParsedBatch& batch) {
    std::vector<std::string> out;
    for (const auto& o : batch.observations) {
      out.push_back(o.location + "|" + o.indicator + "|" + o.disaggregation + "|" + o.period.to_string() + "|" +
                    store::format_value(o.value));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<std::string> rows(const std::vector<store::Series>& series) {
    std::vector<std::string> out;
    for (const auto& s : series) {
      for (const auto& p : s.points) {
        out.push_back(s.location + "|" + s.indicator + "|" + s.disaggregation + "|" + p.period.to_string() + "|" +
                      store::format_value(p.value));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static store::Series make_series(std::string location, std::string indicator, std::string disaggregation,
                                   std::vector<std::pair<std::string, double>> points) {
    store::Series s{std::move(location), std::move(indicator), "test", std::move(disaggregation), {}};
    for (const auto& [period, value] : points)
      s.points.push_back(store::SeriesPoint{*Period::parse(period), value, 1, {}});
    return s;
  }

  // The first ```<language> block of a page under docs/, so that its example is parsed as printed.
  static std::string docs_example(const std::string& page, const std::string& language) {
    std::ifstream in(std::string(SHOUWANG_SOURCE_DIR) + "/docs/" + page);
    std::stringstream text;
    text << in.rdbuf();
    std::string all = text.str();
    const std::string fence = "```" + language + "\n";
    size_t start = all.find(fence);
    if (start == std::string::npos) return {};
    start += fence.size();
    return all.substr(start, all.find("```", start) - start);
  }

  MemoryCatalog catalog_;
};

}  // namespace shouwang::ingest::testing
