// The Xapian side of the knowledge centre: one Xapian document per stored paragraph (its
// kb_passages.id in the document data and as the unique term Q<id>), Chinese indexed as CJK
// n-grams (characters and overlapping bigrams) plus ICU dictionary words in a second field, other
// scripts through Snowball stemmers, all text NFKC + t2s folded first. The index is derived data:
// `rebuild_index` recreates it from the database at any time, and it records the IndexState it
// was built to in its metadata, so an index that no longer matches its database is recognised.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "knowledge/knowledge_store.h"
#include "knowledge/search_options.h"

namespace shouwang::knowledge {

inline constexpr const char* kWordPrefix = "XW";

// Boolean filter terms carried by every indexed paragraph.
std::string family_term(const std::string& family);
std::string language_term(const std::string& lang);
std::string topic_term(const std::string& topic);
std::string edition_term(int edition);
std::string document_term(int64_t document_id);
std::string passage_term(int64_t passage_id);  // unique per indexed paragraph (its kb_passages.id)
inline constexpr const char* kLatestTerm = "XLATEST";  // the paragraph's edition is its (family, lang)'s latest
inline constexpr Xapian::valueno kPublishedSlot = 0;   // YYYY-MM-DD, for date ranges

// Writes paragraphs into the index inside one Xapian transaction: commit() makes them visible,
// destruction without commit() discards them.
class IndexWriter {
 public:
  static Result<std::unique_ptr<IndexWriter>> open(const std::string& index_path, bool create_new = false,
                                                    SearchOptions options = {});
  ~IndexWriter();

  Status add_passage(const StoredPassage& passage, bool latest);
  // Sets or clears the latest-edition mark on every paragraph of a document.
  Status mark_latest(int64_t document_id, bool latest);
  Status remove_document(int64_t document_id);
  // The state the index was committed with last, and the one this transaction commits.
  IndexState state();
  Status set_state(const IndexState& state);
  Status commit();

 private:
  IndexWriter(Xapian::WritableDatabase db, SearchOptions options) : db_(std::move(db)), options_(options) {}
  Xapian::WritableDatabase db_;
  SearchOptions options_;
  bool in_transaction_ = false;
  Xapian::TermGenerator generator_;
};

// A read handle on the index at `index_path`, kept open per thread (Xapian handles are not
// thread-safe) and brought up to date with reopen() before it is handed out, so a search does not
// pay for opening the database files; opened afresh when the folder holds another database than
// the kept handle (a rebuild swapped it in, or it was deleted and recreated). Throws Xapian::Error
// like the Xapian::Database constructor.
Xapian::Database index_for_reading(const std::string& index_path);

// The state an index records (IndexState{} when none: an index made by an older binary). Throws
// Xapian::Error like Database::get_metadata.
IndexState index_state_of(const Xapian::Database& index);

// Rebuilds the index of `store` from scratch in a temporary folder and swaps it in, so a failure
// leaves the previous index in place; the new index records the store's IndexState read before the
// paragraphs (a document added meanwhile leaves it stale, never falsely current). Returns the
// number of paragraphs indexed.
Result<int64_t> rebuild_index(KnowledgeStore& store, const std::string& index_path, SearchOptions options = {});

// The ICU dictionary words of a run of Han characters (folded text) that have two or more
// characters; single characters are already unigrams of the n-gram field.
std::vector<std::string> dictionary_words(std::u32string_view han_run);

// What a query asks to match, as the snippet highlighter needs it: Han bigrams and single Han
// characters, and Latin/Cyrillic/Arabic words with their stems.
struct HighlightTerms {
  std::set<std::u32string> han_bigrams;
  std::set<char32_t> han_characters;
  std::set<std::string> words;  // lower-cased
  std::set<std::string> stems;
  std::string stemmer;
};
HighlightTerms highlight_terms_for_query(const std::string& query, const std::string& stemmer_language);

// A snippet of about `max_chars` code points around the densest matches of `terms` in `original`,
// cut from the original text (its own script), HTML-escaped, matches wrapped in <mark>...</mark>,
// "…" where it was cut. Why not Xapian's MSet::snippet: that highlights only the exact text it is
// given, and we index folded (NFKC + t2s) text but must show the document's own characters.
std::string make_snippet(const std::string& original, const HighlightTerms& terms, size_t max_chars = 0);

// Parses a user query (already folded by normalize_for_search) with Xapian's QueryParser in CJK
// n-gram mode. Xapian 1.4.22 throws on some mixed queries (`PCR 核酸 ICU`); these are re-parsed
// with each Chinese run as a phrase, then without operators, then as a plain OR of the terms, so
// no query fails. An empty Query means nothing searchable. Each Chinese run's n-gram conjunction
// keeps only its bigrams (the same matches, far shorter posting lists) and, with the dictionary
// field, becomes (bigrams AND'ed) OR (its dictionary words).
Xapian::Query parse_user_query(const std::string& folded_query, const std::string& stemmer_language,
                               SearchOptions options = {});

// Picks the stemmer for a query: the language filter's, else by the query's script (Cyrillic:
// Russian, Arabic: Arabic, otherwise English).
std::string query_stemmer(const std::string& folded_query, const std::optional<std::string>& lang_filter);

}  // namespace shouwang::knowledge
