// SQLite implementation of the Store.
//
// Layout: `series` names each (location, indicator, disaggregation, source, period kind) once
// with an integer id;
// `observations` holds every revision keyed by (series_id, period start day, revision) in a
// WITHOUT ROWID table, so one series' history is one contiguous range of the primary key: reads
// of a series and the "what is the current value" check during a write are range scans.
#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <map>
#include <numeric>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "core/fault_point.h"
#include "store/feed_support.h"
#include "store/parted_writer.h"

namespace shouwang::store {
namespace {

using sqlite::Db;
using sqlite::Statement;
using sqlite::Transaction;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS locations(
  code TEXT PRIMARY KEY, name_en TEXT NOT NULL, name_zh TEXT NOT NULL DEFAULT '',
  parent TEXT NOT NULL DEFAULT '', population INTEGER, level TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS locations_parent ON locations(parent);
CREATE TABLE IF NOT EXISTS indicators(
  code TEXT PRIMARY KEY, unit TEXT NOT NULL, kind TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
  disease TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS series(
  id INTEGER PRIMARY KEY, location TEXT NOT NULL, indicator TEXT NOT NULL,
  disaggregation TEXT NOT NULL DEFAULT '', source TEXT NOT NULL, period_kind INTEGER NOT NULL,
  UNIQUE(location, indicator, disaggregation, source, period_kind));
CREATE TABLE IF NOT EXISTS observations(
  series_id INTEGER NOT NULL, period INTEGER NOT NULL, revision INTEGER NOT NULL,
  value REAL NOT NULL, reported_at INTEGER NOT NULL,
  PRIMARY KEY(series_id, period, revision)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS default_sources(
  location TEXT NOT NULL, indicator TEXT NOT NULL, source TEXT NOT NULL,
  PRIMARY KEY(location, indicator));
CREATE TABLE IF NOT EXISTS tokens(
  hash TEXT PRIMARY KEY, role TEXT NOT NULL, location TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);
-- Revisions each series received since this table exists (series_marks), counted by the one
-- write path (write_part), once per series and part in the part's transaction: a trigger would
-- cost a statement per row, a quarter of a bulk import's time.
CREATE TABLE IF NOT EXISTS series_changes(series_id INTEGER PRIMARY KEY, revisions INTEGER NOT NULL);
-- The change feed (Store::read_feed): one entry per write and series it changed, appended at
-- commit; writers are serialised by SQLite, so entry numbers follow commit order.
CREATE TABLE IF NOT EXISTS series_writes(
  seq INTEGER PRIMARY KEY, series_id INTEGER NOT NULL, reported_at INTEGER NOT NULL);
)sql";

// A database written before the feed existed gets entries for what it holds, oldest first.
constexpr std::string_view kBackfillFeed = R"sql(
INSERT INTO series_writes(series_id, reported_at)
  SELECT series_id, reported_at FROM observations GROUP BY series_id, reported_at ORDER BY reported_at, series_id;
)sql";

// Databases made before disaggregations and diseases existed gain them here. SQLite cannot change
// a table's UNIQUE constraint in place, so `series` is copied into its new layout (ids kept).
constexpr std::string_view kAddDisaggregations = R"sql(
CREATE TABLE series_v2(
  id INTEGER PRIMARY KEY, location TEXT NOT NULL, indicator TEXT NOT NULL,
  disaggregation TEXT NOT NULL DEFAULT '', source TEXT NOT NULL, period_kind INTEGER NOT NULL,
  UNIQUE(location, indicator, disaggregation, source, period_kind));
INSERT INTO series_v2(id, location, indicator, source, period_kind)
  SELECT id, location, indicator, source, period_kind FROM series;
DROP TABLE series;
ALTER TABLE series_v2 RENAME TO series;
)sql";
constexpr std::string_view kAddDiseases = "ALTER TABLE indicators ADD COLUMN disease TEXT NOT NULL DEFAULT ''";

// A series by its key (location, indicator, source, period kind, disaggregation), its creation, and
// the first-writer rule of default sources, for every write path.
constexpr std::string_view kFindSeries =
    "SELECT id FROM series WHERE location=? AND indicator=? AND source=? AND period_kind=? AND disaggregation=?";
constexpr std::string_view kInsertSeries =
    "INSERT INTO series(location, indicator, source, period_kind, disaggregation) VALUES(?,?,?,?,?)";
constexpr std::string_view kClaimDefaultSource =
    "INSERT OR IGNORE INTO default_sources(location, indicator, source) VALUES(?,?,?)";
// The marks of series_marks and the change feed, kept by every write path.
constexpr std::string_view kCountChanges =
    "INSERT INTO series_changes(series_id, revisions) VALUES(?, ?) "
    "ON CONFLICT(series_id) DO UPDATE SET revisions = revisions + excluded.revisions";
constexpr std::string_view kAppendToFeed = "INSERT INTO series_writes(series_id, reported_at) VALUES(?, ?)";

struct SeriesKey {
  std::string location;
  std::string indicator;
  std::string disaggregation;
  Period::Kind kind;
  friend bool operator<(const SeriesKey& a, const SeriesKey& b) {
    return std::tie(a.location, a.indicator, a.disaggregation, a.kind) <
           std::tie(b.location, b.indicator, b.disaggregation, b.kind);
  }
};

Period period_from_row(Period::Kind kind, int64_t start) {
  return Period::containing(kind, Date(static_cast<int32_t>(start)));
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}

