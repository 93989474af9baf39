// IHE ADX (Aggregate Data Exchange): <adx xmlns="urn:ihe:qrph:adx:2015"> holding <group orgUnit=
// period=> elements holding <dataValue dataElement= value= [CATEGORY=option ...]/>, read with
// libxml2's SAX2 interface. Streaming keeps memory to the observations themselves (libxml2's
// DOM of a 59 MB ADX export peaked at 831 MB, `xmllint --noout` on the 2-core VM; streamed, 5 MB),
// and the DOCTYPE callback lets the parser stop before a DTD's entities are read: every entity
// attack (billion laughs, external entities) needs a DOCTYPE.
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <string>
#include <utility>
#include <vector>

#include "core/disaggregation.h"
#include "ingest/parsers.h"
#include "ingest/validation.h"

namespace shouwang::ingest {
namespace {

constexpr std::string_view kAdxNamespace = "urn:ihe:qrph:adx:2015";

std::string_view text_of(const xmlChar* text) {
  return text == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(text));
}

// An ADX period is an ISO 8601 start date and duration. Only the durations that are one of our
// periods are read: a day, an ISO week (seven days from a Monday) and a calendar month.
Result<Period> parse_adx_period(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return invalid_argument("period '" + std::string(text) +
                            "' is not an ADX start/duration such as 2020-03-30/P7D, 2020-03-01/P1D or 2020-03-01/P1M");
  }
  auto start = Date::parse(text.substr(0, slash));
  if (!start) return invalid_argument("period '" + std::string(text) + "' does not start with a YYYY-MM-DD date");
  std::string_view duration = text.substr(slash + 1);
  if (duration == "P1D") return Period::day(*start);
  if (duration == "P7D") {
    if (start->iso_weekday() != 1) {
      return invalid_argument("period '" + std::string(text) +
                              "': a P7D period must start on a Monday (an ISO week); " + start->to_string() +
                              " is not one");
    }
    return Period::week(IsoWeek::containing(*start));
  }
  if (duration == "P1M") {
    if (start->day() != 1) {
      return invalid_argument("period '" + std::string(text) + "': a P1M period must start on the 1st of a month");
    }
    return Period::month(start->year(), start->month());
  }
  return invalid_argument("period '" + std::string(text) + "': duration '" + std::string(duration) +
                          "' is not read (only P1D, P7D from a Monday and P1M from the 1st)");
}

// One attribute of a SAX2 start tag (libxml2 passes five pointers per attribute; the value is
// not NUL-terminated).
struct Attribute {
  std::string_view name;
  bool namespaced = false;
  std::string value;
};

// libxml2's SAX2 interface, when it does not substitute entities (XML_PARSE_NOENT, which we leave
// off), hands an escaped ampersand (&amp; or &#38;) in an attribute value on as the five
// characters "&#38;" for a tree builder to decode; the other escapes arrive decoded. A bare '&'
// cannot occur in a well-formed value, so every "&#38;" is one ampersand.
std::string attribute_value(const xmlChar* begin, const xmlChar* end) {
  std::string_view raw(reinterpret_cast<const char*>(begin), static_cast<size_t>(end - begin));
  std::string value;
  value.reserve(raw.size());
  for (size_t at = raw.find("&#38;"); at != std::string_view::npos; at = raw.find("&#38;")) {
    value.append(raw.substr(0, at)).push_back('&');
    raw.remove_prefix(at + 5);
  }
  return value.append(raw);
}

std::vector<Attribute> attributes_of(int count, const xmlChar** raw) {
  std::vector<Attribute> out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const xmlChar** a = raw + 5 * i;
    out.push_back(Attribute{text_of(a[0]), a[2] != nullptr, attribute_value(a[3], a[4])});
  }
  return out;
}

class AdxReader {
 public:
  AdxReader(std::string_view content, const ParseContext& context, RowChecker& check)
      : content_(content), context_(context), check_(check) {}

