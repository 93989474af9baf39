// Analyses a FASTA stream on several threads while keeping memory bounded: records are read in batches,
// each batch is analysed in parallel, and results are handed on in input order before the next batch
// is read.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "genome/dataset.h"
#include "genome/fasta_reader.h"
#include "genome/sequence_analysis.h"

namespace shouwang::genome {

struct AnalysisOutcome {
  int64_t index = 0;
  std::string name;
  Result<SequenceAnalysis> result = internal_error("not analysed");
};

// Calls `on_outcome` once per record, in input order. Stops early with the reader's error (input not
// FASTA) or with the first non-OK status `on_outcome` returns. `jobs` < 1 means one thread.
Status analyze_fasta_stream(const Dataset& dataset, FastaReader& reader, int jobs,
                            const std::function<Status(const AnalysisOutcome&)>& on_outcome);

}  // namespace shouwang::genome
