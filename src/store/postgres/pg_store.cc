// PostgreSQL implementation of the Store.
//
// Layout: as in SQLite, `series` names each (location, indicator, source, period kind) once with an
// integer id, and `observations` holds every revision keyed by (series_id, period, revision): Delphi
// Epidata's (signal and place, time value, issue) with the revision number as the issue. The
// reported_at instant cannot be the key: one write may revise a key twice at the same instant, and
// a later write may carry an earlier instant. "Latest" and as_of reads are scans of that key.
//
// A write copies its rows into a session-local staging table (COPY: the same few round trips for
// any batch size) and lets set-based statements do the rest in one transaction: create the missing
// series, lock the batch's series rows in key order (so concurrent writers of the same series queue
// up instead of numbering the same revision twice, and always take locks in the same order), then
// insert the values that differ from the key's latest stored value.
//
// Text columns use the "C" collation so that every ORDER BY is a byte order, as in SQLite, whatever
// the database's locale.
#include "store/postgres/pg_store.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <numeric>
#include <tuple>
#include <unordered_set>

#include "core/fault_point.h"
#include "store/feed_support.h"
#include "store/parted_writer.h"
#include "store/postgres/pg_db.h"

namespace shouwang::store {
namespace {

using postgres::BinaryCopy;
using postgres::CopyData;
using postgres::Db;
using postgres::Params;
using postgres::Rows;
using postgres::Transaction;

struct Migration {
  int version;
  std::string_view sql;
};

// Each migration runs once per database, in order, recorded in schema_migrations. Released versions
// are never edited: a change to the schema is a new entry.
constexpr std::array kMigrations = {
    Migration{1, R"sql(
CREATE TABLE locations(
  code text COLLATE "C" PRIMARY KEY, name_en text NOT NULL, name_zh text NOT NULL DEFAULT '',
  parent text COLLATE "C" NOT NULL DEFAULT '', population bigint, level text NOT NULL);
CREATE INDEX locations_parent ON locations(parent);
CREATE TABLE indicators(
  code text COLLATE "C" PRIMARY KEY, unit text NOT NULL, kind text NOT NULL,
  description text NOT NULL DEFAULT '');
CREATE TABLE series(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  location text COLLATE "C" NOT NULL, indicator text COLLATE "C" NOT NULL,
  source text COLLATE "C" NOT NULL, period_kind smallint NOT NULL,
  UNIQUE(location, indicator, source, period_kind));
-- No foreign key to series: only this store writes here, with ids it read from series, and a key
-- check per inserted revision would slow bulk imports down.
CREATE TABLE observations(
  series_id bigint NOT NULL, period date NOT NULL, revision integer NOT NULL,
  value double precision NOT NULL, reported_at timestamptz NOT NULL,
  PRIMARY KEY(series_id, period, revision));
CREATE TABLE default_sources(
  location text COLLATE "C" NOT NULL, indicator text COLLATE "C" NOT NULL,
  source text COLLATE "C" NOT NULL, PRIMARY KEY(location, indicator));
CREATE TABLE tokens(
  hash text COLLATE "C" PRIMARY KEY, role text NOT NULL, location text NOT NULL DEFAULT '',
  label text NOT NULL DEFAULT '', created_at timestamptz NOT NULL);
)sql"},
    // Revisions each series received since this migration (series_marks), kept by a trigger so
    // every writer counts. Once per statement, not per row: a bulk COPY adds one upsert per series.
    // Writers hold their series' locks (kLockSeries) when they insert, so the counter rows are
    // taken by one writer at a time and in no new order.
    Migration{2, R"sql(
CREATE TABLE series_changes(series_id bigint PRIMARY KEY, revisions bigint NOT NULL);
CREATE FUNCTION note_series_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO series_changes(series_id, revisions)
  SELECT series_id, count(*) FROM added GROUP BY series_id ORDER BY series_id
  ON CONFLICT (series_id) DO UPDATE SET revisions = series_changes.revisions + excluded.revisions;
  RETURN NULL;
END $$;
CREATE TRIGGER observations_series_changes AFTER INSERT ON observations
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION note_series_changes();
)sql"},
    // Disaggregations (core/disaggregation.h) are part of a series' key; indicators name a disease.
    Migration{3, R"sql(
ALTER TABLE series ADD COLUMN disaggregation text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE series DROP CONSTRAINT series_location_indicator_source_period_kind_key;
ALTER TABLE series ADD CONSTRAINT series_key UNIQUE(location, indicator, disaggregation, source, period_kind);
ALTER TABLE indicators ADD COLUMN disease text NOT NULL DEFAULT '';
)sql"},
    // The change feed (Store::read_feed): one entry per write and series it changed. Writers
    // append under an EXCLUSIVE lock on the table taken just before they commit (append_to_feed),
    // so entry numbers follow commit order and a reader never sees a later entry before an earlier
    // one. What the database held already is entered oldest first.
    Migration{4, R"sql(
CREATE TABLE series_writes(
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, series_id bigint NOT NULL,
  reported_at timestamptz NOT NULL);
INSERT INTO series_writes(series_id, reported_at)
  SELECT series_id, reported_at FROM observations GROUP BY series_id, reported_at ORDER BY reported_at, series_id;
)sql"},
};

// The advisory lock openers take while migrating: "shouwang" in ASCII.
constexpr int64_t kMigrationLock = 0x73686f7577616e67;

// Per session: temporary tables are private to a connection and emptied at every commit.
constexpr std::string_view kStagingTables = R"sql(
CREATE TEMP TABLE observation_staging(
  location text COLLATE "C" NOT NULL, indicator text COLLATE "C" NOT NULL,
  disaggregation text COLLATE "C" NOT NULL, period_kind smallint NOT NULL,
  period_day integer NOT NULL, value double precision NOT NULL, step integer NOT NULL,
  first_value double precision NOT NULL)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE replica_staging(
  ord integer NOT NULL, location text COLLATE "C" NOT NULL, indicator text COLLATE "C" NOT NULL,
  disaggregation text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL, period_kind smallint NOT NULL,
  period date NOT NULL, revision integer NOT NULL, value double precision NOT NULL,
  reported_at timestamptz NOT NULL)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE location_staging(
  ord integer NOT NULL, code text COLLATE "C" NOT NULL, name_en text NOT NULL, name_zh text NOT NULL,
  parent text COLLATE "C" NOT NULL, population bigint, level text NOT NULL)
  ON COMMIT DELETE ROWS;
)sql";

// The batch's series keys travel as four arrays ($2 locations, $3 indicators, $4 period kinds,
// $5 disaggregations).
// Inserting in key order, like the locking below, keeps two writers creating the same new series
// from waiting on each other crosswise.
constexpr std::string_view kCreateMissingSeries = R"sql(
INSERT INTO series(location, indicator, disaggregation, source, period_kind)
SELECT k.location, k.indicator, k.disaggregation, $1::text, k.period_kind
FROM unnest($2::text[], $3::text[], $4::smallint[], $5::text[]) AS k(location, indicator, period_kind, disaggregation)
ORDER BY k.location COLLATE "C", k.indicator COLLATE "C", k.disaggregation COLLATE "C", k.period_kind
ON CONFLICT DO NOTHING
RETURNING id)sql";

