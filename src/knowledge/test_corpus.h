// Test helper: a knowledge base in a fresh temporary folder, loaded once per test binary with the
// shared demo corpus (read in place from SHOUWANG_SHARED_DIR).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "knowledge/demo_corpus.h"
#include "knowledge/knowledge.h"

namespace shouwang::knowledge::testing {

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
  static std::unique_ptr<KnowledgeBase> kb = [] {
    auto opened = KnowledgeBase::open(fresh_db_path("demo"));
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
