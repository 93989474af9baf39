#include "genome/gene_translation.h"

#include <algorithm>

#include "genome/alphabet.h"
#include "genome/banded_alignment.h"

namespace shouwang::genome {
namespace {

// Maps between reference positions and columns of an alignment whose reference row has gaps.
class CoordinateMap {
 public:
  explicit CoordinateMap(const std::string& aligned_ref) {
    column_to_ref_.reserve(aligned_ref.size());
    int ref_pos = 0;
    for (size_t column = 0; column < aligned_ref.size(); ++column) {
      if (aligned_ref[column] == kGap) {
        // An inserted column maps to the reference position before it (nextalign's convention).
        column_to_ref_.push_back(column_to_ref_.empty() ? 0 : column_to_ref_.back());
      } else {
        column_to_ref_.push_back(ref_pos++);
        ref_to_column_.push_back(static_cast<int>(column));
      }
    }
  }
  int ref_to_column(int ref_pos) const { return ref_to_column_.at(ref_pos); }
  int column_to_ref(int column) const {
    if (column_to_ref_.empty()) return 0;
    return column_to_ref_[std::clamp<size_t>(column, 0, column_to_ref_.size() - 1)];
  }
  Range column_to_ref(Range columns) const { return {column_to_ref(columns.begin), column_to_ref(columns.end)}; }

 private:
  std::vector<int> column_to_ref_;
  std::vector<int> ref_to_column_;
};

// Ranges of alignment columns, relative to the gene, where the query's reading frame is shifted by the
// indels met so far. A range opens at the first non-indel column read in a shifted frame and closes,
// once the frame is restored, at the last non-indel column before the restoring indel run.
class FrameShiftDetector {
 public:
  void insertion(int pos) { note_indel(-1, pos); }
  void deletion(int pos) { note_indel(+1, pos); }

  void plain_column(int pos) {
    if (!frame_changed_) return;
    if (frame_ == 0 && begin_ != kUnset) {
      ranges_.push_back({begin_, end_ != kUnset ? end_ : pos});
      reset();
    }
    if (frame_ != 0 && begin_ == kUnset) begin_ = pos;
    frame_changed_ = false;
  }

  std::vector<Range> finish(int length) {
    if (begin_ != kUnset) {
      ranges_.push_back({begin_, length});
      reset();
    }
    return ranges_;
  }

 private:
  static constexpr int kUnset = -1;  // positions are never negative

  void note_indel(int shift, int pos) {
    const int previous_frame = frame_;
    frame_ = ((frame_ + shift) % 3 + 3) % 3;
    const bool previous_is_indel = last_indel_ != kUnset && pos - last_indel_ == 1;
    if (!previous_is_indel) end_ = pos;
    if ((previous_frame == 0) != (frame_ == 0)) frame_changed_ = true;
    last_indel_ = pos;
  }
  void reset() { begin_ = end_ = last_indel_ = kUnset; }

