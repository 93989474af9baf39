// The Store: every figure ever reported, with all its revisions, plus the catalogue of locations
// and indicators and the access tokens. An interface so that SQLite (embedded) and PostgreSQL (a
// shared server) sit behind the same calls and pass the same conformance suite; store/open_store.h
// picks one from a `--db` value.
//
// Invariants every implementation keeps:
// - Nothing is overwritten or deleted: a changed value is a new revision with its own reported_at.
// - Writing a value equal to the current one for its key creates no revision (idempotent imports).
// - write_observations is all-or-nothing and invisible to readers until it commits.
// - Series of different sources never mix: (location, indicator, disaggregation, source, period
//   kind) is a series. A disaggregation's parts and its total are separate series; nothing sums them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/indicator.h"
#include "core/location.h"
#include "core/observation.h"
#include "core/period.h"
#include "core/status.h"
#include "core/time.h"

namespace shouwang::store {

// One value to write; source and reported_at are given per batch.
struct ObservationWrite {
  std::string location;
  std::string indicator;
  Period period;
  double value = 0;
  std::string disaggregation;  // canonical (core/disaggregation.h); empty for the total
};

struct WriteSummary {
  int64_t observations = 0;   // values received
  int64_t new_revisions = 0;  // values that were new or changed
};

// What a reader asks for. Empty optionals mean "no filter".
struct SeriesQuery {
  std::optional<std::string> location;
  std::optional<std::string> indicator;
  // A specific source; otherwise each (location, indicator) uses its default source.
  std::optional<std::string> source;
  // The total (empty, the default) or one canonical disaggregation; nullopt reads them all.
  std::optional<std::string> disaggregation = std::string();
  std::optional<Date> from;  // inclusive, compared with the period's start
  std::optional<Date> to;    // inclusive
  // The data exactly as it was known at this instant (latest revisions with reported_at <= as_of).
  std::optional<Timestamp> as_of;
  // Each value as it was known `lag` days after its period ended (revisions reported by the end
  // of the UTC day period_end + lag): the view used to study reporting delay and backfill, like
  // Delphi Epidata's lag. Combines with as_of (both limits apply).
  std::optional<int> lag;
};

// The last instant a revision may carry to be seen by a `lag` query of a period ending on
// `period_end`: the end of the UTC day period_end + lag.
inline Timestamp lag_cutoff(Date period_end, int lag) {
  constexpr int64_t kMicrosPerDay = 86'400'000'000;
  return Timestamp((int64_t{period_end.days_since_epoch()} + lag + 1) * kMicrosPerDay - 1);
}
// Longest lag a query may ask for: ten years.
inline constexpr int kMaxLagDays = 3660;

// A stored series: its key and its points, sorted by period.
struct SeriesPoint {
  Period period;
  double value = 0;
  int64_t revision = 0;
  Timestamp reported_at;
};
struct Series {
  std::string location;
  std::string indicator;
  std::string source;
  std::string disaggregation;
  std::vector<SeriesPoint> points;
};

// A past value of one key, for "what changed and when".
struct Revision {
  std::string location;
  std::string indicator;
  std::string source;
  std::string disaggregation;
  Period period;
  double value = 0;
  int64_t revision = 0;
  Timestamp reported_at;
};

// The change feed federation replicates from (src/federation): every write that adds revisions to
// a series appends one entry for it, numbered in commit order, so a reader that remembers the last
// number it saw misses nothing and reads nothing twice.
struct FeedEntry {
  int64_t seq = 0;
  std::vector<Revision> revisions;  // what the write added to the series, by period and revision
};
struct FeedPage {
  std::vector<FeedEntry> entries;  // entries in scope after the asked position, in order
  int64_t through = 0;             // the position read up to (entries out of scope included)
  int64_t head = 0;                // the newest position of the feed
};

// The rows of one write arriving in parts (see Store::begin_write).
class ObservationWriter {
 public:
  // Destroyed without commit(): nothing is written.
  virtual ~ObservationWriter() = default;
  // Writes rows as write_observations would, inside the writer's transaction. A key (location,
  // indicator, disaggregation, period) appears in one part at most.
  virtual Status add(std::span<const ObservationWrite> rows) = 0;
  // Upserts `locations` (catalogue entries the rows need) and makes everything visible at once.
  virtual Result<WriteSummary> commit(std::span<const Location> locations) = 0;
};

// One write of a group (Store::write_group): the rows of one report, its source and instant, and
// the catalogue entries its rows need.
struct GroupedWrite {
  std::span<const ObservationWrite> rows;
  std::string source;
  Timestamp reported_at;
  std::span<const Location> locations;
};

// A mark of one stored series that moves whenever the series gains a revision or becomes, or stops
// being, its location's default.
struct SeriesMark {
  std::string location;
  std::string source;
  Period::Kind kind = Period::Kind::kDay;
  int64_t revisions = 0;  // revisions written since the store began keeping marks
  bool is_default = false;  // the source is the (location, indicator)'s default source
};

// kNode: a national node's token at a hub (src/federation), scoped to its country.
enum class Role : uint8_t { kAdmin, kReporter, kFocalPoint, kEditor, kDonor, kCoordinator, kNode };
std::string_view role_name(Role role);
Result<Role> parse_role(std::string_view name);

struct Token {
  std::string token_hash;  // hex SHA-256 of the secret; the secret itself is never stored
  Role role = Role::kReporter;
  std::string location;    // the country a reporter may write (and its subdivisions); may be empty
  std::string label;
  Timestamp created_at;
};

class Store {
 public:
  virtual ~Store() = default;

