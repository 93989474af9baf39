#include "genome/banded_alignment.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "genome/alphabet.h"

namespace shouwang::genome {
namespace {

// Trace-back flags, one byte per band cell: which move reached the cell, and whether the gap that
// could reach it was extended rather than opened.
constexpr uint8_t kFromMatch = 1;
constexpr uint8_t kFromRefGap = 2;    // query letter against a gap in the reference (insertion)
constexpr uint8_t kFromQueryGap = 4;  // reference letter against a gap in the query (deletion)
constexpr uint8_t kRefGapExtended = 8;
constexpr uint8_t kQueryGapExtended = 16;
constexpr uint8_t kPastQueryEnd = 0xFF;
constexpr int kPastQueryEndScore = -1;

int round_half_away(double value) { return static_cast<int>(std::lround(value)); }

bool is_unusable_for_seeds(char letter, Alphabet alphabet) {
  return alphabet == Alphabet::kNucleotide ? letter == 'N' : letter == 'X';
}

struct SeedHit {
  int ref_position = -1;
  int score = 0;
};

// Best placement of `kmer` on the reference at or after `start`, counting identical letters; scanning
// stops at the first perfect hit, and a placement is abandoned once it has too many mismatches.
SeedHit best_seed_hit(std::string_view kmer, std::string_view ref, int start, int mismatches_allowed) {
  const int ref_size = static_cast<int>(ref.size());
  const int kmer_size = static_cast<int>(kmer.size());
  SeedHit best;
  for (int shift = start; shift < ref_size - kmer_size; ++shift) {
    int score = 0;
    for (int pos = 0; pos < kmer_size; ++pos) {
      if (kmer[pos] == ref[shift + pos]) ++score;
      if (score + mismatches_allowed < pos) break;
    }
    if (score > best.score) {
      best = {shift, score};
      if (score == kmer_size) break;
    }
  }
  return best;
}

// Exact positions of every 5-mer of a nucleotide reference, so that seed placement looks only at the
// diagonals where some block of the seed matches exactly. With at most m mismatches allowed, a seed cut
// into m + 1 disjoint blocks has one block without mismatch (pigeonhole), so every placement that can
// pass the threshold is among the candidates and the result equals the exhaustive scan's.
class ReferenceKmerIndex {
 public:
  static constexpr int kBlockLength = 5;

  // Index of `ref`, rebuilt only when another reference is passed (cached per thread; compared by
  // content, which costs far less than a rebuild).
  static const ReferenceKmerIndex* for_reference(std::string_view ref) {
    thread_local ReferenceKmerIndex index;
    if (index.ref_ != ref) index.build(ref);
    return index.usable_ ? &index : nullptr;
  }

  static int code_of(std::string_view block) {
    int code = 0;
    for (char c : block) {
      const int base = c == 'A' ? 0 : c == 'C' ? 1 : c == 'G' ? 2 : c == 'T' ? 3 : -1;
      if (base < 0) return -1;
      code = code * 4 + base;
    }
    return code;
  }

  const std::vector<int>& positions(int code) const { return buckets_[code]; }

 private:
  void build(std::string_view ref) {
    ref_ = std::string(ref);
    buckets_.assign(1 << (2 * kBlockLength), {});
    usable_ = true;
    for (char c : ref) usable_ = usable_ && code_of(std::string_view(&c, 1)) >= 0;
    if (!usable_) return;
    for (size_t i = 0; i + kBlockLength <= ref.size(); ++i) {
      buckets_[code_of(ref.substr(i, kBlockLength))].push_back(static_cast<int>(i));
    }
  }

