// The knowledge centre's API: add documents (database first, then the Xapian index, both or
// neither), search, fetch a document, diff two editions, rebuild the index; with Boost.JSON
// serialisers for the REST endpoints. Everything reports failures as Status, never throws.
//
// Wiring the REST endpoints (all public reads) to one KnowledgeBase shared by the server's threads:
//   GET /api/v1/kb/search?q=&lang=&topic=&family=&edition=&from=&to=&limit=
//       KnowledgeBase::search(SearchRequest) -> hits_to_json(...)      (an array, best first)
//   GET /api/v1/kb/documents/{id}
//       KnowledgeBase::get_document(id) -> document_to_json(...)
//   GET /api/v1/kb/families/{family}/diff?from=&to=[&lang=]
//       KnowledgeBase::diff_editions(family, from, to, lang) -> edition_diff_to_json(...)
// Errors: kInvalidArgument (bad parameter), kNotFound (no such document/edition), others 5xx.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "knowledge/document.h"
#include "knowledge/edition_diff.h"
#include "knowledge/knowledge_store.h"
#include "knowledge/search_options.h"
#include "store/sql.h"

namespace shouwang::knowledge {

struct SearchRequest {
  std::string query;
  std::optional<std::string> lang;    // BCP 47, e.g. "zh-Hans"
  std::optional<std::string> family;
  std::optional<std::string> topic;
  std::string edition = "latest";     // "latest" (default), "all", or an edition number
  std::optional<std::string> published_from;  // YYYY-MM-DD, inclusive
  std::optional<std::string> published_to;
  int limit = 10;                     // 1..1000
  int offset = 0;
};

struct Hit {
  int64_t passage_id = 0;
  int64_t document_id = 0;
  std::string family;
  int edition = 0;
  std::string lang;
  std::string title;
  std::string section;   // heading of the section the paragraph is in
  std::string snippet;   // HTML-escaped, matches in <mark>...</mark>
  double score = 0;      // Xapian BM25 weight
  std::string published;
};

// A stored document with its neighbours: the other languages of the same edition and every
// edition of its family.
struct DocumentView {
  Document document;
  std::vector<EditionSummary> translations;
  std::vector<EditionSummary> editions;
};

// Checks a request's parameters (language, edition, dates, limit) before any search.
Status validate_search_request(const SearchRequest& request);

// The knowledge centre over one database (SQLite file or PostgreSQL) and a local search index
// directory. The index is derived from the kb_ tables and rebuilt from them whenever it is missing
// or no longer matches them: made by an older binary, left behind by a database recreated under the
// same name, or missing documents that another process or another server sharing the PostgreSQL
// database added. Safe to share between threads: reads lease pooled connections and searches keep
// a read handle per thread; adds and rebuilds of one instance take turns.
class KnowledgeBase {
 public:
  // `db` (its kb_ tables are migrated here) must outlive the knowledge base; `index_dir` is where
  // the search index lives (default_index_dir(db.name()) unless the caller chose one).
  static Result<std::unique_ptr<KnowledgeBase>> open(store::sql::Database& db, std::string index_dir,
                                                     SearchOptions options = {});

  // Validates and stores a document, then indexes it; on any failure neither is changed.
  // Returns the new document id.
  Result<int64_t> add_document(Document document);
  // Adds many documents in one database transaction and one index commit (bulk loads): all of
  // them or none. Returns their ids in order.
  Result<std::vector<int64_t>> add_documents(std::vector<Document> documents);
  Result<std::vector<Hit>> search(const SearchRequest& request);
  Result<DocumentView> get_document(int64_t document_id);
  // Diffs the given language, or every language both editions exist in when `lang` is empty.
  Result<EditionDiff> diff_editions(const std::string& family, int from_edition, int to_edition,
                                    const std::optional<std::string>& lang = std::nullopt);
  // Rebuilds the Xapian index from the database; returns the number of paragraphs indexed.
  Result<int64_t> reindex();

  KnowledgeStore& store() { return *store_; }
  const std::string& index_path() const { return index_path_; }

 private:
  KnowledgeBase(std::unique_ptr<KnowledgeStore> store, std::string index_path, SearchOptions options)
      : store_(std::move(store)), index_path_(std::move(index_path)), options_(options) {}
  // Rebuilds the index when it is missing or its state is not the database's; an index folder
  // that is there but cannot be read is reported, never replaced unasked.
  Status refresh_index();
  Result<bool> index_is_current(const IndexState& database_state);

  std::unique_ptr<KnowledgeStore> store_;
  std::string index_path_;
  SearchOptions options_;
  std::mutex index_writes_;  // one add or rebuild of this instance at a time
};

// Where the index of the database a `--db` value names lives unless told otherwise: beside a
// SQLite file, "<file>.kb-index"; a postgresql:// URL has no file, so "shouwang-kb-<database name>"
// in the current folder (the URL's database, or its user as libpq defaults; other characters than
// letters, digits, '-', '_' and '.' become '_').
std::string default_index_dir(const std::string& db);

// Builds a Document from a file (txt, md, html, pdf) and the caller's metadata; the title falls
// back to the one found in the file.
Result<Document> document_from_file(const std::string& path, DocumentMeta meta);

// JSON for the REST API and `--format json`.
// Hit: {"family","edition","lang","title","section","snippet","score","document_id","passage_id","published"}
boost::json::value hit_to_json(const Hit& hit);
boost::json::array hits_to_json(const std::vector<Hit>& hits);
// {"id","family","edition","lang","title","topics","published","source",
//  "sections":[{"heading","level","paragraphs":[...]}],"translations":[{"id","lang","edition","title"}],
//  "editions":[{"id","lang","edition","title","published"}]}
boost::json::value document_to_json(const DocumentView& view);
// {"family","from","to","languages":[{"lang","from_document_id","to_document_id","unchanged",
//   "changes":[{"kind":"changed|inserted|deleted|moved","section","heading","from_index","to_index",
//               "spans":[{"op":"equal|insert|delete","text"}],"text":"inline [-del-]{+ins+}"}]}]}
boost::json::value edition_diff_to_json(const EditionDiff& diff);

}  // namespace shouwang::knowledge