  int frame_ = 0;
  int begin_ = kUnset;
  int end_ = kUnset;
  int last_indel_ = kUnset;
  bool frame_changed_ = false;
  std::vector<Range> ranges_;
};

// Gaps at the start of the first codon that has a letter become N, so that removing gaps later does
// not shift the reading frame of the whole gene.
void protect_first_codon(std::string& gene) {
  const size_t usable = gene.size() - gene.size() % 3;
  for (size_t i = 0; i < usable; ++i) {
    if (gene[i] == kGap) continue;
    const size_t codon = i - i % 3;
    if (gene[codon] == kGap) {
      gene[codon] = 'N';
      if (gene[codon + 1] == kGap) gene[codon + 1] = 'N';
    }
    return;
  }
}

Range divide(Range range, int divisor) { return {range.begin / divisor, range.end / divisor}; }

FrameShift describe_frame_shift(const std::string& gene_query, Range relative, const CoordinateMap& map,
                                const Gene& gene) {
  const int gene_start_column = map.ref_to_column(gene.start);
  const Range absolute_ref = map.column_to_ref(Range{relative.begin + gene_start_column, relative.end + gene_start_column});
  const Range codons = divide({absolute_ref.begin - gene.start, absolute_ref.end - gene.start}, 3);

  // Widen to the deletions touching the shifted range: their codons are reported as gaps.
  int mask_begin = relative.begin - 1;
  if (mask_begin > 0) {
    while (mask_begin >= 0 && gene_query[mask_begin] == kGap) --mask_begin;
  }
  ++mask_begin;
  int mask_end = relative.end;
  while (mask_end < static_cast<int>(gene_query.size()) && gene_query[mask_end] == kGap) ++mask_end;
  const Range mask_ref = map.column_to_ref(Range{mask_begin + gene_start_column, mask_end + gene_start_column});
  const Range mask_codons = divide({mask_ref.begin - gene.start, mask_ref.end - gene.start}, 3);

  return FrameShift{gene.name,
                    relative,
                    absolute_ref,
                    codons,
                    {mask_codons.begin, codons.begin},
                    {codons.end, mask_codons.end}};
}

void fill(std::string& peptide, Range range, char letter) {
  const int begin = std::max(range.begin, 0);
  const int end = std::min(range.end, static_cast<int>(peptide.size()));
  for (int i = begin; i < end; ++i) peptide[i] = letter;
}

// Query letters facing the reference's letters, dropping inserted columns.
std::string without_insertions(const std::string& aligned_query, const std::string& aligned_ref) {
  std::string result;
  result.reserve(aligned_ref.size());
  for (size_t i = 0; i < aligned_ref.size(); ++i) {
    if (aligned_ref[i] != kGap) result += aligned_query[i];
  }
  return result;
}

}  // namespace

GeneTranslations translate_genes(const std::string& aligned_query, const std::string& aligned_ref,
                                 const Dataset& dataset) {
  GeneTranslations result;
  const CoordinateMap map(aligned_ref);
  const AlignmentScoring scoring;
  for (const Gene& gene : dataset.genes) {
    const int begin_column = map.ref_to_column(gene.start);
    const int end_column = map.ref_to_column(gene.end - 1) + 1;
    std::string gene_ref = aligned_ref.substr(begin_column, end_column - begin_column);
    std::string gene_query = aligned_query.substr(begin_column, end_column - begin_column);
    protect_first_codon(gene_ref);
    protect_first_codon(gene_query);

    FrameShiftDetector detector;
    for (int pos = 0; pos < static_cast<int>(gene_ref.size()); ++pos) {
      if (gene_ref[pos] == kGap) {
        detector.insertion(pos);
      } else if (gene_query[pos] == kGap) {
        detector.deletion(pos);
      } else {
        detector.plain_column(pos);
      }
    }
    std::vector<FrameShift> frame_shifts;
    for (const Range& relative : detector.finish(static_cast<int>(gene_ref.size()))) {
      frame_shifts.push_back(describe_frame_shift(gene_query, relative, map, gene));
    }
    for (const FrameShift& shift : frame_shifts) {
      for (int pos = shift.nucleotides_in_gene_alignment.begin; pos < shift.nucleotides_in_gene_alignment.end; ++pos) {
        if (gene_query[pos] != kGap) gene_query[pos] = 'N';
      }
    }
    std::erase(gene_query, kGap);
    const std::string query_peptide = translate_coding_sequence(gene_query);
    const std::string& ref_peptide = dataset.reference_peptides.at(gene.name);

    auto peptide_alignment = align_banded(query_peptide, ref_peptide, dataset.aminoacid_gap_open_cost,
                                          Alphabet::kAminoacid, scoring, kAminoacidSeeds);
    if (!peptide_alignment.is_ok()) {
      result.warnings.push_back({gene.name, "When processing gene \"" + gene.name + "\": " +
                                                peptide_alignment.status().message() +
                                                ". Note that this gene will not be included in the results "
                                                "of the sequence."});
      continue;
    }
    std::string peptide = without_insertions(peptide_alignment->query, peptide_alignment->ref);
    for (const FrameShift& shift : frame_shifts) {
      fill(peptide, shift.gaps_leading_codons, kGap);
      fill(peptide, shift.codons, 'X');
      fill(peptide, shift.gaps_trailing_codons, kGap);
    }
    result.peptides.push_back(Peptide{gene.name, std::move(peptide), std::move(frame_shifts)});
  }
  return result;
}

}  // namespace shouwang::genome