// Locks the batch's series (writers of the same series queue here, so each numbers revisions
// after the other's) and gives their ids.
constexpr std::string_view kLockSeries = R"sql(
SELECT s.id, s.location, s.indicator, s.period_kind, s.disaggregation FROM series s
JOIN unnest($2::text[], $3::text[], $4::smallint[], $5::text[]) AS k(location, indicator, period_kind, disaggregation)
  ON s.location = k.location AND s.indicator = k.indicator AND s.period_kind = k.period_kind
 AND s.disaggregation = k.disaggregation
WHERE s.source = $1::text
ORDER BY s.location, s.indicator, s.disaggregation, s.period_kind
FOR NO KEY UPDATE OF s)sql";

// A group's series (Store::write_group) of several sources: $1 sources, then as kCreateMissingSeries.
constexpr std::string_view kCreateGroupSeries = R"sql(
INSERT INTO series(location, indicator, disaggregation, source, period_kind)
SELECT k.location, k.indicator, k.disaggregation, k.source, k.period_kind
FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::text[])
  AS k(source, location, indicator, period_kind, disaggregation)
ORDER BY k.location COLLATE "C", k.indicator COLLATE "C", k.disaggregation COLLATE "C", k.period_kind,
         k.source COLLATE "C"
ON CONFLICT DO NOTHING)sql";

constexpr std::string_view kLockGroupSeries = R"sql(
SELECT s.id FROM series s
JOIN unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::text[])
  AS k(source, location, indicator, period_kind, disaggregation)
  ON s.location = k.location AND s.indicator = k.indicator AND s.period_kind = k.period_kind
 AND s.disaggregation = k.disaggregation AND s.source = k.source
ORDER BY s.location, s.indicator, s.disaggregation, s.period_kind, s.source
FOR NO KEY UPDATE OF s)sql";

constexpr std::string_view kClaimDefaultSources = R"sql(
INSERT INTO default_sources(location, indicator, source)
SELECT DISTINCT k.location, k.indicator, $1::text
FROM unnest($2::text[], $3::text[]) AS k(location, indicator)
ORDER BY 1, 2
ON CONFLICT DO NOTHING)sql";

// After the lock: whether any of the locked series that existed before this write holds a
// revision yet. A batch of new series (the usual bulk import) needs no comparison with stored
// values and is copied straight in.
constexpr std::string_view kAnyStored = R"sql(
SELECT EXISTS(SELECT 1 FROM observations WHERE series_id = ANY($1::bigint[])))sql";

// Staged rows carry their key's changes in batch order (see stage_changes): `step` numbers them
// 1, 2, ... and `first_value` is step 1's value. Step 1 is a revision unless it equals the latest
// stored value; later steps always are. This runs as a statement of its own after kLockSeries, so
// its snapshot includes every revision committed before the lock was granted.
constexpr std::string_view kInsertRevisions = R"sql(
INSERT INTO observations(series_id, period, revision, value, reported_at)
SELECT s.id, date '1970-01-01' + st.period_day,
       coalesce(stored.revision, 0) + st.step - CASE WHEN stored.value = st.first_value THEN 1 ELSE 0 END,
       st.value, $2::timestamptz
FROM observation_staging st
JOIN series s ON s.source = $1::text AND s.location = st.location AND s.indicator = st.indicator
             AND s.disaggregation = st.disaggregation AND s.period_kind = st.period_kind
