// Xapian indexing, query parsing with fallbacks, and snippet highlighting.
#include "knowledge/search_index.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "knowledge/document.h"
#include "knowledge/text_normalizer.h"

namespace shouwang::knowledge {
namespace fs = std::filesystem;

std::string family_term(const std::string& family) { return "XF" + family; }
std::string language_term(const std::string& lang) { return "XL" + to_lower(lang); }
std::string topic_term(const std::string& topic) { return "XT" + to_lower(topic); }
std::string edition_term(int edition) { return "XE" + std::to_string(edition); }
std::string document_term(int64_t document_id) { return "XD" + std::to_string(document_id); }
std::string passage_term(int64_t passage_id) { return "Q" + std::to_string(passage_id); }

std::vector<std::string> dictionary_words(std::u32string_view han_run) {
  // Creating a break iterator loads ICU's CJ dictionary: once per thread, since an iterator is not
  // thread-safe.
  thread_local std::unique_ptr<icu::BreakIterator> breaker = [] {
    UErrorCode error = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> made(icu::BreakIterator::createWordInstance(icu::Locale::getChinese(), error));
    if (U_FAILURE(error)) made.reset();
    return made;
  }();
  std::vector<std::string> words;
  if (!breaker) return words;
  icu::UnicodeString text = icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(han_run.data()),
                                                          static_cast<int32_t>(han_run.size()));
  breaker->setText(text);
  int32_t start = breaker->first();
  for (int32_t end = breaker->next(); end != icu::BreakIterator::DONE; start = end, end = breaker->next()) {
    if (text.countChar32(start, end - start) < 2) continue;
    std::string word;
    text.tempSubStringBetween(start, end).toUTF8String(word);
    words.push_back(std::move(word));
  }
  return words;
}

namespace {

Status xapian_status(const Xapian::Error& error, const std::string& what) {
  std::string message = what + ": " + error.get_type() + ": " + error.get_msg();
  std::string type = error.get_type();
  if (type == "DatabaseLockError" || type == "DatabaseOpeningError" || type == "DatabaseNotFoundError") {
    return unavailable(message);
  }
  return internal_error(message);
}

// Indexes Han runs without a stemmer and everything else with the language's: the query parser
// never asks for stemmed (Z-prefixed) CJK n-grams, so stemming them would only double the terms
// (measured: half the indexing speed for Chinese text).
void index_folded_text(Xapian::TermGenerator& generator, Xapian::Document& doc, const std::string& folded,
                       const Xapian::Stem& stemmer, const SearchOptions& options) {
  static const Xapian::Stem kNoStemmer;
  std::u32string text = to_u32(folded);
  for (size_t i = 0; i < text.size();) {
    bool han = is_han(text[i]);
    size_t j = i + 1;
    while (j < text.size() && is_han(text[j]) == han) ++j;
    generator.set_stemmer(han ? kNoStemmer : stemmer);
    std::u32string_view run = std::u32string_view(text).substr(i, j - i);
    generator.index_text(to_utf8(run));
    if (han && options.dictionary_field) {
      for (const std::string& word : dictionary_words(run)) doc.add_term(kWordPrefix + word);
    }
    i = j;
  }
}

Xapian::Document make_index_document(Xapian::TermGenerator& generator, const StoredPassage& passage, bool latest,
                                     const SearchOptions& options) {
  Xapian::Document doc;
  generator.set_document(doc);
  Xapian::Stem stemmer(stemmer_for_language(passage.lang));
  if (!passage.heading.empty()) {
    index_folded_text(generator, doc, normalize_for_search(passage.heading), stemmer, options);
    generator.increase_termpos();
  }
  index_folded_text(generator, doc, normalize_for_search(passage.text), stemmer, options);
  doc.add_boolean_term(family_term(passage.family));
  doc.add_boolean_term(language_term(passage.lang));
  doc.add_boolean_term(edition_term(passage.edition));
  doc.add_boolean_term(document_term(passage.document_id));
  for (const std::string& topic : passage.topics) doc.add_boolean_term(topic_term(topic));
  if (latest) doc.add_boolean_term(kLatestTerm);
  if (!passage.published.empty()) doc.add_value(kPublishedSlot, passage.published);
  doc.add_boolean_term(passage_term(passage.id));
  doc.set_data(std::to_string(passage.id));
  return doc;
}

}  // namespace

