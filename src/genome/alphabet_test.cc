#include "genome/alphabet.h"

#include <gtest/gtest.h>

namespace shouwang::genome {
namespace {

bool nucleotides_agree(char a, char b) { return (nucleotide_mask(a) & nucleotide_mask(b)) != 0; }
bool aminoacids_agree(char a, char b) { return (aminoacid_mask(a) & aminoacid_mask(b)) != 0; }

TEST(Alphabet, IupacCodesAgreeWithTheBasesTheyStandFor) {
  EXPECT_TRUE(nucleotides_agree('R', 'A'));
  EXPECT_TRUE(nucleotides_agree('R', 'G'));
  EXPECT_FALSE(nucleotides_agree('R', 'C'));
  EXPECT_TRUE(nucleotides_agree('N', 'T'));
  EXPECT_TRUE(nucleotides_agree('N', '-'));
  EXPECT_FALSE(nucleotides_agree('A', '-'));
  EXPECT_FALSE(nucleotides_agree('T', 'U'));  // nextalign keeps U apart from T
  EXPECT_EQ(nucleotide_mask('E'), 0u);
  EXPECT_EQ(nucleotide_mask('a'), 0u);  // the reader upper-cases first
}

TEST(Alphabet, AminoacidAmbiguityCodes) {
  EXPECT_TRUE(aminoacids_agree('B', 'D'));
  EXPECT_TRUE(aminoacids_agree('B', 'N'));
  EXPECT_FALSE(aminoacids_agree('D', 'N'));
  EXPECT_TRUE(aminoacids_agree('X', '*'));
  EXPECT_FALSE(aminoacids_agree('*', 'W'));
  EXPECT_TRUE(aminoacids_agree('J', 'L'));
}

TEST(Alphabet, TranslatesTheStandardCode) {
  EXPECT_EQ(translate_codon('A', 'T', 'G'), 'M');
  EXPECT_EQ(translate_codon('T', 'G', 'G'), 'W');
  EXPECT_EQ(translate_codon('T', 'A', 'A'), '*');
  EXPECT_EQ(translate_codon('G', 'G', 'C'), 'G');
  EXPECT_EQ(translate_codon('A', 'A', 'N'), 'X');
  EXPECT_EQ(translate_codon('-', '-', '-'), '-');
  EXPECT_EQ(translate_codon('A', '-', 'G'), 'X');
  // Past the stop codon, as the Nextclade CLI; a trailing partial codon is dropped.
  EXPECT_EQ(translate_coding_sequence("ATGTAAGGCTT"), "M*G");
}

TEST(Alphabet, ComplementsIupacSymbols) {
  EXPECT_EQ(complement_nucleotide('A'), 'T');
  EXPECT_EQ(complement_nucleotide('R'), 'Y');
  EXPECT_EQ(complement_nucleotide('K'), 'M');
  EXPECT_EQ(complement_nucleotide('N'), 'N');
  EXPECT_FALSE(complement_nucleotide('U').has_value());
}

}  // namespace
}  // namespace shouwang::genome
