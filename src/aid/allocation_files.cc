// Column mapping, cell parsing with row-naming errors, and output formatting.
#include "aid/allocation_files.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "aid/csv_table.h"

namespace shouwang::aid {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Which column holds each known name; unknown columns are refused so that a misspelt optional
// column ("deliverd") is not silently ignored.
class Columns {
 public:
  static Result<Columns> map(const CsvTable& table, std::string_view label, const std::vector<std::string>& required,
                             const std::vector<std::string>& optional) {
    Columns columns;
    for (size_t i = 0; i < table.header.size(); ++i) {
      const std::string& name = table.header[i];
      bool known = std::find(required.begin(), required.end(), name) != required.end() ||
                   std::find(optional.begin(), optional.end(), name) != optional.end();
      if (!known) {
        std::string expected;
        for (const auto& r : required) expected += (expected.empty() ? "" : ",") + r;
        for (const auto& o : optional) expected += ",[" + o + "]";
        return invalid_argument(std::string(label) + " header: unknown column '" + name + "' (expected " + expected + ")");
      }
      if (!columns.index_.emplace(name, i).second)
        return invalid_argument(std::string(label) + " header: column '" + name + "' appears twice");
    }
    for (const auto& r : required)
      if (!columns.index_.count(r))
        return invalid_argument(std::string(label) + " header: required column '" + r + "' is missing");
    return columns;
  }
  // The trimmed cell, or nothing when the column is absent or the cell empty.
  std::optional<std::string> cell(const CsvRecord& record, const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    std::string value = trim(record.fields[it->second]);
    if (value.empty()) return std::nullopt;
    return value;
  }

 private:
  std::map<std::string, size_t> index_;
};

std::string at(std::string_view label, const CsvRecord& record) {
  return std::string(label) + " row " + std::to_string(record.line);
}

Result<std::string> required_text(const Columns& columns, const CsvRecord& record, std::string_view label,
                                  const std::string& name) {
  auto value = columns.cell(record, name);
  if (!value) return invalid_argument(at(label, record) + ": " + name + " is empty");
  return *value;
}

Result<double> parse_number(std::string_view text, std::string_view where, const std::string& name) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return invalid_argument(std::string(where) + ": " + name + " '" + std::string(text) + "' is not a number");
  return value;
}

// A whole, non-negative count of units or people ("1200" or "1200.0", not "-3" or "2.5").
Result<int64_t> parse_count(std::string_view text, std::string_view where, const std::string& name) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    ASSIGN_OR_RETURN(double real, parse_number(text, where, name));
    if (real != std::floor(real) || std::fabs(real) > 9e15)
      return invalid_argument(std::string(where) + ": " + name + " '" + std::string(text) + "' is not a whole number");
    value = static_cast<int64_t>(real);
  }
  if (value < 0) return invalid_argument(std::string(where) + ": " + name + " " + std::string(text) + " is negative");
  return value;
}

Result<int64_t> required_count(const Columns& columns, const CsvRecord& record, std::string_view label,
                               const std::string& name) {
  ASSIGN_OR_RETURN(std::string text, required_text(columns, record, label, name));
  return parse_count(text, at(label, record), name);
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return unavailable("cannot read " + path);
  return buffer.str();
}

}  // namespace

Result<std::vector<Need>> parse_needs_csv(std::string_view text, std::string_view label) {
  ASSIGN_OR_RETURN(CsvTable table, parse_csv(text, label));
  ASSIGN_OR_RETURN(Columns columns,
                   Columns::map(table, label, {"country", "item", "quantity", "population"}, {"delivered", "weight"}));
  std::vector<Need> needs;
  needs.reserve(table.records.size());
  for (const CsvRecord& record : table.records) {
    Need need;
    need.source_row = record.line;
    ASSIGN_OR_RETURN(need.country, required_text(columns, record, label, "country"));
    ASSIGN_OR_RETURN(need.item, required_text(columns, record, label, "item"));
    ASSIGN_OR_RETURN(need.quantity, required_count(columns, record, label, "quantity"));
    ASSIGN_OR_RETURN(need.population, required_count(columns, record, label, "population"));
    if (need.population == 0) return invalid_argument(at(label, record) + ": population must be > 0");
    if (auto delivered = columns.cell(record, "delivered")) {
      ASSIGN_OR_RETURN(need.delivered, parse_count(*delivered, at(label, record), "delivered"));
    }
    if (auto weight = columns.cell(record, "weight")) {
      ASSIGN_OR_RETURN(need.weight, parse_number(*weight, at(label, record), "weight"));
      if (need.weight <= 0) return invalid_argument(at(label, record) + ": weight " + *weight + " must be > 0");
    }
    needs.push_back(std::move(need));
  }
  return needs;
}