Result<std::unique_ptr<IndexWriter>> IndexWriter::open(const std::string& index_path, bool create_new,
                                                       SearchOptions options) {
  try {
    Xapian::WritableDatabase db(index_path, create_new ? Xapian::DB_CREATE_OR_OVERWRITE : Xapian::DB_CREATE_OR_OPEN);
    std::unique_ptr<IndexWriter> writer(new IndexWriter(std::move(db), options));
    // STEM_SOME (the default), not STEM_ALL: in Xapian 1.4.22, STEM_ALL gives CJK bigrams positions
    // between the characters', so a Chinese phrase query ("核酸检测") no longer matches.
    writer->generator_.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    writer->db_.begin_transaction();
    writer->in_transaction_ = true;
    return writer;
  } catch (const Xapian::Error& e) {
    return xapian_status(e, "cannot open the search index '" + index_path + "'");
  }
}

IndexWriter::~IndexWriter() {
  if (!in_transaction_) return;
  try {
    db_.cancel_transaction();
  } catch (const Xapian::Error&) {
    // Nothing more to undo: an uncommitted Xapian transaction is discarded when the handle closes.
  }
}

Status IndexWriter::add_passage(const StoredPassage& passage, bool latest) {
  try {
    // Xapian assigns the docid; the paragraph is found again through its unique Q term.
    db_.add_document(make_index_document(generator_, passage, latest, options_));
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return xapian_status(e, "indexing failed");
  }
}

Status IndexWriter::mark_latest(int64_t document_id, bool latest) {
  try {
    std::string term = document_term(document_id);
    std::vector<Xapian::docid> ids(db_.postlist_begin(term), db_.postlist_end(term));
    for (Xapian::docid id : ids) {
      Xapian::Document doc = db_.get_document(id);
      if (latest) {
        doc.add_boolean_term(kLatestTerm);
      } else {
        try {
          doc.remove_term(kLatestTerm);
        } catch (const Xapian::InvalidArgumentError&) {
          continue;  // was not marked
        }
      }
      db_.replace_document(id, doc);
    }
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return xapian_status(e, "updating the latest-edition marks failed");
  }
}

Status IndexWriter::remove_document(int64_t document_id) {
  try {
    db_.delete_document(document_term(document_id));
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return xapian_status(e, "removing from the index failed");
  }
}

namespace {

// Where an index keeps the IndexState it was built to (Xapian user metadata, committed with the
// documents).
constexpr const char* kDatabaseIdKey = "shouwang.kb.database_id";
constexpr const char* kRevisionKey = "shouwang.kb.revision";

}  // namespace

IndexState index_state_of(const Xapian::Database& index) {
  IndexState state;
  state.database_id = index.get_metadata(kDatabaseIdKey);
  const std::string revision = index.get_metadata(kRevisionKey);
  if (state.database_id.empty() || revision.empty()) return IndexState{};
  auto [end, ec] = std::from_chars(revision.data(), revision.data() + revision.size(), state.revision);
  if (ec != std::errc() || end != revision.data() + revision.size()) return IndexState{};
  return state;
}

IndexState IndexWriter::state() {
  try {
    return index_state_of(db_);
  } catch (const Xapian::Error&) {
    return IndexState{};  // unreadable: treated as an index of no known state, hence rebuilt
  }
}

Status IndexWriter::set_state(const IndexState& state) {
  try {
    db_.set_metadata(kDatabaseIdKey, state.database_id);
    db_.set_metadata(kRevisionKey, std::to_string(state.revision));
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return xapian_status(e, "recording the search index's state failed");
  }
}

