// The knowledge centre's document model: a family of numbered editions, each edition published in
// one or more languages (translations of one edition share family and edition), each document a
// list of sections (a heading and its paragraphs). Paragraphs are the unit of search results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shouwang::knowledge {

struct Section {
  std::string heading;  // empty for text before the first heading
  int level = 0;        // 1 for a top heading ("#", <h1>, T1); 0 when there is no heading
  std::vector<std::string> paragraphs;
};

struct DocumentMeta {
  std::string family;   // groups the editions, e.g. "covid19-diagnosis-treatment"
  int edition = 0;      // 1, 2, ...
  std::string lang;     // BCP 47 tag from kSupportedLanguages
  std::string title;
  std::vector<std::string> topics;
  std::string published;  // YYYY-MM-DD or empty
  std::string source;
};

struct Document {
  int64_t id = 0;  // kb_documents.id once stored
  DocumentMeta meta;
  std::vector<Section> sections;
};

// The languages the centre accepts (the six UN languages, Chinese in both scripts).
inline constexpr std::string_view kSupportedLanguages[] = {"zh-Hans", "zh-Hant", "en", "fr", "es", "ru", "ar"};

// The canonical spelling of a supported tag ("zh-hans" -> "zh-Hans"), or invalid_argument listing
// the supported tags.
Result<std::string> canonical_language(std::string_view tag);

// Checks what every stored document must satisfy: family name, edition >= 1, supported language,
// a title, a YYYY-MM-DD date when given, and at least one non-empty paragraph.
Status validate_document(const Document& document);

// Snowball stemmer name for a language ("english", "french"...). Chinese text uses the English
// stemmer for the Latin words it contains (ICU, PCR, IgM); Han characters pass through unchanged.
std::string stemmer_for_language(std::string_view lang);

}  // namespace shouwang::knowledge
