// The knowledge tables (kb_*) in the Shouwang database (a SQLite file or PostgreSQL): the source of
// truth from which the Xapian index is (re)built. Opening migrates them. Each call leases a
// connection of the pool for its duration, so one instance serves every thread; writes that must
// commit together run through in_transaction on one connection.
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
#include "store/sql.h"

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

// Which content a search index holds: the database it was built from (an id made when the kb_
// tables were first opened, so an index never passes for another database's, e.g. one recreated
// under the same name) and the revision of the kb_ tables it reflects (every add raises it). An
// index whose state differs from the database's is stale and is rebuilt.
struct IndexState {
  std::string database_id;
  int64_t revision = 0;
  bool operator==(const IndexState&) const = default;
};

class KnowledgeStore {
 public:
  // Migrates the kb_ tables of `db`, which must outlive the store.
  static Result<std::unique_ptr<KnowledgeStore>> open(store::sql::Database& db);

  // The statements of an add, on the one connection of its transaction.
  class Writes {
   public:
    explicit Writes(store::sql::Connection& conn) : conn_(conn) {}
    // Raises the revision; gives the state as it was before. The first statement of an add: on
    // PostgreSQL its row lock makes concurrent adds (from other servers too) wait for each other.
    Result<IndexState> advance_revision();
    // Inserts a validated document. Returns the new id and, through `passage_ids`, the id of every
    // paragraph in document order.
    Result<int64_t> insert_document(const Document& document, std::vector<int64_t>& passage_ids);
    Result<std::optional<int64_t>> find_document(const std::string& family, int edition, const std::string& lang);
    Result<std::map<std::pair<std::string, std::string>, int>> latest_editions();

   private:
    store::sql::Connection& conn_;
  };
  // Runs `work` in one transaction on one leased connection and commits when it succeeds; an
  // error from `work` or from the commit leaves the tables as they were.
  Status in_transaction(const std::function<Status(Writes&)>& work);

  Result<IndexState> index_state();
  Result<std::optional<int64_t>> find_document(const std::string& family, int edition, const std::string& lang);
  Result<Document> load_document(int64_t id);
  Result<std::vector<EditionSummary>> editions_of_family(const std::string& family);
  // Highest edition per (family, lang): the editions searched by default.
  Result<std::map<std::pair<std::string, std::string>, int>> latest_editions();
  // The passages of `ids` the database holds, in that order; an id it does not hold yet (an add
  // committing right now) is left out.
  Result<std::vector<StoredPassage>> passages_by_id(const std::vector<int64_t>& ids);
  // Calls `visit` for every stored paragraph, in id order (for reindexing).
  Status for_each_passage(const std::function<Status(const StoredPassage&)>& visit);
  Result<int64_t> count_passages();

 private:
  explicit KnowledgeStore(store::sql::Database& db) : db_(db) {}
  store::sql::Database& db_;
};

}  // namespace shouwang::knowledge
