// The kb_ tables of the knowledge centre and their queries, on SQLite and PostgreSQL.
#include "knowledge/knowledge_store.h"

#include <random>

namespace shouwang::knowledge {
namespace {

namespace sql = store::sql;

// Step 1 is the schema the previous binary made with CREATE TABLE IF NOT EXISTS (its INTEGER
// columns are SQLite's BIGINT), so its database files open with their documents. Step 2 adds what
// tells whether a search index still matches the tables.
constexpr sql::Migration kKnowledgeSteps[] = {
    {1, R"sql(
CREATE TABLE IF NOT EXISTS kb_documents (
  id {id},
  family TEXT NOT NULL,
  edition BIGINT NOT NULL CHECK (edition >= 1),
  lang TEXT NOT NULL,
  title TEXT NOT NULL,
  published TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  UNIQUE (family, edition, lang)
);
CREATE TABLE IF NOT EXISTS kb_document_topics (
  document_id BIGINT NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,
  topic TEXT NOT NULL,
  PRIMARY KEY (document_id, topic)
);
CREATE TABLE IF NOT EXISTS kb_sections (
  id {id},
  document_id BIGINT NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,
  ordinal BIGINT NOT NULL,
  level BIGINT NOT NULL,
  heading TEXT NOT NULL,
  UNIQUE (document_id, ordinal)
);
CREATE TABLE IF NOT EXISTS kb_passages (
  id {id},
  section_id BIGINT NOT NULL REFERENCES kb_sections(id) ON DELETE CASCADE,
  ordinal BIGINT NOT NULL,
  text TEXT NOT NULL,
  UNIQUE (section_id, ordinal)
);
)sql"},
    {2, R"sql(
CREATE TABLE kb_index_state (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  database_id TEXT NOT NULL,
  revision BIGINT NOT NULL
);
)sql"},
};
constexpr sql::Schema kKnowledgeSchema{"knowledge", kKnowledgeSteps};

// 128 random bits in hex: the id of one database's kb_ tables.
std::string new_database_id() {
  std::random_device random;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 8; ++i) {
    const unsigned bits = random();
    for (int shift = 0; shift < 16; shift += 4) id.push_back(kHex[(bits >> shift) & 15]);
  }
  return id;
}

// Every paragraph with its document's fields; topics joined by the unit separator (each dialect
// has its own aggregate for it).
std::string passage_select(sql::Dialect dialect) {
  const char* topics = dialect == sql::Dialect::kPostgres ? "string_agg(topic, chr(31))" : "group_concat(topic, char(31))";
  return std::string("SELECT p.id, d.id, d.family, d.edition, d.lang, d.title, d.published, s.ordinal, s.heading, "
                     "p.text, (SELECT ") +
         topics +
         " FROM kb_document_topics t WHERE t.document_id = d.id) "
         "FROM kb_passages p JOIN kb_sections s ON s.id = p.section_id JOIN kb_documents d ON d.id = s.document_id";
}

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

StoredPassage read_passage(const sql::Row& row) {
  StoredPassage p;
  p.id = row.int64(0);
  p.document_id = row.int64(1);
  p.family = row.text(2);
  p.edition = static_cast<int>(row.int64(3));
  p.lang = row.text(4);
  p.title = row.text(5);
  p.published = row.text(6);
  p.section_ordinal = static_cast<int>(row.int64(7));
  p.heading = row.text(8);
  p.text = row.text(9);
  p.topics = split_unit_separated(row.text(10));
  return p;
}

IndexState read_state(const sql::Row& row) { return IndexState{row.text(0), row.int64(1)}; }

// The queries both the leased reads and the writes of a transaction use.
Result<std::optional<int64_t>> find_document_on(sql::Connection& conn, const std::string& family, int edition,
                                                const std::string& lang) {
  ASSIGN_OR_RETURN(sql::Rows rows, conn.query("SELECT id FROM kb_documents WHERE family = ? AND edition = ? AND lang = ?",
                                              family, edition, lang));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows[0].int64(0));
}

