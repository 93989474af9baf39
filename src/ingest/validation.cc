// Validation of rows and batches.
#include "ingest/validation.h"

#include "core/csv_reader.h"
#include "core/disaggregation.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace shouwang::ingest {

MemoryCatalog::MemoryCatalog(const std::vector<Location>& locations, const std::vector<Indicator>& indicators) {
  for (const auto& l : locations) locations_.insert(l.code);
  for (const auto& i : indicators) indicators_[i.code] = i.kind;
}

std::optional<IndicatorKind> MemoryCatalog::indicator_kind(const std::string& code) const {
  auto it = indicators_.find(code);
  if (it == indicators_.end()) return std::nullopt;
  return it->second;
}

namespace {

// Length of the valid UTF-8 sequence starting at p (0 when invalid), per RFC 3629 table 3-7.
size_t utf8_sequence_length(const unsigned char* p, size_t available) {
  unsigned char c = p[0];
  auto cont = [&](size_t i) { return i < available && (p[i] & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && p[1] >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && p[1] >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

// Offset of the first invalid byte, or npos.
size_t first_invalid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    if (i + 8 <= n) {
      uint64_t chunk;
      std::memcpy(&chunk, p + i, 8);
      if ((chunk & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    size_t len = utf8_sequence_length(p + i, n - i);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace

bool is_valid_utf8(std::string_view text) { return first_invalid_utf8(text) == std::string_view::npos; }

int64_t line_of_invalid_utf8(std::string_view text) {
  size_t at = first_invalid_utf8(text);
  if (at == std::string_view::npos) return 0;
  return 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
}

std::optional<double> parse_number(std::string_view text) {
  // Surrounding blanks are tolerated (spreadsheets add them); nothing else is.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string format_value(double value) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, ec == std::errc() ? ptr : buf);
}

RowChecker::RowChecker(const Catalog& catalog, Date today, ParsedBatch& batch)
    : catalog_(catalog), today_(today), batch_(batch) {}

void RowChecker::error(int64_t line, std::string_view column, std::string message) {
  batch_.errors.push_back(RowProblem{line, std::string(column), std::move(message)});
}

void RowChecker::warning(int64_t line, std::string_view column, std::string message) {
  batch_.warnings.push_back(RowProblem{line, std::string(column), std::move(message)});
}

bool RowChecker::check_location(std::string_view code, int64_t line, std::string_view column) {
  auto it = location_known_.find(code);
  if (it == location_known_.end()) {
    std::string key(code);
    it = location_known_.emplace(key, catalog_.has_location(key)).first;
  }
  if (it->second) return true;
  auto level = level_of_location_code(code);
  if (level.is_ok() && *level == LocationLevel::kSubnational && catalog_.has_location(std::string(code.substr(0, 3)))) {
    // Subdivisions may be defined by the reporter (ISO 3166-2 does not cover every health
    // district): a well-formed ISO3-CODE under a known country is added, and said so.
    std::string country(code.substr(0, 3));
    batch_.new_locations.push_back(
        Location{std::string(code), std::string(code), "", country, std::nullopt, LocationLevel::kSubnational});
    warning(line, column, "new subdivision '" + std::string(code) + "' of " + country + " added");
    it->second = true;
    return true;
  }
  if (code.empty()) {
    error(line, column, "location is empty");
  } else if (!level_of_location_code(code).is_ok()) {
    error(line, column, "location '" + std::string(code) +
                            "' is not a location code (WORLD, a WHO region, ISO alpha-3 or ISO3-SUB)");
  } else {
    error(line, column, "unknown location '" + std::string(code) + "'");
  }
  return false;
}

std::optional<IndicatorKind> RowChecker::check_indicator(std::string_view code, int64_t line,
                                                         std::string_view column) {
  auto it = indicator_kinds_.find(code);
  if (it == indicator_kinds_.end()) {
    std::string key(code);
    it = indicator_kinds_.emplace(key, catalog_.indicator_kind(key)).first;
  }
  if (!it->second) {
    error(line, column, code.empty() ? std::string("indicator is empty")
                                     : "unknown indicator '" + std::string(code) + "'");
  }
  return it->second;
}

bool RowChecker::check_not_future(Period period, std::string_view text, int64_t line, std::string_view column) {
  if (period.start() > today_) {
    error(line, column, "date '" + std::string(text) + "' is in the future (today is " + today_.to_string() + ")");
    return false;
  }
  return true;
}

std::optional<Period> RowChecker::check_period(std::string_view text, int64_t line, std::string_view column) {
  auto period = Period::parse(text);
  if (!period) {
    error(line, column, text.empty() ? std::string("date is empty")
                                     : "date '" + std::string(text) + "' is not a valid YYYY-MM-DD, YYYY-Www or YYYY-MM");
    return std::nullopt;
  }
  if (!check_not_future(*period, text, line, column)) return std::nullopt;
  return *period;
}

std::optional<double> RowChecker::check_value(std::string_view text, int64_t line, std::string_view column,
                                              bool allow_negative) {
  auto value = parse_number(text);
  if (!value) {
    error(line, column, text.empty() ? std::string("value is empty")
                                     : "value '" + std::string(text) + "' is not a number");
    return std::nullopt;
  }
  if (*value < 0 && !allow_negative) {
    error(line, column, "value " + std::string(text) + " is negative");
    return std::nullopt;
  }
  return value;
}

std::optional<double> RowChecker::check_reported_value(std::string_view text, int64_t line,
                                                       std::string_view column, std::optional<IndicatorKind> kind) {
  bool correction_allowed = allow_corrections_ && kind == IndicatorKind::kIncident;
  auto value = parse_number(text);
  if (value && *value < 0) {
    if (correction_allowed) {
      warning(line, column, "negative value " + std::string(text) + " kept as a correction");
      return value;
    }
    error(line, column, "value " + std::string(text) + " is negative" +
                            (kind == IndicatorKind::kIncident
                                 ? " (use --allow-corrections if it corrects an earlier period)"
                                 : ""));
    return std::nullopt;
  }
  return check_value(text, line, column);
}

bool RowChecker::check_utf8(std::string_view raw, int64_t line) {
  if (is_valid_utf8(raw)) return true;
  error(line, "", "line is not valid UTF-8");
  return false;
}

void RowChecker::add_new_location(Location location) {
  location_known_[location.code] = true;
  batch_.new_locations.push_back(std::move(location));
}

std::optional<std::string> RowChecker::check_disaggregation(std::string_view text, int64_t line,
                                                            std::string_view column) {
  if (text.empty()) return std::string();
  auto canonical = canonical_disaggregation(text);
  if (!canonical) {
    error(line, column, canonical.status().message());
    return std::nullopt;
  }
  return std::move(*canonical);
}

void RowChecker::add(std::string_view location, std::string_view indicator, Period period, double value,
                     int64_t line, std::string disaggregation) {
  batch_.observations.push_back(ParsedObservation{std::string(location), std::string(indicator), period, value, line,
                                                  std::move(disaggregation)});
}

void check_batch(ParsedBatch& batch, const Catalog& catalog, bool warn_cumulative_decrease) {
  auto& obs = batch.observations;
  if (obs.empty()) return;
  // Intern codes to small integers so the sort compares integers, not strings.
  // Views of the rows' own strings; a disaggregated part's key is composed here, so its map owns it.
  std::unordered_map<std::string_view, uint32_t> location_ids, indicator_ids;
  std::unordered_map<std::string, uint32_t> part_ids;
  uint32_t next_part_id = 0;
  std::vector<bool> indicator_is_cumulative;
  struct Key {
    uint64_t series;  // (location, disaggregation) id << 32 | indicator id
    int64_t period;   // start day * 3 + kind
    uint32_t index;
  };
  std::vector<Key> keys;
  keys.reserve(obs.size());
  for (uint32_t i = 0; i < obs.size(); ++i) {
    const auto& o = obs[i];
    // '\n' cannot occur in a code or a disaggregation: the pair is one unambiguous key.
    uint32_t loc = o.disaggregation.empty()
                       ? location_ids.try_emplace(o.location, next_part_id).first->second
                       : part_ids.try_emplace(o.location + '\n' + o.disaggregation, next_part_id).first->second;
    if (loc == next_part_id) ++next_part_id;
    auto [ind_it, fresh] = indicator_ids.try_emplace(o.indicator, static_cast<uint32_t>(indicator_ids.size()));
    if (fresh) {
      auto kind = catalog.indicator_kind(o.indicator);
      indicator_is_cumulative.push_back(kind && *kind == IndicatorKind::kCumulative);
    }
    keys.push_back(Key{(static_cast<uint64_t>(loc) << 32) | ind_it->second,
                       static_cast<int64_t>(o.period.start().days_since_epoch()) * 3 + static_cast<int>(o.period.kind()), i});
  }
  auto less = [](const Key& a, const Key& b) {
    if (a.series != b.series) return a.series < b.series;
    if (a.period != b.period) return a.period < b.period;
    return a.index < b.index;
  };
  // Files are usually already in key order; sorting is then skipped.
  if (!std::is_sorted(keys.begin(), keys.end(), less)) std::sort(keys.begin(), keys.end(), less);

  std::vector<bool> drop(obs.size(), false);
  bool any_dropped = false;
  for (size_t k = 1; k < keys.size(); ++k) {
    const Key& prev = keys[k - 1];
    const Key& cur = keys[k];
    if (cur.series != prev.series) continue;
    const auto& o = obs[cur.index];
    if (cur.period == prev.period) {
      // prev is the first occurrence (ties sort by index) unless it was itself a duplicate.
      size_t first = k - 1;
      while (first > 0 && drop[keys[first].index]) --first;
      batch.errors.push_back(RowProblem{o.line, "", "duplicate of line " + std::to_string(obs[keys[first].index].line) +
                                                         ": same location, indicator" +
                                                         (o.disaggregation.empty() ? "" : ", disaggregation") +
                                                         " and date (" + o.location + ", " + o.indicator + ", " +
                                                         (o.disaggregation.empty() ? "" : o.disaggregation + ", ") +
                                                         o.period.to_string() + ")"});
      drop[cur.index] = true;
      any_dropped = true;
      continue;
    }
    uint32_t ind = static_cast<uint32_t>(cur.series & 0xffffffffu);
    if (!warn_cumulative_decrease || !indicator_is_cumulative[ind]) continue;
    // Compare with the last kept value of the series, of the same period kind.
    size_t p = k - 1;
    while (p > 0 && drop[keys[p].index] && keys[p - 1].series == cur.series) --p;
    if (drop[keys[p].index] || obs[keys[p].index].period.kind() != o.period.kind()) continue;
    const auto& before = obs[keys[p].index];
    if (o.value < before.value) {
      batch.warnings.push_back(RowProblem{o.line, "", o.indicator + " of " + o.location + " decreased from " +
                                                       format_value(before.value) + " (" + before.period.to_string() +
                                                       ") to " + format_value(o.value) + " (" + o.period.to_string() +
                                                       "); kept as reported"});
    }
  }
  if (any_dropped) {
    size_t out = 0;
    for (size_t i = 0; i < obs.size(); ++i) {
      if (!drop[i]) {
        if (out != i) obs[out] = std::move(obs[i]);
        ++out;
      }
    }
    obs.resize(out);
  }
  auto by_line = [](const RowProblem& a, const RowProblem& b) { return a.line < b.line; };
  std::stable_sort(batch.errors.begin(), batch.errors.end(), by_line);
  std::stable_sort(batch.warnings.begin(), batch.warnings.end(), by_line);
}

bool read_csv_header(CsvReader& reader, std::vector<std::string_view>& fields, RowChecker& check) {
  while (reader.next(fields)) {
    if (is_blank_record(fields, reader.raw_record())) continue;
    return check.check_utf8(reader.raw_record(), reader.line());
  }
  check.error(0, "", "the file is empty");
  return false;
}

bool CsvDataRecords::next(std::optional<size_t> expected) {
  const auto total = static_cast<int64_t>(reader_.size());
  while (reader_.next(fields_)) {
    if (++records_ % progress_every_ == 0 && progress_) progress_(static_cast<int64_t>(reader_.offset()), total);
    if (is_blank_record(fields_, reader_.raw_record())) continue;
    ++data_records_;
    if (csv_record_usable(reader_, fields_, expected.value_or(fields_.size()), check_)) return true;
  }
  if (progress_) progress_(total, total);
  return false;
}

bool csv_record_usable(const CsvReader& reader, const std::vector<std::string_view>& fields, size_t expected,
                       RowChecker& check) {
  const int64_t line = reader.line();
  if (!check.check_utf8(reader.raw_record(), line)) return false;
  if (reader.malformed()) {
    check.error(line, "", "badly quoted field (a quote must close before the next comma)");
    return false;
  }
  if (fields.size() != expected) {
    check.error(line, "", "expected " + std::to_string(expected) + " columns, found " + std::to_string(fields.size()));
    return false;
  }
  return true;
}

}  // namespace shouwang::ingest
