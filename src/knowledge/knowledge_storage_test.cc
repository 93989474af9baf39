// The knowledge centre on both databases: documents read back whole, the latest-edition mark, and
// the search index kept in step with the kb_ tables when it is missing, when another server sharing
// the database added documents, when it belongs to another database, when it was made by the
// previous binary, and while threads search and add at once.
#include <gtest/gtest.h>
#include <xapian.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "knowledge/search_index.h"
#include "knowledge/test_corpus.h"
#include "tests/support/backends.h"

namespace shouwang::knowledge {
namespace {

using shouwang::testing::Backend;
using shouwang::testing::FreshDatabase;
using testing::TestKnowledgeBase;

// A folder for index directories, removed with the test.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> made{0};
    path_ = std::filesystem::temp_directory_path() /
            ("shouwang-kb-storage-" + std::to_string(::getpid()) + "-" + std::to_string(++made));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

Document one_paragraph(const std::string& family, int edition, const std::string& lang, const std::string& text) {
  Document doc;
  doc.meta = {family, edition, lang, "Guide", {}, "", ""};
  doc.sections.push_back({"", 0, {text}});
  return doc;
}

std::vector<Hit> find(KnowledgeBase& kb, const std::string& query, const std::string& edition = "all") {
  SearchRequest request;
  request.query = query;
  request.edition = edition;
  return testing::search_or_die(kb, request);
}

class KnowledgeStorage : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = fresh_.create(GetParam());
    ASSERT_FALSE(db_.empty());
  }
  // A knowledge base on the test's database, its index in the scratch folder under `index_name`
  // (two names: two servers, each with its own local index).
  TestKnowledgeBase open(const std::string& index_name = "index") {
    auto kb = TestKnowledgeBase::open(db_, {}, scratch_.file(index_name));
    EXPECT_TRUE(kb.is_ok()) << kb.status().to_string();
    return std::move(kb).value();
  }

  FreshDatabase fresh_;
  ScratchDir scratch_;
  std::string db_;
};

