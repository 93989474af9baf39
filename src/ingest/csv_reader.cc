// CSV tokenizing; see csv_reader.h for why it is hand-written.
#include "ingest/csv_reader.h"

#include <cstring>

namespace shouwang::ingest {

CsvReader::CsvReader(std::string_view text) : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  malformed_ = false;
  if (pos_ >= text_.size()) return false;
  record_line_ = next_line_;
  const char* data = text_.data();
  const size_t end = text_.size();
  const size_t record_start = pos_;
  size_t i = pos_;
  size_t field_index = 0;
  while (true) {
    if (i < end && data[i] == '"') {
      // Quoted field: find the closing quote, unescaping "" when present.
      size_t start = ++i;
      bool escaped = false;
      while (true) {
        const void* q = std::memchr(data + i, '"', end - i);
        if (q == nullptr) {
          malformed_ = true;  // unterminated quote: the rest of the file is this field
          i = end;
          break;
        }
        size_t at = static_cast<size_t>(static_cast<const char*>(q) - data);
        for (size_t k = i; k < at; ++k) next_line_ += data[k] == '\n';
        if (at + 1 < end && data[at + 1] == '"') {
          escaped = true;
          i = at + 2;
          continue;
        }
        i = at;
        break;
      }
      std::string_view inner(data + start, (i > start ? i : start) - start);
      if (i < end) ++i;  // closing quote
      if (escaped) {
        if (scratch_.size() <= field_index) scratch_.resize(field_index + 1);
        std::string& s = scratch_[field_index];
        s.clear();
        for (size_t k = 0; k < inner.size(); ++k) {
          s.push_back(inner[k]);
          if (inner[k] == '"' && k + 1 < inner.size() && inner[k + 1] == '"') ++k;
        }
        fields.emplace_back(s);
      } else {
        fields.push_back(inner);
      }
      // After a closing quote only a separator or the line end may follow.
      if (i < end && data[i] != ',' && data[i] != '\n' && !(data[i] == '\r' && (i + 1 == end || data[i + 1] == '\n'))) {
        malformed_ = true;
        while (i < end && data[i] != ',' && data[i] != '\n') ++i;
      }
    } else {
      size_t start = i;
      while (i < end && data[i] != ',' && data[i] != '\n') ++i;
      size_t stop = i;
      if (stop > start && data[stop - 1] == '\r' && (i == end || data[i] == '\n')) --stop;
      fields.emplace_back(data + start, stop - start);
    }
    ++field_index;
    if (i < end && data[i] == ',') {
      ++i;
      continue;
    }
    break;  // line end or end of text
  }
  size_t raw_end = i;
  if (raw_end > record_start && data[raw_end - 1] == '\r') --raw_end;
  raw_ = std::string_view(data + record_start, raw_end - record_start);
  if (i < end) {
    ++i;  // '\n'
    ++next_line_;
  }
  pos_ = i;
  return true;
}

}  // namespace shouwang::ingest
