// SQLite schema and queries of the knowledge centre.
#include "knowledge/knowledge_store.h"

namespace shouwang::knowledge {

using store::sqlite::Db;
using store::sqlite::Statement;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kb_documents (
  id INTEGER PRIMARY KEY,
  family TEXT NOT NULL,
  edition INTEGER NOT NULL CHECK (edition >= 1),
  lang TEXT NOT NULL,
  title TEXT NOT NULL,
  published TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  UNIQUE (family, edition, lang)
);
CREATE TABLE IF NOT EXISTS kb_document_topics (
  document_id INTEGER NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,
  topic TEXT NOT NULL,
  PRIMARY KEY (document_id, topic)
);
CREATE TABLE IF NOT EXISTS kb_sections (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  level INTEGER NOT NULL,
  heading TEXT NOT NULL,
  UNIQUE (document_id, ordinal)
);
CREATE TABLE IF NOT EXISTS kb_passages (
  id INTEGER PRIMARY KEY,
  section_id INTEGER NOT NULL REFERENCES kb_sections(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  text TEXT NOT NULL,
  UNIQUE (section_id, ordinal)
);
)sql";

constexpr const char* kPassageSelect = R"sql(
SELECT p.id, d.id, d.family, d.edition, d.lang, d.title, d.published, s.ordinal, s.heading, p.text,
       (SELECT group_concat(topic, char(31)) FROM kb_document_topics t WHERE t.document_id = d.id)
FROM kb_passages p JOIN kb_sections s ON s.id = p.section_id JOIN kb_documents d ON d.id = s.document_id
)sql";

std::vector<std::string> split_unit_separated(const std::string& text) {
  std::vector<std::string> parts;
  if (text.empty()) return parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find('\x1f', start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

StoredPassage read_passage(const Statement& row) {
  StoredPassage p;
  p.id = row.column_int64(0);
  p.document_id = row.column_int64(1);
  p.family = row.column_text(2);
  p.edition = static_cast<int>(row.column_int64(3));
  p.lang = row.column_text(4);
  p.title = row.column_text(5);
  p.published = row.column_text(6);
  p.section_ordinal = static_cast<int>(row.column_int64(7));
  p.heading = row.column_text(8);
  p.text = row.column_text(9);
  p.topics = split_unit_separated(row.column_text(10));
  return p;
}

}  // namespace

Result<std::unique_ptr<KnowledgeStore>> KnowledgeStore::open(const std::string& db_path) {
  ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::open(db_path));
  RETURN_IF_ERROR(db->exec(kSchema));
  return std::unique_ptr<KnowledgeStore>(new KnowledgeStore(std::move(db)));
}

Result<int64_t> KnowledgeStore::insert_document(const Document& document, std::vector<int64_t>& passage_ids) {
  const DocumentMeta& meta = document.meta;
  ASSIGN_OR_RETURN(Statement insert_doc,
                   db_->prepare("INSERT INTO kb_documents (family, edition, lang, title, published, source) "
                                "VALUES (?, ?, ?, ?, ?, ?)"));
  insert_doc.bind(1, meta.family).bind(2, meta.edition).bind(3, meta.lang).bind(4, meta.title)
      .bind(5, meta.published).bind(6, meta.source);
  Status inserted = insert_doc.run();
  if (inserted.code() == StatusCode::kAlreadyExists) {
    return already_exists("edition " + std::to_string(meta.edition) + " of '" + meta.family + "' in " + meta.lang +
                          " is already stored");
  }
  RETURN_IF_ERROR(inserted);
  int64_t document_id = db_->last_insert_rowid();

  ASSIGN_OR_RETURN(Statement insert_topic,
                   db_->prepare("INSERT OR IGNORE INTO kb_document_topics (document_id, topic) VALUES (?, ?)"));
  for (const std::string& topic : meta.topics) {
    insert_topic.bind(1, document_id).bind(2, topic);
    RETURN_IF_ERROR(insert_topic.run());
  }
  ASSIGN_OR_RETURN(Statement insert_section,
                   db_->prepare("INSERT INTO kb_sections (document_id, ordinal, level, heading) VALUES (?, ?, ?, ?)"));
  ASSIGN_OR_RETURN(Statement insert_passage,
                   db_->prepare("INSERT INTO kb_passages (section_id, ordinal, text) VALUES (?, ?, ?)"));
  passage_ids.clear();
  for (size_t s = 0; s < document.sections.size(); ++s) {
    const Section& section = document.sections[s];
    insert_section.bind(1, document_id).bind(2, static_cast<int64_t>(s)).bind(3, section.level).bind(4, section.heading);
    RETURN_IF_ERROR(insert_section.run());
    int64_t section_id = db_->last_insert_rowid();
    for (size_t p = 0; p < section.paragraphs.size(); ++p) {
      insert_passage.bind(1, section_id).bind(2, static_cast<int64_t>(p)).bind(3, section.paragraphs[p]);
      RETURN_IF_ERROR(insert_passage.run());
      passage_ids.push_back(db_->last_insert_rowid());
    }
  }
  return document_id;
}

