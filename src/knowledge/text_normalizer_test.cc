// Folding of full-width forms and Traditional characters, UTF-8 validation, offsets for snippets.
#include "knowledge/text_normalizer.h"

#include <gtest/gtest.h>

#include "knowledge/document.h"

namespace shouwang::knowledge {
namespace {

TEST(TextNormalizer, FullWidthDigitsAndLettersFoldToAscii) {
  EXPECT_EQ(normalize_for_search("１４天"), "14天");
  EXPECT_EQ(normalize_for_search("ＩＣＵ监护"), "ICU监护");
}

TEST(TextNormalizer, TraditionalFoldsToSimplified) {
  EXPECT_EQ(normalize_for_search("核酸檢測"), "核酸检测");
  EXPECT_EQ(normalize_for_search("疫情防控"), "疫情防控");
  EXPECT_EQ(normalize_for_search("COVID-19 treatment"), "COVID-19 treatment");
}

TEST(TextNormalizer, RejectsInvalidUtf8WithOffset) {
  EXPECT_TRUE(validate_utf8("核酸 test").is_ok());
  Status bad = validate_utf8(std::string("ab\xff" "cd"));
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("offset 2"), std::string::npos) << bad.message();
  EXPECT_FALSE(validate_utf8(std::string("\xe6\xa0")).is_ok());  // truncated 3-byte sequence
}

TEST(TextNormalizer, FoldedTextMapsBackToOriginalBytes) {
  std::string original = "檢測ＩＣＵ";
  FoldedText folded = fold_with_offsets(original);
  EXPECT_EQ(to_utf8(folded.folded), "检测ICU");
  ASSERT_EQ(folded.original_begin.size(), 5u);
  EXPECT_EQ(original.substr(folded.original_begin[0], folded.original_end[0] - folded.original_begin[0]), "檢");
  EXPECT_EQ(original.substr(folded.original_begin[3], folded.original_end[3] - folded.original_begin[3]), "Ｃ");
}

TEST(TextNormalizer, HanDetection) {
  EXPECT_TRUE(is_han(U'疫'));
  EXPECT_FALSE(is_han(U'，'));
  EXPECT_FALSE(is_han(U'a'));
  EXPECT_TRUE(contains_han("PCR 核酸"));
  EXPECT_FALSE(contains_han("PCR test"));
}

TEST(Languages, CanonicalTagsAndClearErrorForUnknown) {
  EXPECT_EQ(canonical_language("zh-hans").value(), "zh-Hans");
  EXPECT_EQ(canonical_language("EN").value(), "en");
  auto unknown = canonical_language("xx-Klingon");
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("unknown language"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("zh-Hant"), std::string::npos);
}

}  // namespace
}  // namespace shouwang::knowledge
