// Column mapping, cell parsing with row-naming errors, and output formatting.
#include "aid/allocation_files.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <type_traits>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "aid/csv_table.h"
#include "core/json_text.h"

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

// One column of an input file: its name, whether a row must fill it, and how a filled cell goes
// into the row ("where" is "FILE row N"). An empty optional cell leaves the row's default.
template <typename Row>
struct Field {
  std::string name;
  bool required = true;
  std::function<Status(Row& row, const std::string& cell, const std::string& where)> store;
};

template <typename Row>
Field<Row> text_field(std::string name, std::string Row::*member, bool required = true) {
  return {name, required, [member](Row& row, const std::string& cell, const std::string&) {
            row.*member = cell;
            return Status::ok();
          }};
}

// A count; `positive` refuses 0 as well.
template <typename Row>
Field<Row> count_field(std::string name, int64_t Row::*member, bool required = true, bool positive = false) {
  return {name, required, [name, member, positive](Row& row, const std::string& cell, const std::string& where) {
            ASSIGN_OR_RETURN(row.*member, parse_count(cell, where, name));
            if (positive && row.*member == 0) return invalid_argument(where + ": " + name + " must be > 0");
            return Status::ok();
          }};
}

enum class Lower { kNonNegative, kPositive };

template <typename Row>
Field<Row> number_field(std::string name, double Row::*member, bool required, Lower lower) {
  return {name, required, [name, member, lower](Row& row, const std::string& cell, const std::string& where) {
            ASSIGN_OR_RETURN(row.*member, parse_number(cell, where, name));
            if (lower == Lower::kNonNegative && row.*member < 0)
              return invalid_argument(where + ": " + name + " " + cell + " is negative");
            if (lower == Lower::kPositive && row.*member <= 0)
              return invalid_argument(where + ": " + name + " " + cell + " must be > 0");
            return Status::ok();
          }};
}

// Reads every record of a CSV file whose columns are `fields`, in the fields' order, so the first
// faulty cell of a row is the one named. `finish` checks what involves several cells of a row;
// `filled` says whether a row's cell in a column was non-empty.
template <typename Row>
using RowCheck =
    std::function<Status(Row& row, const std::string& where, const std::function<bool(const std::string&)>& filled)>;

template <typename Row>
Result<std::vector<Row>> parse_rows(std::string_view text, std::string_view label,
                                    const std::vector<Field<Row>>& fields,
                                    const std::type_identity_t<RowCheck<Row>>& finish = nullptr) {
  ASSIGN_OR_RETURN(CsvTable table, parse_csv(text, label));
  std::vector<std::string> required, optional;
  for (const auto& field : fields) (field.required ? required : optional).push_back(field.name);
  ASSIGN_OR_RETURN(Columns columns, Columns::map(table, label, required, optional));
  std::vector<Row> rows;
  rows.reserve(table.records.size());
  for (const CsvRecord& record : table.records) {
    Row row;
    row.source_row = record.line;
    const std::string where = at(label, record);
    for (const auto& field : fields) {
      auto cell = columns.cell(record, field.name);
      if (cell) {
        RETURN_IF_ERROR(field.store(row, *cell, where));
      } else if (field.required) {
        return invalid_argument(where + ": " + field.name + " is empty");
      }
    }
    if (finish) {
      RETURN_IF_ERROR(finish(row, where, [&](const std::string& name) { return columns.cell(record, name).has_value(); }));
    }
    rows.push_back(std::move(row));
  }
  return rows;
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
  static const std::vector<Field<Need>> fields = {
      text_field("country", &Need::country),
      text_field("item", &Need::item),
      count_field("quantity", &Need::quantity),
      count_field("population", &Need::population, true, /*positive=*/true),
      count_field("delivered", &Need::delivered, false),
      number_field("weight", &Need::weight, false, Lower::kPositive),
  };
  return parse_rows(text, label, fields);
}

Result<std::vector<Offer>> parse_offers_csv(std::string_view text, std::string_view label) {
  static const std::vector<Field<Offer>> fields = {
      text_field("donor", &Offer::donor),
      text_field("item", &Offer::item),
      count_field("quantity", &Offer::quantity),
      text_field("origin", &Offer::origin, false),
      {"kind", false,
       [](Offer& offer, const std::string& kind, const std::string& where) {
         if (kind == "donation") {
           offer.kind = OfferKind::kDonation;
         } else if (kind == "commercial") {
           offer.kind = OfferKind::kCommercial;
         } else {
           return invalid_argument(where + ": kind '" + kind + "' is neither donation nor commercial");
         }
         return Status::ok();
       }},
      number_field("unit_price", &Offer::unit_price, false, Lower::kNonNegative),
  };
  return parse_rows(text, label, fields,
                    [](Offer& offer, const std::string& where, const std::function<bool(const std::string&)>& filled) {
                      if (offer.kind == OfferKind::kCommercial && !filled("unit_price"))
                        return invalid_argument(where + ": a commercial offer needs a unit_price");
                      return Status::ok();
                    });
}

Result<std::vector<TransportCost>> parse_costs_csv(std::string_view text, std::string_view label) {
  static const std::vector<Field<TransportCost>> fields = {
      text_field("origin", &TransportCost::origin),
      text_field("country", &TransportCost::country),
      number_field("unit_cost", &TransportCost::unit_cost, true, Lower::kNonNegative),
  };
  return parse_rows(text, label, fields);
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

std::string format_allocation_report_json(const Allocation& allocation) {
  // One country per line, so that two rounds' reports can be compared with diff.
  std::string out = "{\"policy\":" + json_text(boost::json::string(policy_name(allocation.policy))) + ",\n\"countries\":[";
  bool first = true;
  for (const auto& c : allocation.countries) {
    out += first ? "\n" : ",\n";
    first = false;
    out += json_text(boost::json::object{{"country", c.country},
                                         {"item", c.item},
                                         {"need", c.need},
                                         {"allocated", c.allocated},
                                         {"coverage", c.coverage},
                                         {"binding", binding_name(c.binding)},
                                         {"share", c.share},
                                         {"delivered", c.delivered},
                                         {"population", c.population}});
  }
  boost::json::object theta, unmet, held_back;
  for (const auto& item : allocation.items) {
    if (item.theta) theta[item.item] = *item.theta;
    unmet[item.item] = item.unmet;
    held_back[item.item] = item.held_back;
  }
  out += allocation.countries.empty() ? "],\n" : "\n],\n";
  out += "\"theta\":" + json_text(theta) + ",\n\"unmet\":" + json_text(unmet) + ",\n\"held_back\":" +
         json_text(held_back) + ",\n\"cost\":" + json_text(allocation.total_cost) + "}\n";
  return out;
}

}  // namespace shouwang::aid