Status IndexWriter::commit() {
  try {
    db_.commit_transaction();
    in_transaction_ = false;
    db_.close();
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return xapian_status(e, "committing the search index failed");
  }
}

namespace {

// The UUID of the glass database at `index_path` as Xapian::Database::get_uuid() spells it, read
// from its version file, or nullopt. Xapian has no call for the UUID on disk, and reopen() cannot
// tell that the folder now holds another database (a deleted index recreated at the same path),
// so a kept handle is only reused while this matches. The layout is that of Xapian 1.4's glass
// backend (the default): 14 bytes of magic, 2 of format version, 16 of UUID.
std::optional<std::string> glass_uuid_on_disk(const std::string& index_path) {
  static constexpr char kMagic[] = "\x0f\x0dXapian Glass";
  std::ifstream version(index_path + "/iamglass", std::ios::binary);
  char head[32];
  if (!version.read(head, sizeof head) || std::memcmp(head, kMagic, 14) != 0) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  for (int k = 0; k < 16; ++k) {
    if (k == 4 || k == 6 || k == 8 || k == 10) uuid.push_back('-');
    auto byte = static_cast<unsigned char>(head[16 + k]);
    uuid.push_back(kHex[byte >> 4]);
    uuid.push_back(kHex[byte & 15]);
  }
  return uuid;
}

}  // namespace

Xapian::Database index_for_reading(const std::string& index_path) {
  struct OpenIndex {
    Xapian::Database db;
    std::string uuid;
  };
  // Bounded so a process that searches many databases (tests) does not keep all their files open.
  constexpr size_t kMaxOpenIndexes = 8;
  thread_local std::map<std::string, OpenIndex> open_indexes;
  std::optional<std::string> uuid = glass_uuid_on_disk(index_path);
  auto it = open_indexes.find(index_path);
  if (it != open_indexes.end()) {
    if (uuid && it->second.uuid == *uuid) {
      try {
        it->second.db.reopen();  // the same database: catch up with its newest commit
        return it->second.db;
      } catch (const Xapian::Error&) {
      }
    }
    open_indexes.erase(it);
  }
  Xapian::Database db(index_path);  // throws the error Xapian reports for a missing index
  if (uuid && db.get_uuid() == *uuid) {
    if (open_indexes.size() >= kMaxOpenIndexes) open_indexes.clear();
    open_indexes[index_path] = OpenIndex{db, *uuid};
  }
  return db;
}

Result<int64_t> rebuild_index(KnowledgeStore& store, const std::string& index_path, SearchOptions options) {
  std::string fresh = index_path + ".rebuilding";
  std::string old = index_path + ".old";
  std::error_code ec;
  fs::remove_all(fresh, ec);
  // The state first: a document committed after it makes the new index stale (rebuilt again
  // later), whereas read last it could claim a document the index does not hold.
  ASSIGN_OR_RETURN(const IndexState state, store.index_state());
  ASSIGN_OR_RETURN(auto latest, store.latest_editions());
  int64_t count = 0;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<IndexWriter> writer, IndexWriter::open(fresh, true, options));
    RETURN_IF_ERROR(writer->set_state(state));
    RETURN_IF_ERROR(store.for_each_passage([&](const StoredPassage& passage) {
      auto it = latest.find({passage.family, passage.lang});
      bool is_latest = it != latest.end() && it->second == passage.edition;
      ++count;
      return writer->add_passage(passage, is_latest);
    }));
    RETURN_IF_ERROR(writer->commit());
  }
  fs::remove_all(old, ec);
  if (fs::exists(index_path)) {
    fs::rename(index_path, old, ec);
    if (ec) return unavailable("cannot replace the search index '" + index_path + "': " + ec.message());
  }
  fs::rename(fresh, index_path, ec);
  if (ec) return unavailable("cannot move the new search index into place: " + ec.message());
  fs::remove_all(old, ec);
  return count;
}

