// Text normalisation shared by indexing, querying, snippets and diffs: UTF-8 validation (ICU),
// NFKC so full-width １４天/ＩＣＵ equal 14天/ICU (ICU), and Traditional-to-Simplified Chinese
// folding (OpenCC t2s) so 核酸檢測 and 核酸检测 index and query alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shouwang::knowledge {

// OK when `text` is well-formed UTF-8; otherwise an invalid_argument naming the byte offset.
Status validate_utf8(std::string_view text);

// NFKC, then OpenCC t2s. Used on document text before indexing and on every query, so that both
// sides of a match went through the same folding. Thread-safe; the converters load once.
std::string normalize_for_search(std::string_view text);

// The same folding applied code point by code point, keeping for every code point of the folded
// text the byte range of the original it came from. Snippets and highlights are found on the
// folded text and cut from the original, so they keep the document's own script.
struct FoldedText {
  std::u32string folded;
  std::vector<size_t> original_begin;  // per folded code point, byte offset in the original
  std::vector<size_t> original_end;
};
FoldedText fold_with_offsets(std::string_view original);

// UTF-8 <-> UTF-32 for code-point work (ICU).
std::u32string to_u32(std::string_view utf8);
std::string to_utf8(std::u32string_view text);

// Han ideographs (CJK unified, extensions, compatibility), which Chinese search treats as n-grams
// and the diff compares one by one.
bool is_han(char32_t c);
bool contains_han(std::string_view utf8);

// Lower-cases with ICU's full case mapping (Latin, Cyrillic, Greek...).
std::string to_lower(std::string_view utf8);

}  // namespace shouwang::knowledge
