// The demo corpus loader: where the protocol ends and the self-protection guide begins is read from the
// text (on the shared corpus and on small files shaped otherwise), and the derived 6th edition is
// labelled as derived.
#include "knowledge/demo_corpus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "knowledge/test_corpus.h"

namespace shouwang::knowledge {
namespace {

// A corpus folder holding only protocol-7/protocol-7.tsv with `rows` (id, kind, zh, en per line).
std::string corpus_with(const std::string& name, const std::string& rows) {
  const std::filesystem::path dir = std::filesystem::path(testing::fresh_db_path(name)).parent_path() / "corpus";
  std::filesystem::create_directories(dir / "protocol-7");
  std::ofstream(dir / "protocol-7" / "protocol-7.tsv") << "id\tkind\tzh\ten\n" << rows;
  return dir.string();
}

TEST(DemoCorpus, TheGuideStartsAtTheFirstTopLevelHeadingAfterTheProtocolsLastSection) {
  auto rows = read_protocol_rows(testing::corpus_dir());
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  // As the corpus README describes the file: the guide is the rows a0225 onwards.
  for (const ProtocolRow& row : *rows) EXPECT_EQ(row.in_protocol, row.id < "a0225") << row.id;
  const Document guide = self_protection_document(*rows, "zh-Hans");
  ASSERT_FALSE(guide.sections.empty());
  EXPECT_EQ(guide.sections.front().heading, "为什么要自我防护");
  const Document protocol = protocol_document(*rows, 7, "zh-Hans");
  EXPECT_EQ(protocol.sections.back().heading, "（二）出院后注意事项。");
}

TEST(DemoCorpus, TheBoundaryFollowsTheTextNotTheRowIds) {
  const std::string dir = corpus_with("boundary",
                                      "x1\tT1\t一、病原学特点\tI. Etiology\n"
                                      "x2\tP\t冠状病毒。\tCoronavirus.\n"
                                      "x3\tT1\t中医治疗\tTCM\n"
                                      "x4\tT1\t二、治疗\tII. Treatment\n"
                                      "x5\tP\t对症治疗。\tSymptomatic.\n"
                                      "a0001\tT1\t自我防护要点\tSelf protection\n"
                                      "a0002\tP\t戴口罩。\tWear a mask.\n");
  auto rows = read_protocol_rows(dir);
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  std::vector<bool> in_protocol;
  for (const ProtocolRow& row : *rows) in_protocol.push_back(row.in_protocol);
  EXPECT_EQ(in_protocol, (std::vector<bool>{true, true, true, true, true, false, false}));
}

TEST(DemoCorpus, AFileWithoutTheProtocolsNumberedSectionsOrAGuideIsRefused) {
  auto unnumbered = read_protocol_rows(corpus_with("unnumbered", "a1\tT1\t病原学特点\tEtiology\na2\tP\t文字。\tText.\n"));
  EXPECT_EQ(unnumbered.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unnumbered.status().message().find("numbered"), std::string::npos) << unnumbered.status().message();
  auto no_guide = read_protocol_rows(corpus_with("no-guide", "a1\tT1\t一、病原学特点\tI. Etiology\na2\tP\t文字。\tText.\n"));
  EXPECT_EQ(no_guide.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_guide.status().message().find("self-protection guide"), std::string::npos) << no_guide.status().message();
}

TEST(DemoCorpus, TheDerivedSixthEditionIsLabelledDerivedAndUndated) {
  auto rows = read_protocol_rows(testing::corpus_dir());
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  const std::vector<ProtocolRow> sixth = derive_edition_6(*rows);
  for (const char* lang : {"en", "zh-Hans"}) {
    const DocumentMeta derived = protocol_document(sixth, 6, lang).meta;
    const DocumentMeta official = protocol_document(*rows, 7, lang).meta;
    EXPECT_EQ(derived.edition, 6);
    EXPECT_EQ(derived.published, "") << "the official 6th edition's date belongs to a text we do not have";
    EXPECT_EQ(official.published, "2020-03-04");
    EXPECT_NE(derived.source.find("derived"), std::string::npos) << derived.source;
    // The official titles name the edition (Trial Version 6 / 试行第六版); the derived one says what it is.
    EXPECT_EQ(derived.title.find("Trial Version 6"), std::string::npos) << derived.title;
    EXPECT_EQ(derived.title.find("试行第六版"), std::string::npos) << derived.title;
    EXPECT_TRUE(derived.title.find("derived") != std::string::npos || derived.title.find("演示") != std::string::npos)
        << derived.title;
  }
}

}  // namespace
}  // namespace shouwang::knowledge
