// Import of plain text, Markdown, HTML and PDF into sections, and refusal of unusable files.
#include "knowledge/importer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "knowledge/test_corpus.h"

namespace shouwang::knowledge {
namespace {

std::string write_file(const std::string& name, const std::string& bytes) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "kb-import";
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// A one-page PDF with two lines of Helvetica text, its xref offsets computed as it is written.
std::string tiny_pdf() {
  std::string stream = "BT /F1 12 Tf 72 720 Td (Isolation guidance) Tj 0 -20 Td (Wash hands often.) Tj ET";
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) +
         "\n%%EOF\n";
  return pdf;
}

TEST(Importer, MarkdownHeadingsMakeSections) {
  auto imported = parse_markdown("# Protocol\n\nIntro line one\ncontinues here.\n\n## Treatment\n\n- Rest\n- **Oxygen** therapy\n");
  ASSERT_TRUE(imported.is_ok()) << imported.status().to_string();
  EXPECT_EQ(imported->title, "Protocol");
  ASSERT_EQ(imported->sections.size(), 2u);
  EXPECT_EQ(imported->sections[0].heading, "Protocol");
  EXPECT_EQ(imported->sections[0].level, 1);
  EXPECT_EQ(imported->sections[0].paragraphs, std::vector<std::string>{"Intro line one continues here."});
  EXPECT_EQ(imported->sections[1].heading, "Treatment");
  EXPECT_EQ(imported->sections[1].level, 2);
  EXPECT_EQ(imported->sections[1].paragraphs, (std::vector<std::string>{"Rest", "Oxygen therapy"}));
}

TEST(Importer, ALongLineIsReadWithoutOverflowingTheStack) {
  // std::regex recursed once per character: a line of ~50 000 characters after an unclosed '['
  // (Markdown) or "[bookmark: " (plain text) overflowed the stack (fuzz/corpus/knowledge_*/crash-*).
  const std::string long_text(300000, 'a');
  auto markdown = parse_markdown("# Guide\n\n[" + long_text + "\n\n- [x](" + long_text + "\n");
  ASSERT_TRUE(markdown.is_ok()) << markdown.status().to_string();
  ASSERT_EQ(markdown->sections.size(), 1u);
  ASSERT_EQ(markdown->sections[0].paragraphs.size(), 2u);
  EXPECT_EQ(markdown->sections[0].paragraphs[0], "[" + long_text);
  EXPECT_EQ(markdown->sections[0].paragraphs[1], "[x](" + long_text);
  auto plain = parse_plain_text("Guide\n[bookmark: " + long_text + "\n");
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  // A link and a bookmark still go as before.
  auto link = parse_markdown("See [the guide](http://example.org/g) now\n");
  ASSERT_TRUE(link.is_ok());
  EXPECT_EQ(link->sections.at(0).paragraphs, std::vector<std::string>{"See the guide now"});
}

TEST(Importer, AMatchThatWouldTakeQuadraticTimeIsRefusedWithItsLine) {
  // 300 000 unclosed '[' make the link pattern try each one to the end of the line; Boost.Regex
  // gives up, and the file is refused rather than read for minutes.
  auto imported = parse_markdown("# Guide\n\n" + std::string(300000, '[') + "\n");
  ASSERT_FALSE(imported.is_ok());
  EXPECT_NE(imported.status().message().find("line 3"), std::string::npos) << imported.status().to_string();
  // A list marker after a stray carriage return inside a line is not a list item.
  auto item = parse_markdown("# G\n\nx\r- y\n");
  ASSERT_TRUE(item.is_ok());
  EXPECT_EQ(item->sections.at(0).paragraphs, std::vector<std::string>{"x\r- y"});
}

TEST(Importer, HtmlHeadingsParagraphsAndEntitiesWithoutScripts) {
  auto imported = parse_html(
      "<html><head><title>Guide</title><script>var x = 1;</script></head><body><h1>防控方案</h1>"
      "<p>戴口罩 &amp; 勤洗手</p><h2>Details</h2><ul><li>one</li><li>two</li></ul></body></html>");
  ASSERT_TRUE(imported.is_ok()) << imported.status().to_string();
  EXPECT_EQ(imported->title, "Guide");
  ASSERT_EQ(imported->sections.size(), 2u);
  EXPECT_EQ(imported->sections[0].heading, "防控方案");
  EXPECT_EQ(imported->sections[0].paragraphs, std::vector<std::string>{"戴口罩 & 勤洗手"});
  EXPECT_EQ(imported->sections[1].paragraphs, (std::vector<std::string>{"one", "two"}));
}

TEST(Importer, PlainTextParagraphPerLineOrWrappedBlocks) {
  auto per_line = parse_plain_text("Title\nFirst paragraph.\nSecond paragraph.\n");
  ASSERT_TRUE(per_line.is_ok());
  EXPECT_EQ(per_line->sections.at(0).paragraphs, (std::vector<std::string>{"Title", "First paragraph.", "Second paragraph."}));
  auto wrapped = parse_plain_text("First paragraph\nwraps here.\n\nSecond one\nalso wraps.\n");
  ASSERT_TRUE(wrapped.is_ok());
  EXPECT_EQ(wrapped->sections.at(0).paragraphs,
            (std::vector<std::string>{"First paragraph wraps here.", "Second one also wraps."}));
}

TEST(Importer, ChineseSeedGetsNumberedHeadingsAndLosesWordArtefacts) {
  auto imported = import_file(testing::corpus_dir() + "/seeds/003_057ea572d0f1fc7d.txt");
  ASSERT_TRUE(imported.is_ok()) << imported.status().to_string();
  bool found_heading = false;
  for (const Section& section : imported->sections) {
    EXPECT_EQ(section.heading.find("[bookmark"), std::string::npos);
    for (const std::string& p : section.paragraphs) EXPECT_EQ(p.find("[bookmark"), std::string::npos) << p;
    if (section.heading == "（一）关于疫情形势和防控工作重点") found_heading = true;
  }
  EXPECT_TRUE(found_heading);
  EXPECT_GT(imported->sections.size(), 5u);
}

TEST(Importer, PdfThroughPdftotext) {
  auto imported = import_file(write_file("guide.pdf", tiny_pdf()));
  ASSERT_TRUE(imported.is_ok()) << imported.status().to_string();
  EXPECT_EQ(imported->title, "Isolation guidance");
  ASSERT_FALSE(imported->sections.empty());
  const auto& paragraphs = imported->sections.back().paragraphs;
  EXPECT_NE(std::find(paragraphs.begin(), paragraphs.end(), "Wash hands often."), paragraphs.end());
}

TEST(Importer, RefusesEmptyBinaryInvalidAndUnknownFiles) {
  auto empty = import_file(write_file("empty.txt", "  \n\n"));
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);
  auto binary = import_file(write_file("blob.txt", std::string("PK\x03\x04\0\0\x14\0", 8)));
  ASSERT_FALSE(binary.is_ok());
  EXPECT_NE(binary.status().message().find("binary"), std::string::npos);
  auto latin1 = import_file(write_file("latin1.txt", "Fi\xe8vre et toux\n"));
  ASSERT_FALSE(latin1.is_ok());
  EXPECT_NE(latin1.status().message().find("UTF-8"), std::string::npos);
  auto fake_pdf = import_file(write_file("fake.pdf", "hello"));
  ASSERT_FALSE(fake_pdf.is_ok());
  EXPECT_NE(fake_pdf.status().message().find("PDF"), std::string::npos);
  auto docx = import_file(write_file("report.docx", "x"));
  ASSERT_FALSE(docx.is_ok());
  EXPECT_NE(docx.status().message().find("unsupported"), std::string::npos);
  EXPECT_EQ(import_file("/nonexistent/guide.txt").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace shouwang::knowledge