  std::string ref_;
  bool usable_ = false;
  std::vector<std::vector<int>> buckets_;
};

// Same answer as best_seed_hit for any hit that reaches `seed_length - mismatches_allowed`, found from
// the k-mer index; nullopt when the index does not apply (short seeds, many mismatches allowed).
std::optional<SeedHit> best_seed_hit_indexed(std::string_view kmer, std::string_view ref, int start,
                                             int mismatches_allowed, const ReferenceKmerIndex& index) {
  const int kmer_size = static_cast<int>(kmer.size());
  const int blocks = mismatches_allowed + 1;
  if (kmer_size < blocks * ReferenceKmerIndex::kBlockLength) return std::nullopt;
  thread_local std::vector<int> candidates;
  candidates.clear();
  const int last_shift = static_cast<int>(ref.size()) - kmer_size;  // exclusive, as the scan
  for (int block = 0; block < blocks; ++block) {
    const int offset = block * ReferenceKmerIndex::kBlockLength;
    const int code = ReferenceKmerIndex::code_of(kmer.substr(offset, ReferenceKmerIndex::kBlockLength));
    if (code < 0) continue;
    // Positions are ascending: skip straight to the first at or after the search start.
    const std::vector<int>& positions = index.positions(code);
    for (auto it = std::lower_bound(positions.begin(), positions.end(), start + offset);
         it != positions.end() && *it - offset < last_shift; ++it) {
      candidates.push_back(*it - offset);
    }
  }
  // Candidates come in no particular order (and may repeat): keep the highest score, the leftmost
  // shift among equals, which is what the left-to-right scan returns.
  SeedHit best;
  for (int shift : candidates) {
    int score = 0;
    for (int pos = 0; pos < kmer_size; ++pos) score += kmer[pos] == ref[shift + pos];
    if (score > best.score || (score == best.score && score > 0 && shift < best.ref_position)) {
      best = {shift, score};
    }
  }
  return best;
}

// Start positions of the query windows whose letters are all usable for seeding (nextalign's
// definition: the window ending at i must be clear of unusable letters for more than a seed length).
std::vector<int> usable_seed_starts(std::string_view query, int seed_length, Alphabet alphabet) {
  std::vector<int> starts;
  starts.reserve(query.size());
  int distance_to_unusable = 0;
  for (int i = 0; i < static_cast<int>(query.size()); ++i) {
    if (is_unusable_for_seeds(query[i], alphabet)) {
      distance_to_unusable = -1;
    } else if (distance_to_unusable > seed_length) {
      starts.push_back(i - seed_length);
    }
    ++distance_to_unusable;
  }
  return starts;
}

// Column scores before insertions are considered, rows [first, last], each with a row below (row r
// faces query letter reversed_masks[mask_offset + r]): the diagonal move or a deletion from the
// previous column, whichever is better (the diagonal on ties). Every row depends on the previous column
// only; `__restrict` tells the compiler the arrays do not overlap so that it vectorises the loop.
struct ColumnCosts {
  int match;
  int mismatch;
  int extend;
  int open_here;
};

void fill_before_insertion(int first, int last, const uint32_t* __restrict reversed_masks, int mask_offset,
                           uint32_t ref_mask,
                           const int* __restrict previous, const int* __restrict query_gap,
                           int* __restrict new_query_gap, int* __restrict best_before_insertion,
                           uint8_t* __restrict partial_trace, ColumnCosts costs) {
  for (int r = first; r <= last; ++r) {
    const bool agree = (reversed_masks[mask_offset + r] & ref_mask) != 0;
    const int diagonal = previous[r] + (agree ? costs.match : costs.mismatch);
    const int extended = query_gap[r - 1] - costs.extend;
    const int opened = previous[r - 1] - costs.open_here;
    const bool extend_gap = extended > opened;
    const int gap = extend_gap ? extended : opened;
    new_query_gap[r] = gap;
    const bool gap_wins = diagonal < gap;
    best_before_insertion[r] = gap_wins ? gap : diagonal;
    partial_trace[r] =
        static_cast<uint8_t>((extend_gap ? kQueryGapExtended : 0) | (gap_wins ? kFromQueryGap : kFromMatch));
  }
}

// Insertion scores of rows [first, last], from the bottom of the band's top down: each extends the row
// above's or opens from its score before insertions, and row last + 1 holds where the chain starts.
// The chain is a running maximum; four rows per step are each written as a maximum over the last known
// score and the openings since, so the dependent chain advances four rows per maximum.
void fill_insertion_scores(int first, int last, const int* __restrict best_before_insertion, int extend,
                           int open_next, int* __restrict insertion_score) {
  int ref_gap = insertion_score[last + 1];
  int r = last;
  for (; r - 3 >= first; r -= 4) {
    const int open0 = best_before_insertion[r + 1] - open_next;
    const int open1 = std::max(open0 - extend, best_before_insertion[r] - open_next);
    const int open2 = std::max(open1 - extend, best_before_insertion[r - 1] - open_next);
    const int open3 = std::max(open2 - extend, best_before_insertion[r - 2] - open_next);
    insertion_score[r] = std::max(ref_gap - extend, open0);
    insertion_score[r - 1] = std::max(ref_gap - 2 * extend, open1);
    insertion_score[r - 2] = std::max(ref_gap - 3 * extend, open2);
    ref_gap = std::max(ref_gap - 4 * extend, open3);
    insertion_score[r - 3] = ref_gap;
  }
  for (; r >= first; --r) {
    ref_gap = std::max(ref_gap - extend, best_before_insertion[r + 1] - open_next);
    insertion_score[r] = ref_gap;
  }
}

// Rows [first, last] of a column once the insertion scores are known; row r + 1 of both score arrays
// holds what row r extends or opens its insertion from. Ties go to the match, then to the insertion,
// then to the deletion (nextalign's order).
void finish_column(int first, int last, const int* __restrict best_before_insertion,
                   const int* __restrict insertion_score, const uint8_t* __restrict partial_trace, int extend,
                   int open_next, int* __restrict scores, uint8_t* __restrict trace_column) {
  for (int r = first; r <= last; ++r) {
    const bool extend_gap = insertion_score[r + 1] - extend > best_before_insertion[r + 1] - open_next;
    const int before = best_before_insertion[r];
    const int ref_gap = insertion_score[r];
    const uint8_t partial = partial_trace[r];
    // Bitwise rather than logical operators: no branch in the loop, so that it vectorises.
    const bool insertion_wins = (ref_gap > before) | ((ref_gap == before) & ((partial & kFromQueryGap) != 0));
    scores[r] = insertion_wins ? ref_gap : before;
    const uint8_t origin = insertion_wins ? kFromRefGap : static_cast<uint8_t>(partial & (kFromMatch | kFromQueryGap));
    trace_column[r] =
        static_cast<uint8_t>((partial & kQueryGapExtended) | (extend_gap ? kRefGapExtended : 0) | origin);
  }
}

// Per-thread buffers so that aligning thousands of sequences does not reallocate the trace each time.
struct AlignmentWorkspace {
  std::vector<uint8_t> trace;
  std::vector<int> previous_scores;
  std::vector<int> current_scores;
  std::vector<int> query_gap_scores;
  std::vector<int> final_scores;
  std::vector<uint32_t> query_masks;
  std::vector<int> best_before_insertion;
  std::vector<int> new_query_gap;
  std::vector<int> insertion_score;
  std::vector<uint8_t> partial_trace;
};

AlignmentWorkspace& thread_workspace() {
  thread_local AlignmentWorkspace workspace;
  return workspace;
}

}  // namespace

Result<SeedBand> find_seed_band(std::string_view query, std::string_view ref, Alphabet alphabet,
                                const SeedParameters& seeds) {
  const int query_size = static_cast<int>(query.size());
  const int ref_size = static_cast<int>(ref.size());
  const int seed_count =
      ref_size > seeds.min_seeds * seeds.seed_spacing ? ref_size / seeds.seed_spacing : seeds.min_seeds;
  const int margin = round_half_away(ref_size / (seed_count * 3.0));
  const int full_band = round_half_away((ref_size + query_size) * 0.5) - 3;
  if (full_band < 2 * seeds.seed_length) {
    // Short sequences: no seeding, the band covers everything.
    return SeedBand{round_half_away((ref_size - query_size) * 0.5), full_band};
  }

  const std::vector<int> starts = usable_seed_starts(query, seeds.seed_length, alphabet);
  const double seed_cover = static_cast<double>(static_cast<int>(starts.size()) - 2 * margin);
  const double seed_step = (seed_cover - 1.0) / (seed_count - 1.0);
  if (seed_cover < 0.0 || seed_step < 0.0) return invalid_argument("Unable to align: no seed matches");

  const ReferenceKmerIndex* index =
      alphabet == Alphabet::kNucleotide ? ReferenceKmerIndex::for_reference(ref) : nullptr;
  int min_shift = ref_size;
  int max_shift = -ref_size;
  int matched_seeds = 0;
  int search_from = 0;
  for (int i = 0; i < seed_count; ++i) {
    const int start_index = round_half_away(margin + seed_step * i);
    if (start_index < 0 || start_index >= static_cast<int>(starts.size())) continue;
    const int query_pos = starts[start_index];
    const std::string_view seed = query.substr(query_pos, seeds.seed_length);
    std::optional<SeedHit> indexed;
    if (index != nullptr) indexed = best_seed_hit_indexed(seed, ref, search_from, seeds.mismatches_allowed, *index);
    const SeedHit hit = indexed ? *indexed : best_seed_hit(seed, ref, search_from, seeds.mismatches_allowed);
    if (hit.score >= seeds.seed_length - seeds.mismatches_allowed) {
      const int shift = hit.ref_position - query_pos;
      min_shift = std::min(min_shift, shift);
      max_shift = std::max(max_shift, shift);
      ++matched_seeds;
      search_from = hit.ref_position;
    }
  }
  if (matched_seeds < 2) return invalid_argument("Unable to align: no seed matches");
  return SeedBand{round_half_away(0.5 * (min_shift + max_shift)), max_shift - min_shift + 9};
}

Result<PairwiseAlignment> align_banded(std::string_view query, std::string_view ref,
                                       std::span<const int> gap_open_cost, Alphabet alphabet,
                                       const AlignmentScoring& scoring, const SeedParameters& seeds) {
  ASSIGN_OR_RETURN(const SeedBand band, find_seed_band(query, ref, alphabet, seeds));
  if (band.band_width > scoring.max_indel) {
    return invalid_argument(
        "Unable to align: too many insertions, deletions, duplications, or ambiguous seed matches");
  }
  const int query_size = static_cast<int>(query.size());
  const int ref_size = static_cast<int>(ref.size());
  if (static_cast<int>(gap_open_cost.size()) < ref_size + 1) {
    return internal_error("gap-open cost table shorter than the reference");
  }
  const int width = band.band_width;
  const int rows = 2 * width + 1;  // row r holds the diagonal ref - query = r - width + mean_shift
  const int columns = ref_size + 1;
  uint32_t (*const mask_of)(char) = alphabet == Alphabet::kNucleotide ? &nucleotide_mask : &aminoacid_mask;
  const int match = scoring.match_score;
  const int mismatch = -scoring.mismatch_penalty;
  const int extend = scoring.gap_extend_penalty;
  const int no_alignment = -(scoring.match_score + scoring.mismatch_penalty) * ref_size;

  AlignmentWorkspace& work = thread_workspace();
  // Every cell is written below, so the trace is only grown, never cleared.
  if (work.trace.size() < static_cast<size_t>(rows) * columns) work.trace.resize(static_cast<size_t>(rows) * columns);
  work.previous_scores.assign(rows, 0);
  work.current_scores.assign(rows, 0);
  work.query_gap_scores.assign(rows, 0);
  auto trace_at = [&](int row, int column) -> uint8_t& {
    return work.trace[static_cast<size_t>(column) * rows + row];
  };
  auto shift_of_row = [&](int row) { return row - width + band.mean_shift; };

  // The best alignment ends where the query ends on its diagonal (or at the reference end).
  std::vector<int> end_column(rows);
  work.final_scores.assign(rows, 0);
  for (int row = 0; row < rows; ++row) {
    end_column[row] = std::min(columns - 1, query_size + shift_of_row(row));
    if (end_column[row] <= 0) return invalid_argument("Unable to align: query lies outside the band");
  }

  for (int row = 0; row < rows; ++row) {
    trace_at(row, 0) = row > width ? kFromQueryGap : row == width ? kFromMatch : kFromRefGap;
    if (row <= width) work.query_gap_scores[row] = -scoring.gap_open_penalty;
  }

  // Query letter masks from the last letter back, so that within a column they are read at increasing
  // addresses as the row grows.
  work.query_masks.resize(query_size);
  for (int i = 0; i < query_size; ++i) work.query_masks[query_size - 1 - i] = mask_of(query[i]);
  const uint32_t* const reversed_masks = work.query_masks.data();
  // One row more than the band: the row above the highest one computed holds what it starts from.
  work.best_before_insertion.resize(rows + 1);
  work.insertion_score.resize(rows + 1);
  work.partial_trace.resize(rows);
  int* const best_before_insertion = work.best_before_insertion.data();
  int* const insertion_score = work.insertion_score.data();
  uint8_t* const partial_trace = work.partial_trace.data();
  const bool open_exceeds_extend = std::all_of(gap_open_cost.begin(), gap_open_cost.begin() + ref_size + 1,
                                               [&](int cost) { return cost > extend; });

  std::vector<int>& previous = work.previous_scores;
  std::vector<int>& current = work.current_scores;
  // Rows are visited from the top of the band down, so within a column the query position grows. Each
  // column splits into rows before the query starts, rows inside it, and rows past its end; the three
  // segments are filled separately to keep the inner loop free of those tests.
  // Deletion scores of the previous column and of this one, swapped after each column. Rows of a column
  // read the previous column's deletion scores one row below, and those rows always lie inside the
  // previous column's rows within the query (the band moves down one query letter per column), so only
  // those rows need writing; both start from the same initial values.
  work.new_query_gap = work.query_gap_scores;
  int* query_gap_row = work.query_gap_scores.data();
  int* new_query_gap = work.new_query_gap.data();
  for (int ref_pos = 0; ref_pos < ref_size; ++ref_pos) {
    const uint32_t ref_mask = mask_of(ref[ref_pos]);
    const int open_here = gap_open_cost[ref_pos];
    const int open_next = gap_open_cost[ref_pos + 1];
    const int* const prev = previous.data();
    int* const curr = current.data();
    uint8_t* const trace_column = &work.trace[static_cast<size_t>(ref_pos + 1) * rows];
    const int query_start_row = ref_pos - band.mean_shift + width;  // the row where query position is 0
    const int top_inside = std::min(2 * width, query_start_row);
    const int bottom_inside = std::max(0, query_start_row - query_size + 1);

    for (int row = 2 * width; row > top_inside && row >= 0; --row) {
      // Reference before the query starts: free, as a deletion.
      trace_column[row] = kQueryGapExtended | kFromQueryGap;
      curr[row] = 0;
    }
    // Rows inside the query, in two passes. The first depends on the previous column only (match or
    // mismatch on the diagonal, deletion from the left), so its iterations are independent and the
    // compiler vectorises it; the second walks down the column for insertions, the one serial chain.
    const int lowest = bottom_inside;
    const int highest = top_inside;
    if (highest >= lowest) {
      const int mask_offset = query_size - 1 - query_start_row;
      const int first_with_row_below = std::max(lowest, 1);
      if (lowest == 0) {
        const int diagonal = prev[0] + ((reversed_masks[mask_offset] & ref_mask) != 0 ? match : mismatch);
        best_before_insertion[0] = diagonal;
        partial_trace[0] = kFromMatch;
        new_query_gap[0] = no_alignment;
      }
      fill_before_insertion(first_with_row_below, highest, reversed_masks, mask_offset, ref_mask, prev,
                            query_gap_row, new_query_gap, best_before_insertion, partial_trace,
                            {match, mismatch, extend, open_here});
      std::swap(query_gap_row, new_query_gap);

      // Insertion scores: the best alignment ending in a gap in the reference at each row, extended from
      // the row above or opened from that row's score.
      int ref_gap = -open_here;
      int above_score = 0;  // rows above the query start score 0
      int row = highest;
      if (row == 2 * width) {
        ref_gap = no_alignment;
        trace_column[row] = partial_trace[row];
        curr[row] = best_before_insertion[row];
        above_score = best_before_insertion[row];
        --row;
      }
      if (row >= lowest && open_exceeds_extend) {
        // Opening from a cell whose best move was itself this insertion never beats extending it when
        // the open cost exceeds the extend cost, so opening may start from the row's score before
        // insertions: the serial chain shrinks to one max per row, and the rest is vectorised.
        best_before_insertion[row + 1] = above_score;
        insertion_score[row + 1] = ref_gap;
        fill_insertion_scores(lowest, row, best_before_insertion, extend, open_next, insertion_score);
        finish_column(lowest, row, best_before_insertion, insertion_score, partial_trace, extend, open_next,
                      curr, trace_column);
      } else {
        for (; row >= lowest; --row) {
          const int extended = ref_gap - extend;
          const int opened = above_score - open_next;
          const bool extend_gap = extended > opened;
          ref_gap = extend_gap ? extended : opened;
          const int before = best_before_insertion[row];
          const uint8_t partial = partial_trace[row];
          // Ties go to the match, then to the insertion, then to the deletion (nextalign's order).
          const bool insertion_wins = ref_gap > before || (ref_gap == before && (partial & kFromQueryGap) != 0);
          const int score = insertion_wins ? ref_gap : before;
          trace_column[row] = static_cast<uint8_t>(
              (partial & kQueryGapExtended) | (extend_gap ? kRefGapExtended : 0) |
              (insertion_wins ? kFromRefGap : (partial & (kFromMatch | kFromQueryGap))));
          curr[row] = score;
          above_score = score;
        }
      }
    }
    for (int row = std::min(bottom_inside - 1, 2 * width); row >= 0; --row) {
      trace_column[row] = kPastQueryEnd;
      curr[row] = kPastQueryEndScore;
    }

    // Each row's alignment ends at column min(ref_size, query_size + shift): one row per column,
    // and every remaining row at the last column.
    const int column = ref_pos + 1;
    if (column == ref_size) {
      for (int r = 0; r < rows; ++r) {
        if (end_column[r] == column) work.final_scores[r] = curr[r];
      }
    } else {
      const int r = column - query_size - band.mean_shift + width;
      if (r >= 0 && r < rows && end_column[r] == column) work.final_scores[r] = curr[r];
    }
    std::swap(previous, current);
  }

  int row = 0;
  int best_score = 0;
  for (int r = 0; r < rows; ++r) {
    if (work.final_scores[r] > best_score) {
      best_score = work.final_scores[r];
      row = r;
    }
  }

  // Written from the back of buffers long enough for any alignment (every letter of both in its own
  // column), then the unused front is dropped: no reversal and no per-letter capacity checks.
  const size_t longest = static_cast<size_t>(query_size) + ref_size;
  std::string aligned_query(longest, kGap);
  std::string aligned_ref(longest, kGap);
  size_t column_out = longest;
  const auto prepend = [&](char query_letter, char ref_letter) {
    --column_out;
    aligned_query[column_out] = query_letter;
    aligned_ref[column_out] = ref_letter;
  };
  int ref_pos = end_column[row] - 1;
  int query_pos = ref_pos - shift_of_row(row);
  if (ref_pos < ref_size - 1) {
    for (int i = ref_size - 1; i > ref_pos; --i) {
      prepend(kGap, ref[i]);
    }
  } else if (query_pos < query_size - 1) {
    for (int i = query_size - 1; i > query_pos; --i) {
      prepend(query[i], kGap);
    }
  }

  uint8_t open_gap = 0;  // inside a gap being extended, the gap's own trace decides, not the best move
  while (ref_pos >= 0 && query_pos >= 0) {
    if (row < 0 || row >= rows) return internal_error("alignment trace left the band");
    const uint8_t origin = trace_at(row, ref_pos + 1);
    if ((origin & kFromMatch) && open_gap == 0) {
      prepend(query[query_pos--], ref[ref_pos--]);
    } else if (((origin & kFromRefGap) && open_gap == 0) || open_gap == kFromRefGap) {
      prepend(query[query_pos--], kGap);
      ++row;
      open_gap = (origin & kRefGapExtended) ? kFromRefGap : 0;
    } else if (((origin & kFromQueryGap) && open_gap == 0) || open_gap == kFromQueryGap) {
      prepend(kGap, ref[ref_pos--]);
      --row;
      open_gap = (origin & kQueryGapExtended) ? kFromQueryGap : 0;
    } else {
      break;
    }
  }
  if (ref_pos >= 0) {
    for (int i = ref_pos; i >= 0; --i) {
      prepend(kGap, ref[i]);
    }
  } else if (query_pos >= 0) {
    for (int i = query_pos; i >= 0; --i) {
      prepend(query[i], kGap);
    }
  }
  aligned_query.erase(0, column_out);
  aligned_ref.erase(0, column_out);
  return PairwiseAlignment{std::move(aligned_query), std::move(aligned_ref), best_score};
}

}  // namespace shouwang::genome
