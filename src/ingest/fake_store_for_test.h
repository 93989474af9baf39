// An in-memory Store for the ingest tests: keeps the latest value per key and counts
// revisions like the real store, and can be told to fail a write (to test rollback paths).
#pragma once

#include <map>
#include <memory>
#include <tuple>

#include "store/store.h"

namespace shouwang::ingest::testing {

class FakeStore : public store::Store {
 public:
  using Key = std::tuple<std::string, std::string, std::string, int, int32_t>;  // loc, ind, source, kind, day

  Result<std::vector<Location>> list_locations() override {
    std::vector<Location> out;
    for (const auto& [code, l] : locations) out.push_back(l);
    return out;
  }
  Status upsert_locations(std::span<const Location> list) override {
    for (const auto& l : list) locations[l.code] = l;
    return Status::ok();
  }
  Result<std::vector<Indicator>> list_indicators() override {
    std::vector<Indicator> out;
    for (const auto& [code, i] : indicators) out.push_back(i);
    return out;
  }
  Status upsert_indicator(const Indicator& indicator) override {
    indicators[indicator.code] = indicator;
    return Status::ok();
  }
  Result<store::WriteSummary> write_observations(std::span<const store::ObservationWrite> rows,
                                                 const std::string& source, Timestamp reported_at) override {
    ++write_calls;
    if (fail_writes) return unavailable("disk full");
    store::WriteSummary summary;
    summary.observations = static_cast<int64_t>(rows.size());
    for (const auto& r : rows) {
      if (!locations.contains(r.location)) return invalid_argument("unknown location " + r.location);
      Key key{r.location, r.indicator, source, static_cast<int>(r.period.kind()), r.period.start().days_since_epoch()};
      auto it = values.find(key);
      if (it == values.end() || it->second != r.value) {
        values[key] = r.value;
        ++summary.new_revisions;
      }
    }
    return summary;
  }
  // Keeps the parts and writes them at commit, through write_observations.
  class Writer final : public store::ObservationWriter {
   public:
    Writer(FakeStore& store, std::string source, Timestamp reported_at)
        : store_(store), source_(std::move(source)), reported_at_(reported_at) {}
    Status add(std::span<const store::ObservationWrite> rows) override {
      ++store_.parts_given;
      if (store_.fail_parts) return unavailable("connection lost");
      rows_.insert(rows_.end(), rows.begin(), rows.end());
      return Status::ok();
    }
    Result<store::WriteSummary> commit(std::span<const Location> list) override {
      RETURN_IF_ERROR(store_.upsert_locations(list));
      return store_.write_observations(rows_, source_, reported_at_);
    }

   private:
    FakeStore& store_;
    std::string source_;
    Timestamp reported_at_;
    std::vector<store::ObservationWrite> rows_;
  };
  Result<std::unique_ptr<store::ObservationWriter>> begin_write(const std::string& source,
                                                                Timestamp reported_at) override {
    return std::unique_ptr<store::ObservationWriter>(std::make_unique<Writer>(*this, source, reported_at));
  }
  Result<std::vector<store::Series>> read_series(const store::SeriesQuery&) override { return std::vector<store::Series>{}; }
  Result<std::vector<store::Revision>> read_revisions(const store::SeriesQuery&) override {
    return std::vector<store::Revision>{};
  }
  Result<std::vector<store::SeriesMark>> series_marks(const std::string&) override {
    return std::vector<store::SeriesMark>{};
  }
  Result<std::string> default_source(const std::string&, const std::string&) override { return not_found("none"); }
  Status set_default_source(const std::string&, const std::string&, const std::string&) override { return Status::ok(); }
  std::vector<Result<store::WriteSummary>> write_group(std::span<const store::GroupedWrite> writes) override {
    std::vector<Result<store::WriteSummary>> out;
    for (const auto& w : writes) out.push_back(write_observations(w.rows, w.source, w.reported_at));
    return out;
  }
  Result<store::FeedPage> read_feed(int64_t, const std::string&, int64_t) override { return store::FeedPage{}; }
  Result<int64_t> apply_revisions(std::span<const store::Revision>) override {
    return internal_error("the importer's tests never replicate");
  }
  Status create_token(const store::Token&) override { return Status::ok(); }
  Result<store::Token> find_token(const std::string&) override { return not_found("none"); }

  std::optional<double> value(const std::string& loc, const std::string& ind, const std::string& source,
                              const std::string& period) const {
    auto p = Period::parse(period);
    auto it = values.find(Key{loc, ind, source, static_cast<int>(p->kind()), p->start().days_since_epoch()});
    if (it == values.end()) return std::nullopt;
    return it->second;
  }

  std::map<std::string, Location> locations;
  std::map<std::string, Indicator> indicators;
  std::map<Key, double> values;
  int write_calls = 0;
  int parts_given = 0;  // parts a Writer received (an import writing while it parses)
  bool fail_writes = false;
  bool fail_parts = false;  // a Writer's add() fails
};

}  // namespace shouwang::ingest::testing
