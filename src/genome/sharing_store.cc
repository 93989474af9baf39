// The genome_ tables and their queries.
#include "genome/sharing_store.h"

namespace shouwang::genome {
namespace {

namespace sql = store::sql;

// A submission is one POST: its records share the metadata, the submitter and the time. Records
// repeat the metadata so that each one is self-describing when read, filtered or downloaded alone.
// Step 1 is the schema the previous binary made with CREATE TABLE IF NOT EXISTS (its INTEGER and
// REAL columns are SQLite's BIGINT and DOUBLE PRECISION), so its database files open unchanged.
constexpr sql::Migration kGenomeSteps[] = {
    {1, R"sql(
CREATE TABLE IF NOT EXISTS genome_submissions (
  id {id},
  country TEXT NOT NULL,
  submitted_at BIGINT NOT NULL,
  submitted_by TEXT NOT NULL,
  record_count BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS genome_sequences (
  id {id},
  submission_id BIGINT NOT NULL REFERENCES genome_submissions(id),
  name TEXT NOT NULL,
  country TEXT NOT NULL,
  collection_date TEXT NOT NULL,
  collection_week TEXT NOT NULL,
  lab TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('public', 'consortium', 'owner')),
  licence TEXT NOT NULL,
  acknowledgement TEXT NOT NULL,
  sequence TEXT NOT NULL,
  sequence_length BIGINT NOT NULL,
  clade TEXT NOT NULL,
  qc_status TEXT NOT NULL,
  qc_score DOUBLE PRECISION,
  errors TEXT NOT NULL,
  analysis_tsv TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS genome_sequences_by_date ON genome_sequences(collection_date);
CREATE INDEX IF NOT EXISTS genome_sequences_by_country ON genome_sequences(country, collection_date);
)sql"},
};
constexpr sql::Schema kGenomeSchema{"genome", kGenomeSteps};

// Columns read back into a SequenceRecord, in this order; the sequence itself is selected only
// when asked for (it is 30 kB a record).
constexpr const char* kRecordColumns =
    "s.id, s.submission_id, s.name, s.country, s.collection_date, s.lab, s.tier, s.licence, s.acknowledgement, "
    "b.submitted_at, b.submitted_by, s.sequence_length, s.analysis_tsv, s.clade, s.qc_status, s.qc_score, s.errors";

std::string record_select(bool with_sequence) {
  return std::string("SELECT ") + kRecordColumns + (with_sequence ? ", s.sequence" : "") +
         " FROM genome_sequences s JOIN genome_submissions b ON b.id = s.submission_id";
}

Result<SequenceRecord> read_record(const sql::Row& row, bool with_sequence) {
  SequenceRecord record;
  record.id = row.int64(0);
  record.submission_id = row.int64(1);
  record.name = row.text(2);
  record.metadata.country = row.text(3);
  ASSIGN_OR_RETURN(record.metadata.collection_date, Date::parse(row.text(4)));
  record.metadata.lab = row.text(5);
  ASSIGN_OR_RETURN(record.metadata.tier, parse_access_tier(row.text(6)));
  record.metadata.licence = row.text(7);
  record.metadata.acknowledgement = row.text(8);
  record.submitted_at = Timestamp(row.int64(9));
  record.submitted_by = row.text(10);
  record.sequence_length = row.int64(11);
  record.analysis_tsv = row.text(12);
  record.clade = row.text(13);
  record.qc_status = row.text(14);
  if (!row.is_null(15)) record.qc_score = row.float8(15);
  record.errors = row.text(16);
  if (with_sequence) record.sequence = row.text(17);
  return record;
}

// Builds a WHERE clause from the filters that are set, so no parameter is a bare NULL whose type
// PostgreSQL would have to guess.
class Conditions {
 public:
  void add(std::string condition) { text_ += (text_.empty() ? " WHERE " : " AND ") + std::move(condition); }
  template <typename... Values>
  void add(std::string condition, const Values&... values) {
    add(std::move(condition));
    (params_.push_back(sql::value_of(values)), ...);
  }
  const std::string& text() const { return text_; }
  std::vector<sql::Value>& params() { return params_; }

 private:
  std::string text_;
  std::vector<sql::Value> params_;
};

}  // namespace

std::string_view access_tier_name(AccessTier tier) {
  switch (tier) {
    case AccessTier::kPublic: return "public";
    case AccessTier::kConsortium: return "consortium";
    case AccessTier::kOwner: return "owner";
  }
  return "public";
}

Result<AccessTier> parse_access_tier(std::string_view name) {
  if (name == "public") return AccessTier::kPublic;
  if (name == "consortium") return AccessTier::kConsortium;
  if (name == "owner") return AccessTier::kOwner;
  return invalid_argument("access tier must be public, consortium or owner, got '" + std::string(name) + "'");
}

bool may_see(const Viewer& viewer, const SequenceMetadata& metadata) {
  if (viewer.sees_everything) return true;
  switch (metadata.tier) {
    case AccessTier::kPublic: return true;
    case AccessTier::kConsortium: return viewer.consortium_member;
    case AccessTier::kOwner: return !viewer.own_country.empty() && viewer.own_country == metadata.country;
  }
  return false;
}

Result<std::unique_ptr<GenomeStore>> GenomeStore::open(store::sql::Database& db) {
  RETURN_IF_ERROR(sql::migrate(db, kGenomeSchema));
  return std::unique_ptr<GenomeStore>(new GenomeStore(db));
}

Result<std::vector<int64_t>> GenomeStore::add_submission(const SequenceMetadata& metadata,
                                                         const std::vector<NewSequence>& records,
                                                         const std::string& submitted_by, Timestamp submitted_at) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(auto tx, sql::Transaction::begin(*conn));
  ASSIGN_OR_RETURN(const int64_t submission_id,
                   conn->scalar("INSERT INTO genome_submissions (country, submitted_at, submitted_by, record_count) "
                                "VALUES (?, ?, ?, ?) RETURNING id",
                                metadata.country, submitted_at.micros(), submitted_by,
                                static_cast<int64_t>(records.size())));
  const std::string date = metadata.collection_date.to_string();
  const std::string week = IsoWeek::containing(metadata.collection_date).to_string();
  const std::string_view tier = access_tier_name(metadata.tier);
  std::vector<int64_t> ids;
  ids.reserve(records.size());
  for (const NewSequence& record : records) {
    ASSIGN_OR_RETURN(int64_t id,
                     conn->scalar("INSERT INTO genome_sequences (submission_id, name, country, collection_date, "
                                  "collection_week, lab, tier, licence, acknowledgement, sequence, sequence_length, "
                                  "clade, qc_status, qc_score, errors, analysis_tsv) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                  submission_id, record.name, metadata.country, date, week, metadata.lab, tier,
                                  metadata.licence, metadata.acknowledgement, record.sequence,
                                  static_cast<int64_t>(record.sequence.size()), record.clade, record.qc_status,
                                  record.qc_score, record.errors, record.analysis_tsv));
    ids.push_back(id);
  }
  RETURN_IF_ERROR(tx.commit());
  return ids;
}

Result<SequenceRecord> GenomeStore::find(int64_t id, bool with_sequence) {
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(sql::Rows rows, conn->query(record_select(with_sequence) + " WHERE s.id = ?", id));
  return sql::the_row(rows, [&](const sql::Row& row) { return read_record(row, with_sequence); },
                      "no sequence has id " + std::to_string(id));
}

Result<std::vector<SequenceRecord>> GenomeStore::list(const SequenceQuery& query, const Viewer& viewer) {
  Conditions where;
  if (query.country) where.add("s.country = ?", *query.country);
  // A clade as stored ("20I (Alpha, V1)") or its short name before the bracket ("20I").
  if (query.clade) {
    const std::string prefix = *query.clade + " (";
    where.add("(s.clade = ? OR substr(s.clade, 1, length(CAST(? AS TEXT))) = ?)", *query.clade, prefix, prefix);
  }
  if (query.collected_from) where.add("s.collection_date >= ?", query.collected_from->to_string());
  if (query.collected_to) where.add("s.collection_date <= ?", query.collected_to->to_string());
  if (!viewer.sees_everything) {
    std::string visible = "(s.tier = 'public'";
    if (viewer.consortium_member) visible += " OR s.tier = 'consortium'";
    if (!viewer.own_country.empty()) {
      where.add(visible + " OR (s.tier = 'owner' AND s.country = ?))", viewer.own_country);
    } else {
      where.add(visible + ")");
    }
  }
  std::vector<sql::Value>& params = where.params();
  params.push_back(query.limit);
  params.push_back(query.offset);
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(sql::Rows rows,
                   conn->query(record_select(query.with_sequence) + where.text() +
                                   " ORDER BY s.collection_date, s.id LIMIT ? OFFSET ?",
                               std::span<const sql::Value>(params)));
  return sql::all_rows(rows, [&](const sql::Row& row) { return read_record(row, query.with_sequence); });
}

Result<std::vector<WeeklyCladeCount>> GenomeStore::weekly_public_clade_counts(const std::vector<std::string>& countries,
                                                                              std::optional<Date> from,
                                                                              std::optional<Date> to) {
  Conditions where;
  where.add("tier = 'public'");
  where.add("clade <> ''");
  if (!countries.empty()) {
    std::string in = "country IN (";
    for (size_t i = 0; i < countries.size(); ++i) in += i == 0 ? "?" : ", ?";
    where.add(in + ")");
    for (const std::string& country : countries) where.params().push_back(country);
  }
  if (from) where.add("collection_date >= ?", from->to_string());
  if (to) where.add("collection_date <= ?", to->to_string());
  ASSIGN_OR_RETURN(auto conn, db_.acquire());
  ASSIGN_OR_RETURN(sql::Rows rows,
                   conn->query("SELECT collection_week, clade, COUNT(*) FROM genome_sequences" + where.text() +
                                   " GROUP BY collection_week, clade ORDER BY collection_week, clade",
                               std::span<const sql::Value>(where.params())));
  return sql::all_rows(rows, [](const sql::Row& row) -> Result<WeeklyCladeCount> {
    ASSIGN_OR_RETURN(IsoWeek week, IsoWeek::parse(row.text(0)));
    return WeeklyCladeCount{week, row.text(1), row.int64(2)};
  });
}

}  // namespace shouwang::genome
