// Test helpers: a knowledge base opened on a database (kept alive with it), one in a fresh temporary
// folder loaded once per test binary with the shared demo corpus (read in place from
// SHOUWANG_SHARED_DIR).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "knowledge/demo_corpus.h"
#include "knowledge/knowledge.h"
#include "store/sql.h"

namespace shouwang::knowledge::testing {

// A knowledge base with the database pool it was opened on, which outlives it.
class TestKnowledgeBase {
 public:
  // `db` as `--db` takes it; the index in `index_dir`, default_index_dir(db) when empty.
  static Result<TestKnowledgeBase> open(const std::string& db, SearchOptions options = {},
                                        const std::string& index_dir = "") {
    TestKnowledgeBase opened;
    ASSIGN_OR_RETURN(opened.db_, store::sql::Database::open(db));
    ASSIGN_OR_RETURN(opened.kb_, KnowledgeBase::open(*opened.db_, index_dir.empty() ? default_index_dir(db) : index_dir,
                                                     options));
    return opened;
  }
  KnowledgeBase& operator*() { return *kb_; }
  KnowledgeBase* operator->() { return kb_.get(); }

 private:
  std::unique_ptr<store::sql::Database> db_;
  std::unique_ptr<KnowledgeBase> kb_;
};

inline std::string fresh_db_path(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                              ("kb-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "test.db").string();
}

inline std::string corpus_dir() { return std::string(SHOUWANG_SHARED_DIR) + "/corpus"; }

// The demo corpus loaded once and shared by the tests of one binary (read-only use).
inline KnowledgeBase& demo_kb() {
  static TestKnowledgeBase kb = [] {
    auto opened = TestKnowledgeBase::open(fresh_db_path("demo"));
    EXPECT_TRUE(opened.is_ok()) << opened.status().to_string();
    auto loaded = load_demo_corpus(**opened, corpus_dir());
    EXPECT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    return std::move(opened).value();
  }();
  return *kb;
}

inline std::vector<Hit> search_or_die(KnowledgeBase& kb, SearchRequest request) {
  auto hits = kb.search(request);
  EXPECT_TRUE(hits.is_ok()) << hits.status().to_string();
  return hits.is_ok() ? hits.value() : std::vector<Hit>{};
}

inline std::vector<Hit> search_text(const std::string& query, int limit = 10) {
  SearchRequest request;
  request.query = query;
  request.limit = limit;
  return search_or_die(demo_kb(), request);
}

}  // namespace shouwang::knowledge::testing
