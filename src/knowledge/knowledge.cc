// The knowledge centre's facade: the database and Xapian kept in step, search with filters and snippets,
// documents, edition diffs, and their JSON.
#include "knowledge/knowledge.h"

#include <map>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "knowledge/importer.h"
#include "knowledge/search_index.h"
#include "knowledge/text_normalizer.h"

namespace shouwang::knowledge {

namespace json = boost::json;

namespace {

bool is_iso_date(const std::string& date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(date[i]))) return false;
  }
  return true;
}

std::optional<int> parse_positive(const std::string& text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int value = std::stoi(text);
  return value >= 1 ? std::optional<int>(value) : std::nullopt;
}

// Drops paragraphs that hold nothing but spaces, and sections left with neither heading nor text.
void drop_blank_paragraphs(Document& document) {
  for (Section& section : document.sections) {
    std::erase_if(section.paragraphs, [](const std::string& p) {
      return std::all_of(p.begin(), p.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    });
  }
  std::erase_if(document.sections, [](const Section& s) { return s.heading.empty() && s.paragraphs.empty(); });
}

// Runs read(index) on the newest revision of the index. A reader fails with DatabaseModifiedError
// once a writer has committed twice since the revision it reads (glass keeps only the previous
// revision's blocks); the read then starts again from the newest revision. Once was not enough
// when adds commit faster than a read runs (a flaky ThreadsSearchWhileAnotherAdds on a loaded
// machine), so a few times before the error is passed on.
template <typename Read>
auto read_newest_revision(const std::string& index_path, Read read) {
  constexpr int kReadAttempts = 8;
  for (int attempt = 1;; ++attempt) {
    try {
      return read(index_for_reading(index_path));
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt == kReadAttempts) throw;
    }
  }
}

}  // namespace

Status validate_search_request(const SearchRequest& request) {
  if (request.lang && !request.lang->empty()) RETURN_IF_ERROR(canonical_language(*request.lang).status());
  if (request.edition != "latest" && request.edition != "all" && !parse_positive(request.edition)) {
    return invalid_argument("edition must be 'latest', 'all' or an edition number, got '" + request.edition + "'");
  }
  for (const auto* date : {&request.published_from, &request.published_to}) {
    if (*date && !date->value().empty() && !is_iso_date(date->value())) {
      return invalid_argument("date '" + date->value() + "' is not YYYY-MM-DD");
    }
  }
  if (request.limit < 1 || request.limit > 1000) return invalid_argument("limit must be between 1 and 1000");
  if (request.offset < 0) return invalid_argument("offset must not be negative");
  RETURN_IF_ERROR(validate_utf8(request.query));
  return Status::ok();
}

std::string default_index_dir(const std::string& db) {
  const std::string_view scheme_end = "://";
  const size_t after_scheme = db.find(scheme_end);
  if (!store::sql::is_postgres_url(db) || after_scheme == std::string::npos) return db + ".kb-index";
  // postgresql://[user[:password]@][host][:port][/dbname][?parameters]
  std::string_view rest = std::string_view(db).substr(after_scheme + scheme_end.size());
  rest = rest.substr(0, rest.find_first_of("?#"));
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view name = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (name.empty()) {
    const size_t at = authority.rfind('@');
    name = at == std::string_view::npos ? std::string_view("postgres") : authority.substr(0, at);
    name = name.substr(0, name.find(':'));
  }
  std::string dir = "shouwang-kb-";
  for (char c : name) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    dir += plain ? c : '_';
  }
  return dir;
}

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::open(store::sql::Database& db, std::string index_dir,
                                                           SearchOptions options) {
  if (index_dir.empty()) return invalid_argument("the knowledge centre needs a folder for its search index");
  ASSIGN_OR_RETURN(std::unique_ptr<KnowledgeStore> store, KnowledgeStore::open(db));
  return std::unique_ptr<KnowledgeBase>(new KnowledgeBase(std::move(store), std::move(index_dir), options));
}

Result<bool> KnowledgeBase::index_is_current(const IndexState& database_state) {
  std::error_code ec;
  if (!std::filesystem::exists(index_path_, ec)) return false;
  try {
    return read_newest_revision(index_path_, [](const Xapian::Database& index) { return index_state_of(index); }) ==
           database_state;
  } catch (const Xapian::Error& e) {
    return failed_precondition("the search index '" + index_path_ + "' cannot be read (" + e.get_type() + ": " +
                               e.get_msg() + "); run `shouwang kb reindex`");
  }
}

Status KnowledgeBase::refresh_index() {
  ASSIGN_OR_RETURN(IndexState state, store_->index_state());
  ASSIGN_OR_RETURN(bool current, index_is_current(state));
  if (current) return Status::ok();
  // Another thread may be adding (its index commit precedes its database commit) or rebuilding:
  // look again once it is done.
  std::lock_guard lock(index_writes_);
  ASSIGN_OR_RETURN(state, store_->index_state());
  ASSIGN_OR_RETURN(current, index_is_current(state));
  if (current) return Status::ok();
  return rebuild_index(*store_, index_path_, options_).status();
}