Result<std::vector<Offer>> parse_offers_csv(std::string_view text, std::string_view label) {
  ASSIGN_OR_RETURN(CsvTable table, parse_csv(text, label));
  ASSIGN_OR_RETURN(Columns columns,
                   Columns::map(table, label, {"donor", "item", "quantity"}, {"origin", "kind", "unit_price"}));
  std::vector<Offer> offers;
  offers.reserve(table.records.size());
  for (const CsvRecord& record : table.records) {
    Offer offer;
    offer.source_row = record.line;
    ASSIGN_OR_RETURN(offer.donor, required_text(columns, record, label, "donor"));
    ASSIGN_OR_RETURN(offer.item, required_text(columns, record, label, "item"));
    ASSIGN_OR_RETURN(offer.quantity, required_count(columns, record, label, "quantity"));
    offer.origin = columns.cell(record, "origin").value_or("");
    std::string kind = columns.cell(record, "kind").value_or("donation");
    if (kind == "donation") {
      offer.kind = OfferKind::kDonation;
    } else if (kind == "commercial") {
      offer.kind = OfferKind::kCommercial;
    } else {
      return invalid_argument(at(label, record) + ": kind '" + kind + "' is neither donation nor commercial");
    }
    auto price = columns.cell(record, "unit_price");
    if (price) {
      ASSIGN_OR_RETURN(offer.unit_price, parse_number(*price, at(label, record), "unit_price"));
      if (offer.unit_price < 0) return invalid_argument(at(label, record) + ": unit_price " + *price + " is negative");
    } else if (offer.kind == OfferKind::kCommercial) {
      return invalid_argument(at(label, record) + ": a commercial offer needs a unit_price");
    }
    offers.push_back(std::move(offer));
  }
  return offers;
}

Result<std::vector<TransportCost>> parse_costs_csv(std::string_view text, std::string_view label) {
  ASSIGN_OR_RETURN(CsvTable table, parse_csv(text, label));
  ASSIGN_OR_RETURN(Columns columns, Columns::map(table, label, {"origin", "country", "unit_cost"}, {}));
  std::vector<TransportCost> costs;
  costs.reserve(table.records.size());
  for (const CsvRecord& record : table.records) {
    TransportCost cost;
    cost.source_row = record.line;
    ASSIGN_OR_RETURN(cost.origin, required_text(columns, record, label, "origin"));
    ASSIGN_OR_RETURN(cost.country, required_text(columns, record, label, "country"));
    ASSIGN_OR_RETURN(std::string unit_cost, required_text(columns, record, label, "unit_cost"));
    ASSIGN_OR_RETURN(cost.unit_cost, parse_number(unit_cost, at(label, record), "unit_cost"));
    if (cost.unit_cost < 0) return invalid_argument(at(label, record) + ": unit_cost " + unit_cost + " is negative");
    costs.push_back(std::move(cost));
  }
  return costs;
}

Result<std::vector<Need>> read_needs_csv(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_needs_csv(text, path);
}
Result<std::vector<Offer>> read_offers_csv(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_offers_csv(text, path);
}
Result<std::vector<TransportCost>> read_costs_csv(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_costs_csv(text, path);
}

std::string format_allocation_csv(const Allocation& allocation) {
  std::string out = "donor,country,item,quantity\n";
  for (const auto& line : allocation.lines) {
    if (line.quantity == 0) continue;
    out += csv_field(line.donor) + "," + csv_field(line.country) + "," + csv_field(line.item) + "," +
           std::to_string(line.quantity) + "\n";
  }
  return out;
}

namespace {

std::string json_string(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

// Shortest text that reads back as the same double ("0.2", not "2E-1" or "0.20000000000000001").
std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

}  // namespace

std::string format_allocation_report_json(const Allocation& allocation) {
  std::string out = "{\n  \"policy\": " + json_string(policy_name(allocation.policy)) + ",\n  \"countries\": [";
  bool first = true;
  for (const auto& c : allocation.countries) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "    {\"country\": " + json_string(c.country) + ", \"item\": " + json_string(c.item) +
           ", \"need\": " + std::to_string(c.need) + ", \"allocated\": " + std::to_string(c.allocated) +
           ", \"coverage\": " + json_number(c.coverage) + ", \"binding\": " + json_string(binding_name(c.binding)) +
           ", \"share\": " + json_number(c.share) + ", \"delivered\": " + std::to_string(c.delivered) +
           ", \"population\": " + std::to_string(c.population) + "}";
  }
  out += allocation.countries.empty() ? "],\n" : "\n  ],\n";
  auto per_item = [&](const char* name, auto value_of) {
    std::string text = "  \"" + std::string(name) + "\": {";
    bool first_item = true;
    for (const auto& item : allocation.items) {
      auto value = value_of(item);
      if (!value) continue;
      text += (first_item ? "" : ", ") + json_string(item.item) + ": " + *value;
      first_item = false;
    }
    return text + "},\n";
  };
  out += per_item("theta", [](const ItemSummary& s) -> std::optional<std::string> {
    if (!s.theta) return std::nullopt;
    return json_number(*s.theta);
  });
  out += per_item("unmet", [](const ItemSummary& s) -> std::optional<std::string> { return std::to_string(s.unmet); });
  out += per_item("held_back",
                  [](const ItemSummary& s) -> std::optional<std::string> { return std::to_string(s.held_back); });
  out += "  \"cost\": " + json_number(allocation.total_cost) + "\n}\n";
  return out;
}

}  // namespace shouwang::aid
