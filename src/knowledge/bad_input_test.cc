// Refused input leaves nothing behind: no row in the database, no document in the Xapian index; and
// an indexing failure rolls the database insert back. On SQLite and on PostgreSQL.
#include <gtest/gtest.h>
#include <xapian.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "knowledge/search_index.h"
#include "knowledge/test_corpus.h"
#include "tests/support/backends.h"

namespace shouwang::knowledge {
namespace {

class BadInput : public ::testing::TestWithParam<shouwang::testing::Backend> {
 protected:
  void SetUp() override {
    // Files and the index in a folder of the test's own: a PostgreSQL database has no folder.
    static int made = 0;
    dir_ = (std::filesystem::temp_directory_path() /
            ("shouwang-kb-bad-input-" + std::to_string(::getpid()) + "-" + std::to_string(++made)))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string db = fresh_.create(GetParam());
    ASSERT_FALSE(db.empty());
    auto kb = testing::TestKnowledgeBase::open(db, {}, dir_ + "/kb-index");
    ASSERT_TRUE(kb.is_ok()) << kb.status().to_string();
    kb_ = std::move(kb).value();
    Document good;
    good.meta = {"guide", 1, "en", "Guide", {}, "", ""};
    good.sections.push_back({"", 0, {"wash hands"}});
    ASSERT_TRUE((*kb_)->add_document(good).is_ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = (std::filesystem::path(dir_) / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  Status add_file(const std::string& path, const std::string& lang) {
    DocumentMeta meta{"bad", 1, lang, "Bad", {}, "", ""};
    auto doc = document_from_file(path, meta);
    if (!doc) return doc.status();
    return (*kb_)->add_document(std::move(doc).value()).status();
  }

  // Nothing but the one good document is stored or indexed.
  void expect_only_the_good_document() {
    auto count = (*kb_)->store().count_passages();
    ASSERT_TRUE(count.is_ok());
    EXPECT_EQ(*count, 1);
    Xapian::Database index((*kb_)->index_path());
    EXPECT_EQ(index.get_doccount(), 1u);
  }

  shouwang::testing::FreshDatabase fresh_;
  std::string dir_;
  std::optional<testing::TestKnowledgeBase> kb_;
};

INSTANTIATE_TEST_SUITE_P(Backends, BadInput, shouwang::testing::kBothBackends, shouwang::testing::backend_test_name);

TEST_P(BadInput, EmptyFile) {
  Status s = add_file(write("empty.txt", ""), "en");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("empty"), std::string::npos) << s.message();
  expect_only_the_good_document();
}

TEST_P(BadInput, BinaryFile) {
  Status s = add_file(write("image.txt", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)), "en");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("binary"), std::string::npos) << s.message();
  expect_only_the_good_document();
}

TEST_P(BadInput, UnknownLanguage) {
  Status s = add_file(write("ok.txt", "Some guidance.\n"), "klingon");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown language 'klingon'"), std::string::npos) << s.message();
  expect_only_the_good_document();
}

TEST_P(BadInput, InvalidUtf8) {
  Status s = add_file(write("gbk.txt", "\xba\xcb\xcb\xe1\xbc\xec\xb2\xe2\n"), "zh-Hans");  // 核酸检测 in GBK
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
  expect_only_the_good_document();
}

TEST_P(BadInput, DuplicateEditionIsRefusedAndLeavesTheFirst) {
  Document again;
  again.meta = {"guide", 1, "en", "Guide", {}, "", ""};
  again.sections.push_back({"", 0, {"other text"}});
  EXPECT_EQ((*kb_)->add_document(again).status().code(), StatusCode::kAlreadyExists);
  expect_only_the_good_document();
}

TEST_P(BadInput, IndexFailureRollsBackTheDatabase) {
  // A file where the index folder should be makes Xapian fail after the database insert.
  std::filesystem::remove_all((*kb_)->index_path());
  std::ofstream((*kb_)->index_path()) << "not an index";
  Document doc;
  doc.meta = {"other", 1, "en", "Other", {}, "", ""};
  doc.sections.push_back({"", 0, {"some text"}});
  Status s = (*kb_)->add_document(doc).status();
  EXPECT_FALSE(s.is_ok());
  auto found = (*kb_)->store().find_document("other", 1, "en");
  ASSERT_TRUE(found.is_ok());
  EXPECT_FALSE(found->has_value());
  std::filesystem::remove((*kb_)->index_path());
  ASSERT_TRUE((*kb_)->reindex().is_ok());
  expect_only_the_good_document();
}

}  // namespace
}  // namespace shouwang::knowledge