Result<int64_t> KnowledgeBase::add_document(Document document) {
  std::vector<Document> one;
  one.push_back(std::move(document));
  ASSIGN_OR_RETURN(std::vector<int64_t> ids, add_documents(std::move(one)));
  return ids.front();
}

Result<std::vector<int64_t>> KnowledgeBase::add_documents(std::vector<Document> documents) {
  for (Document& document : documents) {
    ASSIGN_OR_RETURN(document.meta.lang, canonical_language(document.meta.lang));
    drop_blank_paragraphs(document);
    RETURN_IF_ERROR(validate_document(document));
  }
  std::lock_guard lock(index_writes_);
  // An index that is missing, or that does not hold what the database holds, is rebuilt first, so
  // it never holds only the newest documents. Whether it matches is decided inside the transaction,
  // after the revision's row lock: an add committed meanwhile elsewhere is seen, and the attempt is
  // made again once on a rebuilt index.
  for (int attempt = 0;; ++attempt) {
    std::error_code ec;
    if (!std::filesystem::exists(index_path_, ec)) RETURN_IF_ERROR(rebuild_index(*store_, index_path_, options_).status());
    IndexState before;
    bool stale = false;
    bool index_committed = false;
    std::vector<int64_t> document_ids;
    // Undo information should the final database commit fail after the index committed.
    std::vector<int64_t> unmarked_ids;
    Status added = store_->in_transaction([&](KnowledgeStore::Writes& writes) -> Status {
      ASSIGN_OR_RETURN(before, writes.advance_revision());
      ASSIGN_OR_RETURN(std::unique_ptr<IndexWriter> writer, IndexWriter::open(index_path_, false, options_));
      if (writer->state() != before) {
        stale = true;
        return unavailable("the search index '" + index_path_ + "' does not match the database; try again");
      }
      ASSIGN_OR_RETURN(auto latest, writes.latest_editions());
      for (const Document& document : documents) {
        std::pair<std::string, std::string> key{document.meta.family, document.meta.lang};
        bool is_latest = true;
        if (auto it = latest.find(key); it != latest.end()) {
          is_latest = document.meta.edition > it->second;
          if (is_latest) {
            ASSIGN_OR_RETURN(auto previous, writes.find_document(document.meta.family, it->second, document.meta.lang));
            if (previous) {
              RETURN_IF_ERROR(writer->mark_latest(*previous, false));
              unmarked_ids.push_back(*previous);
            }
          }
        }
        if (is_latest) latest[key] = document.meta.edition;
        std::vector<int64_t> passage_ids;
        ASSIGN_OR_RETURN(int64_t document_id, writes.insert_document(document, passage_ids));
        document_ids.push_back(document_id);

        StoredPassage passage;
        passage.document_id = document_id;
        passage.family = document.meta.family;
        passage.edition = document.meta.edition;
        passage.lang = document.meta.lang;
        passage.title = document.meta.title;
        passage.published = document.meta.published;
        passage.topics = document.meta.topics;
        size_t next = 0;
        for (size_t s = 0; s < document.sections.size(); ++s) {
          passage.section_ordinal = static_cast<int>(s);
          passage.heading = document.sections[s].heading;
          for (const std::string& text : document.sections[s].paragraphs) {
            passage.id = passage_ids[next++];
            passage.text = text;
            RETURN_IF_ERROR(writer->add_passage(passage, is_latest));
          }
        }
      }
      RETURN_IF_ERROR(writer->set_state(IndexState{before.database_id, before.revision + 1}));
      RETURN_IF_ERROR(writer->commit());
      index_committed = true;
      return Status::ok();
    });
    if (stale && attempt == 0) {
      RETURN_IF_ERROR(rebuild_index(*store_, index_path_, options_).status());
      continue;
    }
    if (!added.is_ok()) {
      if (index_committed) {
        // The index already holds the documents: take them out again so the two stay in step.
        auto undo = IndexWriter::open(index_path_, false, options_);
        if (undo) {
          for (int64_t id : document_ids) (void)(*undo)->remove_document(id);
          for (int64_t id : unmarked_ids) (void)(*undo)->mark_latest(id, true);
          (void)(*undo)->set_state(before);
          (void)(*undo)->commit();
        }
      }
      return added;
    }
    return document_ids;
  }
}

