#include "genome/analysis_pipeline.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace shouwang::genome {
namespace {

// Enough records per thread that the wait for the slowest one at the end of a batch stays small.
constexpr int kRecordsPerThreadInBatch = 32;

}  // namespace

Status analyze_fasta_stream(const Dataset& dataset, FastaReader& reader, int jobs,
                            const std::function<Status(const AnalysisOutcome&)>& on_outcome) {
  jobs = std::max(jobs, 1);
  const size_t batch_size = static_cast<size_t>(jobs) * kRecordsPerThreadInBatch;
  std::vector<FastaRecord> records;
  std::vector<AnalysisOutcome> outcomes;
  bool input_done = false;
  while (!input_done) {
    records.clear();
    Status read_error;
    while (records.size() < batch_size) {
      auto next = reader.next();
      if (!next.is_ok()) {
        read_error = next.status();
        break;
      }
      if (!next->has_value()) {
        input_done = true;
        break;
      }
      records.push_back(std::move(**next));
    }
    // Records read before a format error are still analysed and reported.
    if (!read_error.is_ok()) input_done = true;

    outcomes.clear();
    outcomes.resize(records.size());
    std::atomic<size_t> next_record{0};
    const auto work = [&] {
      for (size_t i = next_record++; i < records.size(); i = next_record++) {
        outcomes[i].index = records[i].index;
        outcomes[i].name = records[i].name;
        outcomes[i].result = analyze_sequence(dataset, records[i].name, records[i].sequence);
      }
    };
    const int threads = static_cast<int>(std::min<size_t>(jobs, records.size()));
    if (threads <= 1) {
      work();
    } else {
      std::vector<std::jthread> workers;
      for (int t = 0; t < threads; ++t) workers.emplace_back(work);
    }
    for (const AnalysisOutcome& outcome : outcomes) RETURN_IF_ERROR(on_outcome(outcome));
    if (!read_error.is_ok()) return read_error;
  }
  return Status::ok();
}

}  // namespace shouwang::genome
