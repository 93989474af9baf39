#include "genome/sequence_analysis.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <numeric>
#include <set>

#include "genome/alphabet.h"
#include "genome/banded_alignment.h"

namespace shouwang::genome {
namespace {

constexpr int kMinimalQueryLength = 100;

struct StrippedAlignment {
  std::string query;
  std::vector<Insertion> insertions;
};

// Removes inserted columns so the query reads in reference coordinates. As nextalign, an insertion is
// recorded once a reference letter follows it (letters inserted after the reference's end are dropped).
StrippedAlignment strip_insertions(const std::string& aligned_query, const std::string& aligned_ref) {
  StrippedAlignment result;
  // Sized once and written by index: the reference row has at most this many letters.
  result.query.resize(aligned_ref.size());
  size_t kept = 0;
  Insertion current{-1, {}};
  for (int i = 0; i < static_cast<int>(aligned_ref.size()); ++i) {
    if (aligned_ref[i] == kGap) {
      if (current.letters.empty()) current.column = i;
      current.letters += aligned_query[i];
      continue;
    }
    result.query[kept++] = aligned_query[i];
    if (!current.letters.empty()) {
      result.insertions.push_back(std::move(current));
      current = Insertion{-1, {}};
    }
  }
  result.query.resize(kept);
  return result;
}

// Maximal runs of one repeated letter among those selected by `wanted`.
template <typename Predicate>
std::vector<NucleotideRun> find_runs(const std::string& sequence, Predicate wanted) {
  std::vector<NucleotideRun> runs;
  const int length = static_cast<int>(sequence.size());
  int i = 0;
  while (i < length) {
    if (!wanted(sequence[i])) {
      ++i;
      continue;
    }
    const char letter = sequence[i];
    const int begin = i;
    while (i < length && sequence[i] == letter) ++i;
    runs.push_back({{begin, i}, letter});
  }
  return runs;
}

int total_length(const std::vector<NucleotideRun>& runs) {
  return std::accumulate(runs.begin(), runs.end(), 0,
                         [](int sum, const NucleotideRun& run) { return sum + run.range.end - run.range.begin; });
}

bool primer_reports(const PcrPrimer& primer, const NucleotideSubstitution& substitution) {
  if (!primer.range.contains(substitution.position)) return false;
  // A primer written with an ambiguity code at this site still binds the letters the code allows.
  for (const auto& [position, letter] : primer.ambiguous_sites) {
    if (position == substitution.position && (nucleotide_mask(letter) & nucleotide_mask(substitution.query)) != 0) {
      return false;
    }
  }
  return true;
}

std::string qc_status(double score) {
  if (score >= 100) return "bad";
  if (score >= 30) return "mediocre";
  return "good";
}

QcRuleResult scored(bool enabled, double score) {
  if (!enabled) return {};
  return {true, score, qc_status(score)};
}

// Private substitutions: those not explained by the alleles of the assigned clade and its ancestors (our
// stand-in for Nextclade's nearest tree node), plus reversions of those alleles to the reference.
std::vector<int> private_substitution_positions(const Dataset& dataset, const SequenceAnalysis& analysis) {
  int clade = -1;
  for (int i = 0; i < static_cast<int>(dataset.clades.size()); ++i) {
    if (dataset.clades[i].name == analysis.clade) clade = i;
  }
  std::map<int, char> expected_allele;
  for (int c = clade, steps = 0; c >= 0 && steps <= static_cast<int>(dataset.clades.size());
       c = dataset.clades[c].parent, ++steps) {
    for (const CladeAllele& allele : dataset.clades[c].alleles) expected_allele.emplace(allele.position, allele.allele);
  }
  std::vector<int> positions;
  for (const auto& [p, allele] : expected_allele) {
    if (p < analysis.alignment_start || p >= analysis.alignment_end) continue;
    const char letter = analysis.aligned_query[p];
    if (is_acgt(letter) && letter == dataset.reference[p] && letter != allele) positions.push_back(p);
  }
  for (const NucleotideSubstitution& substitution : analysis.substitutions) {
    const auto expected = expected_allele.find(substitution.position);
    if (expected == expected_allele.end() || expected->second != substitution.query) {
      positions.push_back(substitution.position);
    }
  }
  std::sort(positions.begin(), positions.end());
  return positions;
}

// Nextclade's SNP-cluster rule: windows of `window` positions holding more than `cutoff` private
// substitutions; overlapping windows merge into one cluster.
std::vector<std::vector<int>> find_snp_clusters(const std::vector<int>& positions, int window, int cutoff) {
  std::deque<int> current;
  std::vector<std::vector<int>> clusters;
  int previous = -1;
  for (int position : positions) {
    current.push_back(position);
    while (current.front() < position - window) current.pop_front();
    if (static_cast<int>(current.size()) > cutoff) {
      if (!clusters.empty() && current.size() > 1 && clusters.back().back() == previous) {
        clusters.back().push_back(position);
      } else {
        clusters.emplace_back(current.begin(), current.end());
      }
    }
    previous = position;
  }
  return clusters;
}

QcResult run_qc(const Dataset& dataset, const SequenceAnalysis& analysis) {
  const QcConfig& config = dataset.qc;
  QcResult qc;
  int missing = 0, mixed = 0;
  for (char letter : analysis.aligned_query) {
    if (letter == 'N') {
      ++missing;
    } else if (!is_acgt(letter) && letter != kGap) {
      ++mixed;
    }
  }
  qc.total_missing = missing;
  qc.missing_data = scored(config.missing_data_enabled,
                           std::max(0.0, (missing - config.missing_data_score_bias) * 100.0 /
                                             config.missing_data_threshold));
  qc.total_mixed_sites = mixed;
  qc.mixed_sites = scored(config.mixed_sites_enabled, std::max(0.0, 100.0 * (mixed / config.mixed_sites_threshold)));

  const std::vector<int> private_positions = private_substitution_positions(dataset, analysis);
  qc.total_private_mutations = static_cast<int>(private_positions.size());
  qc.private_mutations_excess = qc.total_private_mutations - config.private_mutations_typical;
  qc.private_mutations = scored(
      config.private_mutations_enabled,
      std::max(0.0, qc.total_private_mutations - config.private_mutations_typical) * 100.0 /
          config.private_mutations_cutoff);

  const auto clusters = find_snp_clusters(private_positions, config.snp_cluster_window, config.snp_cluster_cutoff);
  for (const auto& cluster : clusters) {
    qc.clusters.push_back({cluster.front(), cluster.back(), static_cast<int>(cluster.size())});
    qc.total_clustered_snps += static_cast<int>(cluster.size());
  }
  qc.snp_clusters = scored(config.snp_clusters_enabled,
                           std::max(0.0, static_cast<double>(clusters.size()) * config.snp_cluster_score_weight));

  for (const FrameShift& shift : analysis.frame_shifts) {
    const bool ignored = std::any_of(config.ignored_frame_shifts.begin(), config.ignored_frame_shifts.end(),
                                     [&](const IgnoredFrameShift& known) {
                                       return known.gene == shift.gene && known.codons == shift.codons;
                                     });
    (ignored ? qc.frame_shifts_ignored : qc.frame_shifts_reported).push_back(shift);
  }
  qc.total_frame_shifts_reported = static_cast<int>(qc.frame_shifts_reported.size());
  qc.frame_shifts = scored(config.frame_shifts_enabled, qc.total_frame_shifts_reported * 75.0);

  for (const Peptide& peptide : analysis.peptides) {
    // The last codon may be the gene's own stop.
    for (int codon = 0; codon + 1 < static_cast<int>(peptide.sequence.size()); ++codon) {
      if (peptide.sequence[codon] != '*') continue;
      const GeneCodonLocation location{peptide.gene, codon};
      if (std::find(config.ignored_stop_codons.begin(), config.ignored_stop_codons.end(), location) ==
          config.ignored_stop_codons.end()) {
        qc.stop_codons_found.push_back(location);
      }
    }
  }
  qc.total_stop_codons = static_cast<int>(qc.stop_codons_found.size());
  qc.stop_codons = scored(config.stop_codons_enabled, qc.total_stop_codons * 75.0);

  for (const QcRuleResult* rule : {&qc.missing_data, &qc.mixed_sites, &qc.private_mutations, &qc.snp_clusters,
                                   &qc.frame_shifts, &qc.stop_codons}) {
    if (rule->enabled) qc.overall_score += rule->score * rule->score * 0.01;
  }
  qc.overall_status = qc_status(qc.overall_score);
  return qc;
}

}  // namespace

int SequenceAnalysis::total_deletions() const { return total_length(deletions); }
int SequenceAnalysis::total_insertions() const {
  return std::accumulate(insertions.begin(), insertions.end(), 0,
                         [](int sum, const Insertion& insertion) { return sum + static_cast<int>(insertion.letters.size()); });
}
int SequenceAnalysis::total_missing() const { return total_length(missing); }
int SequenceAnalysis::total_non_acgtns() const { return total_length(non_acgtns); }
int SequenceAnalysis::total_pcr_primer_changes() const {
  return std::accumulate(pcr_primer_changes.begin(), pcr_primer_changes.end(), 0,
                         [](int sum, const PcrPrimerChange& change) { return sum + static_cast<int>(change.substitutions.size()); });
}

std::string assign_clade(const Dataset& dataset, const std::string& aligned_query, int alignment_start,
                         int alignment_end) {
  // Own alleles carried minus own alleles contradicted, over the sites the sequence covers.
  const auto own_allele_balance = [&](const Clade& clade) {
    int balance = 0;
    for (const CladeAllele& allele : clade.own_alleles) {
      const int p = allele.position;
      if (p < alignment_start || p >= alignment_end || p >= static_cast<int>(aligned_query.size())) continue;
      const char letter = aligned_query[p];
      if (!is_acgt(letter) && letter != kGap) continue;
      balance += letter == allele.allele ? 1 : -1;
    }
    return balance;
  };
  const auto best_child = [&](int parent, bool require_majority) {
    int best = -1, best_balance = 0;
    for (int i = 0; i < static_cast<int>(dataset.clades.size()); ++i) {
      if (dataset.clades[i].parent != parent) continue;
      const int balance = own_allele_balance(dataset.clades[i]);
      if (require_majority && balance <= 0) continue;
      if (best < 0 || balance > best_balance) {
        best = i;
        best_balance = balance;
      }
    }
    return best;
  };
  // A root clade (19A) lists reference alleles, so it is taken whatever the sequence carries.
  int current = best_child(-1, false);
  if (current < 0) return std::string();
  for (size_t steps = 0; steps < dataset.clades.size(); ++steps) {
    const int child = best_child(current, true);
    if (child < 0) break;
    current = child;
  }
  return dataset.clades[current].name;
}

Result<SequenceAnalysis> analyze_sequence(const Dataset& dataset, std::string_view name, std::string_view sequence) {
  for (char letter : sequence) {
    if (letter == kGap || nucleotide_mask(letter) == 0) {
      return invalid_argument(std::string("Invalid nucleotide: \"") + letter + "\"");
    }
  }
  if (static_cast<int>(sequence.size()) < kMinimalQueryLength) {
    return invalid_argument("Unable to align: sequence is too short");
  }
  const AlignmentScoring scoring;
  ASSIGN_OR_RETURN(const PairwiseAlignment alignment,
                   align_banded(sequence, dataset.reference, dataset.nucleotide_gap_open_cost,
                                Alphabet::kNucleotide, scoring, kNucleotideSeeds));

  SequenceAnalysis analysis;
  analysis.name = std::string(name);
  analysis.alignment_score = alignment.score;
  GeneTranslations translations = translate_genes(alignment.query, alignment.ref, dataset);
  analysis.peptides = std::move(translations.peptides);
  analysis.warnings = std::move(translations.warnings);
  StrippedAlignment stripped = strip_insertions(alignment.query, alignment.ref);
  analysis.aligned_query = std::move(stripped.query);
  analysis.insertions = std::move(stripped.insertions);
  const std::string& query = analysis.aligned_query;
  const std::string& ref = dataset.reference;

  // Substitutions, deletions (gap runs followed by a letter) and the covered range.
  bool before_alignment = true;
  int deletion_length = 0, deletion_start = -1;
  analysis.alignment_start = -1;
  analysis.alignment_end = -1;
  for (int i = 0; i < static_cast<int>(query.size()); ++i) {
    const char letter = query[i];
    if (letter != kGap) {
      if (before_alignment) {
        analysis.alignment_start = i;
        before_alignment = false;
      } else if (deletion_length > 0) {
        analysis.deletions.push_back({{deletion_start, deletion_start + deletion_length}, kGap});
        deletion_length = 0;
      }
      analysis.alignment_end = i + 1;
      if (letter != ref[i] && is_acgt(letter)) analysis.substitutions.push_back({i, ref[i], letter});
    } else if (!before_alignment) {
      if (deletion_length == 0) deletion_start = i;
      ++deletion_length;
    }
  }
  analysis.missing = find_runs(query, [](char c) { return c == 'N'; });
  analysis.non_acgtns = find_runs(query, [](char c) { return !is_acgt(c) && c != 'N' && c != kGap; });

  for (const PcrPrimer& primer : dataset.primers) {
    PcrPrimerChange change{primer.name, {}};
    for (const NucleotideSubstitution& substitution : analysis.substitutions) {
      if (primer_reports(primer, substitution)) change.substitutions.push_back(substitution);
    }
    if (!change.substitutions.empty()) analysis.pcr_primer_changes.push_back(std::move(change));
  }

  const Range covered{analysis.alignment_start, analysis.alignment_end};
  for (const Peptide& peptide : analysis.peptides) {
    const auto gene = std::find_if(dataset.genes.begin(), dataset.genes.end(),
                                   [&](const Gene& g) { return g.name == peptide.gene; });
    const std::string& ref_peptide = dataset.reference_peptides.at(peptide.gene);
    const int codons = static_cast<int>(std::min(peptide.sequence.size(), ref_peptide.size()));
    for (int codon = 0; codon < codons; ++codon) {
      const int codon_begin = gene->start + codon * 3;
      if (!covered.contains(codon_begin) || !covered.contains(codon_begin + 3)) continue;
      const char ref_aa = ref_peptide[codon];
      const char query_aa = peptide.sequence[codon];
      if (query_aa == kGap) {
        analysis.aminoacid_deletions.push_back({peptide.gene, codon, ref_aa, kGap});
      } else if (query_aa != ref_aa && query_aa != 'X') {
        analysis.aminoacid_substitutions.push_back({peptide.gene, codon, ref_aa, query_aa});
      }
    }
    analysis.frame_shifts.insert(analysis.frame_shifts.end(), peptide.frame_shifts.begin(),
                                 peptide.frame_shifts.end());
  }

  analysis.clade = assign_clade(dataset, query, analysis.alignment_start, analysis.alignment_end);
  analysis.qc = run_qc(dataset, analysis);
  return analysis;
}

}  // namespace shouwang::genome
