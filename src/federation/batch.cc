#include "federation/batch.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "core/disaggregation.h"
#include "core/json_text.h"

namespace shouwang::federation {
namespace {

namespace json = boost::json;

json::value optional_int(const std::optional<int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }

// Field readers: each names the field it refuses.
Result<const json::value*> field(const json::object& o, std::string_view name, std::string_view where) {
  auto it = o.find(name);
  if (it == o.end()) return invalid_argument(std::string(where) + ": field '" + std::string(name) + "' is missing");
  return &it->value();
}
Result<std::string> text_field(const json::object& o, std::string_view name, std::string_view where,
                               size_t max_length = 200) {
  ASSIGN_OR_RETURN(const json::value* v, field(o, name, where));
  if (!v->is_string() || v->as_string().size() > max_length) {
    return invalid_argument(std::string(where) + ": '" + std::string(name) + "' must be a string of at most " +
                            std::to_string(max_length) + " bytes");
  }
  return std::string(v->as_string());
}
Result<int64_t> whole_field(const json::object& o, std::string_view name, std::string_view where, int64_t min) {
  ASSIGN_OR_RETURN(const json::value* v, field(o, name, where));
  if (v->is_int64() && v->as_int64() >= min) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v->as_uint64());
  return invalid_argument(std::string(where) + ": '" + std::string(name) + "' must be a whole number >= " +
                          std::to_string(min));
}
// A figure on the wire: a JSON integer when it is whole and exactly representable, otherwise a
// string holding its shortest round-trip decimal. Boost.JSON 1.81 reads some decimals one unit in
// the last place off (about one double in ten of the form 1000469.6366823411, measured), and the
// hub must store what the node has bit for bit; std::from_chars reads the string exactly.
json::value wire_number(double value) {
  if (value == std::floor(value) && std::fabs(value) < 9.0e15 && !std::signbit(value)) {
    return static_cast<int64_t>(value);
  }
  char text[64];
  auto written = std::to_chars(text, text + sizeof text, value);
  return json::string(text, written.ptr);
}

Result<double> finite_field(const json::object& o, std::string_view name, std::string_view where) {
  ASSIGN_OR_RETURN(const json::value* v, field(o, name, where));
  double d = NAN;
  if (v->is_int64()) {
    d = static_cast<double>(v->as_int64());
  } else if (v->is_uint64()) {
    d = static_cast<double>(v->as_uint64());
  } else if (v->is_double()) {
    d = v->as_double();  // another encoder's number: read as Boost reads it
  } else if (v->is_string()) {
    const json::string& text = v->as_string();
    auto read = std::from_chars(text.data(), text.data() + text.size(), d);
    if (read.ec != std::errc() || read.ptr != text.data() + text.size()) d = NAN;
  }
  if (!std::isfinite(d)) {
    return invalid_argument(std::string(where) + ": '" + std::string(name) + "' must be a finite number");
  }
  return d;
}

Result<Location> decode_location(const json::value& v, size_t i) {
  const std::string where = "locations[" + std::to_string(i) + "]";
  if (!v.is_object()) return invalid_argument(where + " must be an object");
  const auto& o = v.as_object();
  Location loc;
  ASSIGN_OR_RETURN(loc.code, text_field(o, "code", where, 64));
  ASSIGN_OR_RETURN(loc.level, level_of_location_code(loc.code));
  ASSIGN_OR_RETURN(loc.name_en, text_field(o, "name_en", where));
  ASSIGN_OR_RETURN(loc.name_zh, text_field(o, "name_zh", where));
  ASSIGN_OR_RETURN(loc.parent, text_field(o, "parent", where, 64));
  if (auto it = o.find("population"); it != o.end() && !it->value().is_null()) {
    ASSIGN_OR_RETURN(loc.population, whole_field(o, "population", where, 0));
  }
  return loc;
}

Result<Indicator> decode_indicator(const json::value& v, size_t i) {
  const std::string where = "indicators[" + std::to_string(i) + "]";
  if (!v.is_object()) return invalid_argument(where + " must be an object");
  const auto& o = v.as_object();
  Indicator ind;
  ASSIGN_OR_RETURN(ind.code, text_field(o, "code", where, 64));
  RETURN_IF_ERROR(validate_indicator_code(ind.code));
  ASSIGN_OR_RETURN(ind.unit, text_field(o, "unit", where));
  ASSIGN_OR_RETURN(std::string kind, text_field(o, "kind", where));
  ASSIGN_OR_RETURN(ind.kind, parse_indicator_kind(kind));
  ASSIGN_OR_RETURN(ind.description, text_field(o, "description", where, 2000));
  ASSIGN_OR_RETURN(ind.disease, text_field(o, "disease", where, 64));
  if (!ind.disease.empty()) RETURN_IF_ERROR(validate_disease_code(ind.disease));
  return ind;
}

Result<store::Revision> decode_revision(const json::value& v, size_t i) {
  const std::string where = "revisions[" + std::to_string(i) + "]";
  if (!v.is_object()) return invalid_argument(where + " must be an object");
  const auto& o = v.as_object();
  store::Revision r;
  ASSIGN_OR_RETURN(r.location, text_field(o, "location", where, 64));
  if (auto level = level_of_location_code(r.location); !level) return invalid_argument(where + ": " + level.status().message());
  ASSIGN_OR_RETURN(r.indicator, text_field(o, "indicator", where, 64));
  if (Status s = validate_indicator_code(r.indicator); !s.is_ok()) return invalid_argument(where + ": " + s.message());
  ASSIGN_OR_RETURN(std::string parts, text_field(o, "disaggregation", where, 1000));
  if (!parts.empty()) {
    auto canonical = canonical_disaggregation(parts);
    if (!canonical || *canonical != parts) return invalid_argument(where + ": 'disaggregation' is not in canonical form");
    r.disaggregation = parts;
  }
  ASSIGN_OR_RETURN(r.source, text_field(o, "source", where, 64));
  if (r.source.empty()) return invalid_argument(where + ": 'source' is empty");
  ASSIGN_OR_RETURN(std::string period, text_field(o, "period", where, 16));
  auto parsed_period = Period::parse(period);
  if (!parsed_period) return invalid_argument(where + ": " + parsed_period.status().message());
  r.period = *parsed_period;
  ASSIGN_OR_RETURN(r.value, finite_field(o, "value", where));
  ASSIGN_OR_RETURN(r.revision, whole_field(o, "revision", where, 1));
  if (r.revision > INT32_MAX) return invalid_argument(where + ": 'revision' is too large");
  ASSIGN_OR_RETURN(std::string at, text_field(o, "reported_at", where, 40));
  auto reported_at = Timestamp::parse(at);
  if (!reported_at) return invalid_argument(where + ": " + reported_at.status().message());
  r.reported_at = *reported_at;
  return r;
}

}  // namespace

