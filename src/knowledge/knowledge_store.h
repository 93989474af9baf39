// The knowledge tables (kb_*) in the Shouwang SQLite database: the source of truth from which the
// Xapian index is (re)built. Created idempotently when a KnowledgeStore opens the database.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "knowledge/document.h"
#include "store/sqlite/sqlite_db.h"

namespace shouwang::knowledge {

// One paragraph as stored, with what a search hit reports about it. `id` is kb_passages.id and
// doubles as the Xapian document id.
struct StoredPassage {
  int64_t id = 0;
  int64_t document_id = 0;
  std::string family;
  int edition = 0;
  std::string lang;
  std::string title;
  std::string published;
  std::vector<std::string> topics;
  int section_ordinal = 0;
  std::string heading;
  std::string text;
};

struct EditionSummary {
  int64_t document_id = 0;
  int edition = 0;
  std::string lang;
  std::string title;
  std::string published;
};

class KnowledgeStore {
 public:
  // Opens the database file (creating it and the kb_ tables when absent).
  static Result<std::unique_ptr<KnowledgeStore>> open(const std::string& db_path);

  store::sqlite::Db& db() { return *db_; }

  // Inserts a validated document; call inside a Transaction. Returns the new id and, through
  // `passage_ids`, the id of every paragraph in document order.
  Result<int64_t> insert_document(const Document& document, std::vector<int64_t>& passage_ids);
  Result<std::optional<int64_t>> find_document(const std::string& family, int edition, const std::string& lang);
  Result<Document> load_document(int64_t id);
  Result<std::vector<EditionSummary>> editions_of_family(const std::string& family);
  // Highest edition per (family, lang): the editions searched by default.
  Result<std::map<std::pair<std::string, std::string>, int>> latest_editions();
  Result<std::vector<StoredPassage>> passages_by_id(const std::vector<int64_t>& ids);
  // Calls `visit` for every stored paragraph, in id order (for reindexing).
  Status for_each_passage(const std::function<Status(const StoredPassage&)>& visit);
  Result<int64_t> count_passages();

 private:
  explicit KnowledgeStore(std::unique_ptr<store::sqlite::Db> db) : db_(std::move(db)) {}
  std::unique_ptr<store::sqlite::Db> db_;
};

}  // namespace shouwang::knowledge