  // Catalogue. Locations and indicators are upserted by code.
  virtual Result<std::vector<Location>> list_locations() = 0;
  virtual Status upsert_locations(std::span<const Location> locations) = 0;
  virtual Result<std::vector<Indicator>> list_indicators() = 0;
  virtual Status upsert_indicator(const Indicator& indicator) = 0;

  // One transaction: all rows are written, or none is. The first source that writes a
  // (location, indicator) becomes its default source (for all its disaggregations) unless one is set.
  virtual Result<WriteSummary> write_observations(std::span<const ObservationWrite> rows,
                                                  const std::string& source, Timestamp reported_at) = 0;

  // The same all-or-nothing write, its rows given in parts: a caller can write what it has while
  // it still reads the rest of its input (a large import parses on one thread while another
  // writes). While the writer is open, use the store only through it.
  virtual Result<std::unique_ptr<ObservationWriter>> begin_write(const std::string& source,
                                                                 Timestamp reported_at) = 0;

  // Group commit: the writes in one transaction, each in a savepoint of its own, so the commit's
  // cost is paid once for all. A write that fails leaves no trace and the others are stored; when
  // the transaction itself fails, every write gets that error. Results are in the order of `writes`.
  virtual std::vector<Result<WriteSummary>> write_group(std::span<const GroupedWrite> writes) = 0;

  // Series stored directly for the query (no aggregation; see store/aggregate.h for that).
  virtual Result<std::vector<Series>> read_series(const SeriesQuery& query) = 0;
  // Every revision of the matching keys, oldest first.
  virtual Result<std::vector<Revision>> read_revisions(const SeriesQuery& query) = 0;

  // Default source of a (location, indicator): NotFound when nothing was ever written.
  virtual Result<std::string> default_source(const std::string& location, const std::string& indicator) = 0;
  virtual Status set_default_source(const std::string& location, const std::string& indicator,
                                    const std::string& source) = 0;

  // Every stored total series of `indicator` (all sources and period kinds) with its mark: a cache of
  // series (api/figures_cache.h) reloads only the series whose mark moved. Marks move in the
  // transaction that adds revisions, so writes by every process count.
  virtual Result<std::vector<SeriesMark>> series_marks(const std::string& indicator) = 0;

  // The change feed after position `after`: entries whose location is `scope` or below it (all when
  // `scope` is empty), gathered until they hold `max_revisions` revisions (a page has at least one
  // entry when one is there, however large).
  virtual Result<FeedPage> read_feed(int64_t after, const std::string& scope, int64_t max_revisions) = 0;
  // Stores revisions read from another store's feed as they are: their numbers, values, sources and
  // reported_at kept, in one transaction. A revision already stored equal is skipped (a retried
  // batch changes nothing); one stored with another value or time is a conflict (FailedPrecondition)
  // and nothing is written. The first source of a (location, indicator) becomes its default, as in
  // write_observations. Gives how many revisions were new.
  virtual Result<int64_t> apply_revisions(std::span<const Revision> revisions) = 0;

  virtual Status create_token(const Token& token) = 0;
  virtual Result<Token> find_token(const std::string& token_hash) = 0;
};

}  // namespace shouwang::store
