#include "genome/fasta_reader.h"

#include <algorithm>
#include <cctype>

namespace shouwang::genome {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool looks_binary(std::string_view line) {
  return std::any_of(line.begin(), line.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte == 0 || (byte < 32 && byte != '\t' && byte != '\r' && byte != '\f' && byte != '\v');
  });
}

void append_sequence_letters(std::string_view line, std::string& sequence) {
  for (char c : line) {
    const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if ((upper >= 'A' && upper <= 'Z') || upper == '.' || upper == '?' || upper == '*') sequence += upper;
  }
}

std::string excerpt(std::string_view line) {
  constexpr size_t kMaxLength = 40;
  std::string text(line.substr(0, kMaxLength));
  if (line.size() > kMaxLength) text += "...";
  return text;
}

}  // namespace

FastaReader::FastaReader(std::istream& input, std::string source_name)
    : input_(input), source_name_(std::move(source_name)) {}

Result<std::optional<FastaRecord>> FastaReader::next() {
  if (finished_) return std::optional<FastaRecord>();
  std::string line;
  while (!pending_header_) {
    if (!std::getline(input_, line)) {
      finished_ = true;
      if (records_read_ == 0) {
        return invalid_argument(source_name_ + " is not FASTA: it holds no '>' record");
      }
      return std::optional<FastaRecord>();
    }
    ++line_number_;
    if (looks_binary(line)) {
      return invalid_argument(source_name_ + " is not FASTA: binary content at line " +
                              std::to_string(line_number_));
    }
    const std::string_view text = trim(line);
    if (text.empty()) continue;
    if (text.front() != '>') {
      return invalid_argument(source_name_ + " is not FASTA: line " + std::to_string(line_number_) +
                              " should be a '>' header but reads \"" + excerpt(text) + "\"");
    }
    pending_header_ = std::string(trim(text.substr(1)));
  }

  FastaRecord record;
  record.index = records_read_;
  record.name = std::move(*pending_header_);
  pending_header_.reset();
  while (std::getline(input_, line)) {
    ++line_number_;
    if (looks_binary(line)) {
      return invalid_argument(source_name_ + " is not FASTA: binary content at line " +
                              std::to_string(line_number_));
    }
    const std::string_view text = trim(line);
    if (!text.empty() && text.front() == '>') {
      pending_header_ = std::string(trim(text.substr(1)));
      break;
    }
    append_sequence_letters(text, record.sequence);
  }
  if (!pending_header_) finished_ = true;
  ++records_read_;
  return std::optional<FastaRecord>(std::move(record));
}

}  // namespace shouwang::genome
