// Nextclade 1.x TSV cells: 1-based closed ranges ("11288-11296", or "28271" for one position), lists
// joined with commas, numbers of QC scores with six decimals, and cells holding a space or tab quoted.
#include <string>

#include "genome/sequence_analysis.h"

namespace shouwang::genome {
namespace {

std::string format_range(Range range) {
  const int first = range.begin + 1;
  const int last = range.end;
  if (first == last) return std::to_string(first);
  return std::to_string(first) + "-" + std::to_string(last);
}

std::string format_substitution(const NucleotideSubstitution& substitution) {
  return substitution.ref + std::to_string(substitution.position + 1) + substitution.query;
}

template <typename T, typename Format>
std::string join(const std::vector<T>& items, Format format, const char* separator = ",") {
  std::string text;
  for (const T& item : items) {
    if (!text.empty()) text += separator;
    text += format(item);
  }
  return text;
}

std::string format_aminoacid_change(const AminoacidChange& change) {
  return change.gene + ":" + change.ref + std::to_string(change.codon + 1) + change.query;
}

// As Nextclade's CSV writer: a cell with a separator or a space is quoted, inner quotes doubled.
std::string quote_cell(const std::string& cell) {
  if (cell.find('\t') == std::string::npos && cell.find(' ') == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string join_row(const std::vector<std::string>& cells) {
  std::string row;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) row += '\t';
    row += quote_cell(cells[i]);
  }
  return row;
}

}  // namespace

const std::vector<std::string>& tsv_columns() {
  static const std::vector<std::string> columns = {
      "seqName", "clade", "qc.overallScore", "qc.overallStatus", "totalSubstitutions", "totalDeletions",
      "totalInsertions", "totalFrameShifts", "totalAminoacidSubstitutions", "totalAminoacidDeletions",
      "totalMissing", "totalNonACGTNs", "totalPcrPrimerChanges", "substitutions", "deletions", "insertions",
      "frameShifts", "aaSubstitutions", "aaDeletions", "missing", "nonACGTNs", "pcrPrimerChanges",
      "alignmentStart", "alignmentEnd", "qc.missingData.score", "qc.mixedSites.totalMixedSites",
      "qc.snpClusters.totalSNPs", "qc.stopCodons.totalStopCodons", "errors"};
  return columns;
}

std::string format_tsv_header() { return join_row(tsv_columns()); }

std::string format_tsv_row(const SequenceAnalysis& analysis) {
  const QcResult& qc = analysis.qc;
  const std::vector<std::string> cells = {
      analysis.name,
      analysis.clade,
      std::to_string(qc.overall_score),
      qc.overall_status,
      std::to_string(analysis.substitutions.size()),
      std::to_string(analysis.total_deletions()),
      std::to_string(analysis.total_insertions()),
      std::to_string(analysis.frame_shifts.size()),
      std::to_string(analysis.aminoacid_substitutions.size()),
      std::to_string(analysis.aminoacid_deletions.size()),
      std::to_string(analysis.total_missing()),
      std::to_string(analysis.total_non_acgtns()),
      std::to_string(analysis.total_pcr_primer_changes()),
      join(analysis.substitutions, format_substitution),
      join(analysis.deletions, [](const NucleotideRun& run) { return format_range(run.range); }),
      join(analysis.insertions,
           [](const Insertion& insertion) { return std::to_string(insertion.column + 1) + ":" + insertion.letters; }),
      join(analysis.frame_shifts, [](const FrameShift& shift) { return shift.gene + ":" + format_range(shift.codons); }),
      join(analysis.aminoacid_substitutions, format_aminoacid_change),
      join(analysis.aminoacid_deletions, format_aminoacid_change),
      join(analysis.missing, [](const NucleotideRun& run) { return format_range(run.range); }),
      join(analysis.non_acgtns,
           [](const NucleotideRun& run) { return std::string(1, run.letter) + ":" + format_range(run.range); }),
      join(analysis.pcr_primer_changes,
           [](const PcrPrimerChange& change) {
             return change.primer + ":" + join(change.substitutions, format_substitution, ";");
           }),
      std::to_string(analysis.alignment_start),
      std::to_string(analysis.alignment_end),
      qc.missing_data.enabled ? std::to_string(qc.missing_data.score) : std::string(),
      qc.mixed_sites.enabled ? std::to_string(qc.total_mixed_sites) : std::string(),
      qc.snp_clusters.enabled ? std::to_string(qc.total_clustered_snps) : std::string(),
      qc.stop_codons.enabled ? std::to_string(qc.total_stop_codons) : std::string(),
      std::string(),
  };
  return join_row(cells);
}

std::string format_tsv_error_row(std::string_view name, const Status& error) {
  std::vector<std::string> cells(tsv_columns().size());
  cells.front() = std::string(name);
  cells.back() = error.message();
  return join_row(cells);
}

}  // namespace shouwang::genome
