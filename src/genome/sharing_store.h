// Shared SARS-CoV-2 sequences in the Shouwang database (tables genome_submissions and
// genome_sequences, on SQLite or PostgreSQL): each record keeps its letters, its metadata (country,
// collection date, lab, access tier, licence and acknowledgement line) and the analysis made on
// arrival, as the Nextclade TSV row of `format_tsv_row` plus the columns that queries filter on.
// Which records a caller may see is decided here (Viewer), so every reader applies the same tier
// rules. Each call leases a connection of the pool for its duration, so one instance serves every
// thread of the server.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/period.h"
#include "core/status.h"
#include "core/time.h"
#include "store/sql.h"

namespace shouwang::genome {

// public: anyone; consortium: every reporter token (the countries that report to the platform);
// owner: reporters of the submitting country only. Admins see everything.
enum class AccessTier { kPublic, kConsortium, kOwner };
std::string_view access_tier_name(AccessTier tier);  // public | consortium | owner
Result<AccessTier> parse_access_tier(std::string_view name);

struct SequenceMetadata {
  std::string country;  // ISO 3166-1 alpha-3
  Date collection_date;
  std::string lab;      // submitting laboratory
  AccessTier tier = AccessTier::kPublic;
  std::string licence;
  std::string acknowledgement;
};

// One record of a submission, analysed and ready to store.
struct NewSequence {
  std::string name;
  std::string sequence;      // letters as read from FASTA
  std::string analysis_tsv;  // format_tsv_row, or format_tsv_error_row when it could not be analysed
  std::string clade;         // empty when not analysed
  std::string qc_status;     // good | mediocre | bad, empty when not analysed
  std::optional<double> qc_score;
  std::string errors;        // why it could not be analysed, empty otherwise
};

struct SequenceRecord {
  int64_t id = 0;
  int64_t submission_id = 0;
  std::string name;
  SequenceMetadata metadata;
  Timestamp submitted_at;
  std::string submitted_by;  // label of the token that submitted it
  std::string sequence;      // filled only when asked for
  int64_t sequence_length = 0;
  std::string analysis_tsv;
  std::string clade;
  std::string qc_status;
  std::optional<double> qc_score;
  std::string errors;
};

// Who is reading.
struct Viewer {
  bool sees_everything = false;    // admin
  bool consortium_member = false;  // any reporter token
  std::string own_country;         // reporter's country: its owner-tier records are visible
};
bool may_see(const Viewer& viewer, const SequenceMetadata& metadata);

struct SequenceQuery {
  std::optional<std::string> country;
  // A clade as stored ("20I (Alpha, V1)") or its short name before the bracket ("20I").
  std::optional<std::string> clade;
  std::optional<Date> collected_from;  // inclusive
  std::optional<Date> collected_to;    // inclusive
  int64_t limit = 100;
  int64_t offset = 0;
  bool with_sequence = false;
};

// Public records with a clade, counted per ISO week of collection.
struct WeeklyCladeCount {
  IsoWeek week;
  std::string clade;
  int64_t count = 0;
};

class GenomeStore {
 public:
  // Migrates the genome_ tables of `db`, which must outlive the store.
  static Result<std::unique_ptr<GenomeStore>> open(store::sql::Database& db);

  // Stores every record of one submission in one transaction; returns their ids in input order.
  Result<std::vector<int64_t>> add_submission(const SequenceMetadata& metadata, const std::vector<NewSequence>& records,
                                              const std::string& submitted_by, Timestamp submitted_at);

  // NotFound when no record has this id (visibility is the caller's decision: see may_see).
  Result<SequenceRecord> find(int64_t id, bool with_sequence);

  // Records `viewer` may see that match the query, by collection date then id.
  Result<std::vector<SequenceRecord>> list(const SequenceQuery& query, const Viewer& viewer);

  // Public records of `countries` (all when empty) collected in [from, to], per week and clade.
  Result<std::vector<WeeklyCladeCount>> weekly_public_clade_counts(const std::vector<std::string>& countries,
                                                                   std::optional<Date> from, std::optional<Date> to);

 private:
  explicit GenomeStore(store::sql::Database& db) : db_(db) {}
  store::sql::Database& db_;
};

}  // namespace shouwang::genome
