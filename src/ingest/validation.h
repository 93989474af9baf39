// Row validation shared by every parser: codes checked against the catalogue, dates (malformed
// or in the future), values (non-numeric, negative), invalid UTF-8; and the whole-batch checks
// that need every row at once (duplicate keys, cumulative series that decrease).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/csv_reader.h"
#include "core/indicator.h"
#include "core/location.h"
#include "core/period.h"
#include "ingest/batch.h"

namespace shouwang::ingest {

// A Catalog held in memory (built from the store's lists, or by tests).
class MemoryCatalog final : public Catalog {
 public:
  MemoryCatalog() = default;
  MemoryCatalog(const std::vector<Location>& locations, const std::vector<Indicator>& indicators);
  void add_location(const std::string& code) { locations_.insert(code); }
  void add_indicator(const std::string& code, IndicatorKind kind) { indicators_[code] = kind; }
  bool has_location(const std::string& code) const override { return locations_.contains(code); }
  std::optional<IndicatorKind> indicator_kind(const std::string& code) const override;

 private:
  std::unordered_set<std::string> locations_;
  std::unordered_map<std::string, IndicatorKind> indicators_;
};

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view text);
// 1-based line of the first invalid UTF-8 byte, or 0 when the text is valid.
int64_t line_of_invalid_utf8(std::string_view text);

class RowChecker;
// Reads the first non-blank record of a CSV file into `fields`: its header. An empty file or a
// header that is not UTF-8 is reported to `check` as an error and false is returned.
bool read_csv_header(CsvReader& reader, std::vector<std::string_view>& fields, RowChecker& check);
// Whether the data record just read can be used: it is UTF-8, well quoted and has `expected`
// columns. Otherwise the problem is reported to `check` for the record's line and false returned.
bool csv_record_usable(const CsvReader& reader, const std::vector<std::string_view>& fields, size_t expected,
                       RowChecker& check);

// Records problems into a batch and checks single values, caching catalogue answers so a
// 5-million-row file costs one hash lookup per code and no allocation.
class RowChecker {
 public:
  RowChecker(const Catalog& catalog, Date today, ParsedBatch& batch);

  void error(int64_t line, std::string_view column, std::string message);
  void warning(int64_t line, std::string_view column, std::string message);

  // Each check records an error and returns false / nullopt when the value is bad.
  bool check_location(std::string_view code, int64_t line, std::string_view column);
  std::optional<IndicatorKind> check_indicator(std::string_view code, int64_t line, std::string_view column);
  // YYYY-MM-DD, YYYY-Www or YYYY-MM, not starting after today.
  std::optional<Period> check_period(std::string_view text, int64_t line, std::string_view column);
  // A day, not after today.
  bool check_not_future(Period period, std::string_view text, int64_t line, std::string_view column);
  // A finite number; negative values are an error unless `allow_negative`.
  std::optional<double> check_value(std::string_view text, int64_t line, std::string_view column,
                                    bool allow_negative = false);
  // A value reported for `kind`: like check_value, except that when corrections are allowed a
  // negative value of an incident indicator is kept with a warning.
  std::optional<double> check_reported_value(std::string_view text, int64_t line, std::string_view column,
                                             std::optional<IndicatorKind> kind);
  void set_allow_corrections(bool allow) { allow_corrections_ = allow; }
  bool check_utf8(std::string_view raw, int64_t line);

  // A location the file itself introduces (JHU provinces): known from now on and written
  // to the catalogue by the importer.
  void add_new_location(Location location);

  // "SEX=F;AGE=15-24" in any order: its canonical text (empty for the total).
  std::optional<std::string> check_disaggregation(std::string_view text, int64_t line, std::string_view column);

  void add(std::string_view location, std::string_view indicator, Period period, double value, int64_t line,
           std::string disaggregation = {});

  Date today() const { return today_; }
  ParsedBatch& batch() { return batch_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  const Catalog& catalog_;
  Date today_;
  ParsedBatch& batch_;
  bool allow_corrections_ = false;
  std::unordered_map<std::string, bool, StringHash, std::equal_to<>> location_known_;
  std::unordered_map<std::string, std::optional<IndicatorKind>, StringHash, std::equal_to<>> indicator_kinds_;
};

// The data records after a CSV file's header, as every CSV parser reads them: blank records are
// skipped, progress is reported every `progress_every` records, and a record that is not usable
// (csv_record_usable; with `expected` columns when given) is reported to `check` and skipped.
class CsvDataRecords {
 public:
  CsvDataRecords(CsvReader& reader, std::vector<std::string_view>& fields, RowChecker& check,
                 const std::function<void(int64_t done, int64_t total)>& progress, int64_t progress_every = 1 << 16)
      : reader_(reader), fields_(fields), check_(check), progress_(progress), progress_every_(progress_every) {}

  // Reads the next usable record into the fields; false at the end of the file (progress is then
  // reported complete).
  bool next(std::optional<size_t> expected);
  // Non-blank records read so far, usable or not: none means "a header but no rows".
  int64_t data_records() const { return data_records_; }

 private:
  CsvReader& reader_;
  std::vector<std::string_view>& fields_;
  RowChecker& check_;
  const std::function<void(int64_t, int64_t)>& progress_;
  int64_t progress_every_;
  int64_t records_ = 0, data_records_ = 0;
};

// The number parsed from `text` when it is a finite number and nothing else.
std::optional<double> parse_number(std::string_view text);

// Whole-batch checks, run after parsing: a key (location, indicator, period) seen twice is an
// error on the later line (the first is kept); a cumulative indicator that decreases from one
// period to the next is a warning when `warn_cumulative_decrease` (the value is kept).
void check_batch(ParsedBatch& batch, const Catalog& catalog, bool warn_cumulative_decrease);

// Formats a value without a trailing ".000000" (12, 0.5, -3).
std::string format_value(double value);

}  // namespace shouwang::ingest
