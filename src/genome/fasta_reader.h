// Streaming FASTA reader: one record at a time from any std::istream, so inputs of any size are read in
// memory bounded by the longest record. Input that is not FASTA is refused with a message that says why.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>

#include "core/status.h"

namespace shouwang::genome {

struct FastaRecord {
  int64_t index = 0;     // 0-based position in the input
  std::string name;      // header line without '>', trimmed
  std::string sequence;  // upper-cased; characters other than letters, '.', '?' and '*' dropped (as Nextclade)
};

class FastaReader {
 public:
  // `source_name` names the input in error messages (a path, or "stdin").
  FastaReader(std::istream& input, std::string source_name);

  // The next record, nullopt after the last one, or invalid_argument when the input is not FASTA
  // (no '>' header before sequence letters, binary content, or no record at all).
  Result<std::optional<FastaRecord>> next();

 private:
  std::istream& input_;
  std::string source_name_;
  int64_t line_number_ = 0;
  int64_t records_read_ = 0;
  std::optional<std::string> pending_header_;
  bool finished_ = false;
};

}  // namespace shouwang::genome
