// The knowledge centre's API: add documents (SQLite first, then the Xapian index, both or
// neither), search, fetch a document, diff two editions, rebuild the index; with Boost.JSON
// serialisers for the REST endpoints. Everything reports failures as Status, never throws.
//
// Wiring the REST endpoints (all public reads):
//   GET /api/v1/kb/search?q=&lang=&topic=&family=&edition=&from=&to=&limit=
//       search(db_path, SearchRequest) -> hits_to_json(...)      (an array, best first)
//   GET /api/v1/kb/documents/{id}
//       get_document(db_path, id) -> document_to_json(...)
//   GET /api/v1/kb/families/{family}/diff?from=&to=[&lang=]
//       diff_editions(db_path, family, from, to, lang) -> edition_diff_to_json(...)
// Errors: kInvalidArgument (bad parameter), kNotFound (no such document/edition), others 5xx.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "knowledge/document.h"
#include "knowledge/edition_diff.h"
#include "knowledge/knowledge_store.h"
#include "knowledge/search_options.h"

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

// The knowledge centre over one database file. Opening creates the kb_ tables if needed. One
// instance per thread; the server may keep one per worker to avoid reopening per request.
class KnowledgeBase {
 public:
  static Result<std::unique_ptr<KnowledgeBase>> open(const std::string& db_path, SearchOptions options = {});

  // Validates and stores a document, then indexes it; on any failure neither is changed.
  // Returns the new document id.
  Result<int64_t> add_document(Document document);
  // Adds many documents in one SQLite transaction and one index commit (bulk loads): all of them
  // or none. Returns their ids in order.
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
  std::unique_ptr<KnowledgeStore> store_;
  std::string index_path_;
  SearchOptions options_;
};

// One-call forms for the server and the command line (each opens the database).
Result<std::vector<Hit>> search(const std::string& db_path, const SearchRequest& request);
Result<DocumentView> get_document(const std::string& db_path, int64_t document_id);
Result<EditionDiff> diff_editions(const std::string& db_path, const std::string& family, int from_edition,
                                  int to_edition, const std::optional<std::string>& lang = std::nullopt);

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