LEFT JOIN LATERAL (
  SELECT o.revision, o.value FROM observations o
  WHERE o.series_id = s.id AND o.period = date '1970-01-01' + st.period_day
  ORDER BY o.revision DESC LIMIT 1) stored ON true
WHERE st.step > 1 OR stored.value IS NULL OR stored.value <> st.value)sql";

// One change to write: a row of the batch with consecutive repeats of its key dropped (a repeat
// can never be a revision), its step among its key's changes (1, 2, ...) and the key's first value.
struct StagedChange {
  const ObservationWrite* row;
  int step;
  double first_value;
};

// The batch's changes sorted by key (location, indicator, disaggregation, period), batch order kept
// within a key.
// Sorting here spares the server a sort and window functions over the batch.
Result<std::vector<StagedChange>> stage_changes(std::span<const ObservationWrite> rows) {
  std::vector<uint32_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](uint32_t i) {
    const auto& row = rows[i];
    return std::tie(row.location, row.indicator, row.disaggregation, row.period);
  };
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  std::vector<StagedChange> staged;
  staged.reserve(rows.size());
  int step = 0;
  double first_value = 0;
  for (size_t n = 0; n < order.size(); ++n) {
    const auto& row = rows[order[n]];
    // SQLite stores NaN as NULL and refuses it; PostgreSQL would store it and call it equal to
    // itself. Refusing it here keeps the two stores alike.
    if (std::isnan(row.value)) return not_a_number(row.location, row.indicator, row.period);
    bool same_key = n > 0 && key(order[n - 1]) == key(order[n]);
    if (same_key && rows[order[n - 1]].value == row.value) continue;
    step = same_key ? step + 1 : 1;
    if (step == 1) first_value = row.value;
    staged.push_back(StagedChange{&row, step, first_value});
  }
  return staged;
}

// A PostgreSQL array literal of text ({"a","b\\"c"}), for unnest($n::text[]).
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// A PostgreSQL array literal of bigints ({1,2,3}), for unnest($n::bigint[]).
std::string bigint_array(const std::vector<int64_t>& items) {
  std::string out = "{";
  for (int64_t item : items) {
    if (out.size() > 1) out += ',';
    out += std::to_string(item);
  }
  return out + "}";
}

Period period_from_row(int64_t kind, int64_t start_day) {
  return Period::containing(static_cast<Period::Kind>(kind), Date(static_cast<int32_t>(start_day)));
}

class PostgresStore final : public Store {
 public:
  PostgresStore(std::unique_ptr<Db> db, std::string url) : db_(std::move(db)), url_(std::move(url)) {}

  Status init() {
    {
      ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
      // Openers starting together queue here: the first applies what is missing, the others then
      // find it applied. Held until commit, so nobody sees a half-built schema.
      RETURN_IF_ERROR(db_->query("SELECT pg_advisory_xact_lock($1::bigint)", kMigrationLock).status());
      RETURN_IF_ERROR(db_->exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations("
          "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"));
      ASSIGN_OR_RETURN(auto applied_rows, db_->query("SELECT coalesce(max(version), 0) FROM schema_migrations"));
      int64_t applied = applied_rows.int64(0, 0);
      if (applied > kMigrations.back().version) {
        return failed_precondition("the database schema is at version " + std::to_string(applied) +
                                   ", newer than this shouwang knows (" +
                                   std::to_string(kMigrations.back().version) + "): upgrade shouwang");
      }
      for (const auto& migration : kMigrations) {
        if (migration.version <= applied) continue;
        RETURN_IF_ERROR(db_->exec(migration.sql));
        RETURN_IF_ERROR(
            db_->query("INSERT INTO schema_migrations(version) VALUES($1::integer)", migration.version).status());
      }
      for (const auto& indicator : builtin_indicators()) {
        // A store made before diseases existed learns the built-ins' disease.
        RETURN_IF_ERROR(db_->query("INSERT INTO indicators(code, unit, kind, description, disease) "
                                   "VALUES($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE "
                                   "SET disease = excluded.disease WHERE indicators.disease = ''",
                                   indicator.code, indicator.unit, indicator_kind_name(indicator.kind),
                                   indicator.description, indicator.disease)
                            .status());
      }
      RETURN_IF_ERROR(tx->commit());
    }
    return db_->exec(kStagingTables);
  }

  // A connection the server dropped (a restart, a failover, a network cut) is replaced before the
  // next call, so a long-lived store (a server's pool, the liaison) recovers on its own; the call
  // that met the drop has already failed as Unavailable and committed nothing.
  Status reconnect_if_lost() {
    if (!db_->connection_lost()) return Status::ok();
    ASSIGN_OR_RETURN(db_, Db::connect(url_));
    return db_->exec(kStagingTables);
  }

  Result<std::vector<Location>> list_locations() override {
    RETURN_IF_ERROR(reconnect_if_lost());
    ASSIGN_OR_RETURN(auto rows, db_->query(
        "SELECT code, name_en, name_zh, parent, population, level FROM locations ORDER BY code"));
    std::vector<Location> out;
    out.reserve(rows.size());
    for (int r = 0; r < rows.size(); ++r) {
      Location loc;
      loc.code = rows.text(r, 0);
      loc.name_en = rows.text(r, 1);
      loc.name_zh = rows.text(r, 2);
      loc.parent = rows.text(r, 3);
      if (!rows.is_null(r, 4)) loc.population = rows.int64(r, 4);
      auto level = parse_location_level(rows.text(r, 5));
      loc.level = level ? *level : LocationLevel::kCountry;
      out.push_back(std::move(loc));
    }
    return out;
  }