Result<std::vector<Hit>> KnowledgeBase::search(const SearchRequest& request) {
  RETURN_IF_ERROR(validate_search_request(request));
  std::string folded = normalize_for_search(request.query);
  std::string stemmer = query_stemmer(folded, request.lang);
  Xapian::Query query = parse_user_query(folded, stemmer, options_);
  if (query.empty()) return std::vector<Hit>{};

  std::vector<Xapian::Query> filters;
  if (request.lang && !request.lang->empty()) {
    ASSIGN_OR_RETURN(std::string lang, canonical_language(*request.lang));
    filters.emplace_back(language_term(lang));
  }
  if (request.family && !request.family->empty()) filters.emplace_back(family_term(*request.family));
  if (request.topic && !request.topic->empty()) filters.emplace_back(topic_term(*request.topic));
  if (request.edition == "latest") {
    filters.emplace_back(kLatestTerm);
  } else if (request.edition != "all") {
    filters.emplace_back(edition_term(*parse_positive(request.edition)));
  }
  bool has_from = request.published_from && !request.published_from->empty();
  bool has_to = request.published_to && !request.published_to->empty();
  if (has_from || has_to) {
    filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, kPublishedSlot, has_from ? *request.published_from : "0000-00-00",
                         has_to ? *request.published_to : "9999-12-31");
  }
  if (!filters.empty()) {
    query = Xapian::Query(Xapian::Query::OP_FILTER, query, Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
  }

  RETURN_IF_ERROR(refresh_index());
  std::vector<int64_t> ids;
  std::vector<double> scores;
  try {
    read_newest_revision(index_path_, [&](const Xapian::Database& index) {
      Xapian::Enquire enquire(index);
      enquire.set_query(query);
      Xapian::MSet matches = enquire.get_mset(static_cast<Xapian::doccount>(request.offset),
                                              static_cast<Xapian::doccount>(request.limit));
      ids.clear();
      scores.clear();
      for (auto it = matches.begin(); it != matches.end(); ++it) {
        ids.push_back(std::stoll(it.get_document().get_data()));
        scores.push_back(it.get_weight());
      }
    });
  } catch (const Xapian::DatabaseOpeningError& e) {
    return failed_precondition("the search index '" + index_path_ + "' cannot be read (" + e.get_msg() +
                               "); run `shouwang kb reindex`");
  } catch (const Xapian::Error& e) {
    return internal_error(std::string("search failed: ") + e.get_type() + ": " + e.get_msg());
  }

  ASSIGN_OR_RETURN(std::vector<StoredPassage> passages, store_->passages_by_id(ids));
  HighlightTerms terms = highlight_terms_for_query(request.query, stemmer);
  std::map<int64_t, size_t> rank_of;
  for (size_t i = 0; i < ids.size(); ++i) rank_of.emplace(ids[i], i);
  std::vector<Hit> hits;
  for (const StoredPassage& p : passages) {
    size_t i = rank_of.at(p.id);
    Hit hit;
    hit.passage_id = p.id;
    hit.document_id = p.document_id;
    hit.family = p.family;
    hit.edition = p.edition;
    hit.lang = p.lang;
    hit.title = p.title;
    hit.section = p.heading;
    hit.snippet = make_snippet(p.text, terms);
    hit.score = scores[i];
    hit.published = p.published;
    hits.push_back(std::move(hit));
  }
  return hits;
}

Result<DocumentView> KnowledgeBase::get_document(int64_t document_id) {
  DocumentView view;
  ASSIGN_OR_RETURN(view.document, store_->load_document(document_id));
  ASSIGN_OR_RETURN(view.editions, store_->editions_of_family(view.document.meta.family));
  for (const EditionSummary& e : view.editions) {
    if (e.edition == view.document.meta.edition && e.document_id != document_id) view.translations.push_back(e);
  }
  return view;
}

Result<EditionDiff> KnowledgeBase::diff_editions(const std::string& family, int from_edition, int to_edition,
                                                 const std::optional<std::string>& lang) {
  if (from_edition < 1 || to_edition < 1) return invalid_argument("editions are numbered from 1");
  std::optional<std::string> wanted;
  if (lang && !lang->empty()) {
    ASSIGN_OR_RETURN(std::string canonical, canonical_language(*lang));
    wanted = canonical;
  }
  ASSIGN_OR_RETURN(std::vector<EditionSummary> editions, store_->editions_of_family(family));
  if (editions.empty()) return not_found("no document family '" + family + "'");
  auto find = [&](int edition, const std::string& l) -> std::optional<int64_t> {
    for (const EditionSummary& e : editions) {
      if (e.edition == edition && e.lang == l) return e.document_id;
    }
    return std::nullopt;
  };
  bool from_exists = false, to_exists = false;
  for (const EditionSummary& e : editions) {
    from_exists |= e.edition == from_edition;
    to_exists |= e.edition == to_edition;
  }
  if (!from_exists) return not_found("family '" + family + "' has no edition " + std::to_string(from_edition));
  if (!to_exists) return not_found("family '" + family + "' has no edition " + std::to_string(to_edition));

  EditionDiff diff;
  diff.family = family;
  diff.from_edition = from_edition;
  diff.to_edition = to_edition;
  std::vector<std::string> languages;
  for (const EditionSummary& e : editions) {
    if (e.edition == to_edition && (!wanted || e.lang == *wanted)) languages.push_back(e.lang);
  }
  for (const std::string& l : languages) {
    auto from_id = find(from_edition, l);
    auto to_id = find(to_edition, l);
    if (!from_id || !to_id) continue;
    ASSIGN_OR_RETURN(Document from_doc, store_->load_document(*from_id));
    ASSIGN_OR_RETURN(Document to_doc, store_->load_document(*to_id));
    diff.languages.push_back(diff_documents(from_doc, to_doc));
  }
  if (diff.languages.empty()) {
    return not_found("editions " + std::to_string(from_edition) + " and " + std::to_string(to_edition) + " of '" + family +
                     "' share no language" + (wanted ? " (asked for " + *wanted + ")" : ""));
  }
  return diff;
}