INSTANTIATE_TEST_SUITE_P(Backends, KnowledgeStorage, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

TEST_P(KnowledgeStorage, DocumentsReadBackWithTopicsSectionsTranslationsAndEditions) {
  TestKnowledgeBase kb = open();
  Document en;
  en.meta = {"masks", 1, "en", "Masks", {"prevention", "masks"}, "2020-04-01", "WHO"};
  en.sections.push_back({"", 0, {"Wear a mask in crowded places."}});
  en.sections.push_back({"Fitting", 1, {"Cover nose and mouth.", "Avoid gaps at the sides."}});
  en.sections.push_back({"Annex", 2, {}});  // a heading without paragraphs is kept
  auto en_id = kb->add_document(en);
  ASSERT_TRUE(en_id.is_ok()) << en_id.status().to_string();
  Document zh = one_paragraph("masks", 1, "zh-Hans", "在人群密集场所佩戴口罩。");
  auto zh_id = kb->add_document(zh);
  ASSERT_TRUE(zh_id.is_ok()) << zh_id.status().to_string();
  Document en2 = en;
  en2.meta.edition = 2;
  en2.sections[1].paragraphs[1] = "Avoid any gap between the mask and the face.";
  auto en2_id = kb->add_document(en2);
  ASSERT_TRUE(en2_id.is_ok()) << en2_id.status().to_string();

  auto view = kb->get_document(*en_id);
  ASSERT_TRUE(view.is_ok()) << view.status().to_string();
  const Document& d = view->document;
  EXPECT_EQ(d.meta.title, "Masks");
  EXPECT_EQ(d.meta.published, "2020-04-01");
  EXPECT_EQ(d.meta.source, "WHO");
  EXPECT_EQ(d.meta.topics, (std::vector<std::string>{"masks", "prevention"}));
  ASSERT_EQ(d.sections.size(), 3u);
  EXPECT_EQ(d.sections[1].heading, "Fitting");
  EXPECT_EQ(d.sections[1].level, 1);
  EXPECT_EQ(d.sections[1].paragraphs, en.sections[1].paragraphs);
  EXPECT_EQ(d.sections[2].heading, "Annex");
  EXPECT_TRUE(d.sections[2].paragraphs.empty());
  ASSERT_EQ(view->translations.size(), 1u);
  EXPECT_EQ(view->translations[0].document_id, *zh_id);
  ASSERT_EQ(view->editions.size(), 3u);
  EXPECT_EQ(view->editions[0].lang, "en");
  EXPECT_EQ(view->editions[1].lang, "zh-Hans");
  EXPECT_EQ(view->editions[2].document_id, *en2_id);
  EXPECT_EQ(kb->get_document(*en2_id + 100).status().code(), StatusCode::kNotFound);

  SearchRequest by_topic;
  by_topic.query = "mask";
  by_topic.topic = "prevention";
  auto hits = testing::search_or_die(*kb, by_topic);
  ASSERT_FALSE(hits.empty());
  for (const Hit& hit : hits) EXPECT_EQ(hit.document_id, *en2_id) << "latest English edition only";

  auto diff = kb->diff_editions("masks", 1, 2, std::string("en"));
  ASSERT_TRUE(diff.is_ok()) << diff.status().to_string();
  ASSERT_EQ(diff->languages.size(), 1u);
  EXPECT_FALSE(diff->languages[0].changes.empty());

  EXPECT_EQ(kb->add_document(en).status().code(), StatusCode::kAlreadyExists);
  auto passages = kb->store().count_passages();
  ASSERT_TRUE(passages.is_ok());
  EXPECT_EQ(*passages, 3 + 1 + 3);
}

TEST_P(KnowledgeStorage, LatestMarkMovesWhenANewerEditionIsAdded) {
  TestKnowledgeBase kb = open();
  for (int edition : {1, 3, 2}) {
    ASSERT_TRUE(kb->add_document(one_paragraph("fam", edition, "en",
                                               "quarantine lasts " + std::to_string(edition * 7) + " days"))
                    .is_ok());
  }
  auto hits = find(*kb, "quarantine", "latest");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].edition, 3);
  EXPECT_EQ(find(*kb, "quarantine").size(), 3u);
  // The index rebuilt from the database gives the same answers.
  ASSERT_TRUE(kb->reindex().is_ok());
  hits = find(*kb, "quarantine", "latest");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].edition, 3);
}

TEST_P(KnowledgeStorage, AMissingIndexIsRebuiltWhenSearched) {
  TestKnowledgeBase kb = open();
  ASSERT_TRUE(kb->add_document(one_paragraph("hands", 1, "en", "wash hands often")).is_ok());
  std::filesystem::remove_all(kb->index_path());
  EXPECT_EQ(find(*kb, "hands").size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(kb->index_path()));
}

TEST_P(KnowledgeStorage, DocumentsAnotherServerAddedReachThisServersIndex) {
  // Two servers sharing the database, each with an index of its own.
  TestKnowledgeBase a = open("server-a");
  TestKnowledgeBase b = open("server-b");
  ASSERT_TRUE(a->add_document(one_paragraph("one", 1, "en", "alpha ventilation")).is_ok());
  EXPECT_EQ(find(*b, "ventilation").size(), 1u) << "b's missing index is built from the database";
  ASSERT_TRUE(a->add_document(one_paragraph("two", 1, "en", "beta ventilation")).is_ok());
  EXPECT_EQ(find(*b, "ventilation").size(), 2u) << "b's index is stale after a's add and is rebuilt";

  // An add on a stale index: b's index misses a's third document when b adds its own.
  ASSERT_TRUE(a->add_document(one_paragraph("three", 1, "en", "gamma ventilation")).is_ok());
  ASSERT_TRUE(b->add_document(one_paragraph("four", 1, "en", "delta ventilation")).is_ok());
  EXPECT_EQ(find(*b, "ventilation").size(), 4u);
  EXPECT_EQ(find(*a, "ventilation").size(), 4u);
  EXPECT_EQ(find(*a, "gamma").size(), 1u);
  EXPECT_EQ(find(*b, "gamma").size(), 1u);

  // A newer edition added by one server moves the latest mark in the other's index too.
  ASSERT_TRUE(a->add_document(one_paragraph("four", 2, "en", "delta ventilation revised")).is_ok());
  auto latest = find(*b, "delta", "latest");
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].edition, 2);
}