  Status init() {
    RETURN_IF_ERROR(db_->exec(kSchema));
    RETURN_IF_ERROR(upgrade_layout());
    // A store made before diseases existed learns the built-ins' disease.
    ASSIGN_OR_RETURN(auto stmt, db_->prepare(
        "INSERT INTO indicators(code, unit, kind, description, disease) VALUES(?,?,?,?,?) "
        "ON CONFLICT(code) DO UPDATE SET disease=excluded.disease WHERE indicators.disease=''"));
    for (const auto& indicator : builtin_indicators()) {
      stmt.bind(1, indicator.code).bind(2, indicator.unit).bind(3, indicator_kind_name(indicator.kind));
      stmt.bind(4, indicator.description).bind(5, indicator.disease);
      RETURN_IF_ERROR(stmt.run());
    }
    return Status::ok();
  }

  Result<bool> has_column(std::string_view table, std::string_view column) {
    ASSIGN_OR_RETURN(auto stmt, db_->prepare("SELECT 1 FROM pragma_table_info(?) WHERE name=?"));
    stmt.bind(1, std::string(table)).bind(2, std::string(column));
    return stmt.step();
  }

  // Brings a database written by an earlier version to this layout, once, in one transaction
  // (openers racing here serialise on the write lock and the later ones find nothing to do).
  Status upgrade_layout() {
    RETURN_IF_ERROR(backfill_feed());
    ASSIGN_OR_RETURN(bool series_current, has_column("series", "disaggregation"));
    ASSIGN_OR_RETURN(bool indicators_current, has_column("indicators", "disease"));
    if (series_current && indicators_current) return Status::ok();
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
    ASSIGN_OR_RETURN(series_current, has_column("series", "disaggregation"));
    ASSIGN_OR_RETURN(indicators_current, has_column("indicators", "disease"));
    if (!series_current) RETURN_IF_ERROR(db_->exec(kAddDisaggregations));
    if (!indicators_current) RETURN_IF_ERROR(db_->exec(kAddDiseases));
    return tx->commit();
  }

  // Revisions stored while the feed is empty were written before it existed.
  Status backfill_feed() {
    constexpr std::string_view kNeeded =
        "SELECT NOT EXISTS(SELECT 1 FROM series_writes) AND EXISTS(SELECT 1 FROM observations)";
    ASSIGN_OR_RETURN(auto needed, db_->prepare(kNeeded));
    ASSIGN_OR_RETURN(bool row, needed.step());
    if (!row || needed.column_int64(0) == 0) return Status::ok();
    needed.reset();
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
    ASSIGN_OR_RETURN(row, needed.step());
    if (!row || needed.column_int64(0) == 0) return Status::ok();
    needed.reset();
    RETURN_IF_ERROR(db_->exec(kBackfillFeed));
    return tx->commit();
  }

