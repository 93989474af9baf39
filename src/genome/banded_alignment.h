// Pairwise alignment of a query to the reference as Nextclade 1.x (nextalign) does it: k-mer seeds spread
// over the query find the diagonal and how far it drifts, then a banded global alignment with affine gap
// costs (gap-open cost per reference position, so gaps can be cheaper at codon boundaries) and free end
// gaps, traced back with Nextclade's tie-breaking so that gap placement agrees with its output.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shouwang::genome {

enum class Alphabet { kNucleotide, kAminoacid };

struct AlignmentScoring {
  int match_score = 3;
  int mismatch_penalty = 1;
  int gap_extend_penalty = 0;
  // Cost of opening a gap where the gap-open table gives none (band edges), as nextalign's flat cost.
  int gap_open_penalty = 6;
  // A band wider than this means the query is too rearranged (or too repetitive) to align.
  int max_indel = 400;
};

struct SeedParameters {
  int seed_length = 21;
  int min_seeds = 10;
  int seed_spacing = 100;
  int mismatches_allowed = 3;
};

inline constexpr SeedParameters kNucleotideSeeds{21, 10, 100, 3};
inline constexpr SeedParameters kAminoacidSeeds{12, 10, 100, 2};

// Both rows have the same length; '-' marks a gap.
struct PairwiseAlignment {
  std::string query;
  std::string ref;
  int score = 0;
};

// Where the query sits on the reference: ref position minus query position around `mean_shift`,
// give or take `band_width`.
struct SeedBand {
  int mean_shift = 0;
  int band_width = 0;
};

// Finds the band from seed matches; fails with "Unable to align: ..." when the seeds do not match.
Result<SeedBand> find_seed_band(std::string_view query, std::string_view ref, Alphabet alphabet,
                                const SeedParameters& seeds);

// `gap_open_cost[i]` is the cost of opening a gap before reference position i; it needs
// ref.size() + 1 entries at least.
Result<PairwiseAlignment> align_banded(std::string_view query, std::string_view ref,
                                       std::span<const int> gap_open_cost, Alphabet alphabet,
                                       const AlignmentScoring& scoring, const SeedParameters& seeds);

}  // namespace shouwang::genome
