// Sequences built from the reference with known substitutions, indels, N runs and ambiguous letters,
// placed where the alignment is unambiguous: the analysis must report exactly what was put in.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "genome/alphabet.h"
#include "genome/dataset.h"
#include "genome/sequence_analysis.h"

namespace shouwang::genome {
namespace {

const Dataset& dataset() {
  static const Dataset loaded = [] {
    auto result = load_dataset(std::string(SHOUWANG_SHARED_DIR) + "/data/genome/sars-cov-2");
    if (!result.is_ok()) throw std::runtime_error(result.status().to_string());
    return std::move(result).value();
  }();
  return loaded;
}

const Gene& gene_named(const std::string& name) {
  const auto& genes = dataset().genes;
  return *std::find_if(genes.begin(), genes.end(), [&](const Gene& g) { return g.name == name; });
}

// A deletion of [begin, end) can slide neither left nor right when its flanks differ from its ends.
bool deletion_is_unambiguous(const std::string& ref, int begin, int end) {
  return ref[begin - 1] != ref[end - 1] && ref[begin] != ref[end];
}

// First codon-aligned position at or after `from` in `gene` where deleting `length` letters is unambiguous.
int unambiguous_codon_deletion(const Gene& gene, int from, int length) {
  const std::string& ref = dataset().reference;
  int begin = gene.start + ((from - gene.start + 2) / 3) * 3;
  while (!deletion_is_unambiguous(ref, begin, begin + length)) begin += 3;
  return begin;
}

char other_base(char base) { return base == 'A' ? 'G' : base == 'G' ? 'A' : base == 'C' ? 'T' : 'C'; }

std::vector<std::string> formatted_substitutions(const SequenceAnalysis& analysis) {
  std::vector<std::string> result;
  for (const auto& s : analysis.substitutions) result.push_back(s.ref + std::to_string(s.position + 1) + s.query);
  return result;
}

std::vector<std::string> formatted_aminoacid_changes(const std::vector<AminoacidChange>& changes) {
  std::vector<std::string> result;
  for (const auto& c : changes) result.push_back(c.gene + ":" + c.ref + std::to_string(c.codon + 1) + c.query);
  return result;
}

TEST(SyntheticSequences, RecoversSubstitutionsIndelsMissingAndAmbiguousSites) {
  const std::string& ref = dataset().reference;
  // Substitutions (0-based) in the 5' UTR, ORF1a, ORF1b, ORF3a, S and N, away from the indels below.
  const std::vector<int> substitution_sites = {240, 3036, 14407, 25600, 23402, 28880};
  const Gene& orf1a = gene_named("ORF1a");
  const Gene& s_gene = gene_named("S");
  const Gene& m_gene = gene_named("M");
  const int orf1a_deletion = unambiguous_codon_deletion(orf1a, 6000, 9);
  const int m_deletion = unambiguous_codon_deletion(m_gene, 26700, 3);
  // In-frame insertion between two S codons, with ends that differ from the reference flanks.
  const int insertion_site = s_gene.start + 3 * 300;
  const std::string inserted = ref[insertion_site] == 'A' || ref[insertion_site - 1] == 'C' ? "CTGGCT" : "AAACCC";
  ASSERT_NE(inserted.front(), ref[insertion_site]);
  ASSERT_NE(inserted.back(), ref[insertion_site - 1]);
  const Range internal_missing{15000, 15200};
  const int ambiguous_site = 10000;
  const char ambiguous_letter = (ref[ambiguous_site] == 'A' || ref[ambiguous_site] == 'G') ? 'R' : 'Y';

  std::string query = ref;
  for (int site : substitution_sites) query[site] = other_base(ref[site]);
  std::fill(query.begin(), query.begin() + 50, 'N');
  std::fill(query.begin() + internal_missing.begin, query.begin() + internal_missing.end, 'N');
  std::fill(query.end() - 30, query.end(), 'N');
  query[ambiguous_site] = ambiguous_letter;
  // Edits that change lengths, from the 3' end so that earlier coordinates stay valid.
  query.erase(m_deletion, 3);
  query.insert(insertion_site, inserted);
  query.erase(orf1a_deletion, 9);

  auto result = analyze_sequence(dataset(), "synthetic", query);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  const SequenceAnalysis& analysis = *result;

  std::vector<std::string> expected_substitutions;
  for (int site : substitution_sites) {
    expected_substitutions.push_back(ref[site] + std::to_string(site + 1) + other_base(ref[site]));
  }
  std::sort(expected_substitutions.begin(), expected_substitutions.end(), [](const auto& a, const auto& b) {
    return std::stoi(a.substr(1)) < std::stoi(b.substr(1));
  });
  EXPECT_EQ(formatted_substitutions(analysis), expected_substitutions);

  ASSERT_EQ(analysis.deletions.size(), 2u);
  EXPECT_EQ(analysis.deletions[0].range, (Range{orf1a_deletion, orf1a_deletion + 9}));
  EXPECT_EQ(analysis.deletions[1].range, (Range{m_deletion, m_deletion + 3}));
  ASSERT_EQ(analysis.insertions.size(), 1u);
  EXPECT_EQ(analysis.insertions[0].letters, inserted);
  EXPECT_EQ(analysis.insertions[0].column, insertion_site);  // no insertion before it
  ASSERT_EQ(analysis.missing.size(), 3u);
  EXPECT_EQ(analysis.missing[0].range, (Range{0, 50}));
  EXPECT_EQ(analysis.missing[1].range, internal_missing);
  EXPECT_EQ(analysis.missing[2].range, (Range{static_cast<int>(ref.size()) - 30, static_cast<int>(ref.size())}));
  ASSERT_EQ(analysis.non_acgtns.size(), 1u);
  EXPECT_EQ(analysis.non_acgtns[0].range, (Range{ambiguous_site, ambiguous_site + 1}));
  EXPECT_EQ(analysis.non_acgtns[0].letter, ambiguous_letter);
  EXPECT_EQ(analysis.alignment_start, 0);
  EXPECT_EQ(analysis.alignment_end, static_cast<int>(ref.size()));
  EXPECT_TRUE(analysis.frame_shifts.empty());
  EXPECT_EQ(analysis.qc.total_missing, 50 + 200 + 30);
  EXPECT_EQ(analysis.qc.total_mixed_sites, 1);

  // Expected amino-acid changes, worked out codon by codon from the reference.
  std::vector<AminoacidChange> expected_aa_substitutions;
  for (const Gene& gene : dataset().genes) {
    for (int site : substitution_sites) {
      if (site < gene.start || site >= gene.end) continue;
      const int codon = (site - gene.start) / 3;
      std::string codon_letters = ref.substr(gene.start + 3 * codon, 3);
      const char ref_aa = translate_codon(codon_letters[0], codon_letters[1], codon_letters[2]);
      codon_letters[(site - gene.start) % 3] = other_base(ref[site]);
      const char query_aa = translate_codon(codon_letters[0], codon_letters[1], codon_letters[2]);
      if (query_aa != ref_aa) expected_aa_substitutions.push_back({gene.name, codon, ref_aa, query_aa});
    }
  }
  std::sort(expected_aa_substitutions.begin(), expected_aa_substitutions.end(),
            [](const auto& a, const auto& b) { return std::tie(a.gene, a.codon) < std::tie(b.gene, b.codon); });
  EXPECT_EQ(formatted_aminoacid_changes(analysis.aminoacid_substitutions),
            formatted_aminoacid_changes(expected_aa_substitutions));
  std::vector<AminoacidChange> expected_aa_deletions;
  const std::string& m_peptide = dataset().reference_peptides.at("M");
  const std::string& orf1a_peptide = dataset().reference_peptides.at("ORF1a");
  const int m_codon = (m_deletion - m_gene.start) / 3;
  expected_aa_deletions.push_back({"M", m_codon, m_peptide[m_codon], '-'});
  for (int i = 0; i < 3; ++i) {
    const int codon = (orf1a_deletion - orf1a.start) / 3 + i;
    expected_aa_deletions.push_back({"ORF1a", codon, orf1a_peptide[codon], '-'});
  }
  EXPECT_EQ(formatted_aminoacid_changes(analysis.aminoacid_deletions),
            formatted_aminoacid_changes(expected_aa_deletions));
}

TEST(SyntheticSequences, PartialSequenceSetsTheAlignmentRangeWithoutDeletions) {
  const std::string& ref = dataset().reference;
  const std::string query = ref.substr(120, ref.size() - 200);
  auto result = analyze_sequence(dataset(), "partial", query);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->alignment_start, 120);
  EXPECT_EQ(result->alignment_end, static_cast<int>(ref.size()) - 80);
  EXPECT_TRUE(result->deletions.empty());
  EXPECT_TRUE(result->substitutions.empty());
  EXPECT_TRUE(result->aminoacid_deletions.empty());
  EXPECT_EQ(result->clade, "19A");
  EXPECT_EQ(result->qc.overall_status, "good");
}

TEST(SyntheticSequences, OneBaseDeletionInAGeneIsAFrameShift) {
  const std::string& ref = dataset().reference;
  const Gene& orf8 = gene_named("ORF8");
  int site = orf8.start + 100;
  while (!deletion_is_unambiguous(ref, site, site + 1)) ++site;
  std::string query = ref;
  query.erase(site, 1);
  auto result = analyze_sequence(dataset(), "frame shift", query);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  ASSERT_EQ(result->frame_shifts.size(), 1u);
  EXPECT_EQ(result->frame_shifts[0].gene, "ORF8");
  EXPECT_EQ(result->frame_shifts[0].codons.begin, (site - orf8.start) / 3);
  EXPECT_EQ(result->qc.total_frame_shifts_reported, 1);
  EXPECT_DOUBLE_EQ(result->qc.overall_score, 75.0 * 75.0 / 100.0);  // one frame shift scores 75
  EXPECT_EQ(result->qc.overall_status, "mediocre");
}

TEST(SyntheticSequences, SequencesThatCannotBeAnalysedSayWhy) {
  std::mt19937 generator(7);
  std::string unrelated;
  for (int i = 0; i < 3000; ++i) unrelated += "ACGT"[generator() % 4];
  auto result = analyze_sequence(dataset(), "unrelated", unrelated);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("Unable to align"), std::string::npos) << result.status().message();