TEST_P(KnowledgeStorage, AnIndexLeftByAnotherDatabaseIsNotTrusted) {
  // The same index folder once served another database (one since dropped and made again under
  // the same name, say) whose revision happens to be the same.
  const std::string shared_index = scratch_.file("shared-index");
  FreshDatabase other;
  const std::string other_db = other.create(GetParam());
  ASSERT_FALSE(other_db.empty());
  {
    auto first = TestKnowledgeBase::open(other_db, {}, shared_index);
    ASSERT_TRUE(first.is_ok());
    ASSERT_TRUE((*first)->add_document(one_paragraph("old", 1, "en", "alpha isolation")).is_ok());
  }
  // This database at the same revision (one add, indexed elsewhere), so only its id tells.
  {
    TestKnowledgeBase elsewhere = open("elsewhere");
    ASSERT_TRUE(elsewhere->add_document(one_paragraph("new", 1, "en", "beta isolation")).is_ok());
  }
  auto second = TestKnowledgeBase::open(db_, {}, shared_index);
  ASSERT_TRUE(second.is_ok());
  ASSERT_TRUE(std::filesystem::exists(shared_index));
  EXPECT_TRUE(find(**second, "alpha").empty());
  EXPECT_EQ(find(**second, "isolation").size(), 1u);
  ASSERT_TRUE((*second)->add_document(one_paragraph("newer", 1, "en", "gamma isolation")).is_ok());
  EXPECT_TRUE(find(**second, "alpha").empty());
  EXPECT_EQ(find(**second, "isolation").size(), 2u);
}

TEST_P(KnowledgeStorage, ThreadsSearchWhileAnotherAdds) {
  TestKnowledgeBase kb = open();
  ASSERT_TRUE(kb->add_document(one_paragraph("seed", 1, "en", "distancing measures")).is_ok());
  std::atomic<bool> adding{true};
  std::atomic<int> failures{0};
  std::atomic<int> searches{0};
  std::mutex first_failure_mutex;
  std::string first_failure;
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (adding.load()) {
        SearchRequest request;
        request.query = "distancing";
        request.edition = "all";
        auto hits = kb->search(request);
        if (!hits.is_ok() || hits->empty()) {
          ++failures;
          std::lock_guard lock(first_failure_mutex);
          if (first_failure.empty()) first_failure = hits.is_ok() ? "no hits" : hits.status().to_string();
        }
        ++searches;
      }
    });
  }
  for (int i = 0; i < 8; ++i) {
    auto added = kb->add_document(one_paragraph("family-" + std::to_string(i), 1, "en", "distancing rule " + std::to_string(i)));
    EXPECT_TRUE(added.is_ok()) << added.status().to_string();
  }
  adding = false;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0) << "of " << searches.load() << " searches; first: " << first_failure;
  EXPECT_EQ(find(*kb, "distancing").size(), 9u);
}