namespace {

bool is_word_char(char32_t c) { return !is_han(c) && (u_isalnum(static_cast<UChar32>(c)) || u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK); }

// Wraps each run of Han characters that is not already inside quotes in double quotes, the form in
// which Xapian 1.4.22 parses mixed Chinese/Latin queries without error.
std::string quote_han_runs(const std::string& query) {
  std::u32string text = to_u32(query);
  std::u32string out;
  bool in_quotes = false;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == U'"') { in_quotes = !in_quotes; out.push_back(text[i++]); continue; }
    if (!in_quotes && is_han(text[i])) {
      size_t j = i;
      while (j < text.size() && is_han(text[j])) ++j;
      out += U" \"" + text.substr(i, j - i) + U"\" ";
      i = j;
      continue;
    }
    out.push_back(text[i++]);
  }
  return to_utf8(out);
}

Xapian::Query parse_with(const std::string& query, const std::string& stemmer, unsigned flags) {
  Xapian::QueryParser parser;
  parser.set_stemmer(Xapian::Stem(stemmer));
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_default_op(Xapian::Query::OP_OR);
  return parser.parse_query(query, flags);
}

// A single Han character or a pair of them: the terms of Xapian's CJK n-gram mode.
bool is_han_ngram(const std::string& term) {
  std::u32string text = to_u32(term);
  return (text.size() == 1 || text.size() == 2) && std::all_of(text.begin(), text.end(), is_han);
}

// A conjunction of Han n-grams, as the QueryParser's CJK n-gram mode makes of a Chinese run: all
// its characters and bigrams (防 AND 防控 AND 控 AND 控方 ...).
struct NgramConjunction {
  std::u32string characters;             // the single characters, in order
  std::vector<Xapian::Query> unigrams;   // the parser's own leaf queries (their positions kept)
  std::vector<Xapian::Query> bigrams;
  std::set<std::u32string> bigram_texts;

  // Whether it is exactly one run: the bigrams are those of consecutive characters.
  bool is_one_run() const {
    if (characters.size() < 2 || bigrams.size() != characters.size() - 1) return false;
    for (size_t k = 0; k + 1 < characters.size(); ++k) {
      if (!bigram_texts.count(characters.substr(k, 2))) return false;
    }
    return true;
  }
};

std::optional<NgramConjunction> as_ngram_conjunction(const Xapian::Query& query) {
  if (query.get_type() != Xapian::Query::OP_AND || query.get_num_subqueries() < 2) return std::nullopt;
  NgramConjunction conjunction;
  for (size_t i = 0; i < query.get_num_subqueries(); ++i) {
    Xapian::Query sub = query.get_subquery(i);
    if (sub.get_type() != Xapian::Query::LEAF_TERM) return std::nullopt;
    std::string term = *sub.get_terms_begin();
    if (!is_han_ngram(term)) return std::nullopt;
    std::u32string text = to_u32(term);
    if (text.size() == 1) {
      conjunction.characters += text;
      conjunction.unigrams.push_back(sub);
    } else {
      conjunction.bigrams.push_back(sub);
      conjunction.bigram_texts.insert(text);
    }
  }
  return conjunction;
}