  Result<std::vector<Location>> list_locations() override {
    ASSIGN_OR_RETURN(auto stmt, db_->prepare(
        "SELECT code, name_en, name_zh, parent, population, level FROM locations ORDER BY code"));
    std::vector<Location> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.step());
      if (!row) break;
      Location loc;
      loc.code = stmt.column_text(0);
      loc.name_en = stmt.column_text(1);
      loc.name_zh = stmt.column_text(2);
      loc.parent = stmt.column_text(3);
      if (!stmt.column_is_null(4)) loc.population = stmt.column_int64(4);
      auto level = parse_location_level(stmt.column_text(5));
      loc.level = level ? *level : LocationLevel::kCountry;
      out.push_back(std::move(loc));
    }
    return out;
  }

  Status upsert_locations(std::span<const Location> locations) override {
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
    RETURN_IF_ERROR(upsert_locations_in_transaction(locations));
    return tx->commit();
  }

  Status upsert_locations_in_transaction(std::span<const Location> locations) {
    ASSIGN_OR_RETURN(auto stmt, db_->prepare(
        "INSERT INTO locations(code, name_en, name_zh, parent, population, level) VALUES(?,?,?,?,?,?) "
        "ON CONFLICT(code) DO UPDATE SET name_en=excluded.name_en, name_zh=excluded.name_zh, "
        "parent=excluded.parent, population=excluded.population, level=excluded.level"));
    for (const auto& loc : locations) {
      stmt.bind(1, loc.code).bind(2, loc.name_en).bind(3, loc.name_zh).bind(4, loc.parent);
      stmt.bind(5, loc.population).bind(6, location_level_name(loc.level));
      RETURN_IF_ERROR(stmt.run());
    }
    return Status::ok();
  }

  Result<std::vector<Indicator>> list_indicators() override {
    ASSIGN_OR_RETURN(auto stmt, db_->prepare("SELECT code, unit, kind, description, disease FROM indicators ORDER BY code"));
    std::vector<Indicator> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.step());
      if (!row) break;
      Indicator ind;
      ind.code = stmt.column_text(0);
      ind.unit = stmt.column_text(1);
      auto kind = parse_indicator_kind(stmt.column_text(2));
      ind.kind = kind ? *kind : IndicatorKind::kIncident;
      ind.description = stmt.column_text(3);
      ind.disease = stmt.column_text(4);
      out.push_back(std::move(ind));
    }
    return out;
  }

  Status upsert_indicator(const Indicator& indicator) override {
    RETURN_IF_ERROR(validate_indicator_code(indicator.code));
    if (!indicator.disease.empty()) RETURN_IF_ERROR(validate_disease_code(indicator.disease));
    ASSIGN_OR_RETURN(auto stmt, db_->prepare(
        "INSERT INTO indicators(code, unit, kind, description, disease) VALUES(?,?,?,?,?) "
        "ON CONFLICT(code) DO UPDATE SET unit=excluded.unit, kind=excluded.kind, "
        "description=excluded.description, disease=excluded.disease"));
    stmt.bind(1, indicator.code).bind(2, indicator.unit).bind(3, indicator_kind_name(indicator.kind));
    stmt.bind(4, indicator.description).bind(5, indicator.disease);
    return stmt.run();
  }

  Result<WriteSummary> write_observations(std::span<const ObservationWrite> rows, const std::string& source,
                                          Timestamp reported_at) override {
    if (rows.empty()) return WriteSummary{};
    ASSIGN_OR_RETURN(auto writer, begin_write(source, reported_at));
    RETURN_IF_ERROR(writer->add(rows));
    return writer->commit({});
  }

  Result<std::unique_ptr<ObservationWriter>> begin_write(const std::string& source, Timestamp reported_at) override {
    if (source.empty()) return invalid_argument("a write needs a source name");
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
    return std::unique_ptr<ObservationWriter>(
        std::make_unique<PartedWriter<SqliteStore, Transaction>>(*this, std::move(tx), source, reported_at));
  }

  std::vector<Result<WriteSummary>> write_group(std::span<const GroupedWrite> writes) override {
    return write_group_in_savepoints(*this, writes, [&] { return Transaction::begin(*db_); });
  }

  Status exec_sql(std::string_view sql) { return db_->exec(sql); }
  // SQLite has one writer at a time: the group's transaction holds the database already.
  Status lock_group(std::span<const GroupedWrite>) { return Status::ok(); }

  Result<std::vector<Series>> read_series(const SeriesQuery& query) override {
    std::vector<Series> out;
    int64_t current_series = -1;
    RETURN_IF_ERROR(for_each_matching_row(query, [&](const SeriesRef& ref, int64_t period, int64_t revision,
                                                     double value, int64_t reported_at) {
      if (ref.id != current_series) {
        current_series = ref.id;
        out.push_back(Series{ref.location, ref.indicator, ref.source, ref.disaggregation, {}});
      }
      auto& points = out.back().points;
      Period p = period_from_row(ref.kind, period);
      // Rows arrive by period then revision: the last visible revision of a period wins.
      if (!points.empty() && points.back().period == p) {
        points.back() = SeriesPoint{p, value, revision, Timestamp(reported_at)};
      } else {
        points.push_back(SeriesPoint{p, value, revision, Timestamp(reported_at)});
      }
    }));
    return out;
  }

  Result<std::vector<Revision>> read_revisions(const SeriesQuery& query) override {
    std::vector<Revision> out;
    RETURN_IF_ERROR(for_each_matching_row(query, [&](const SeriesRef& ref, int64_t period, int64_t revision,
                                                     double value, int64_t reported_at) {
      out.push_back(Revision{ref.location, ref.indicator, ref.source, ref.disaggregation,
                             period_from_row(ref.kind, period), value,
                             revision, Timestamp(reported_at)});
    }));
    return out;
  }

  Result<std::string> default_source(const std::string& location, const std::string& indicator) override {
    ASSIGN_OR_RETURN(auto stmt, db_->prepare("SELECT source FROM default_sources WHERE location=? AND indicator=?"));
    stmt.bind(1, location).bind(2, indicator);
    ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return not_found("no data for " + location + " / " + indicator);
    return stmt.column_text(0);
  }

  Result<std::vector<SeriesMark>> series_marks(const std::string& indicator) override {
    ASSIGN_OR_RETURN(auto stmt, db_->prepare(
        "SELECT s.location, s.source, s.period_kind, coalesce(c.revisions, 0), d.source IS NOT NULL "
        "FROM series s LEFT JOIN series_changes c ON c.series_id = s.id "
        "LEFT JOIN default_sources d ON d.location = s.location AND d.indicator = s.indicator AND d.source = s.source "
        "WHERE s.indicator = ? AND s.disaggregation = '' ORDER BY s.id"));
    stmt.bind(1, indicator);
    std::vector<SeriesMark> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.step());
      if (!row) break;
      out.push_back(SeriesMark{stmt.column_text(0), stmt.column_text(1),
                               static_cast<Period::Kind>(stmt.column_int64(2)), stmt.column_int64(3),
                               stmt.column_int64(4) != 0});
    }
    return out;
  }

  Status set_default_source(const std::string& location, const std::string& indicator,
                            const std::string& source) override {
    ASSIGN_OR_RETURN(auto check, db_->prepare(
        "SELECT 1 FROM series WHERE location=? AND indicator=? AND source=? LIMIT 1"));
    check.bind(1, location).bind(2, indicator).bind(3, source);
    ASSIGN_OR_RETURN(bool exists, check.step());
    if (!exists) return not_found("source '" + source + "' has no data for " + location + " / " + indicator);
    ASSIGN_OR_RETURN(auto stmt, db_->prepare(
        "INSERT INTO default_sources VALUES(?,?,?) ON CONFLICT(location, indicator) DO UPDATE SET source=excluded.source"));
    stmt.bind(1, location).bind(2, indicator).bind(3, source);
    return stmt.run();
  }

  Result<FeedPage> read_feed(int64_t after, const std::string& scope, int64_t max_revisions) override {
    FeedPage page;
    page.through = after;
    // Read inside one transaction, so that the head, the entries and their revisions are one snapshot.
    ASSIGN_OR_RETURN(auto tx, Transaction::begin_read(*db_));
    {
      ASSIGN_OR_RETURN(auto head, db_->prepare("SELECT coalesce(max(seq), 0) FROM series_writes"));
      ASSIGN_OR_RETURN(bool has_head, head.step());
      page.head = has_head ? head.column_int64(0) : 0;
    }
    ASSIGN_OR_RETURN(auto entries, db_->prepare(
        "SELECT w.seq, w.series_id, w.reported_at, s.location, s.indicator, s.source, s.period_kind, "
        "s.disaggregation FROM series_writes w JOIN series s ON s.id = w.series_id "
        "WHERE w.seq > ? ORDER BY w.seq LIMIT 1000"));
    ASSIGN_OR_RETURN(auto revisions, db_->prepare(
        "SELECT period, revision, value FROM observations WHERE series_id=? AND reported_at=? "
        "ORDER BY period, revision"));
    int64_t gathered = 0;
    // Two writes of one series at the same instant share their revisions' reported_at: each
    // revision goes out once all the same.
    std::set<std::tuple<int64_t, int64_t, int64_t>> sent;
    while (gathered < max_revisions) {
      entries.bind(1, page.through);
      bool any = false;
      while (gathered < max_revisions) {
        ASSIGN_OR_RETURN(bool row, entries.step());
        if (!row) break;
        any = true;
        page.through = entries.column_int64(0);
        std::string location = entries.column_text(3);
        if (!scope.empty() && !is_country_or_below(location, scope)) continue;
        const int64_t series_id = entries.column_int64(1);
        const int64_t reported_at = entries.column_int64(2);
        const auto kind = static_cast<Period::Kind>(entries.column_int64(6));
        FeedEntry entry{page.through, {}};
        revisions.bind(1, series_id).bind(2, reported_at);
        while (true) {
          ASSIGN_OR_RETURN(bool rev, revisions.step());
          if (!rev) break;
          if (!sent.emplace(series_id, revisions.column_int64(0), revisions.column_int64(1)).second) continue;
          entry.revisions.push_back(Revision{location, entries.column_text(4), entries.column_text(5),
                                             entries.column_text(7), period_from_row(kind, revisions.column_int64(0)),
                                             revisions.column_double(2), revisions.column_int64(1),
                                             Timestamp(reported_at)});
        }
        revisions.reset();
        gathered += static_cast<int64_t>(entry.revisions.size());
        if (!entry.revisions.empty()) page.entries.push_back(std::move(entry));
      }
      entries.reset();
      if (!any) break;
    }
    return page;
  }

  Result<int64_t> apply_revisions(std::span<const Revision> revisions) override {
    ASSIGN_OR_RETURN(auto tx, Transaction::begin(*db_));
    ASSIGN_OR_RETURN(auto find_series, db_->prepare(kFindSeries));
    ASSIGN_OR_RETURN(auto insert_series, db_->prepare(kInsertSeries));
    ASSIGN_OR_RETURN(auto insert_default, db_->prepare(kClaimDefaultSource));
    ASSIGN_OR_RETURN(auto insert, db_->prepare(
        "INSERT INTO observations(series_id, period, revision, value, reported_at) VALUES(?,?,?,?,?) "
        "ON CONFLICT DO NOTHING"));
    ASSIGN_OR_RETURN(auto stored, db_->prepare(
        "SELECT value, reported_at FROM observations WHERE series_id=? AND period=? AND revision=?"));
    ASSIGN_OR_RETURN(auto count_changes, db_->prepare(kCountChanges));
    ASSIGN_OR_RETURN(auto append, db_->prepare(kAppendToFeed));
    std::map<std::tuple<std::string, std::string, std::string, std::string, int>, int64_t> series_ids;
    std::map<int64_t, int64_t> new_per_series;
    // Feed entries in the order the revisions came: one per (series, reported_at).
    std::vector<std::pair<int64_t, int64_t>> writes;
    std::set<std::pair<int64_t, int64_t>> written;
    int64_t added = 0;
    for (const Revision& r : revisions) {
      if (std::isnan(r.value)) return not_a_number(r.location, r.indicator, r.period);
      const int kind = static_cast<int>(r.period.kind());
      auto key = std::make_tuple(r.location, r.indicator, r.source, r.disaggregation, kind);
      auto it = series_ids.find(key);
      if (it == series_ids.end()) {
        find_series.bind(1, r.location).bind(2, r.indicator).bind(3, r.source).bind(4, kind).bind(5, r.disaggregation);
        ASSIGN_OR_RETURN(bool found, find_series.step());
        int64_t id = found ? find_series.column_int64(0) : 0;
        find_series.reset();
        if (!found) {
          insert_series.bind(1, r.location).bind(2, r.indicator).bind(3, r.source).bind(4, kind).bind(5, r.disaggregation);
          RETURN_IF_ERROR(insert_series.run());
          id = db_->last_insert_rowid();
        }
        insert_default.bind(1, r.location).bind(2, r.indicator).bind(3, r.source);
        RETURN_IF_ERROR(insert_default.run());
        it = series_ids.emplace(std::move(key), id).first;
      }
      const int64_t series_id = it->second;
      const int64_t period = r.period.start().days_since_epoch();
      insert.bind(1, series_id).bind(2, period).bind(3, r.revision).bind(4, r.value).bind(5, r.reported_at.micros());
      RETURN_IF_ERROR(insert.run());
      if (db_->changes() == 0) {
        stored.bind(1, series_id).bind(2, period).bind(3, r.revision);
        ASSIGN_OR_RETURN(bool found, stored.step());
        const bool same = found && stored.column_double(0) == r.value && stored.column_int64(1) == r.reported_at.micros();
        stored.reset();
        if (!same) return revision_conflict(r);
        continue;
      }
      ++added;
      ++new_per_series[series_id];
      if (written.emplace(series_id, r.reported_at.micros()).second) writes.emplace_back(series_id, r.reported_at.micros());
    }
    for (const auto& [series_id, count] : new_per_series) {
      count_changes.bind(1, series_id).bind(2, count);
      RETURN_IF_ERROR(count_changes.run());
    }
    for (const auto& [series_id, reported_at] : writes) {
      append.bind(1, series_id).bind(2, reported_at);
      RETURN_IF_ERROR(append.run());
    }
    RETURN_IF_ERROR(tx->commit());
    return added;
  }

  // Called by PartedWriter at commit: one feed entry per changed series.
  Status append_to_feed(const std::set<int64_t>& series_ids, Timestamp reported_at) {
    if (series_ids.empty()) return Status::ok();
    ASSIGN_OR_RETURN(auto append, db_->prepare(kAppendToFeed));
    for (int64_t id : series_ids) {
      append.bind(1, id).bind(2, reported_at.micros());
      RETURN_IF_ERROR(append.run());
    }
    return Status::ok();
  }

  Status create_token(const Token& token) override {
    ASSIGN_OR_RETURN(auto stmt, db_->prepare("INSERT INTO tokens VALUES(?,?,?,?,?)"));
    stmt.bind(1, token.token_hash).bind(2, role_name(token.role)).bind(3, token.location);
    stmt.bind(4, token.label).bind(5, token.created_at.micros());
    return stmt.run();
  }

  Result<Token> find_token(const std::string& token_hash) override {
    ASSIGN_OR_RETURN(auto stmt, db_->prepare("SELECT role, location, label, created_at FROM tokens WHERE hash=?"));
    stmt.bind(1, token_hash);
    ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return unauthenticated("unknown token");
    Token token;
    token.token_hash = token_hash;
    ASSIGN_OR_RETURN(token.role, parse_role(stmt.column_text(0)));
    token.location = stmt.column_text(1);
    token.label = stmt.column_text(2);
    token.created_at = Timestamp(stmt.column_int64(3));
    return token;
  }

  // Called by PartedWriter (store/parted_writer.h): writes one part inside the open transaction;
  // gives the number of new revisions.
  // `progress.created_in_write`: ids of the series the write's earlier parts created, added to
  // here; their stored rows came from those parts, whose keys never come again, so they are not
  // loaded. Series that gain a revision are added to `progress.changed_series`.
  Result<int64_t> write_part(std::span<const ObservationWrite> rows, const std::string& source,
                             Timestamp reported_at, WriteProgress& progress) {
    std::unordered_set<int64_t>& created_in_write = progress.created_in_write;
    int64_t new_revisions = 0;
    // Resolve every distinct series once, then write rows grouped by series in period order so
    // the B-tree is filled sequentially.
    std::map<SeriesKey, int64_t> series_ids;
    std::vector<std::pair<int64_t, uint32_t>> order;  // (series id, row index)
    order.reserve(rows.size());
    std::unordered_map<int64_t, bool> series_is_new;
    ASSIGN_OR_RETURN(auto find_series, db_->prepare(kFindSeries));
    ASSIGN_OR_RETURN(auto insert_series, db_->prepare(kInsertSeries));
    ASSIGN_OR_RETURN(auto insert_default, db_->prepare(kClaimDefaultSource));
    for (uint32_t i = 0; i < rows.size(); ++i) {
      const auto& row = rows[i];
      SeriesKey key{row.location, row.indicator, row.disaggregation, row.period.kind()};
      auto it = series_ids.find(key);
      if (it == series_ids.end()) {
        int kind = static_cast<int>(key.kind);
        find_series.bind(1, key.location).bind(2, key.indicator).bind(3, source).bind(4, kind);
        find_series.bind(5, key.disaggregation);
        ASSIGN_OR_RETURN(bool found, find_series.step());
        int64_t id = 0;
        bool is_new = !found || created_in_write.contains(find_series.column_int64(0));
        if (found) {
          id = find_series.column_int64(0);
        } else {
          insert_series.bind(1, key.location).bind(2, key.indicator).bind(3, source).bind(4, kind);
          insert_series.bind(5, key.disaggregation);
          RETURN_IF_ERROR(insert_series.run());
          id = db_->last_insert_rowid();
          created_in_write.insert(id);
        }
        find_series.reset();
        insert_default.bind(1, key.location).bind(2, key.indicator).bind(3, source);
        RETURN_IF_ERROR(insert_default.run());
        it = series_ids.emplace(std::move(key), id).first;
        series_is_new[id] = is_new;
      }
      order.emplace_back(it->second, i);
    }
    std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return rows[a.second].period.start() < rows[b.second].period.start();
    });

    ASSIGN_OR_RETURN(auto load_current, db_->prepare(
        "SELECT period, revision, value FROM observations WHERE series_id=? ORDER BY period, revision"));
    // Revisions are inserted kRowsPerInsert at a time by one multi-row statement: a bulk import
    // then pays SQLite's per-statement cost (step, reset, VDBE start) once per batch, not per row.
    struct PendingRevision {
      int64_t series_id, period, revision;
      double value;
    };
    constexpr size_t kRowsPerInsert = 64;
    auto insert_sql = [](size_t rows) {
      std::string sql = "INSERT INTO observations(series_id, period, revision, value, reported_at) VALUES";
      for (size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)";
      return sql;
    };
    ASSIGN_OR_RETURN(auto insert_batch, db_->prepare(insert_sql(kRowsPerInsert)));
    ASSIGN_OR_RETURN(auto insert_one, db_->prepare(insert_sql(1)));
    std::vector<PendingRevision> pending;
    pending.reserve(kRowsPerInsert);
    auto flush = [&]() -> Status {
      const bool full = pending.size() == kRowsPerInsert;
      for (size_t start = 0; start < pending.size(); start += full ? kRowsPerInsert : 1) {
        Statement& insert = full ? insert_batch : insert_one;
        int n = 1;
        for (size_t i = start; i < (full ? pending.size() : start + 1); ++i) {
          const PendingRevision& r = pending[i];
          insert.bind(n, r.series_id).bind(n + 1, r.period).bind(n + 2, r.revision).bind(n + 3, r.value);
          insert.bind(n + 4, reported_at.micros());
          n += 5;
        }
        RETURN_IF_ERROR(insert.run());
        fault::point("store.write_observations.batch");
      }
      pending.clear();
      return Status::ok();
    };
    ASSIGN_OR_RETURN(auto count_changes, db_->prepare(kCountChanges));
    auto count_series_revisions = [&](int64_t series_id, int64_t revisions) -> Status {
      if (revisions == 0) return Status::ok();
      progress.changed_series.insert(series_id);
      count_changes.bind(1, series_id).bind(2, revisions);
      return count_changes.run();
    };
    // Current value and revision of each period of the series being written.
    std::unordered_map<int64_t, std::pair<int64_t, double>> current;
    int64_t loaded_series = -1;
    int64_t series_revisions = 0;  // new revisions of loaded_series in this part
    for (const auto& [series_id, index] : order) {
      if (series_id != loaded_series) {
        RETURN_IF_ERROR(count_series_revisions(loaded_series, series_revisions));
        series_revisions = 0;
        current.clear();
        loaded_series = series_id;
        if (!series_is_new[series_id]) {
          load_current.bind(1, series_id);
          while (true) {
            ASSIGN_OR_RETURN(bool row, load_current.step());
            if (!row) break;
            current[load_current.column_int64(0)] = {load_current.column_int64(1), load_current.column_double(2)};
          }
          load_current.reset();
        }
      }
      const auto& row = rows[index];
      int64_t period = row.period.start().days_since_epoch();
      int64_t revision = 1;
      if (auto found = current.find(period); found != current.end()) {
        if (found->second.second == row.value) continue;  // unchanged: no new revision
        revision = found->second.first + 1;
      }
      pending.push_back(PendingRevision{series_id, period, revision, row.value});
      if (pending.size() == kRowsPerInsert) RETURN_IF_ERROR(flush());
      current[period] = {revision, row.value};
      ++new_revisions;
      ++series_revisions;
    }
    RETURN_IF_ERROR(count_series_revisions(loaded_series, series_revisions));
    RETURN_IF_ERROR(flush());
    return new_revisions;
  }

 private:
  struct SeriesRef {
    int64_t id;
    std::string location, indicator, source;
    Period::Kind kind;
    std::string disaggregation;
  };

  // Calls `visit` for every stored revision visible to `query` (as_of applied), series by series
  // sorted by location, indicator, disaggregation (the total first), source and period kind, and
  // within a series by period then revision.
  template <typename Visit>
  Status for_each_matching_row(const SeriesQuery& query, Visit&& visit) {
    std::string sql =
        "SELECT s.id, s.location, s.indicator, s.source, s.period_kind, s.disaggregation FROM series s ";
    if (!query.source) {
      sql += "JOIN default_sources d ON d.location=s.location AND d.indicator=s.indicator AND d.source=s.source ";
    }
    sql += "WHERE 1=1 ";
    if (query.location) sql += "AND s.location=?1 ";
    if (query.indicator) sql += "AND s.indicator=?2 ";
    if (query.source) sql += "AND s.source=?3 ";
    if (query.disaggregation) sql += "AND s.disaggregation=?4 ";
    sql += "ORDER BY s.location, s.indicator, s.disaggregation, s.source, s.period_kind";
    ASSIGN_OR_RETURN(auto list, db_->prepare(sql));
    if (query.location) list.bind(1, *query.location);
    if (query.indicator) list.bind(2, *query.indicator);
    if (query.source) list.bind(3, *query.source);
    if (query.disaggregation) list.bind(4, *query.disaggregation);
    std::vector<SeriesRef> refs;
    while (true) {
      ASSIGN_OR_RETURN(bool row, list.step());
      if (!row) break;
      refs.push_back(SeriesRef{list.column_int64(0), list.column_text(1), list.column_text(2), list.column_text(3),
                               static_cast<Period::Kind>(list.column_int64(4)), list.column_text(5)});
    }
    ASSIGN_OR_RETURN(auto rows, db_->prepare(
        "SELECT period, revision, value, reported_at FROM observations "
        "WHERE series_id=?1 AND period BETWEEN ?2 AND ?3 AND reported_at <= ?4 ORDER BY period, revision"));
    int64_t from = query.from ? query.from->days_since_epoch() : INT32_MIN;
    int64_t to = query.to ? query.to->days_since_epoch() : INT32_MAX;
    int64_t as_of = query.as_of ? query.as_of->micros() : INT64_MAX;
    for (const auto& ref : refs) {
      rows.bind(1, ref.id).bind(2, from).bind(3, to).bind(4, as_of);
      while (true) {
        ASSIGN_OR_RETURN(bool row, rows.step());
        if (!row) break;
        int64_t period = rows.column_int64(0), reported_at = rows.column_int64(3);
        if (query.lag) {
          // Revisions of one period come in revision order, so the ones past the cutoff are skipped
          // here rather than in SQL, where the cutoff would depend on the period's kind.
          Period p = period_from_row(ref.kind, period);
          if (reported_at > lag_cutoff(p.end(), *query.lag).micros()) continue;
        }
        visit(ref, period, rows.column_int64(1), rows.column_double(2), reported_at);
      }
      rows.reset();
    }
    return Status::ok();
  }

  std::unique_ptr<Db> db_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path) {
  ASSIGN_OR_RETURN(auto db, Db::open(path));
  auto store = std::make_unique<SqliteStore>(std::move(db));
  RETURN_IF_ERROR(store->init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace shouwang::store
