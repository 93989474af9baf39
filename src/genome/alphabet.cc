#include "genome/alphabet.h"

#include <array>

namespace shouwang::genome {
namespace {

constexpr uint32_t kA = 1, kC = 2, kG = 4, kT = 8, kU = 16, kNucGap = 32;

constexpr std::array<uint32_t, 256> make_nucleotide_masks() {
  std::array<uint32_t, 256> masks{};
  masks['A'] = kA;
  masks['C'] = kC;
  masks['G'] = kG;
  masks['T'] = kT;
  masks['U'] = kU;
  masks['R'] = kA | kG;
  masks['Y'] = kC | kT;
  masks['S'] = kC | kG;
  masks['W'] = kA | kT;
  masks['K'] = kG | kT;
  masks['M'] = kA | kC;
  masks['B'] = kC | kG | kT;
  masks['D'] = kA | kG | kT;
  masks['H'] = kA | kC | kT;
  masks['V'] = kA | kC | kG;
  masks['N'] = kA | kC | kG | kT | kU | kNucGap;
  masks['-'] = kNucGap;
  return masks;
}

// One bit per definite amino acid (in "ACDEFGHIKLMNOPQRSTUVWY*-" order); ambiguity codes are unions.
constexpr std::string_view kDefiniteAminoacids = "ACDEFGHIKLMNOPQRSTUVWY*-";

constexpr uint32_t aminoacid_bit(char letter) {
  for (size_t i = 0; i < kDefiniteAminoacids.size(); ++i) {
    if (kDefiniteAminoacids[i] == letter) return uint32_t{1} << i;
  }
  return 0;
}

constexpr std::array<uint32_t, 256> make_aminoacid_masks() {
  std::array<uint32_t, 256> masks{};
  for (char letter : kDefiniteAminoacids) masks[static_cast<unsigned char>(letter)] = aminoacid_bit(letter);
  masks['B'] = aminoacid_bit('D') | aminoacid_bit('N');
  masks['Z'] = aminoacid_bit('E') | aminoacid_bit('Q');
  masks['J'] = aminoacid_bit('I') | aminoacid_bit('L');
  masks['X'] = (uint32_t{1} << kDefiniteAminoacids.size()) - 1;
  return masks;
}

constexpr auto kNucleotideMasks = make_nucleotide_masks();
constexpr auto kAminoacidMasks = make_aminoacid_masks();

int base_index(char letter) {
  switch (letter) {
    case 'T': return 0;
    case 'C': return 1;
    case 'A': return 2;
    case 'G': return 3;
    default: return -1;
  }
}

// The standard code with bases ordered T, C, A, G (first base slowest), as printed in textbooks.
constexpr std::string_view kStandardCode = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG";

}  // namespace

uint32_t nucleotide_mask(char letter) { return kNucleotideMasks[static_cast<unsigned char>(letter)]; }

uint32_t aminoacid_mask(char letter) { return kAminoacidMasks[static_cast<unsigned char>(letter)]; }

char translate_codon(char first, char second, char third) {
  if (first == kGap && second == kGap && third == kGap) return kGap;
  const int a = base_index(first), b = base_index(second), c = base_index(third);
  if (a < 0 || b < 0 || c < 0) return 'X';
  return kStandardCode[a * 16 + b * 4 + c];
}

std::string translate_coding_sequence(std::string_view nucleotides) {
  const size_t length = nucleotides.size() / 3;
  std::string peptide(length, 'X');
  for (size_t i = 0; i < length; ++i) {
    peptide[i] = translate_codon(nucleotides[3 * i], nucleotides[3 * i + 1], nucleotides[3 * i + 2]);
  }
  return peptide;
}

std::optional<char> complement_nucleotide(char letter) {
  switch (letter) {
    case 'A': return 'T';
    case 'C': return 'G';
    case 'G': return 'C';
    case 'T': return 'A';
    case 'Y': return 'R';
    case 'R': return 'Y';
    case 'W': return 'W';
    case 'S': return 'S';
    case 'K': return 'M';
    case 'M': return 'K';
    case 'D': return 'H';
    case 'V': return 'B';
    case 'H': return 'D';
    case 'B': return 'V';
    case 'N': return 'N';
    default: return std::nullopt;
  }
}

}  // namespace shouwang::genome