Result<std::optional<int64_t>> KnowledgeStore::find_document(const std::string& family, int edition,
                                                             const std::string& lang) {
  ASSIGN_OR_RETURN(Statement query,
                   db_->prepare("SELECT id FROM kb_documents WHERE family = ? AND edition = ? AND lang = ?"));
  query.bind(1, family).bind(2, edition).bind(3, lang);
  ASSIGN_OR_RETURN(bool found, query.step());
  if (!found) return std::optional<int64_t>();
  return std::optional<int64_t>(query.column_int64(0));
}

Result<Document> KnowledgeStore::load_document(int64_t id) {
  ASSIGN_OR_RETURN(Statement doc_query, db_->prepare("SELECT family, edition, lang, title, published, source "
                                                     "FROM kb_documents WHERE id = ?"));
  doc_query.bind(1, id);
  ASSIGN_OR_RETURN(bool found, doc_query.step());
  if (!found) return not_found("no knowledge document with id " + std::to_string(id));
  Document document;
  document.id = id;
  document.meta.family = doc_query.column_text(0);
  document.meta.edition = static_cast<int>(doc_query.column_int64(1));
  document.meta.lang = doc_query.column_text(2);
  document.meta.title = doc_query.column_text(3);
  document.meta.published = doc_query.column_text(4);
  document.meta.source = doc_query.column_text(5);

  ASSIGN_OR_RETURN(Statement topics, db_->prepare("SELECT topic FROM kb_document_topics WHERE document_id = ? ORDER BY topic"));
  topics.bind(1, id);
  ASSIGN_OR_RETURN(document.meta.topics,
                   store::sqlite::all_rows(topics, [](const Statement& row) { return row.column_text(0); }));
  ASSIGN_OR_RETURN(Statement rows, db_->prepare(R"sql(
      SELECT s.ordinal, s.level, s.heading, p.text FROM kb_sections s
      LEFT JOIN kb_passages p ON p.section_id = s.id
      WHERE s.document_id = ? ORDER BY s.ordinal, p.ordinal)sql"));
  rows.bind(1, id);
  int64_t last_section = -1;
  while (true) {
    ASSIGN_OR_RETURN(bool row, rows.step());
    if (!row) break;
    int64_t ordinal = rows.column_int64(0);
    if (ordinal != last_section) {
      document.sections.push_back(Section{rows.column_text(2), static_cast<int>(rows.column_int64(1)), {}});
      last_section = ordinal;
    }
    if (!rows.column_is_null(3)) document.sections.back().paragraphs.push_back(rows.column_text(3));
  }
  return document;
}

Result<std::vector<EditionSummary>> KnowledgeStore::editions_of_family(const std::string& family) {
  ASSIGN_OR_RETURN(Statement query, db_->prepare("SELECT id, edition, lang, title, published FROM kb_documents "
                                                 "WHERE family = ? ORDER BY edition, lang"));
  query.bind(1, family);
  return store::sqlite::all_rows(query, [](const Statement& row) {
    return EditionSummary{row.column_int64(0), static_cast<int>(row.column_int64(1)), row.column_text(2),
                          row.column_text(3), row.column_text(4)};
  });
}

Result<std::map<std::pair<std::string, std::string>, int>> KnowledgeStore::latest_editions() {
  ASSIGN_OR_RETURN(Statement query, db_->prepare("SELECT family, lang, MAX(edition) FROM kb_documents GROUP BY family, lang"));
  std::map<std::pair<std::string, std::string>, int> latest;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query.step());
    if (!row) break;
    latest[{query.column_text(0), query.column_text(1)}] = static_cast<int>(query.column_int64(2));
  }
  return latest;
}

Result<std::vector<StoredPassage>> KnowledgeStore::passages_by_id(const std::vector<int64_t>& ids) {
  ASSIGN_OR_RETURN(Statement query, db_->prepare(std::string(kPassageSelect) + " WHERE p.id = ?"));
  std::vector<StoredPassage> passages;
  for (int64_t id : ids) {
    query.bind(1, id);
    ASSIGN_OR_RETURN(bool row, query.step());
    if (!row) return not_found("passage " + std::to_string(id) + " is in the index but not in the database; run `shouwang kb reindex`");
    passages.push_back(read_passage(query));
    query.reset();
  }
  return passages;
}

Status KnowledgeStore::for_each_passage(const std::function<Status(const StoredPassage&)>& visit) {
  ASSIGN_OR_RETURN(Statement query, db_->prepare(std::string(kPassageSelect) + " ORDER BY p.id"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, query.step());
    if (!row) break;
    RETURN_IF_ERROR(visit(read_passage(query)));
  }
  return Status::ok();
}

Result<int64_t> KnowledgeStore::count_passages() {
  ASSIGN_OR_RETURN(Statement query, db_->prepare("SELECT COUNT(*) FROM kb_passages"));
  ASSIGN_OR_RETURN(bool row, query.step());
  return row ? query.column_int64(0) : 0;
}

}  // namespace shouwang::knowledge