  void read() {
    // libxml2 sets up its global tables once, which is not safe from two threads at the same
    // time; reports are parsed on the server's worker threads.
    static const bool initialised = (xmlInitParser(), true);
    (void)initialised;
    xmlSAXHandler handler{};
    handler.initialized = XML_SAX2_MAGIC;
    handler.internalSubset = &AdxReader::on_doctype;
    handler.startElementNs = &AdxReader::on_start;
    handler.endElementNs = &AdxReader::on_end;
    handler.serror = &AdxReader::on_error;

    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(content_.data(), static_cast<int>(content_.size()));
    if (ctxt == nullptr) {
      check_.error(0, "", "the XML parser could not start (out of memory)");
      return;
    }
    // NONET: nothing is ever fetched. Without NOENT, DTDLOAD, DTDATTR or XINCLUDE no entity is
    // substituted and no DTD is loaded; refusing the DOCTYPE (on_doctype) already makes that moot.
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET);
    xmlSAXHandlerPtr own = ctxt->sax;
    ctxt->sax = &handler;
    ctxt->userData = this;
    ctxt_ = ctxt;
    {
      // Errors libxml2 raises without the parser context (encoding conversion) go to this
      // thread's handler, which prints them on stderr: during the parse they are this file's.
      xmlStructuredErrorFunc thread_handler = xmlStructuredError;
      void* thread_handler_context = xmlStructuredErrorContext;
      xmlSetStructuredErrorFunc(this, &AdxReader::on_thread_error);
      xmlParseDocument(ctxt);
      xmlSetStructuredErrorFunc(thread_handler_context, thread_handler);
    }
    if (!saw_root_ && check_.batch().errors.empty()) check_.error(0, "", "the document has no <adx> element");
    // A document that is not well-formed (truncated, say) is not read at all, even with --partial:
    // the rows before the fault are not known to be the rows the sender meant.
    if (malformed_ || stopped_) {
      check_.batch().observations.clear();
      check_.batch().new_locations.clear();
    }
    ctxt->sax = own;
    ctxt_ = nullptr;
    // Normally none: libxml2 makes one only to hold declarations it read on its own.
    if (ctxt->myDoc != nullptr) {
      xmlFreeDoc(ctxt->myDoc);
      ctxt->myDoc = nullptr;
    }
    xmlFreeParserCtxt(ctxt);
    if (context_.progress) context_.progress(static_cast<int64_t>(content_.size()), static_cast<int64_t>(content_.size()));
  }

 private:
  static AdxReader& self(void* user) { return *static_cast<AdxReader*>(user); }

  int64_t line() const { return ctxt_ != nullptr && ctxt_->input != nullptr ? ctxt_->input->line : 0; }

  void stop() {
    stopped_ = true;
    xmlStopParser(ctxt_);
  }

  // Called as soon as "<!DOCTYPE name ...>" is read, before any of its internal subset.
  static void on_doctype(void* user, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto& reader = self(user);
    reader.refuse_document(reader.line(),
                        "the document has a DOCTYPE: ADX files carry no DTD, and DTDs and entities are refused "
                        "(they can expand without bound or read other files)");
    reader.stop();
  }

  static void on_error(void* user, xmlErrorPtr error) {
    auto& reader = self(user);
    // After a refusal or the first error the parser only reports its own halt.
    if (error == nullptr || error->level == XML_ERR_WARNING || reader.stopped_) return;
    reader.malformed_ = true;
    reader.refuse_document(error->line, "not well-formed XML: " + trimmed_message(error));
    // libxml2 reads on after a fatal error with callbacks off, so a DOCTYPE after, say, a broken
    // XML declaration would have its entities declared unseen: the first error ends the parse.
    reader.stop();
  }

  // An error raised outside the parser's own steps (in the middle of converting the input, say):
  // recorded, but stopping the parser there would free the input under the converter's feet. The
  // parser reports the failure itself next, and stops then.
  static void on_thread_error(void* user, xmlErrorPtr error) {
    auto& reader = self(user);
    if (error == nullptr || error->level == XML_ERR_WARNING || reader.stopped_) return;
    reader.malformed_ = true;
    reader.refuse_document(error->line, "not well-formed XML: " + trimmed_message(error));
  }

  // A problem of the whole document (line 0, as every parser reports one), naming where it is.
  void refuse_document(int64_t at, const std::string& message) {
    check_.error(0, "", "line " + std::to_string(at) + ": " + message);
  }

  static std::string trimmed_message(xmlErrorPtr error) {
    std::string message = error->message != nullptr ? error->message : "malformed XML";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return message;
  }

  static void on_start(void* user, const xmlChar* local_name, const xmlChar*, const xmlChar* uri, int,
                       const xmlChar**, int attribute_count, int, const xmlChar** attributes) {
    auto& reader = self(user);
    reader.start(text_of(local_name), text_of(uri), attributes_of(attribute_count, attributes));
  }

  static void on_end(void* user, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto& reader = self(user);
    --reader.depth_;
    // The skipped element itself ended: what follows it is read again.
    if (reader.depth_ <= reader.skip_below_) reader.skip_below_ = kNotSkipping;
  }

  void start(std::string_view name, std::string_view uri, const std::vector<Attribute>& attributes) {
    const int depth = depth_++;
    if (depth >= skip_below_) return;
    const bool adx = uri == kAdxNamespace;
    if (depth == 0) {
      saw_root_ = true;
      if (!adx || name != "adx") {
        refuse_document(line(), "not an ADX document: the root element is <" + std::string(name) +
                                     "> in namespace '" + std::string(uri) + "', not <adx xmlns=\"" +
                                     std::string(kAdxNamespace) + "\">");
        stop();
      }
      return;
    }
    // Elements of other namespaces are extensions ADX allows; they and their content are skipped.
    if (!adx) {
      skip_below_ = depth;
      return;
    }
    if (depth == 1 && name == "group") return start_group(attributes);
    if (depth == 2 && name == "dataValue") return read_data_value(attributes);
    // A dataValue's annotation (free text) is not kept.
    if (depth == 3 && name == "annotation") {
      skip_below_ = depth;
      return;
    }
    check_.error(line(), "", "unexpected <" + std::string(name) + "> here (an ADX document is <adx><group>"
                                                                  "<dataValue/></group></adx>)");
    skip_below_ = depth;
  }

  void start_group(const std::vector<Attribute>& attributes) {
    const int64_t at = line();
    group_ = Group{};
    std::optional<std::string_view> org_unit, period_text;
    for (const auto& a : attributes) {
      if (a.namespaced) continue;
      if (a.name == "orgUnit") {
        org_unit = a.value;
      } else if (a.name == "period") {
        period_text = a.value;
      } else if (a.name != "dataSet" && a.name != "completeDate") {
        // A group-level dimension would apply to every value of the group; ours live on dataValue.
        check_.error(at, a.name, "group attribute '" + std::string(a.name) +
                                     "' is not read (disaggregations go on each dataValue)");
        group_.usable = false;
      }
    }
    if (!org_unit) {
      check_.error(at, "orgUnit", "group has no orgUnit");
      group_.usable = false;
    } else if (check_.check_location(*org_unit, at, "orgUnit")) {
      group_.location = std::string(*org_unit);
    } else {
      group_.usable = false;
    }
    if (!period_text) {
      check_.error(at, "period", "group has no period");
      group_.usable = false;
    } else if (auto period = parse_adx_period(*period_text); !period) {
      check_.error(at, "period", period.status().message());
      group_.usable = false;
    } else if (check_.check_not_future(*period, *period_text, at, "period")) {
      group_.period = *period;
    } else {
      group_.usable = false;
    }
  }

  void read_data_value(const std::vector<Attribute>& attributes) {
    const int64_t at = line();
    std::optional<std::string_view> element, value_text;
    std::vector<DisaggregationPair> pairs;
    for (const auto& a : attributes) {
      if (a.namespaced) continue;
      if (a.name == "dataElement") {
        element = a.value;
      } else if (a.name == "value") {
        value_text = a.value;
      } else {
        pairs.emplace_back(std::string(a.name), a.value);
      }
    }
    std::optional<IndicatorKind> kind;
    if (!element) {
      check_.error(at, "dataElement", "dataValue has no dataElement");
    } else {
      kind = check_.check_indicator(*element, at, "dataElement");
    }
    std::optional<double> value;
    if (!value_text) {
      check_.error(at, "value", "dataValue has no value");
    } else {
      value = check_.check_reported_value(*value_text, at, "value", kind);
    }
    std::optional<std::string> disaggregation;
    if (auto canonical = disaggregation_from_pairs(std::move(pairs)); canonical) {
      disaggregation = std::move(*canonical);
    } else {
      check_.error(at, "disaggregation", canonical.status().message());
    }
    if (group_.usable && kind && value && disaggregation) {
      check_.add(group_.location, *element, group_.period, *value, at, std::move(*disaggregation));
    }
    if ((++values_read_ & 0xffff) == 0 && context_.progress) {
      context_.progress(static_cast<int64_t>(xmlByteConsumed(ctxt_)), static_cast<int64_t>(content_.size()));
    }
  }

  struct Group {
    bool usable = true;
    std::string location;
    Period period;
  };
  static constexpr int kNotSkipping = 1 << 30;

  std::string_view content_;
  const ParseContext& context_;
  RowChecker& check_;
  xmlParserCtxtPtr ctxt_ = nullptr;
  int depth_ = 0;
  int skip_below_ = kNotSkipping;  // elements at this depth or deeper are skipped
  bool saw_root_ = false;
  bool stopped_ = false;    // refused (DOCTYPE, not ADX): nothing more is read
  bool malformed_ = false;  // libxml2 reported an error
  Group group_;
  int64_t values_read_ = 0;
};

}  // namespace

ParsedBatch parse_adx(std::string_view content, const ParseContext& context) {
  ParsedBatch batch;
  RowChecker check(context.catalog, context.today, batch);
  check.set_allow_corrections(context.allow_corrections);
  if (content.size() > kMaxAdxBytes) {
    check.error(0, "", "the ADX file is " + std::to_string(content.size() >> 20) + " MiB; files over " +
                           std::to_string(kMaxAdxBytes >> 20) + " MiB are not read: split it by period or orgUnit");
    return batch;
  }
  if (content.empty()) {
    check.error(0, "", "the file is empty");
    return batch;
  }
  AdxReader(content, context, check).read();
  check_batch(batch, context.catalog, /*warn_cumulative_decrease=*/true);
  return batch;
}

}  // namespace shouwang::ingest
