// CSV tokenizing; see csv_reader.h for why it is hand-written.
#include "core/csv_reader.h"

#include <cstring>
#include <utility>

namespace shouwang {

std::string_view csv_problem_text(CsvProblem problem, char delimiter) {
  switch (problem) {
    case CsvProblem::kNone:
      return "";
    case CsvProblem::kUnterminatedQuote:
      return "unterminated quoted field";
    case CsvProblem::kTextAfterQuote:
      if (delimiter == '\t') return "badly quoted field (a quote must close before the next tab)";
      if (delimiter == ',') return "badly quoted field (a quote must close before the next comma)";
      return "badly quoted field (a quote must close before the next separator)";
    case CsvProblem::kQuoteInField:
      return "quote inside an unquoted field (quote the whole field and double the quote)";
  }
  return "";
}

CsvReader::CsvReader(std::string_view text, CsvOptions options) : text_(text), options_(options) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  stops_field_[static_cast<unsigned char>(options_.delimiter)] = true;
  stops_field_[static_cast<unsigned char>('\n')] = true;
  if (options_.bare_cr_ends_line) stops_field_[static_cast<unsigned char>('\r')] = true;
  if (options_.strict_quotes) stops_field_[static_cast<unsigned char>('"')] = true;
}

void CsvReader::skip_comment_lines() {
  const char* data = text_.data();
  const size_t end = text_.size();
  while (pos_ < end) {
    size_t i = pos_;
    while (i < end && (data[i] == ' ' || data[i] == '\t')) ++i;
    if (i == end || data[i] != options_.comment) return;
    while (i < end && data[i] != '\n' && !(options_.bare_cr_ends_line && data[i] == '\r')) ++i;
    if (i < end) {
      if (data[i] == '\r' && i + 1 < end && data[i + 1] == '\n') ++i;
      ++i;
      ++next_line_;
    }
    pos_ = i;
  }
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  problem_ = CsvProblem::kNone;
  if (options_.comment != '\0') skip_comment_lines();
  if (pos_ >= text_.size()) return false;
  record_line_ = next_line_;
  const char* data = text_.data();
  const size_t end = text_.size();
  const char delimiter = options_.delimiter;
  const bool bare_cr = options_.bare_cr_ends_line;
  const bool trim = options_.trim_blanks;
  const bool plain_stops = !bare_cr && !options_.strict_quotes;
  auto note = [&](CsvProblem problem) {
    if (problem_ == CsvProblem::kNone) problem_ = problem;
  };
  // Whether the byte at `at` ends a field: the delimiter or a line end (a CR only before LF, at
  // the end of the text, or when bare CRs end lines).
  auto ends_field = [&](size_t at) {
    const char c = data[at];
    return c == delimiter || c == '\n' || (c == '\r' && (bare_cr || at + 1 == end || data[at + 1] == '\n'));
  };
  const size_t record_start = pos_;
  size_t i = pos_;
  size_t field_index = 0;
  while (true) {
    if (trim) {
      while (i < end && is_blank(data[i])) ++i;
    }
    if (i < end && data[i] == '"') {
      // Quoted field: find the closing quote, unescaping "" when present.
      size_t start = ++i;
      bool escaped = false;
      while (true) {
        const void* q = std::memchr(data + i, '"', end - i);
        const size_t at = q == nullptr ? end : static_cast<size_t>(static_cast<const char*>(q) - data);
        if (bare_cr) {
          for (size_t k = i; k < at; ++k) {
            next_line_ += data[k] == '\n' || (data[k] == '\r' && (k + 1 == end || data[k + 1] != '\n'));
          }
        } else {
          for (size_t k = i; k < at; ++k) next_line_ += data[k] == '\n';
        }
        if (q == nullptr) {
          note(CsvProblem::kUnterminatedQuote);  // the rest of the text is this field
          i = end;
          break;
        }
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
      if (trim) {
        while (i < end && is_blank(data[i])) ++i;
      }
      // After a closing quote only a separator or the line end may follow.
      if (i < end && !ends_field(i)) {
        note(CsvProblem::kTextAfterQuote);
        while (i < end && data[i] != delimiter && data[i] != '\n' && !(bare_cr && data[i] == '\r')) ++i;
      }
    } else {
      const size_t start = i;
      while (true) {
        if (plain_stops) {  // the common case, two compares beat the table lookup
          while (i < end && data[i] != delimiter && data[i] != '\n') ++i;
        } else {
          while (i < end && !stops_field_[static_cast<unsigned char>(data[i])]) ++i;
        }
        if (i < end && data[i] == '"') {  // only stops here with strict_quotes
          note(CsvProblem::kQuoteInField);
          ++i;
          continue;
        }
        break;
      }
      size_t stop = i;
      // A CR before the LF (or at the end of the text) belongs to the line end.
      if (stop > start && data[stop - 1] == '\r' && (i == end || data[i] == '\n')) --stop;
      if (trim) {
        while (stop > start && is_blank(data[stop - 1])) --stop;
      }
      fields.emplace_back(data + start, stop - start);
    }
    ++field_index;
    if (i < end && data[i] == delimiter) {
      ++i;
      continue;
    }
    break;  // line end or end of text
  }
  size_t raw_end = i;
  if (raw_end > record_start && data[raw_end - 1] == '\r') --raw_end;
  raw_ = std::string_view(data + record_start, raw_end - record_start);
  if (i < end) {
    // LF, CRLF (a CRLF after a quoted field stops at the CR) or a bare CR: one line end.
    if (data[i] == '\r' && i + 1 < end && data[i + 1] == '\n') ++i;
    ++i;
    ++next_line_;
  }
  pos_ = i;
  return true;
}

Result<std::vector<std::string>> split_csv_list(std::string_view text, CsvOptions options) {
  std::vector<std::string> items;
  CsvReader reader(text, options);
  std::vector<std::string_view> fields;
  while (reader.next(fields)) {
    if (reader.malformed()) {
      // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...).
      std::string message = "'";
      message.append(text).append("': ").append(csv_problem_text(reader.problem(), options.delimiter));
      return invalid_argument(std::move(message));
    }
    items.insert(items.end(), fields.begin(), fields.end());
  }
  if (items.empty()) items.emplace_back();
  return items;
}

std::optional<size_t> CsvHeader::find(std::string_view name) const {
  for (size_t column = 0; column < names_.size(); ++column) {
    if (names_[column] == name) return column;
  }
  return std::nullopt;
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

}  // namespace shouwang