std::string encode(const Batch& batch) {
  json::array locations;
  for (const auto& l : batch.locations) {
    locations.push_back(json::object{{"code", l.code}, {"name_en", l.name_en}, {"name_zh", l.name_zh},
                                     {"parent", l.parent}, {"level", location_level_name(l.level)},
                                     {"population", optional_int(l.population)}});
  }
  json::array indicators;
  for (const auto& i : batch.indicators) {
    indicators.push_back(json::object{{"code", i.code}, {"unit", i.unit}, {"kind", indicator_kind_name(i.kind)},
                                      {"description", i.description}, {"disease", i.disease}});
  }
  json::array revisions;
  for (const auto& r : batch.revisions) {
    revisions.push_back(json::object{{"location", r.location}, {"indicator", r.indicator},
                                     {"disaggregation", r.disaggregation}, {"source", r.source},
                                     {"period", r.period.to_string()}, {"value", wire_number(r.value)},
                                     {"revision", r.revision}, {"reported_at", r.reported_at.to_string()}});
  }
  return json_text(json::object{{"after", optional_int(batch.after)}, {"through", batch.through},
                                {"head", batch.head}, {"locations", std::move(locations)},
                                {"indicators", std::move(indicators)}, {"revisions", std::move(revisions)}});
}

Result<Batch> decode(std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return invalid_argument("the batch is not JSON: " + ec.message());
  if (!doc.is_object()) return invalid_argument("the batch must be a JSON object");
  const auto& o = doc.as_object();
  Batch batch;
  if (auto it = o.find("after"); it != o.end() && !it->value().is_null()) {
    ASSIGN_OR_RETURN(batch.after, whole_field(o, "after", "batch", 0));
  }
  ASSIGN_OR_RETURN(batch.through, whole_field(o, "through", "batch", 0));
  ASSIGN_OR_RETURN(batch.head, whole_field(o, "head", "batch", 0));
  if (batch.after && batch.through < *batch.after) return invalid_argument("batch: 'through' is before 'after'");
  if (batch.head < batch.through) return invalid_argument("batch: 'head' is before 'through'");
  auto array_of = [&](std::string_view name) -> Result<const json::array*> {
    auto it = o.find(name);
    if (it == o.end()) return invalid_argument("batch: field '" + std::string(name) + "' is missing");
    if (!it->value().is_array()) return invalid_argument("batch: '" + std::string(name) + "' must be an array");
    return &it->value().as_array();
  };
  ASSIGN_OR_RETURN(const json::array* locations, array_of("locations"));
  ASSIGN_OR_RETURN(const json::array* indicators, array_of("indicators"));
  ASSIGN_OR_RETURN(const json::array* revisions, array_of("revisions"));
  if (revisions->size() > kMaxRevisions) {
    return invalid_argument("batch: more than " + std::to_string(kMaxRevisions) + " revisions");
  }
  if (!batch.after && !revisions->empty()) return invalid_argument("batch: revisions need 'after', the position they follow");
  for (size_t i = 0; i < locations->size(); ++i) {
    ASSIGN_OR_RETURN(auto loc, decode_location((*locations)[i], i));
    batch.locations.push_back(std::move(loc));
  }
  for (size_t i = 0; i < indicators->size(); ++i) {
    ASSIGN_OR_RETURN(auto ind, decode_indicator((*indicators)[i], i));
    batch.indicators.push_back(std::move(ind));
  }
  for (size_t i = 0; i < revisions->size(); ++i) {
    ASSIGN_OR_RETURN(auto r, decode_revision((*revisions)[i], i));
    batch.revisions.push_back(std::move(r));
  }
  return batch;
}

}  // namespace shouwang::federation
