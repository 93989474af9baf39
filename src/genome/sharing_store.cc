// The genome_ tables and their queries.
#include "genome/sharing_store.h"

#include <boost/json.hpp>

namespace shouwang::genome {
namespace {

using store::sqlite::Db;
using store::sqlite::Statement;
using store::sqlite::Transaction;

// A submission is one POST: its records share the metadata, the submitter and the time. Records
// repeat the metadata so that each one is self-describing when read, filtered or downloaded alone.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS genome_submissions (
  id INTEGER PRIMARY KEY,
  country TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  submitted_by TEXT NOT NULL,
  record_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS genome_sequences (
  id INTEGER PRIMARY KEY,
  submission_id INTEGER NOT NULL REFERENCES genome_submissions(id),
  name TEXT NOT NULL,
  country TEXT NOT NULL,
  collection_date TEXT NOT NULL,
  collection_week TEXT NOT NULL,
  lab TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('public', 'consortium', 'owner')),
  licence TEXT NOT NULL,
  acknowledgement TEXT NOT NULL,
  sequence TEXT NOT NULL,
  sequence_length INTEGER NOT NULL,
  clade TEXT NOT NULL,
  qc_status TEXT NOT NULL,
  qc_score REAL,
  errors TEXT NOT NULL,
  analysis_tsv TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS genome_sequences_by_date ON genome_sequences(collection_date);
CREATE INDEX IF NOT EXISTS genome_sequences_by_country ON genome_sequences(country, collection_date);
)sql";

// Columns read back into a SequenceRecord, in this order; the sequence itself is selected only
// when asked for (it is 30 kB a record).
constexpr const char* kRecordColumns =
    "s.id, s.submission_id, s.name, s.country, s.collection_date, s.lab, s.tier, s.licence, s.acknowledgement, "
    "b.submitted_at, b.submitted_by, s.sequence_length, s.analysis_tsv, s.clade, s.qc_status, s.qc_score, s.errors";

Result<SequenceRecord> read_record(const Statement& row, bool with_sequence) {
  SequenceRecord record;
  record.id = row.column_int64(0);
  record.submission_id = row.column_int64(1);
  record.name = row.column_text(2);
  record.metadata.country = row.column_text(3);
  ASSIGN_OR_RETURN(record.metadata.collection_date, Date::parse(row.column_text(4)));
  record.metadata.lab = row.column_text(5);
  ASSIGN_OR_RETURN(record.metadata.tier, parse_access_tier(row.column_text(6)));
  record.metadata.licence = row.column_text(7);
  record.metadata.acknowledgement = row.column_text(8);
  record.submitted_at = Timestamp(row.column_int64(9));
  record.submitted_by = row.column_text(10);
  record.sequence_length = row.column_int64(11);
  record.analysis_tsv = row.column_text(12);
  record.clade = row.column_text(13);
  record.qc_status = row.column_text(14);
  if (!row.column_is_null(15)) record.qc_score = row.column_double(15);
  record.errors = row.column_text(16);
  if (with_sequence) record.sequence = row.column_text(17);
  return record;
}

std::string json_array_of(const std::vector<std::string>& items) {
  boost::json::array array;
  for (const auto& item : items) array.emplace_back(item);
  return boost::json::serialize(array);
}

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

Result<std::unique_ptr<GenomeStore>> GenomeStore::open(const std::string& db_path) {
  ASSIGN_OR_RETURN(auto db, Db::open(db_path));
  RETURN_IF_ERROR(db->exec(kSchema));
  return std::unique_ptr<GenomeStore>(new GenomeStore(std::move(db)));
}

Result<std::vector<int64_t>> GenomeStore::add_submission(const SequenceMetadata& metadata,
                                                         const std::vector<NewSequence>& records,
                                                         const std::string& submitted_by, Timestamp submitted_at) {
  ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
  ASSIGN_OR_RETURN(auto submission,
                   db_->prepare("INSERT INTO genome_submissions (country, submitted_at, submitted_by, record_count) "
                                "VALUES (?, ?, ?, ?)"));
  RETURN_IF_ERROR(submission.bind(1, metadata.country)
                      .bind(2, submitted_at.micros())
                      .bind(3, submitted_by)
                      .bind(4, static_cast<int64_t>(records.size()))
                      .run());
  const int64_t submission_id = db_->last_insert_rowid();
  ASSIGN_OR_RETURN(auto insert,
                   db_->prepare("INSERT INTO genome_sequences (submission_id, name, country, collection_date, "
                                "collection_week, lab, tier, licence, acknowledgement, sequence, sequence_length, "
                                "clade, qc_status, qc_score, errors, analysis_tsv) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  const std::string date = metadata.collection_date.to_string();
  const std::string week = IsoWeek::containing(metadata.collection_date).to_string();
  std::vector<int64_t> ids;
  for (const NewSequence& record : records) {
    insert.reset();
    RETURN_IF_ERROR(insert.bind(1, submission_id)
                        .bind(2, record.name)
                        .bind(3, metadata.country)
                        .bind(4, date)
                        .bind(5, week)
                        .bind(6, metadata.lab)
                        .bind(7, access_tier_name(metadata.tier))
                        .bind(8, metadata.licence)
                        .bind(9, metadata.acknowledgement)
                        .bind(10, record.sequence)
                        .bind(11, static_cast<int64_t>(record.sequence.size()))
                        .bind(12, record.clade)
                        .bind(13, record.qc_status)
                        .bind(14, record.qc_score)
                        .bind(15, record.errors)
                        .bind(16, record.analysis_tsv)
                        .run());
    ids.push_back(db_->last_insert_rowid());
  }
  RETURN_IF_ERROR(tx->commit());
  return ids;
}

Result<SequenceRecord> GenomeStore::find(int64_t id, bool with_sequence) {
  ASSIGN_OR_RETURN(auto select,
                   db_->prepare(std::string("SELECT ") + kRecordColumns + (with_sequence ? ", s.sequence" : "") +
                                " FROM genome_sequences s JOIN genome_submissions b ON b.id = s.submission_id "
                                "WHERE s.id = ?"));
  select.bind(1, id);
  ASSIGN_OR_RETURN(bool found, select.step());
  if (!found) return not_found("no sequence has id " + std::to_string(id));
  return read_record(select, with_sequence);
}

Result<std::vector<SequenceRecord>> GenomeStore::list(const SequenceQuery& query, const Viewer& viewer) {
  // Unset filters bind NULL and match everything, so one statement serves every combination.
  std::string sql = std::string("SELECT ") + kRecordColumns + (query.with_sequence ? ", s.sequence" : "") +
                    " FROM genome_sequences s JOIN genome_submissions b ON b.id = s.submission_id "
                    "WHERE (?1 IS NULL OR s.country = ?1) "
                    "AND (?2 IS NULL OR s.clade = ?2 OR substr(s.clade, 1, length(?2) + 2) = ?2 || ' (') "
                    "AND (?3 IS NULL OR s.collection_date >= ?3) AND (?4 IS NULL OR s.collection_date <= ?4) "
                    "AND (?5 OR s.tier = 'public' OR (?6 AND s.tier = 'consortium') "
                    "     OR (s.tier = 'owner' AND s.country = ?7)) "
                    "ORDER BY s.collection_date, s.id LIMIT ?8 OFFSET ?9";
  ASSIGN_OR_RETURN(auto select, db_->prepare(sql));
  select.bind(1, query.country)
      .bind(2, query.clade)
      .bind(3, query.collected_from ? std::optional(query.collected_from->to_string()) : std::nullopt)
      .bind(4, query.collected_to ? std::optional(query.collected_to->to_string()) : std::nullopt)
      .bind(5, viewer.sees_everything ? 1 : 0)
      .bind(6, viewer.consortium_member ? 1 : 0)
      .bind(7, viewer.own_country)
      .bind(8, query.limit)
      .bind(9, query.offset);
  return store::sqlite::all_rows(select, [&](const store::sqlite::Statement& row) {
    return read_record(row, query.with_sequence);
  });
}

Result<std::vector<WeeklyCladeCount>> GenomeStore::weekly_public_clade_counts(const std::vector<std::string>& countries,
                                                                              std::optional<Date> from,
                                                                              std::optional<Date> to) {
  ASSIGN_OR_RETURN(auto select,
                   db_->prepare("SELECT collection_week, clade, COUNT(*) FROM genome_sequences "
                                "WHERE tier = 'public' AND clade != '' "
                                "AND (?1 IS NULL OR country IN (SELECT value FROM json_each(?1))) "
                                "AND (?2 IS NULL OR collection_date >= ?2) AND (?3 IS NULL OR collection_date <= ?3) "
                                "GROUP BY collection_week, clade ORDER BY collection_week, clade"));
  select.bind(1, countries.empty() ? std::nullopt : std::optional(json_array_of(countries)))
      .bind(2, from ? std::optional(from->to_string()) : std::nullopt)
      .bind(3, to ? std::optional(to->to_string()) : std::nullopt);
  return store::sqlite::all_rows(select, [](const store::sqlite::Statement& row) -> Result<WeeklyCladeCount> {
    ASSIGN_OR_RETURN(IsoWeek week, IsoWeek::parse(row.column_text(0)));
    return WeeklyCladeCount{week, row.column_text(1), row.column_int64(2)};
  });
}

}  // namespace shouwang::genome
