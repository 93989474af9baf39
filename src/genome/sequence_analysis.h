// Analysis of one SARS-CoV-2 sequence against a dataset, as Nextclade 1.4 reports it: alignment,
// nucleotide substitutions, deletions, insertions, missing and ambiguous ranges, amino-acid changes,
// frame shifts, PCR primer changes, clade and QC. A pure function of (dataset, name, sequence), so the
// CLI, the benchmark and the submission store all call the same thing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "genome/dataset.h"
#include "genome/gene_translation.h"

namespace shouwang::genome {

struct NucleotideSubstitution {
  int position = 0;  // 0-based reference position
  char ref = 'N';
  char query = 'N';
};

// A run of one letter (N, an ambiguity code, or '-' for deletions) on the reference, 0-based half-open.
struct NucleotideRun {
  Range range;
  char letter = 'N';
};

struct Insertion {
  int column = 0;  // 0-based column of the alignment where the inserted letters start (Nextclade's "pos")
  std::string letters;
};

struct AminoacidChange {
  std::string gene;
  int codon = 0;  // 0-based
  char ref = 'X';
  char query = 'X';  // '-' for a deletion
};

struct PcrPrimerChange {
  std::string primer;
  std::vector<NucleotideSubstitution> substitutions;
};

struct QcRuleResult {
  bool enabled = false;
  double score = 0;
  std::string status;  // "good", "mediocre" or "bad" by the score, as the overall status
};

// Private substitutions closer together than qc.json's window: first and last reference position
// (0-based) and how many there are.
struct SnpCluster {
  int first = 0;
  int last = 0;
  int substitutions = 0;
};

// The QC rules' results with what Nextclade reports of each (its qc.* TSV columns).
struct QcResult {
  QcRuleResult missing_data;
  int total_missing = 0;
  QcRuleResult mixed_sites;
  int total_mixed_sites = 0;
  QcRuleResult private_mutations;
  int total_private_mutations = 0;
  double private_mutations_excess = 0;  // total minus qc.json's "typical"
  QcRuleResult snp_clusters;
  std::vector<SnpCluster> clusters;
  int total_clustered_snps = 0;
  QcRuleResult frame_shifts;
  std::vector<FrameShift> frame_shifts_reported;  // those qc.json does not list as known
  std::vector<FrameShift> frame_shifts_ignored;
  int total_frame_shifts_reported = 0;
  QcRuleResult stop_codons;
  std::vector<GeneCodonLocation> stop_codons_found;  // premature stops qc.json does not list as known
  int total_stop_codons = 0;
  double overall_score = 0;
  std::string overall_status;  // "good", "mediocre" or "bad"
};

struct SequenceAnalysis {
  std::string name;
  std::string aligned_query;  // as long as the reference, insertions removed ("aligned FASTA" row)
  int alignment_score = 0;
  int alignment_start = 0;  // first sequenced reference position, 0-based
  int alignment_end = 0;    // one past the last
  std::vector<NucleotideSubstitution> substitutions;
  std::vector<NucleotideRun> deletions;
  std::vector<Insertion> insertions;
  std::vector<NucleotideRun> missing;
  std::vector<NucleotideRun> non_acgtns;
  std::vector<FrameShift> frame_shifts;
  std::vector<AminoacidChange> aminoacid_substitutions;
  std::vector<AminoacidChange> aminoacid_deletions;
  std::vector<PcrPrimerChange> pcr_primer_changes;
  std::vector<Peptide> peptides;
  std::vector<GeneWarning> warnings;
  std::string clade;
  QcResult qc;

  int total_deletions() const;
  int total_insertions() const;
  int total_missing() const;
  int total_non_acgtns() const;
  int total_pcr_primer_changes() const;
};

// Analyses one sequence (letters as read from FASTA). A sequence that cannot be analysed (invalid letter,
// too short, no seed matches, too many indels) gives invalid_argument with Nextclade's reason.
Result<SequenceAnalysis> analyze_sequence(const Dataset& dataset, std::string_view name,
                                          std::string_view sequence);

// Clade from the clade-defining alleles, placing the sequence down the clade hierarchy as Nextclade places
// it on its tree: from the root, step into the child clade whose own alleles (those its parent does not
// list) the sequence carries more often than not, the best such child if several; stop when none does.
// Sites the sequence does not cover (N, ambiguous, outside the alignment) are not counted.
std::string assign_clade(const Dataset& dataset, const std::string& aligned_query, int alignment_start,
                         int alignment_end);

// The TSV in Nextclade's column names and formats (the columns listed in tsv_columns()).
const std::vector<std::string>& tsv_columns();
std::string format_tsv_header();
std::string format_tsv_row(const SequenceAnalysis& analysis);
// Row of a sequence that could not be analysed: its name and the reason in `errors`.
std::string format_tsv_error_row(std::string_view name, const Status& error);

}  // namespace shouwang::genome
