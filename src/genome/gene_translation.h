// Translation of every gene of an aligned query as Nextclade 1.x does it: the gene is cut from the
// nucleotide alignment, frame shifts are found from the indels inside it and masked, the gap-free gene is
// translated and the peptide is aligned again to the reference peptide, so that amino-acid changes are
// read codon by codon in reference coordinates.
#pragma once

#include <string>
#include <vector>

#include "genome/dataset.h"

namespace shouwang::genome {

struct FrameShift {
  std::string gene;
  Range nucleotides_in_gene_alignment;  // relative to the gene start, alignment columns
  Range nucleotides_on_reference;       // absolute reference positions
  Range codons;                         // 0-based codon range in the gene
  Range gaps_leading_codons;
  Range gaps_trailing_codons;
};

struct Peptide {
  std::string gene;
  std::string sequence;  // aligned to and as long as the reference peptide; '-' deleted, 'X' unknown
  std::vector<FrameShift> frame_shifts;
};

struct GeneWarning {
  std::string gene;
  std::string message;
};

struct GeneTranslations {
  std::vector<Peptide> peptides;  // gene-name order; genes that failed are left out
  std::vector<GeneWarning> warnings;
};

// `aligned_query` and `aligned_ref` are the rows of the nucleotide alignment (insertions included).
GeneTranslations translate_genes(const std::string& aligned_query, const std::string& aligned_ref,
                                 const Dataset& dataset);

}  // namespace shouwang::genome
