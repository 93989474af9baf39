// Validation of the document model.
#include "knowledge/document.h"

#include <cctype>

#include "knowledge/text_normalizer.h"

namespace shouwang::knowledge {

Result<std::string> canonical_language(std::string_view tag) {
  std::string wanted = to_lower(tag);
  for (std::string_view supported : kSupportedLanguages) {
    if (to_lower(supported) == wanted) return std::string(supported);
  }
  std::string list;
  for (std::string_view supported : kSupportedLanguages) list += (list.empty() ? "" : ", ") + std::string(supported);
  return invalid_argument("unknown language '" + std::string(tag) + "'; supported: " + list);
}

namespace {

bool is_iso_date(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(date[i]))) return false;
  }
  int month = std::stoi(std::string(date.substr(5, 2)));
  int day = std::stoi(std::string(date.substr(8, 2)));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Status validate_document(const Document& document) {
  const DocumentMeta& meta = document.meta;
  if (meta.family.empty() || meta.family.size() > 200) return invalid_argument("a document family name is required (--family)");
  for (char c : meta.family) {
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == '/') {
      return invalid_argument("family name '" + meta.family + "' may not contain '/' or control characters");
    }
  }
  if (meta.edition < 1) return invalid_argument("edition must be a positive number, got " + std::to_string(meta.edition));
  auto lang = canonical_language(meta.lang);
  if (!lang) return lang.status();
  if (is_blank(meta.title)) return invalid_argument("the document has no title (give --title)");
  if (!meta.published.empty() && !is_iso_date(meta.published)) {
    return invalid_argument("published date '" + meta.published + "' is not YYYY-MM-DD");
  }
  RETURN_IF_ERROR(validate_utf8(meta.title));
  RETURN_IF_ERROR(validate_utf8(meta.family));
  bool has_text = false;
  for (const Section& section : document.sections) {
    RETURN_IF_ERROR(validate_utf8(section.heading));
    for (const std::string& paragraph : section.paragraphs) {
      RETURN_IF_ERROR(validate_utf8(paragraph));
      if (!is_blank(paragraph)) has_text = true;
    }
  }
  if (!has_text) return invalid_argument("the document has no text");
  return Status::ok();
}

std::string stemmer_for_language(std::string_view lang) {
  if (lang == "fr") return "french";
  if (lang == "es") return "spanish";
  if (lang == "ru") return "russian";
  if (lang == "ar") return "arabic";
  return "english";
}

}  // namespace shouwang::knowledge