// Walks the parsed query and rewrites each Chinese run's n-gram conjunction:
// - Its single characters are dropped when a bigram of the conjunction contains them (in a run,
//   all of them): a passage holding a bigram holds both its characters, so the bigrams alone
//   match the very same passages. The characters are the longest posting lists of the index (measured: they made
//   most of the query time at 100,000 sections). Single-character queries are a leaf, not a
//   conjunction, and stay as they are.
// - With the dictionary field, the run may also match by any of its dictionary words.
// Operators the QueryParser never puts above an n-gram conjunction (phrases, NEAR, value ranges)
// are kept as they are.
Xapian::Query rewrite_han_runs(const Xapian::Query& query, const SearchOptions& options) {
  if (std::optional<NgramConjunction> conjunction = as_ngram_conjunction(query)) {
    std::vector<Xapian::Query> kept = conjunction->bigrams;
    for (size_t k = 0; k < conjunction->unigrams.size(); ++k) {
      char32_t c = conjunction->characters[k];
      bool covered = std::any_of(conjunction->bigram_texts.begin(), conjunction->bigram_texts.end(),
                                 [c](const std::u32string& bigram) { return bigram[0] == c || bigram[1] == c; });
      if (!covered) kept.push_back(conjunction->unigrams[k]);
    }
    Xapian::Query ngrams(Xapian::Query::OP_AND, kept.begin(), kept.end());
    if (!options.dictionary_field || !conjunction->is_one_run()) return ngrams;
    std::vector<Xapian::Query> words;
    for (const std::string& word : dictionary_words(conjunction->characters)) words.emplace_back(kWordPrefix + word);
    if (words.empty()) return ngrams;
    return Xapian::Query(Xapian::Query::OP_OR, ngrams, Xapian::Query(Xapian::Query::OP_OR, words.begin(), words.end()));
  }
  switch (query.get_type()) {
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX: {
      std::vector<Xapian::Query> subqueries;
      for (size_t i = 0; i < query.get_num_subqueries(); ++i) {
        subqueries.push_back(rewrite_han_runs(query.get_subquery(i), options));
      }
      return Xapian::Query(query.get_type(), subqueries.begin(), subqueries.end());
    }
    default:
      return query;
  }
}

Xapian::Query parse_with_fallbacks(const std::string& folded_query, const std::string& stemmer_language) {
  const unsigned kFull = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM;
  try {
    return parse_with(folded_query, stemmer_language, kFull);
  } catch (const Xapian::Error&) {
  }
  try {
    return parse_with(quote_han_runs(folded_query), stemmer_language, kFull);
  } catch (const Xapian::Error&) {
  }
  try {
    return parse_with(folded_query, stemmer_language, Xapian::QueryParser::FLAG_CJK_NGRAM);
  } catch (const Xapian::Error&) {
  }
  // Last resort: the terms the indexer would make of the query, any of them.
  try {
    Xapian::Document scratch;
    Xapian::TermGenerator generator;
    generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    generator.set_document(scratch);
    generator.index_text(folded_query);
    std::vector<Xapian::Query> terms;
    for (auto it = scratch.termlist_begin(); it != scratch.termlist_end(); ++it) terms.emplace_back(*it);
    return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
  } catch (const Xapian::Error&) {
    return Xapian::Query();
  }
}

}  // namespace

std::string query_stemmer(const std::string& folded_query, const std::optional<std::string>& lang_filter) {
  if (lang_filter && !lang_filter->empty()) return stemmer_for_language(*lang_filter);
  for (char32_t c : to_u32(folded_query)) {
    UErrorCode error = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &error);
    if (script == USCRIPT_CYRILLIC) return "russian";
    if (script == USCRIPT_ARABIC) return "arabic";
  }
  return "english";
}

Xapian::Query parse_user_query(const std::string& folded_query, const std::string& stemmer_language,
                               SearchOptions options) {
  Xapian::Query query = parse_with_fallbacks(folded_query, stemmer_language);
  if (!query.empty()) query = rewrite_han_runs(query, options);
  return query;
}

HighlightTerms highlight_terms_for_query(const std::string& query, const std::string& stemmer_language) {
  HighlightTerms terms;
  terms.stemmer = stemmer_language;
  Xapian::Stem stem(stemmer_language);
  std::u32string text = to_u32(normalize_for_search(query));
  for (size_t i = 0; i < text.size();) {
    if (is_han(text[i])) {
      size_t j = i;
      while (j < text.size() && is_han(text[j])) ++j;
      if (j - i == 1) terms.han_characters.insert(text[i]);
      for (size_t k = i; k + 1 < j; ++k) terms.han_bigrams.insert(text.substr(k, 2));
      i = j;
    } else if (is_word_char(text[i])) {
      size_t j = i;
      while (j < text.size() && is_word_char(text[j])) ++j;
      bool negated = i > 0 && text[i - 1] == U'-' && (i == 1 || text[i - 2] == U' ');
      std::string word = to_utf8(text.substr(i, j - i));
      bool operator_word = word == "AND" || word == "OR" || word == "NOT" || word == "XOR" || word == "NEAR";
      if (!negated && !operator_word) {
        std::string lower = to_lower(word);
        terms.words.insert(lower);
        terms.stems.insert(stem(lower));
      }
      i = j;
    } else {
      ++i;
    }
  }
  return terms;
}

