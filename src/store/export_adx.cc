// ADX writer on libxml2's xmlTextWriter, which escapes attribute values (an option such as
// `<5 & "old"` stays one attribute).
#include "store/export_adx.h"

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#include <map>
#include <optional>

#include "core/disaggregation.h"
#include "store/export.h"

namespace shouwang::store {
namespace {

const xmlChar* x(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

// A group: one location, period and source.
struct GroupKey {
  std::string location;
  Date start;
  Period::Kind kind;
  std::string source;
  auto operator<=>(const GroupKey&) const = default;
};
struct GroupValue {
  const Series* series;
  const SeriesPoint* point;
};

// "2020-03-30/P7D", "2020-03-01/P1D", "2020-03-01/P1M": the start and the duration.
std::string adx_period(Period period) {
  switch (period.kind()) {
    case Period::Kind::kDay: return period.start().to_string() + "/P1D";
    case Period::Kind::kWeek: return period.start().to_string() + "/P7D";
    case Period::Kind::kMonth: return period.start().to_string() + "/P1M";
  }
  return period.start().to_string() + "/P1D";
}

}  // namespace

std::string series_to_adx(const std::vector<Series>& series) {
  // Groups in location, date, kind and source order; values in the order of the series given.
  std::map<GroupKey, std::vector<GroupValue>> groups;
  std::optional<Timestamp> newest;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      groups[GroupKey{s.location, p.period.start(), p.period.kind(), s.source}].push_back(GroupValue{&s, &p});
      if (!newest || *newest < p.reported_at) newest = p.reported_at;
    }
  }

  // libxml2's global set-up, once (not safe from two threads at the same time).
  static const bool initialised = (xmlInitParser(), true);
  (void)initialised;
  xmlBufferPtr buffer = xmlBufferCreate();
  xmlTextWriterPtr writer = buffer != nullptr ? xmlNewTextWriterMemory(buffer, 0) : nullptr;
  if (writer == nullptr) {
    if (buffer != nullptr) xmlBufferFree(buffer);
    return {};
  }
  xmlTextWriterSetIndent(writer, 1);
  xmlTextWriterSetIndentString(writer, x("  "));
  xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nullptr);
  xmlTextWriterStartElement(writer, x("adx"));
  xmlTextWriterWriteAttribute(writer, x("xmlns"), x("urn:ihe:qrph:adx:2015"));
  if (newest) xmlTextWriterWriteAttribute(writer, x("exported"), x(newest->to_string().c_str()));
  for (const auto& [key, values] : groups) {
    xmlTextWriterStartElement(writer, x("group"));
    xmlTextWriterWriteAttribute(writer, x("orgUnit"), x(key.location.c_str()));
    xmlTextWriterWriteAttribute(writer, x("period"), x(adx_period(values.front().point->period).c_str()));
    if (!key.source.empty()) xmlTextWriterWriteAttribute(writer, x("dataSet"), x(key.source.c_str()));
    for (const auto& v : values) {
      xmlTextWriterStartElement(writer, x("dataValue"));
      xmlTextWriterWriteAttribute(writer, x("dataElement"), x(v.series->indicator.c_str()));
      xmlTextWriterWriteAttribute(writer, x("value"), x(format_value(v.point->value).c_str()));
      for (const auto& [category, option] : disaggregation_pairs(v.series->disaggregation)) {
        xmlTextWriterWriteAttribute(writer, x(category.c_str()), x(option.c_str()));
      }
      xmlTextWriterEndElement(writer);
    }
    xmlTextWriterEndElement(writer);
  }
  xmlTextWriterEndDocument(writer);
  xmlFreeTextWriter(writer);  // flushes into buffer
  std::string out(reinterpret_cast<const char*>(xmlBufferContent(buffer)), static_cast<size_t>(xmlBufferLength(buffer)));
  xmlBufferFree(buffer);
  return out;
}

}  // namespace shouwang::store
