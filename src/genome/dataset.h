// A Nextclade 1.x dataset folder loaded into memory: reference sequence, gene map, QC configuration,
// PCR primers and clade-defining alleles with their hierarchy. Everything here is read once and shared
// read-only by all threads analysing sequences.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace shouwang::genome {

// 0-based, half-open range.
struct Range {
  int begin = 0;
  int end = 0;
  bool contains(int x) const { return x >= begin && x < end; }
  bool operator==(const Range&) const = default;
};

struct Gene {
  std::string name;
  int start = 0;  // 0-based
  int end = 0;    // exclusive
};

struct PcrPrimer {
  std::string name;
  Range range;                             // on the reference
  std::vector<std::pair<int, char>> ambiguous_sites;  // reference position, IUPAC letter of the primer
};

struct CladeAllele {
  int position = 0;  // 0-based
  char allele = 'N';
};

struct Clade {
  std::string name;  // as written in the clades file, e.g. "20I (Alpha, V1)"
  int parent = -1;   // index in Dataset::clades, from clade_hierarchy.tsv; -1 for a root
  std::vector<CladeAllele> alleles;      // as listed in the clades file
  std::vector<CladeAllele> own_alleles;  // listed alleles the parent clade does not list
};

struct GeneCodonLocation {
  std::string gene;
  int codon = 0;  // 0-based
  bool operator==(const GeneCodonLocation&) const = default;
};

struct IgnoredFrameShift {
  std::string gene;
  Range codons;
};

struct QcConfig {
  bool missing_data_enabled = false;
  double missing_data_threshold = 0;
  double missing_data_score_bias = 0;
  bool mixed_sites_enabled = false;
  double mixed_sites_threshold = 0;
  bool private_mutations_enabled = false;
  double private_mutations_typical = 0;
  double private_mutations_cutoff = 0;
  bool snp_clusters_enabled = false;
  int snp_cluster_window = 0;
  int snp_cluster_cutoff = 0;
  double snp_cluster_score_weight = 0;
  bool frame_shifts_enabled = false;
  std::vector<IgnoredFrameShift> ignored_frame_shifts;
  bool stop_codons_enabled = false;
  std::vector<GeneCodonLocation> ignored_stop_codons;
};

struct Dataset {
  std::string reference_name;
  std::string reference;                         // upper-case nucleotides
  std::vector<Gene> genes;                       // sorted by name, as Nextclade iterates them
  std::map<std::string, std::string> reference_peptides;
  std::vector<int> nucleotide_gap_open_cost;     // codon-aware: cheaper between codons inside genes
  std::vector<int> aminoacid_gap_open_cost;
  QcConfig qc;
  std::vector<PcrPrimer> primers;
  std::vector<Clade> clades;
};

// Loads DIR/reference.fasta, genemap.gff, qc.json, primers.csv, clades_*.tsv and clade_hierarchy.tsv.
Result<Dataset> load_dataset(const std::filesystem::path& directory);

// Parsers for the individual files, exposed for tests and for callers that hold the text already.
Result<std::vector<Gene>> parse_gene_map_gff(const std::string& text);
Result<QcConfig> parse_qc_config(const std::string& json_text);
Result<std::vector<PcrPrimer>> parse_pcr_primers_csv(const std::string& text, const std::string& reference);
Result<std::vector<Clade>> parse_clades(const std::string& clades_tsv, const std::string& hierarchy_tsv);

}  // namespace shouwang::genome