Result<std::map<std::pair<std::string, std::string>, int>> latest_editions_on(sql::Connection& conn) {
  ASSIGN_OR_RETURN(sql::Rows rows, conn.query("SELECT family, lang, MAX(edition) FROM kb_documents GROUP BY family, lang"));
  std::map<std::pair<std::string, std::string>, int> latest;
  for (size_t i = 0; i < rows.size(); ++i) {
    latest[{rows[i].text(0), rows[i].text(1)}] = static_cast<int>(rows[i].int64(2));
  }
  return latest;
}

}  // namespace

Result<std::unique_ptr<KnowledgeStore>> KnowledgeStore::open(store::sql::Database& db) {
  RETURN_IF_ERROR(sql::migrate(db, kKnowledgeSchema));
  {
    ASSIGN_OR_RETURN(auto conn, db.acquire());
    ASSIGN_OR_RETURN(int64_t present, conn->scalar("SELECT COUNT(*) FROM kb_index_state"));
    // Concurrent first openers each propose an id; the first insert wins.
    if (present == 0) {
      RETURN_IF_ERROR(conn->run("INSERT INTO kb_index_state (id, database_id, revision) VALUES (1, ?, 0) "
                                "ON CONFLICT (id) DO NOTHING",
                                new_database_id())
                          .status());
    }
  }
  return std::unique_ptr<KnowledgeStore>(new KnowledgeStore(db));
}

Result<IndexState> KnowledgeStore::Writes::advance_revision() {
  ASSIGN_OR_RETURN(sql::Rows rows, conn_.query("UPDATE kb_index_state SET revision = revision + 1 WHERE id = 1 "
                                               "RETURNING database_id, revision - 1"));
  return sql::the_row(rows, read_state, "the knowledge tables have no index state row");
}

Result<int64_t> KnowledgeStore::Writes::insert_document(const Document& document, std::vector<int64_t>& passage_ids) {
  const DocumentMeta& meta = document.meta;
  auto inserted = conn_.scalar("INSERT INTO kb_documents (family, edition, lang, title, published, source) "
                               "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                               meta.family, meta.edition, meta.lang, meta.title, meta.published, meta.source);
  if (inserted.status().code() == StatusCode::kAlreadyExists) {
    return already_exists("edition " + std::to_string(meta.edition) + " of '" + meta.family + "' in " + meta.lang +
                          " is already stored");
  }
  ASSIGN_OR_RETURN(const int64_t document_id, std::move(inserted));

  for (const std::string& topic : meta.topics) {
    RETURN_IF_ERROR(conn_.run("INSERT INTO kb_document_topics (document_id, topic) VALUES (?, ?) "
                              "ON CONFLICT (document_id, topic) DO NOTHING",
                              document_id, topic)
                        .status());
  }
  passage_ids.clear();
  for (size_t s = 0; s < document.sections.size(); ++s) {
    const Section& section = document.sections[s];
    ASSIGN_OR_RETURN(int64_t section_id,
                     conn_.scalar("INSERT INTO kb_sections (document_id, ordinal, level, heading) VALUES (?, ?, ?, ?) "
                                  "RETURNING id",
                                  document_id, static_cast<int64_t>(s), section.level, section.heading));
    for (size_t p = 0; p < section.paragraphs.size(); ++p) {
      ASSIGN_OR_RETURN(int64_t passage_id,
                       conn_.scalar("INSERT INTO kb_passages (section_id, ordinal, text) VALUES (?, ?, ?) RETURNING id",
                                    section_id, static_cast<int64_t>(p), section.paragraphs[p]));
      passage_ids.push_back(passage_id);
    }
  }
  return document_id;
}

Result<std::optional<int64_t>> KnowledgeStore::Writes::find_document(const std::string& family, int edition,
                                                                     const std::string& lang) {
  return find_document_on(conn_, family, edition, lang);
}

Result<std::map<std::pair<std::string, std::string>, int>> KnowledgeStore::Writes::latest_editions() {
  return latest_editions_on(conn_);
}

Status KnowledgeStore::in_transaction(const std::function<Status(Writes&)>& work) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin(*conn));
  Writes writes(*conn);
  RETURN_IF_ERROR(work(writes));
  return tx.commit();
}

