#include "genome/banded_alignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace shouwang::genome {
namespace {

std::string random_nucleotides(size_t length, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int> pick(0, 3);
  std::string sequence;
  for (size_t i = 0; i < length; ++i) sequence += "ACGT"[pick(generator)];
  return sequence;
}

std::vector<int> flat_costs(const std::string& ref) { return std::vector<int>(ref.size() + 2, 6); }

TEST(BandedAlignment, IdenticalSequencesAlignWithoutGaps) {
  const std::string ref = random_nucleotides(600, 1);
  auto alignment = align_banded(ref, ref, flat_costs(ref), Alphabet::kNucleotide, {}, kNucleotideSeeds);
  ASSERT_TRUE(alignment.is_ok()) << alignment.status().to_string();
  EXPECT_EQ(alignment->query, ref);
  EXPECT_EQ(alignment->ref, ref);
  EXPECT_EQ(alignment->score, 3 * 600);
}

// An 800-letter reference and a query made from it by deleting [300, 306) and inserting 4 letters
// before 600, with flanks chosen so that the placement of both gaps is unambiguous.
struct DeletionAndInsertion {
  std::string ref = random_nucleotides(800, 2);
  std::string inserted = ref[599] == 'A' || ref[600] == 'A' ? "CCGC" : "AATA";
  std::string query = ref.substr(0, 300) + ref.substr(306, 294) + inserted + ref.substr(600);

  bool unambiguous() const {
    return ref[299] != ref[305] && ref[300] != ref[306] && inserted.front() != ref[600] && inserted.back() != ref[599];
  }
};

TEST(BandedAlignment, PlacesADeletionAndAnInsertion) {
  const DeletionAndInsertion edit;
  ASSERT_TRUE(edit.unambiguous());
  const std::string& ref = edit.ref;
  const std::string& inserted = edit.inserted;
  const std::string& query = edit.query;
  auto alignment = align_banded(query, ref, flat_costs(ref), Alphabet::kNucleotide, {}, kNucleotideSeeds);
  ASSERT_TRUE(alignment.is_ok()) << alignment.status().to_string();
  EXPECT_EQ(alignment->query, ref.substr(0, 300) + "------" + ref.substr(306, 294) + inserted + ref.substr(600));
  EXPECT_EQ(alignment->ref, ref.substr(0, 600) + "----" + ref.substr(600));
  EXPECT_EQ(alignment->score, 3 * (800 - 6) - 2 * 6);
}

// An extension as dear as an opening takes the cell-by-cell insertion chain rather than the shortcut
// that needs opening to cost more. Every gap letter then costs 6, so splitting a gap is free and only
// the score, the rows and the gap counts are fixed.
TEST(BandedAlignment, ExtensionAsDearAsOpeningPricesEveryGapLetter) {
  const DeletionAndInsertion edit;
  ASSERT_TRUE(edit.unambiguous());
  const std::string& ref = edit.ref;
  const std::string& query = edit.query;
  AlignmentScoring scoring;
  scoring.gap_extend_penalty = 6;
  auto alignment = align_banded(query, ref, flat_costs(ref), Alphabet::kNucleotide, scoring, kNucleotideSeeds);
  ASSERT_TRUE(alignment.is_ok()) << alignment.status().to_string();
  EXPECT_EQ(alignment->score, 3 * (800 - 6) - 6 * (6 + 4));
  std::string query_letters = alignment->query;
  std::string ref_letters = alignment->ref;
  std::erase(query_letters, '-');
  std::erase(ref_letters, '-');
  EXPECT_EQ(query_letters, query);
  EXPECT_EQ(ref_letters, ref);
  EXPECT_EQ(std::count(alignment->query.begin(), alignment->query.end(), '-'), 6);
  EXPECT_EQ(std::count(alignment->ref.begin(), alignment->ref.end(), '-'), 4);
}

TEST(BandedAlignment, TerminalOverhangsAreFree) {
  const std::string ref = random_nucleotides(900, 3);
  const std::string query = ref.substr(100, 700);
  auto alignment = align_banded(query, ref, flat_costs(ref), Alphabet::kNucleotide, {}, kNucleotideSeeds);
  ASSERT_TRUE(alignment.is_ok()) << alignment.status().to_string();
  EXPECT_EQ(alignment->query, std::string(100, '-') + query + std::string(100, '-'));
  EXPECT_EQ(alignment->score, 3 * 700);
}

TEST(BandedAlignment, UnrelatedSequenceHasNoSeedMatches) {
  const std::string ref = random_nucleotides(3000, 4);
  const std::string query = random_nucleotides(2000, 5);
  auto alignment = align_banded(query, ref, flat_costs(ref), Alphabet::kNucleotide, {}, kNucleotideSeeds);
  ASSERT_FALSE(alignment.is_ok());
  EXPECT_NE(alignment.status().message().find("Unable to align"), std::string::npos);
}

TEST(BandedAlignment, AmbiguousLettersCountAsMatches) {
  const std::string ref = random_nucleotides(600, 6);
  std::string query = ref;
  query.replace(200, 50, std::string(50, 'N'));
  query[400] = ref[400] == 'A' || ref[400] == 'G' ? 'R' : 'Y';
  auto alignment = align_banded(query, ref, flat_costs(ref), Alphabet::kNucleotide, {}, kNucleotideSeeds);
  ASSERT_TRUE(alignment.is_ok()) << alignment.status().to_string();
  EXPECT_EQ(alignment->query, query);
  EXPECT_EQ(alignment->score, 3 * 600);
}

}  // namespace
}  // namespace shouwang::genome
