// ICU normalisation and OpenCC conversion behind the knowledge centre's text folding.
#include "knowledge/text_normalizer.h"

#include <opencc/SimpleConverter.hpp>
#include <unicode/normalizer2.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <memory>
#include <unordered_map>

namespace shouwang::knowledge {
namespace {

const icu::Normalizer2* nfkc_normalizer() {
  static const icu::Normalizer2* normalizer = [] {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(error);
    return U_SUCCESS(error) ? n : nullptr;
  }();
  return normalizer;
}

// OpenCC loads its dictionaries from /usr/share/opencc; a missing data package leaves the text
// unconverted rather than failing every query (Traditional queries then match only Traditional).
const opencc::SimpleConverter* t2s_converter() {
  static std::unique_ptr<opencc::SimpleConverter> converter = []() -> std::unique_ptr<opencc::SimpleConverter> {
    for (const char* config : {"t2s.json", "/usr/share/opencc/t2s.json"}) {
      try {
        return std::make_unique<opencc::SimpleConverter>(config);
      } catch (...) {
      }
    }
    return nullptr;
  }();
  return converter.get();
}

std::string nfkc(std::string_view text) {
  const icu::Normalizer2* normalizer = nfkc_normalizer();
  if (!normalizer) return std::string(text);
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UErrorCode error = U_ZERO_ERROR;
  icu::UnicodeString normalized = normalizer->normalize(source, error);
  if (U_FAILURE(error)) return std::string(text);
  std::string out;
  normalized.toUTF8String(out);
  return out;
}

std::string t2s(const std::string& text) {
  const opencc::SimpleConverter* converter = t2s_converter();
  if (!converter || text.empty()) return text;
  try {
    return converter->Convert(text);
  } catch (...) {
    return text;
  }
}

}  // namespace

Status validate_utf8(std::string_view text) {
  int32_t length = static_cast<int32_t>(text.size());
  int32_t offset = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  while (offset < length) {
    int32_t start = offset;
    UChar32 c;
    U8_NEXT(bytes, offset, length, c);
    if (c < 0) {
      return invalid_argument("invalid UTF-8 at byte offset " + std::to_string(start) +
                              " (convert the file to UTF-8 first, e.g. with iconv)");
    }
  }
  return Status::ok();
}

std::string normalize_for_search(std::string_view text) { return t2s(nfkc(text)); }

FoldedText fold_with_offsets(std::string_view original) {
  FoldedText result;
  int32_t length = static_cast<int32_t>(original.size());
  int32_t offset = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(original.data());
  while (offset < length) {
    int32_t start = offset;
    UChar32 c;
    U8_NEXT(bytes, offset, length, c);
    if (c < 0) c = 0xFFFD;
    // ASCII folds to itself; other code points are folded once per thread and remembered
    // (a snippet folds every character of its paragraph, the same few thousand over and over).
    thread_local std::unordered_map<UChar32, std::u32string> cache;
    std::u32string ascii;
    const std::u32string* folded = nullptr;
    if (c < 0x80) {
      ascii.assign(1, static_cast<char32_t>(c));
      folded = &ascii;
    } else {
      auto it = cache.find(c);
      if (it == cache.end()) {
        std::string piece(original.substr(static_cast<size_t>(start), static_cast<size_t>(offset - start)));
        it = cache.emplace(c, to_u32(normalize_for_search(piece))).first;
      }
      folded = &it->second;
    }
    for (char32_t f : *folded) {
      result.folded.push_back(f);
      result.original_begin.push_back(static_cast<size_t>(start));
      result.original_end.push_back(static_cast<size_t>(offset));
    }
  }
  return result;
}

std::u32string to_u32(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  int32_t length = static_cast<int32_t>(utf8.size());
  int32_t offset = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  while (offset < length) {
    UChar32 c;
    U8_NEXT(bytes, offset, length, c);
    out.push_back(c < 0 ? U'\uFFFD' : static_cast<char32_t>(c));
  }
  return out;
}

std::string to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char32_t c : text) {
    uint8_t buffer[4];
    int32_t length = 0;
    UBool error = false;
    U8_APPEND(buffer, length, 4, static_cast<UChar32>(c), error);
    if (!error) out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
  }
  return out;
}

bool is_han(char32_t c) {
  UErrorCode error = U_ZERO_ERROR;
  return uscript_getScript(static_cast<UChar32>(c), &error) == USCRIPT_HAN && U_SUCCESS(error) &&
         u_isalpha(static_cast<UChar32>(c));
}

bool contains_han(std::string_view utf8) {
  for (char32_t c : to_u32(utf8)) {
    if (is_han(c)) return true;
  }
  return false;
}

std::string to_lower(std::string_view utf8) {
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  text.toLower(icu::Locale::getRoot());
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace shouwang::knowledge