// A database file and index the previous binary made: the kb_ tables without a migration record
// and an index that records no state. The documents are kept and the index is rebuilt.
TEST(KnowledgeUpgrade, ADatabaseOfThePreviousBinaryKeepsItsDocuments) {
  FreshDatabase fresh;
  const std::string path = fresh.create(Backend::kSqlite);
  {
    auto conn = store::sql::connect(path);
    ASSERT_TRUE(conn.is_ok()) << conn.status().to_string();
    ASSERT_TRUE((*conn)->exec(R"sql(
CREATE TABLE kb_documents (
  id INTEGER PRIMARY KEY, family TEXT NOT NULL, edition INTEGER NOT NULL CHECK (edition >= 1),
  lang TEXT NOT NULL, title TEXT NOT NULL, published TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '', UNIQUE (family, edition, lang));
CREATE TABLE kb_document_topics (
  document_id INTEGER NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE, topic TEXT NOT NULL,
  PRIMARY KEY (document_id, topic));
CREATE TABLE kb_sections (
  id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL, level INTEGER NOT NULL, heading TEXT NOT NULL, UNIQUE (document_id, ordinal));
CREATE TABLE kb_passages (
  id INTEGER PRIMARY KEY, section_id INTEGER NOT NULL REFERENCES kb_sections(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL, text TEXT NOT NULL, UNIQUE (section_id, ordinal));
INSERT INTO kb_documents VALUES (1, 'old', 1, 'en', 'Old guide', '2020-01-01', '');
INSERT INTO kb_document_topics VALUES (1, 'legacy');
INSERT INTO kb_sections VALUES (1, 1, 0, 0, '');
INSERT INTO kb_passages VALUES (1, 1, 0, 'ventilation of wards');
)sql").is_ok());
  }
  const std::string index = default_index_dir(path);
  {
    // The old binary's index: the paragraph, and no recorded state.
    auto writer = IndexWriter::open(index, true);
    ASSERT_TRUE(writer.is_ok());
    StoredPassage passage;
    passage.id = 1;
    passage.document_id = 1;
    passage.family = "old";
    passage.edition = 1;
    passage.lang = "en";
    passage.title = "Old guide";
    passage.text = "ventilation of wards";
    ASSERT_TRUE((*writer)->add_passage(passage, true).is_ok());
    ASSERT_TRUE((*writer)->commit().is_ok());
  }
  auto kb = TestKnowledgeBase::open(path);
  ASSERT_TRUE(kb.is_ok()) << kb.status().to_string();
  EXPECT_EQ((*kb)->index_path(), index);
  auto view = (*kb)->get_document(1);
  ASSERT_TRUE(view.is_ok()) << view.status().to_string();
  EXPECT_EQ(view->document.meta.topics, std::vector<std::string>{"legacy"});
  auto hits = find(**kb, "ventilation", "latest");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].document_id, 1);
  EXPECT_EQ(index_state_of(Xapian::Database(index)), *(*kb)->store().index_state()) << "rebuilt with the state";
  auto added = (*kb)->add_document(one_paragraph("new", 1, "en", "ventilation of corridors"));
  ASSERT_TRUE(added.is_ok()) << added.status().to_string();
  EXPECT_GT(*added, 1);
  EXPECT_EQ(find(**kb, "ventilation").size(), 2u);
}

TEST(KnowledgeIndexDir, BesideASqliteFileNamedAfterAPostgresDatabase) {
  EXPECT_EQ(default_index_dir("var/shouwang.db"), "var/shouwang.db.kb-index");
  EXPECT_EQ(default_index_dir("postgresql://sw@db.example:5432/shouwang"), "shouwang-kb-shouwang");
  EXPECT_EQ(default_index_dir("postgres://sw@db.example/shouwang?sslmode=require"), "shouwang-kb-shouwang");
  EXPECT_EQ(default_index_dir("postgresql://sw@host/my%20db"), "shouwang-kb-my_20db");
  EXPECT_EQ(default_index_dir("postgresql://alice:secret@host/"), "shouwang-kb-alice");
  EXPECT_EQ(default_index_dir("postgresql://host:5432"), "shouwang-kb-postgres");
}

}  // namespace
}  // namespace shouwang::knowledge