  result = analyze_sequence(dataset(), "short", dataset().reference.substr(1000, 60));
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().message(), "Unable to align: sequence is too short");

  std::string invalid = dataset().reference;
  invalid[500] = 'E';
  result = analyze_sequence(dataset(), "invalid", invalid);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().message(), "Invalid nucleotide: \"E\"");
  EXPECT_EQ(format_tsv_error_row("invalid", result.status()).substr(0, 8), "invalid\t");
}

// The dataset's CSV and TSV files go through core's reader: quoted fields, comments, CRLF.
TEST(DatasetFiles, ReadQuotedPrimerFieldsCommentsAndCrlfClades) {
  const std::string reference = "AAAACCCGGGTTTT";
  auto primers = parse_pcr_primers_csv(
      "# a comment, with \"a quote\r\n"
      "Country (Institute),Target,Oligonucleotide,Sequence\r\n"
      "\"Institut Pasteur, Paris (France)\",RdRp, \"P_1_F\" ,cccggg\r\n",
      reference);
  ASSERT_TRUE(primers.is_ok()) << primers.status().to_string();
  ASSERT_EQ(primers->size(), 1u);
  EXPECT_EQ((*primers)[0].name, "P_1_F");
  EXPECT_EQ((*primers)[0].range, (Range{4, 10}));
  EXPECT_FALSE(parse_pcr_primers_csv("Oligonucleotide,Sequence\n\"P_1_F,CCC\n", reference).is_ok());

  auto clades = parse_clades("clade\tgene\tsite\talt\r\n\r\n19A\tnuc\t2\tA\r\n"
                             "\"20I (Alpha, V1)\"\tnuc\t5\tC\r\n20I (Alpha, V1)\tS\t5\tY\r\n",
                             "clade\tparent\tWHO\r\n20I\t19A\tAlpha\r\n");
  ASSERT_TRUE(clades.is_ok()) << clades.status().to_string();
  ASSERT_EQ(clades->size(), 2u);
  EXPECT_EQ((*clades)[1].name, "20I (Alpha, V1)");
  EXPECT_EQ((*clades)[1].parent, 0);
  ASSERT_EQ((*clades)[1].alleles.size(), 1u);
  EXPECT_EQ((*clades)[1].alleles[0].position, 4);
  auto short_row = parse_clades("clade\tgene\tsite\talt\r\n19A\tnuc\t2\tA\r\n19B\tnuc\r\n", "clade\tparent\n");
  ASSERT_FALSE(short_row.is_ok());
  EXPECT_EQ(short_row.status().message(), "clades file line 3: 4 columns expected");
}

}  // namespace
}  // namespace shouwang::genome
