// A CSV record reader over an in-memory buffer (RFC 4180: quoted fields, doubled quotes, CRLF or
// LF line ends). Fields are string_views into the buffer, so reading a row allocates nothing;
// only a quoted field with doubled quotes is unescaped into a scratch string the reader reuses.
// Hand-written because the libraries at hand (Boost.Tokenizer, iostream-based readers) copy every
// field into a std::string, which the 5-million-row import cannot afford.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <deque>
#include <vector>

namespace shouwang::ingest {

class CsvReader {
 public:
  // Skips a leading UTF-8 byte order mark.
  explicit CsvReader(std::string_view text);

  // Reads the next record into `fields` (views valid until the next call). False at the end.
  bool next(std::vector<std::string_view>& fields);

  // 1-based line where the last record started (records may span lines inside quotes).
  int64_t line() const { return record_line_; }
  // The raw bytes of the last record, line end excluded.
  std::string_view raw_record() const { return raw_; }
  // True when the last record had a quote problem (unterminated quote, text after a closing quote).
  bool malformed() const { return malformed_; }
  // Bytes consumed so far, for progress reporting.
  size_t offset() const { return pos_; }
  size_t size() const { return text_.size(); }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int64_t next_line_ = 1;
  int64_t record_line_ = 0;
  std::string_view raw_;
  bool malformed_ = false;
  // One reusable buffer per field index; a deque so growing it never moves earlier buffers.
  std::deque<std::string> scratch_;
};

// True when the record is an empty line (a single empty field, nothing quoted).
inline bool is_blank_record(const std::vector<std::string_view>& fields, std::string_view raw) {
  return raw.empty() || (fields.size() == 1 && raw.find_first_not_of(" \t") == std::string_view::npos);
}

}  // namespace shouwang::ingest