namespace {

void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
}

}  // namespace

std::string make_snippet(const std::string& original, const HighlightTerms& terms, size_t max_chars) {
  FoldedText folded = fold_with_offsets(original);
  const std::u32string& f = folded.folded;
  size_t n = f.size();
  size_t han_count = static_cast<size_t>(std::count_if(f.begin(), f.end(), is_han));
  if (max_chars == 0) max_chars = han_count * 3 > n ? 90 : 200;

  std::vector<bool> marked(n, false);
  Xapian::Stem stem(terms.stemmer.empty() ? "english" : terms.stemmer);
  for (size_t i = 0; i < n;) {
    if (is_han(f[i])) {
      if (terms.han_characters.count(f[i])) marked[i] = true;
      if (i + 1 < n && is_han(f[i + 1]) && terms.han_bigrams.count(f.substr(i, 2))) marked[i] = marked[i + 1] = true;
      ++i;
    } else if (is_word_char(f[i])) {
      size_t j = i;
      while (j < n && is_word_char(f[j])) ++j;
      std::string lower = to_lower(to_utf8(f.substr(i, j - i)));
      if (terms.words.count(lower) || terms.stems.count(stem(lower))) std::fill(marked.begin() + i, marked.begin() + j, true);
      i = j;
    } else {
      ++i;
    }
  }
  // Joins marks split only by a hyphen or a space between two marked words (COVID-19, "PCR test").
  for (size_t i = 1; i + 1 < n; ++i) {
    if (!marked[i] && marked[i - 1] && marked[i + 1] && (f[i] == U'-' || f[i] == U' ')) marked[i] = true;
  }

  std::vector<size_t> span_starts;
  for (size_t i = 0; i < n; ++i) {
    if (marked[i] && (i == 0 || !marked[i - 1])) span_starts.push_back(i);
  }
  size_t begin = 0, end = n;
  if (n > max_chars) {
    size_t best_start = 0, best_count = 0;
    for (size_t s : span_starts) {
      size_t lead = std::min<size_t>(s, max_chars / 5);
      size_t start = s - lead;
      size_t count = static_cast<size_t>(std::count_if(span_starts.begin(), span_starts.end(),
                                                       [&](size_t x) { return x >= start && x < start + max_chars; }));
      if (count > best_count) { best_count = count; best_start = start; }
    }
    begin = std::min(best_start, n - max_chars);
    end = begin + max_chars;
    // Does not cut a word in two: move the cut points to the nearest space for spaced scripts.
    if (han_count * 3 <= n) {
      while (begin > 0 && begin < n && f[begin - 1] != U' ' && begin > best_start - std::min<size_t>(best_start, 15)) --begin;
      while (end < n && f[end] != U' ' && end < begin + max_chars + 15) ++end;
    }
    while (begin < end && marked[begin] && begin > 0 && marked[begin - 1]) --begin;
  }

  std::string out;
  if (begin > 0) out += "…";
  bool open = false;
  size_t last_original = std::string::npos;
  for (size_t k = begin; k < end; ++k) {
    if (folded.original_begin[k] == last_original) continue;  // one original code point folded to several
    last_original = folded.original_begin[k];
    bool mark = marked[k];
    if (mark && !open) { out += "<mark>"; open = true; }
    if (!mark && open) { out += "</mark>"; open = false; }
    append_escaped(out, std::string_view(original).substr(folded.original_begin[k], folded.original_end[k] - folded.original_begin[k]));
  }
  if (open) out += "</mark>";
  if (end < n) out += "…";
  return out;
}

}  // namespace shouwang::knowledge
