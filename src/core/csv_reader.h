// The one CSV/TSV record reader of Shouwang, over an in-memory buffer (RFC 4180: quoted fields,
// doubled quotes, line breaks inside quotes, CRLF or LF line ends, a leading UTF-8 byte order mark).
// Fields are string_views into the buffer, so reading a row allocates nothing; only a quoted field
// with doubled quotes is unescaped into a scratch string the reader reuses.
// Hand-written because the libraries at hand (Boost.Tokenizer, iostream-based readers) copy every
// field into a std::string, which the 5-million-row import cannot afford. Every parser of a
// comma- or tab-separated file uses it, so quoting and line numbers mean the same everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shouwang {

struct CsvOptions {
  char delimiter = ',';  // '\t' for TSV
  // Blanks (spaces, tabs other than the delimiter, stray CRs as in CRCRLF line ends) around a field
  // are dropped, also around a quoted field, so `a, "b, c"` is two fields. Inside quotes nothing is.
  bool trim_blanks = false;
  // Lines whose first character other than spaces and tabs is this one are skipped ('\0': none).
  char comment = '\0';
  // RFC 4180 to the letter: a quote inside an unquoted field is a problem instead of a character.
  bool strict_quotes = false;
  // A carriage return alone also ends a line, as classic Mac OS spreadsheets write them.
  bool bare_cr_ends_line = false;
};

// What was wrong with the quoting of a record; the record's fields are still given.
enum class CsvProblem {
  kNone,
  kUnterminatedQuote,  // the rest of the text became the field
  kTextAfterQuote,     // the field is the quoted part; the text up to the next delimiter is dropped
  kQuoteInField,       // only with strict_quotes; the quote is kept as a character
};

// "unterminated quoted field", ... : for error messages that name the line themselves.
std::string_view csv_problem_text(CsvProblem problem, char delimiter = ',');

class CsvReader {
 public:
  // Skips a leading UTF-8 byte order mark.
  explicit CsvReader(std::string_view text, CsvOptions options = {});

  // Reads the next record into `fields` (views valid until the next call). False at the end.
  bool next(std::vector<std::string_view>& fields);

  // 1-based line where the last record started (records may span lines inside quotes).
  int64_t line() const { return record_line_; }
  // The raw bytes of the last record, line end excluded.
  std::string_view raw_record() const { return raw_; }
  // The quote problem of the last record, if any.
  CsvProblem problem() const { return problem_; }
  bool malformed() const { return problem_ != CsvProblem::kNone; }
  // Bytes consumed so far, for progress reporting.
  size_t offset() const { return pos_; }
  size_t size() const { return text_.size(); }
  const CsvOptions& options() const { return options_; }

 private:
  // What trim_blanks drops; a CR only where it cannot end a line.
  bool is_blank(char c) const {
    return (c == ' ' || c == '\t' || (c == '\r' && !options_.bare_cr_ends_line)) && c != options_.delimiter;
  }
  void skip_comment_lines();

  std::string_view text_;
  CsvOptions options_;
  // The bytes that end an unquoted field: the delimiter, '\n', and '\r' or '"' when the options say.
  bool stops_field_[256] = {};
  size_t pos_ = 0;
  int64_t next_line_ = 1;
  int64_t record_line_ = 0;
  std::string_view raw_;
  CsvProblem problem_ = CsvProblem::kNone;
  // One reusable buffer per field index; a deque so growing it never moves earlier buffers.
  std::deque<std::string> scratch_;
};

// True when the record is an empty line (a single field of nothing but spaces, tabs or CRs).
inline bool is_blank_record(const std::vector<std::string_view>& fields, std::string_view raw) {
  return raw.empty() || (fields.size() == 1 && raw.find_first_not_of(" \t\r") == std::string_view::npos);
}

// The fields of a one-line list such as a command-line value ("ITA,\"Korea, South\""); line breaks
// outside quotes separate fields too. An empty text is one empty field. A quote problem is an
// InvalidArgument naming the text.
Result<std::vector<std::string>> split_csv_list(std::string_view text, CsvOptions options = {});

// The field as a CSV writer puts it: quoted when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view value);

// A header record kept beyond the reader's next call, with its columns looked up by name.
class CsvHeader {
 public:
  CsvHeader() = default;
  explicit CsvHeader(const std::vector<std::string_view>& fields) : names_(fields.begin(), fields.end()) {}

  size_t size() const { return names_.size(); }
  const std::string& operator[](size_t column) const { return names_[column]; }
  const std::vector<std::string>& names() const { return names_; }
  // The first column with this name.
  std::optional<size_t> find(std::string_view name) const;

 private:
  std::vector<std::string> names_;
};

}  // namespace shouwang