  Status upsert_locations(std::span<const Location> locations) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    if (locations.empty()) return Status::ok();
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
    RETURN_IF_ERROR(upsert_locations_in_transaction(locations));
    return tx->commit();
  }

  Result<std::vector<Indicator>> list_indicators() override {
    RETURN_IF_ERROR(reconnect_if_lost());
    ASSIGN_OR_RETURN(auto rows, db_->query("SELECT code, unit, kind, description, disease FROM indicators ORDER BY code"));
    std::vector<Indicator> out;
    out.reserve(rows.size());
    for (int r = 0; r < rows.size(); ++r) {
      Indicator ind;
      ind.code = rows.text(r, 0);
      ind.unit = rows.text(r, 1);
      auto kind = parse_indicator_kind(rows.text(r, 2));
      ind.kind = kind ? *kind : IndicatorKind::kIncident;
      ind.description = rows.text(r, 3);
      ind.disease = rows.text(r, 4);
      out.push_back(std::move(ind));
    }
    return out;
  }

  Status upsert_indicator(const Indicator& indicator) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    RETURN_IF_ERROR(validate_indicator_code(indicator.code));
    if (!indicator.disease.empty()) RETURN_IF_ERROR(validate_disease_code(indicator.disease));
    return db_->query("INSERT INTO indicators(code, unit, kind, description, disease) VALUES($1, $2, $3, $4, $5) "
                      "ON CONFLICT (code) DO UPDATE SET unit = excluded.unit, kind = excluded.kind, "
                      "description = excluded.description, disease = excluded.disease",
                      indicator.code, indicator.unit, indicator_kind_name(indicator.kind), indicator.description,
                      indicator.disease)
        .status();
  }

  Result<WriteSummary> write_observations(std::span<const ObservationWrite> rows, const std::string& source,
                                          Timestamp reported_at) override {
    if (rows.empty()) return WriteSummary{};
    ASSIGN_OR_RETURN(auto writer, begin_write(source, reported_at));
    RETURN_IF_ERROR(writer->add(rows));
    return writer->commit({});
  }

  Result<std::unique_ptr<ObservationWriter>> begin_write(const std::string& source, Timestamp reported_at) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    if (source.empty()) return invalid_argument("a write needs a source name");
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
    return std::unique_ptr<ObservationWriter>(
        std::make_unique<PartedWriter<PostgresStore, Transaction>>(*this, std::move(tx), source, reported_at));
  }

  std::vector<Result<WriteSummary>> write_group(std::span<const GroupedWrite> writes) override {
    if (Status reconnected = reconnect_if_lost(); !reconnected.is_ok()) {
      return std::vector<Result<WriteSummary>>(writes.size(), Result<WriteSummary>(reconnected));
    }
    return write_group_in_savepoints(*this, writes, [&] { return Transaction::begin(*db_); });
  }

  Status exec_sql(std::string_view sql) { return db_->exec(sql); }

  // Creates and locks every series the group writes, ordered by location, indicator,
  // disaggregation, period kind and source: a write alone locks its series (one source) in the same
  // order (kLockSeries), so no two transactions lock crosswise.
  Status lock_group(std::span<const GroupedWrite> writes) {
    std::set<std::tuple<std::string, std::string, std::string, int, std::string>> keys;
    for (const auto& w : writes) {
      for (const auto& row : w.rows) {
        keys.emplace(row.location, row.indicator, row.disaggregation, static_cast<int>(row.period.kind()), w.source);
      }
    }
    if (keys.size() < 2) return Status::ok();
    std::vector<std::string> locations, indicators, disaggregations, kinds, sources;
    for (const auto& [location, indicator, disaggregation, kind, source] : keys) {
      locations.push_back(location);
      indicators.push_back(indicator);
      disaggregations.push_back(disaggregation);
      kinds.push_back(std::to_string(kind));
      sources.push_back(source);
    }
    Params params;
    params.add(text_array(sources));
    params.add(text_array(locations));
    params.add(text_array(indicators));
    params.add(text_array(kinds));
    params.add(text_array(disaggregations));
    RETURN_IF_ERROR(db_->query(kCreateGroupSeries, params).status());
    return db_->query(kLockGroupSeries, params).status();
  }

  Result<std::vector<Series>> read_series(const SeriesQuery& query) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    ASSIGN_OR_RETURN(auto rows, select_revisions(query, /*latest_only=*/true));
    std::vector<Series> out;
    int64_t current_series = -1;
    for (int r = 0; r < rows.size(); ++r) {
      if (rows.int64(r, 0) != current_series) {
        current_series = rows.int64(r, 0);
        out.push_back(Series{rows.text(r, 1), rows.text(r, 2), rows.text(r, 3), rows.text(r, 9), {}});
      }
      out.back().points.push_back(SeriesPoint{period_from_row(rows.int64(r, 4), rows.int64(r, 5)),
                                              rows.float8(r, 7), rows.int64(r, 6), Timestamp(rows.int64(r, 8))});
    }
    return out;
  }

  Result<std::vector<Revision>> read_revisions(const SeriesQuery& query) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    ASSIGN_OR_RETURN(auto rows, select_revisions(query, /*latest_only=*/false));
    std::vector<Revision> out;
    out.reserve(rows.size());
    for (int r = 0; r < rows.size(); ++r) {
      out.push_back(Revision{rows.text(r, 1), rows.text(r, 2), rows.text(r, 3), rows.text(r, 9),
                             period_from_row(rows.int64(r, 4), rows.int64(r, 5)), rows.float8(r, 7),
                             rows.int64(r, 6), Timestamp(rows.int64(r, 8))});
    }
    return out;
  }

  Result<std::vector<SeriesMark>> series_marks(const std::string& indicator) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    ASSIGN_OR_RETURN(auto rows, db_->query(
        "SELECT s.location, s.source, s.period_kind, coalesce(c.revisions, 0), d.source IS NOT NULL "
        "FROM series s LEFT JOIN series_changes c ON c.series_id = s.id "
        "LEFT JOIN default_sources d ON d.location = s.location AND d.indicator = s.indicator AND d.source = s.source "
        "WHERE s.indicator = $1 AND s.disaggregation = '' ORDER BY s.id", indicator));
    std::vector<SeriesMark> out;
    for (int r = 0; r < rows.size(); ++r) {
      out.push_back(SeriesMark{rows.text(r, 0), rows.text(r, 1), static_cast<Period::Kind>(rows.int64(r, 2)),
                               rows.int64(r, 3), rows.int64(r, 4) != 0});
    }
    return out;
  }

  Result<std::string> default_source(const std::string& location, const std::string& indicator) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    ASSIGN_OR_RETURN(auto rows, db_->query(
        "SELECT source FROM default_sources WHERE location = $1 AND indicator = $2", location, indicator));
    if (rows.size() == 0) return not_found("no data for " + location + " / " + indicator);
    return rows.text(0, 0);
  }

  Status set_default_source(const std::string& location, const std::string& indicator,
                            const std::string& source) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    ASSIGN_OR_RETURN(auto exists, db_->query(
        "SELECT 1 FROM series WHERE location = $1 AND indicator = $2 AND source = $3 LIMIT 1",
        location, indicator, source));
    if (exists.size() == 0) {
      return not_found("source '" + source + "' has no data for " + location + " / " + indicator);
    }
    return db_->query("INSERT INTO default_sources(location, indicator, source) VALUES($1, $2, $3) "
                      "ON CONFLICT (location, indicator) DO UPDATE SET source = excluded.source",
                      location, indicator, source)
        .status();
  }

  Status create_token(const Token& token) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    return db_->query("INSERT INTO tokens(hash, role, location, label, created_at) "
                      "VALUES($1, $2, $3, $4, $5::timestamptz)",
                      token.token_hash, role_name(token.role), token.location, token.label, token.created_at)
        .status();
  }

  Result<FeedPage> read_feed(int64_t after, const std::string& scope, int64_t max_revisions) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    // One snapshot for the head, the entries and their revisions.
    RETURN_IF_ERROR(db_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    auto page = read_feed_in_snapshot(after, scope, max_revisions);
    Status ended = db_->exec(page.is_ok() ? "COMMIT" : "ROLLBACK");
    if (!page.is_ok()) return page.status();
    RETURN_IF_ERROR(ended);
    return page;
  }

  Result<int64_t> apply_revisions(std::span<const Revision> revisions) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    if (revisions.empty()) return int64_t{0};
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
    {
      ASSIGN_OR_RETURN(auto copy, BinaryCopy::start(
          *db_, "COPY replica_staging(ord, location, indicator, disaggregation, source, period_kind, period, "
                "revision, value, reported_at) FROM STDIN WITH (FORMAT binary)"));
      for (size_t i = 0; i < revisions.size(); ++i) {
        const Revision& r = revisions[i];
        if (std::isnan(r.value)) return not_a_number(r.location, r.indicator, r.period);
        copy->row(10).int32(static_cast<int32_t>(i)).text(r.location).text(r.indicator).text(r.disaggregation);
        copy->text(r.source).int16(static_cast<int16_t>(r.period.kind())).date(r.period.start().days_since_epoch());
        copy->int32(static_cast<int32_t>(r.revision)).float8(r.value).timestamp(r.reported_at);
      }
      RETURN_IF_ERROR(copy->finish());
    }
    RETURN_IF_ERROR(db_->exec(
        "INSERT INTO series(location, indicator, disaggregation, source, period_kind) "
        "SELECT DISTINCT location, indicator, disaggregation, source, period_kind FROM replica_staging "
        "ORDER BY 1, 2, 3, 4, 5 ON CONFLICT DO NOTHING;"
        "INSERT INTO default_sources(location, indicator, source) "
        "SELECT DISTINCT ON (location, indicator) location, indicator, source FROM replica_staging "
        "ORDER BY location, indicator, ord ON CONFLICT DO NOTHING"));
    constexpr std::string_view kStagedSeries =
        "FROM replica_staging st JOIN series s ON s.location = st.location AND s.indicator = st.indicator "
        "AND s.disaggregation = st.disaggregation AND s.source = st.source AND s.period_kind = st.period_kind ";
    ASSIGN_OR_RETURN(auto conflicts, db_->query(
        "SELECT st.ord " + std::string(kStagedSeries) +
        "JOIN observations o ON o.series_id = s.id AND o.period = st.period AND o.revision = st.revision "
        "WHERE o.value <> st.value OR o.reported_at <> st.reported_at ORDER BY st.ord LIMIT 1"));
    if (conflicts.size() > 0) return revision_conflict(revisions[static_cast<size_t>(conflicts.int64(0, 0))]);
    ASSIGN_OR_RETURN(auto written, db_->query(
        "WITH inserted AS (INSERT INTO observations(series_id, period, revision, value, reported_at) "
        "SELECT s.id, st.period, st.revision, st.value, st.reported_at " + std::string(kStagedSeries) +
        "ORDER BY st.ord ON CONFLICT DO NOTHING RETURNING series_id, reported_at) "
        "SELECT series_id, (extract(epoch FROM reported_at) * 1000000)::bigint, count(*) FROM inserted "
        "GROUP BY series_id, reported_at ORDER BY 2, 1"));
    // Entered in the feed last, under its lock, like every write (append_to_feed).
    std::vector<int64_t> ids, instants;
    int64_t added = 0;
    for (int r = 0; r < written.size(); ++r) {
      ids.push_back(written.int64(r, 0));
      instants.push_back(written.int64(r, 1));
      added += written.int64(r, 2);
    }
    RETURN_IF_ERROR(append_feed_entries(ids, instants));
    RETURN_IF_ERROR(tx->commit());
    return added;
  }

  // Called by PartedWriter just before it commits: one feed entry per changed series.
  Status append_to_feed(const std::set<int64_t>& series_ids, Timestamp reported_at) {
    return append_feed_entries(std::vector<int64_t>(series_ids.begin(), series_ids.end()),
                               std::vector<int64_t>(series_ids.size(), reported_at.micros()));
  }

  // Feed entries (series, reported_at in microseconds), in the order given, numbered under a lock
  // held until the commit, so that numbers follow commit order. Last before the commit: see
  // PartedWriter::commit.
  Status append_feed_entries(const std::vector<int64_t>& series_ids, const std::vector<int64_t>& instants) {
    if (series_ids.empty()) return Status::ok();
    RETURN_IF_ERROR(db_->exec("LOCK TABLE series_writes IN EXCLUSIVE MODE"));
    return db_->query("INSERT INTO series_writes(series_id, reported_at) "
                      "SELECT id, timestamptz 'epoch' + us * interval '1 microsecond' "
                      "FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS t(id, us, n) ORDER BY n",
                      bigint_array(series_ids), bigint_array(instants))
        .status();
  }

  Result<Token> find_token(const std::string& token_hash) override {
    RETURN_IF_ERROR(reconnect_if_lost());
    ASSIGN_OR_RETURN(auto rows, db_->query(
        "SELECT hash, role, location, label, (extract(epoch FROM created_at) * 1000000)::bigint "
        "FROM tokens WHERE hash = $1", token_hash));
    if (rows.size() == 0) return unauthenticated("unknown token");
    Token token;
    token.token_hash = rows.text(0, 0);
    ASSIGN_OR_RETURN(token.role, parse_role(rows.text(0, 1)));
    token.location = rows.text(0, 2);
    token.label = rows.text(0, 3);
    token.created_at = Timestamp(rows.int64(0, 4));
    return token;
  }

  // Inside an open transaction (upsert_locations', the one PartedWriter commits, or a group's).
  Status upsert_locations_in_transaction(std::span<const Location> locations) {
    // Emptied at commit, and by an earlier write of the same group here.
    RETURN_IF_ERROR(db_->exec("TRUNCATE location_staging"));
    CopyData staged;
    for (size_t i = 0; i < locations.size(); ++i) {
      const auto& loc = locations[i];
      staged.field(static_cast<int64_t>(i)).field(loc.code).field(loc.name_en).field(loc.name_zh);
      staged.field(loc.parent).field(loc.population).field(location_level_name(loc.level));
      staged.end_row();
    }
    RETURN_IF_ERROR(db_->copy_in(
        "COPY location_staging(ord, code, name_en, name_zh, parent, population, level) FROM STDIN", staged));
    // The last entry for a code wins, as when each is upserted in turn.
    return db_->query(
        "INSERT INTO locations(code, name_en, name_zh, parent, population, level) "
        "SELECT DISTINCT ON (code) code, name_en, name_zh, parent, population, level FROM location_staging "
        "ORDER BY code, ord DESC "
        "ON CONFLICT (code) DO UPDATE SET name_en = excluded.name_en, name_zh = excluded.name_zh, "
        "parent = excluded.parent, population = excluded.population, level = excluded.level").status();
  }

  // Writes one part inside the open transaction; gives the number of new revisions.
  // `progress.created_in_write`: ids of the series the write's earlier parts created, added to
  // here; series that gain a revision are added to `progress.changed_series`.
  Result<int64_t> write_part(std::span<const ObservationWrite> rows, const std::string& source,
                             Timestamp reported_at, WriteProgress& progress) {
    if (rows.empty()) return int64_t{0};
    std::unordered_set<int64_t>& created_in_write = progress.created_in_write;
    ASSIGN_OR_RETURN(std::vector<StagedChange> staged, stage_changes(rows));
    // The batch's series keys, in key order (staged rows are sorted by location and indicator).
    std::vector<std::string> locations, indicators, kinds, disaggregations;
    std::map<std::tuple<std::string, std::string, std::string, int>, int64_t> series_ids;
    for (const auto& change : staged) {
      auto key = std::make_tuple(change.row->location, change.row->indicator, change.row->disaggregation,
                                 static_cast<int>(change.row->period.kind()));
      if (series_ids.try_emplace(key, 0).second) {
        locations.push_back(std::get<0>(key));
        indicators.push_back(std::get<1>(key));
        disaggregations.push_back(std::get<2>(key));
        kinds.push_back(std::to_string(std::get<3>(key)));
      }
    }
    Params keys;
    keys.add(source);
    keys.add(text_array(locations));
    keys.add(text_array(indicators));
    keys.add(text_array(kinds));
    keys.add(text_array(disaggregations));
    ASSIGN_OR_RETURN(Rows created, db_->query(kCreateMissingSeries, keys));
    for (int r = 0; r < created.size(); ++r) created_in_write.insert(created.int64(r, 0));
    ASSIGN_OR_RETURN(Rows locked, db_->query(kLockSeries, keys));
    // A series this write created holds only rows of its earlier parts, whose keys never come
    // again: like a new one, it needs no comparison.
    std::vector<std::string> ids;
    for (int r = 0; r < locked.size(); ++r) {
      series_ids[{locked.text(r, 1), locked.text(r, 2), locked.text(r, 4), static_cast<int>(locked.int64(r, 3))}] =
          locked.int64(r, 0);
      if (!created_in_write.contains(locked.int64(r, 0))) ids.push_back(locked.text(r, 0));
    }
    RETURN_IF_ERROR(db_->query(kClaimDefaultSources, source, text_array(locations), text_array(indicators)).status());
    // Asked only when there is something to ask: with no ids the server would still scan the
    // revisions table for the empty list (the parts of a large import grew slower as it filled).
    bool any_stored = false;
    if (!ids.empty()) {
      ASSIGN_OR_RETURN(Rows stored, db_->query(kAnyStored, text_array(ids)));
      any_stored = stored.int64(0, 0) != 0;
    }
    if (!any_stored) {
      // Nothing stored for these series: every change is a revision numbered by its step. Staged
      // changes come in key order, so the series id changes only between runs of one series.
      ASSIGN_OR_RETURN(auto copy, BinaryCopy::start(
          *db_, "COPY observations(series_id, period, revision, value, reported_at) FROM STDIN WITH (FORMAT binary)"));
      const ObservationWrite* run = nullptr;
      int64_t series_id = 0;
      for (const auto& change : staged) {
        const ObservationWrite& row = *change.row;
        if (run == nullptr || row.location != run->location || row.indicator != run->indicator ||
            row.disaggregation != run->disaggregation || row.period.kind() != run->period.kind()) {
          run = &row;
          series_id = series_ids[{row.location, row.indicator, row.disaggregation, static_cast<int>(row.period.kind())}];
        }
        copy->row(5).int64(series_id).date(row.period.start().days_since_epoch()).int32(change.step);
        copy->float8(row.value).timestamp(reported_at);
        fault::point("store.write_observations.row");
      }
      RETURN_IF_ERROR(copy->finish());
      for (const auto& [key, id] : series_ids) progress.changed_series.insert(id);
      return static_cast<int64_t>(staged.size());
    }
    CopyData changes;
    for (const auto& change : staged) {
      const ObservationWrite& row = *change.row;
      changes.field(row.location).field(row.indicator).field(row.disaggregation);
      changes.field(static_cast<int>(row.period.kind()));
      changes.field(row.period.start().days_since_epoch()).field(row.value).field(change.step);
      changes.field(change.first_value);
      changes.end_row();
    }
    // An earlier part of the same write may have staged rows (emptied only at commit).
    RETURN_IF_ERROR(db_->exec("TRUNCATE observation_staging"));
    RETURN_IF_ERROR(db_->copy_in(
        "COPY observation_staging(location, indicator, disaggregation, period_kind, period_day, value, step, "
        "first_value) "
        "FROM STDIN", changes));
    // Temporary tables are never analysed by autovacuum: without this the planner guesses the
    // batch's size.
    RETURN_IF_ERROR(db_->exec("ANALYZE observation_staging"));
    ASSIGN_OR_RETURN(auto inserted, db_->query("WITH inserted AS (" + std::string(kInsertRevisions) +
                                                   " RETURNING series_id) "
                                                   "SELECT series_id, count(*) FROM inserted GROUP BY series_id",
                                               source, reported_at));
    int64_t added = 0;
    for (int r = 0; r < inserted.size(); ++r) {
      progress.changed_series.insert(inserted.int64(r, 0));
      added += inserted.int64(r, 1);
    }
    return added;
  }

 private:
  Result<FeedPage> read_feed_in_snapshot(int64_t after, const std::string& scope, int64_t max_revisions) {
    FeedPage page;
    page.through = after;
    ASSIGN_OR_RETURN(auto head, db_->query("SELECT coalesce(max(seq), 0) FROM series_writes"));
    page.head = head.int64(0, 0);
    // Entries are read a few hundred at a time, with their revisions, until the budget is spent.
    constexpr int64_t kEntriesPerQuery = 200;
    int64_t gathered = 0;
    std::set<std::tuple<int64_t, int64_t, int64_t>> sent;  // two writes at one instant share revisions
    while (gathered < max_revisions && page.through < page.head) {
      ASSIGN_OR_RETURN(auto last, db_->query(
          "SELECT max(seq) FROM (SELECT seq FROM series_writes WHERE seq > $1::bigint ORDER BY seq LIMIT $2::bigint) w",
          page.through, kEntriesPerQuery));
      const int64_t last_seq = last.is_null(0, 0) ? page.head : last.int64(0, 0);
      ASSIGN_OR_RETURN(auto rows, db_->query(
          "SELECT w.seq, s.location, s.indicator, s.source, s.period_kind, s.disaggregation, "
          "o.period - date '1970-01-01', o.revision, o.value, (extract(epoch FROM o.reported_at) * 1000000)::bigint, "
          "s.id FROM series_writes w JOIN series s ON s.id = w.series_id "
          "JOIN observations o ON o.series_id = w.series_id AND o.reported_at = w.reported_at "
          "WHERE w.seq > $1::bigint AND w.seq <= $2::bigint "
          "AND ($3::text = '' OR s.location = $3::text OR starts_with(s.location, $3::text || '-')) "
          "ORDER BY w.seq, o.period, o.revision",
          page.through, last_seq, scope));
      bool stopped = false;
      for (int r = 0; r < rows.size(); ++r) {
        const int64_t seq = rows.int64(r, 0);
        if (page.entries.empty() || page.entries.back().seq != seq) {
          if (gathered >= max_revisions) {  // the budget is spent: this entry starts the next page
            page.through = page.entries.back().seq;
            stopped = true;
            break;
          }
          page.entries.push_back(FeedEntry{seq, {}});
        }
        if (!sent.emplace(rows.int64(r, 10), rows.int64(r, 6), rows.int64(r, 7)).second) continue;
        page.entries.back().revisions.push_back(Revision{
            rows.text(r, 1), rows.text(r, 2), rows.text(r, 3), rows.text(r, 5),
            period_from_row(rows.int64(r, 4), rows.int64(r, 6)), rows.float8(r, 8), rows.int64(r, 7),
            Timestamp(rows.int64(r, 9))});
        ++gathered;
      }
      if (stopped) break;
      page.through = last_seq;
    }
    // An entry whose revisions all went out with an earlier one of the same instant is left out.
    std::erase_if(page.entries, [](const FeedEntry& e) { return e.revisions.empty(); });
    return page;
  }

  // The stored revisions visible to `query` (as_of applied), series by series sorted by location,
  // indicator, source and period kind, then by period and revision; with `latest_only`, only the
  // last visible revision of each period. Columns: series id, location, indicator, source, period
  // kind, period start (days since 1970-01-01), revision, value, reported_at (microseconds),
  // disaggregation.
  Result<Rows> select_revisions(const SeriesQuery& query, bool latest_only) {
    Params params;
    std::string sql =
        "SELECT s.id, s.location, s.indicator, s.source, s.period_kind, o.period - date '1970-01-01', "
        "o.revision, o.value, (extract(epoch FROM o.reported_at) * 1000000)::bigint, s.disaggregation "
        "FROM series s ";
    if (!query.source) {
      sql += "JOIN default_sources d ON d.location = s.location AND d.indicator = s.indicator "
             "AND d.source = s.source ";
    }
    sql += latest_only ? "CROSS JOIN LATERAL (SELECT DISTINCT ON (period) " : "CROSS JOIN LATERAL (SELECT ";
    sql += "period, revision, value, reported_at FROM observations WHERE series_id = s.id";
    if (query.from) {
      sql += " AND period >= date '1970-01-01' + " + params.add(int64_t{query.from->days_since_epoch()}) + "::integer";
    }
    if (query.to) {
      sql += " AND period <= date '1970-01-01' + " + params.add(int64_t{query.to->days_since_epoch()}) + "::integer";
    }
    if (query.as_of) sql += " AND reported_at <= " + params.add(*query.as_of) + "::timestamptz";
    if (query.lag) {
      // The end of the UTC day period_end + lag: the day after the period starts the next one.
      sql += " AND reported_at < ((CASE s.period_kind WHEN " + std::to_string(static_cast<int>(Period::Kind::kWeek)) +
             " THEN period + 7 WHEN " + std::to_string(static_cast<int>(Period::Kind::kMonth)) +
             " THEN (period + interval '1 month')::date ELSE period + 1 END + " +
             params.add(int64_t{*query.lag}) + "::integer)::timestamp AT TIME ZONE 'UTC')";
    }
    sql += latest_only ? " ORDER BY period, revision DESC) o" : ") o";
    sql += " WHERE true";
    if (query.location) sql += " AND s.location = " + params.add(*query.location);
    if (query.indicator) sql += " AND s.indicator = " + params.add(*query.indicator);
    if (query.source) sql += " AND s.source = " + params.add(*query.source);
    if (query.disaggregation) sql += " AND s.disaggregation = " + params.add(*query.disaggregation);
    sql += " ORDER BY s.location, s.indicator, s.disaggregation, s.source, s.period_kind, o.period, o.revision";
    return db_->query(sql, params);
  }

  std::unique_ptr<Db> db_;
  std::string url_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url) {
  ASSIGN_OR_RETURN(auto db, Db::connect(url));
  auto store = std::make_unique<PostgresStore>(std::move(db), url);
  RETURN_IF_ERROR(store->init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace shouwang::store