Result<IndexState> KnowledgeStore::index_state() {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(sql::Rows rows, conn->query("SELECT database_id, revision FROM kb_index_state WHERE id = 1"));
  return sql::the_row(rows, read_state, "the knowledge tables have no index state row");
}

Result<std::optional<int64_t>> KnowledgeStore::find_document(const std::string& family, int edition,
                                                             const std::string& lang) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  return find_document_on(*conn, family, edition, lang);
}

Result<Document> KnowledgeStore::load_document(int64_t id) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(sql::Rows found,
                   conn->query("SELECT family, edition, lang, title, published, source FROM kb_documents WHERE id = ?", id));
  if (found.empty()) return not_found("no knowledge document with id " + std::to_string(id));
  Document document;
  document.id = id;
  document.meta.family = found[0].text(0);
  document.meta.edition = static_cast<int>(found[0].int64(1));
  document.meta.lang = found[0].text(2);
  document.meta.title = found[0].text(3);
  document.meta.published = found[0].text(4);
  document.meta.source = found[0].text(5);

  ASSIGN_OR_RETURN(sql::Rows topics,
                   conn->query("SELECT topic FROM kb_document_topics WHERE document_id = ? ORDER BY topic", id));
  ASSIGN_OR_RETURN(document.meta.topics, sql::all_rows(topics, [](const sql::Row& row) { return row.text(0); }));
  ASSIGN_OR_RETURN(sql::Rows rows, conn->query("SELECT s.ordinal, s.level, s.heading, p.text FROM kb_sections s "
                                               "LEFT JOIN kb_passages p ON p.section_id = s.id "
                                               "WHERE s.document_id = ? ORDER BY s.ordinal, p.ordinal",
                                               id));
  int64_t last_section = -1;
  for (size_t i = 0; i < rows.size(); ++i) {
    const sql::Row row = rows[i];
    const int64_t ordinal = row.int64(0);
    if (ordinal != last_section) {
      document.sections.push_back(Section{row.text(2), static_cast<int>(row.int64(1)), {}});
      last_section = ordinal;
    }
    if (!row.is_null(3)) document.sections.back().paragraphs.push_back(row.text(3));
  }
  return document;
}

Result<std::vector<EditionSummary>> KnowledgeStore::editions_of_family(const std::string& family) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(sql::Rows rows, conn->query("SELECT id, edition, lang, title, published FROM kb_documents "
                                               "WHERE family = ? ORDER BY edition, lang",
                                               family));
  return sql::all_rows(rows, [](const sql::Row& row) {
    return EditionSummary{row.int64(0), static_cast<int>(row.int64(1)), row.text(2), row.text(3), row.text(4)};
  });
}

Result<std::map<std::pair<std::string, std::string>, int>> KnowledgeStore::latest_editions() {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  return latest_editions_on(*conn);
}

Result<std::vector<StoredPassage>> KnowledgeStore::passages_by_id(const std::vector<int64_t>& ids) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  const std::string select = passage_select(conn->dialect()) + " WHERE p.id = ?";
  std::vector<StoredPassage> passages;
  passages.reserve(ids.size());
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(sql::Rows rows, conn->query(select, id));
    // The index is committed just before the database in an add, so a search in between finds
    // passages the database does not show yet; they are left out rather than failing the search.
    // A stale index is found by comparing index and database states, not here.
    if (rows.empty()) continue;
    passages.push_back(read_passage(rows[0]));
  }
  return passages;
}

Status KnowledgeStore::for_each_passage(const std::function<Status(const StoredPassage&)>& visit) {
  sql::Rows rows;
  {
    // Given back before visiting, so a visitor may use the store.
    ASSIGN_OR_RETURN(auto conn, db_.acquire());
    ASSIGN_OR_RETURN(rows, conn->query(passage_select(conn->dialect()) + " ORDER BY p.id"));
  }
  for (size_t i = 0; i < rows.size(); ++i) RETURN_IF_ERROR(visit(read_passage(rows[i])));
  return Status::ok();
}

Result<int64_t> KnowledgeStore::count_passages() {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  return conn->scalar("SELECT COUNT(*) FROM kb_passages");
}

}  // namespace shouwang::knowledge