Result<int64_t> KnowledgeBase::reindex() {
  std::lock_guard lock(index_writes_);
  return rebuild_index(*store_, index_path_, options_);
}

Result<Document> document_from_file(const std::string& path, DocumentMeta meta) {
  // The language is checked before the file is read, so a wrong --lang is reported as such.
  ASSIGN_OR_RETURN(meta.lang, canonical_language(meta.lang));
  ASSIGN_OR_RETURN(ImportedText imported, import_file(path));
  Document document;
  if (meta.title.empty()) meta.title = imported.title;
  document.meta = std::move(meta);
  document.sections = std::move(imported.sections);
  return document;
}

json::value hit_to_json(const Hit& hit) {
  return json::object{{"family", hit.family},
                      {"edition", hit.edition},
                      {"lang", hit.lang},
                      {"title", hit.title},
                      {"section", hit.section},
                      {"snippet", hit.snippet},
                      {"score", std::round(hit.score * 1000.0) / 1000.0},
                      {"document_id", hit.document_id},
                      {"passage_id", hit.passage_id},
                      {"published", hit.published}};
}

json::array hits_to_json(const std::vector<Hit>& hits) {
  json::array out;
  for (const Hit& hit : hits) out.push_back(hit_to_json(hit));
  return out;
}

json::value document_to_json(const DocumentView& view) {
  const Document& d = view.document;
  json::array topics(d.meta.topics.begin(), d.meta.topics.end());
  json::array sections;
  for (const Section& s : d.sections) {
    sections.push_back(json::object{{"heading", s.heading},
                                    {"level", s.level},
                                    {"paragraphs", json::array(s.paragraphs.begin(), s.paragraphs.end())}});
  }
  auto summaries = [](const std::vector<EditionSummary>& list) {
    json::array out;
    for (const EditionSummary& e : list) {
      out.push_back(json::object{{"id", e.document_id}, {"lang", e.lang}, {"edition", e.edition},
                                 {"title", e.title}, {"published", e.published}});
    }
    return out;
  };
  return json::object{{"id", d.id},
                      {"family", d.meta.family},
                      {"edition", d.meta.edition},
                      {"lang", d.meta.lang},
                      {"title", d.meta.title},
                      {"topics", std::move(topics)},
                      {"published", d.meta.published},
                      {"source", d.meta.source},
                      {"sections", std::move(sections)},
                      {"translations", summaries(view.translations)},
                      {"editions", summaries(view.editions)}};
}

json::value edition_diff_to_json(const EditionDiff& diff) {
  json::array languages;
  for (const LanguageDiff& l : diff.languages) {
    json::array changes;
    for (const ParagraphChange& c : l.changes) {
      json::array spans;
      for (const DiffSpan& s : c.spans) {
        std::string_view op = s.op == DiffSpan::Op::kEqual ? "equal" : s.op == DiffSpan::Op::kInsert ? "insert" : "delete";
        spans.push_back(json::object{{"op", op}, {"text", s.text}});
      }
      changes.push_back(json::object{{"kind", change_kind_name(c.kind)},
                                     {"section", c.section},
                                     {"heading", c.is_heading},
                                     {"from_index", c.from_index},
                                     {"to_index", c.to_index},
                                     {"spans", std::move(spans)},
                                     {"text", inline_word_diff(c)}});
    }
    languages.push_back(json::object{{"lang", l.lang},
                                     {"from_document_id", l.from_document_id},
                                     {"to_document_id", l.to_document_id},
                                     {"unchanged", l.unchanged},
                                     {"changes", std::move(changes)}});
  }
  return json::object{{"family", diff.family},
                      {"from", diff.from_edition},
                      {"to", diff.to_edition},
                      {"languages", std::move(languages)}};
}

}  // namespace shouwang::knowledge
