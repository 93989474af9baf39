// Nucleotide and amino-acid letters as Nextclade 1.x reads them: each IUPAC symbol as the bit set of the
// letters it may stand for (two symbols agree when their sets intersect), the standard genetic code and
// the reverse complement used to place reverse PCR primers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shouwang::genome {

inline constexpr char kGap = '-';

// Set of the concrete nucleotides `letter` may stand for (N stands for all, including a gap); 0 for a
// character that is not an upper-case IUPAC nucleotide symbol or '-'.
uint32_t nucleotide_mask(char letter);

// Same for amino acids: B = D|N, Z = E|Q, J = I|L, X = anything, '*' stop, '-' gap.
uint32_t aminoacid_mask(char letter);

inline bool is_acgt(char letter) { return letter == 'A' || letter == 'C' || letter == 'G' || letter == 'T'; }

// The amino acid of one codon: '-' for "---", 'X' for any codon that is not three of A, C, G, T.
char translate_codon(char first, char second, char third);

// Translates a gap-free coding sequence codon by codon (a trailing partial codon is dropped). Like the
// Nextclade CLI's default, translation goes on past stop codons.
std::string translate_coding_sequence(std::string_view nucleotides);

// Complement of an IUPAC nucleotide symbol; nullopt for a letter that has none (U, '-').
std::optional<char> complement_nucleotide(char letter);

}  // namespace shouwang::genome
