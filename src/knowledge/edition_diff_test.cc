// Edition diff: the derived 6th edition against the 7th, and word/character diffs on small cases.
#include "knowledge/edition_diff.h"

#include <gtest/gtest.h>

#include "knowledge/test_corpus.h"

namespace shouwang::knowledge {
namespace {

Document one_paragraph(const std::string& text) {
  Document d;
  d.meta.lang = "en";
  d.sections.push_back({"Heading", 1, {text}});
  return d;
}

// Equal+deleted spans give the older paragraph back, equal+inserted the newer one.
void expect_spans_rebuild(const ParagraphChange& change, const std::string& before, const std::string& after) {
  std::string old_text, new_text;
  for (const DiffSpan& s : change.spans) {
    if (s.op != DiffSpan::Op::kInsert) old_text += s.text;
    if (s.op != DiffSpan::Op::kDelete) new_text += s.text;
  }
  EXPECT_EQ(old_text, before);
  EXPECT_EQ(new_text, after);
}

TEST(EditionDiff, LatinScriptsDiffByWord) {
  LanguageDiff diff = diff_documents(one_paragraph("the incubation period is 1 to 14 days"),
                                     one_paragraph("the incubation period is 2 to 14 days, mostly 3 to 7"));
  ASSERT_EQ(diff.changes.size(), 1u);
  EXPECT_EQ(diff.changes[0].kind, ParagraphChange::Kind::kChanged);
  EXPECT_EQ(inline_word_diff(diff.changes[0]), "the incubation period is [-1-]{+2+} to 14 days{+, mostly 3 to 7+}");
  expect_spans_rebuild(diff.changes[0], "the incubation period is 1 to 14 days",
                       "the incubation period is 2 to 14 days, mostly 3 to 7");
}

TEST(EditionDiff, ChineseDiffsByCharacter) {
  LanguageDiff diff = diff_documents(one_paragraph("潜伏期一般为3-7天"), one_paragraph("潜伏期多为3-7天"));
  ASSERT_EQ(diff.changes.size(), 1u);
  EXPECT_EQ(inline_word_diff(diff.changes[0]), "潜伏期[-一般-]{+多+}为3-7天");
}

TEST(EditionDiff, IdenticalDocumentsHaveNoChanges) {
  Document d = one_paragraph("same text");
  LanguageDiff diff = diff_documents(d, d);
  EXPECT_TRUE(diff.changes.empty());
  EXPECT_EQ(diff.unchanged, 2);
}

TEST(EditionDiff, DerivedSixthToSeventhShowsExactlyTheEditedParagraphs) {
  auto diff = testing::demo_kb().diff_editions(kProtocolFamily, 6, 7, std::string("zh-Hans"));
  ASSERT_TRUE(diff.is_ok()) << diff.status().to_string();
  ASSERT_EQ(diff->languages.size(), 1u);
  const auto& changes = diff->languages[0].changes;
  using Kind = ParagraphChange::Kind;
  std::vector<Kind> kinds;
  for (const auto& c : changes) kinds.push_back(c.kind);
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::kChanged, Kind::kChanged, Kind::kChanged, Kind::kInserted, Kind::kInserted,
                                      Kind::kInserted, Kind::kMoved}));
  ASSERT_EQ(changes.size(), 7u);
  EXPECT_EQ(inline_word_diff(changes[1]), "基于目前的流行病学调查，潜伏期[-一般-]{+1-14天，多+}为3-7天[-，最长不超过14天-]。");
  EXPECT_EQ(changes[1].section, "（一）临床表现。");
  EXPECT_EQ(inline_word_diff(changes[2]), "疑似病例同时具备以下病原学{+或血清学+}证据之一者：");
  EXPECT_TRUE(changes[4].is_heading);
  EXPECT_EQ(changes[4].spans.at(0).text, "免疫治疗：");
  EXPECT_EQ(changes[6].spans.at(0).text, "患者常存在焦虑恐惧情绪，应当加强心理疏导。");
  EXPECT_EQ(changes[6].section, "其他治疗措施");
  // Every paragraph the derivation did not touch is reported unchanged.
  EXPECT_EQ(diff->languages[0].unchanged, 208);
}

TEST(EditionDiff, EnglishEditionsDiffWordByWordAndBothLanguagesByDefault) {
  auto diff = testing::demo_kb().diff_editions(kProtocolFamily, 6, 7);
  ASSERT_TRUE(diff.is_ok());
  ASSERT_EQ(diff->languages.size(), 2u);
  const LanguageDiff& en = diff->languages[0].lang == "en" ? diff->languages[0] : diff->languages[1];
  ASSERT_GE(en.changes.size(), 2u);
  EXPECT_EQ(inline_word_diff(en.changes[1]),
            "Based on the current epidemiological investigation, the incubation period is [-generally three -]{+one +}to "
            "[-seven-]{+14+} days, [-14 days at most-]{+mostly three to seven days+}.");
  std::string text = format_diff_text(*diff);
  EXPECT_NE(text.find("{+或血清学+}"), std::string::npos);
  boost::json::value json = edition_diff_to_json(*diff);
  EXPECT_EQ(json.at("languages").as_array().size(), 2u);
}

TEST(EditionDiff, UnknownFamilyOrEditionIsNotFound) {
  EXPECT_EQ(testing::demo_kb().diff_editions("no-such-family", 1, 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(testing::demo_kb().diff_editions(kProtocolFamily, 5, 7).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(testing::demo_kb().diff_editions(kProtocolFamily, 6, 7, std::string("fr")).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace shouwang::knowledge
