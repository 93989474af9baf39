// Agreement with Nextclade 1.4's own output for the 71 example sequences (../shared/data/genome/
// sars-cov-2/expected/, read in place): the aligned FASTA byte for byte, the mutation, range and QC
// columns cell for cell, and the clade for at least 69 of 71.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "genome/analysis_pipeline.h"
#include "genome/dataset.h"
#include "genome/fasta_reader.h"
#include "genome/sequence_analysis.h"

namespace shouwang::genome {
namespace {

const std::string kDatasetDir = std::string(SHOUWANG_SHARED_DIR) + "/data/genome/sars-cov-2";

// Splits a Nextclade TSV line: tab-separated, cells with spaces double-quoted.
std::vector<std::string> split_tsv_line(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      cells.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '\t' && !quoted) {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  return cells;
}

using TsvTable = std::map<std::string, std::map<std::string, std::string>>;  // seqName -> column -> cell

TsvTable parse_tsv(std::istream& input) {
  TsvTable table;
  std::string line;
  std::getline(input, line);
  const std::vector<std::string> header = split_tsv_line(line);
  while (std::getline(input, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_tsv_line(line);
    auto& row = table[cells.at(0)];
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
  }
  return table;
}

struct AnalysedSet {
  std::vector<std::string> names;
  std::map<std::string, SequenceAnalysis> analyses;
  std::string tsv;
};

AnalysedSet analyse_file(const Dataset& dataset, const std::string& fasta_path, int jobs) {
  std::ifstream input(fasta_path);
  FastaReader reader(input, fasta_path);
  AnalysedSet set;
  set.tsv = format_tsv_header() + "\n";
  const Status status = analyze_fasta_stream(dataset, reader, jobs, [&](const AnalysisOutcome& outcome) {
    set.names.push_back(outcome.name);
    if (!outcome.result.is_ok()) {
      set.tsv += format_tsv_error_row(outcome.name, outcome.result.status()) + "\n";
      return Status::ok();
    }
    set.tsv += format_tsv_row(*outcome.result) + "\n";
    set.analyses.emplace(outcome.name, *outcome.result);
    return Status::ok();
  });
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return set;
}

class NextcladeAgreement : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_dataset(kDatasetDir);
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    dataset_ = new Dataset(std::move(loaded).value());
    analysed_ = new AnalysedSet(analyse_file(*dataset_, kDatasetDir + "/sequences.fasta", 2));
    std::ifstream expected(kDatasetDir + "/expected/nextclade.tsv");
    expected_ = new TsvTable(parse_tsv(expected));
    std::istringstream ours(analysed_->tsv);
    ours_ = new TsvTable(parse_tsv(ours));
  }
  static void TearDownTestSuite() {
    delete dataset_;
    delete analysed_;
    delete expected_;
    delete ours_;
  }
  static Dataset* dataset_;
  static AnalysedSet* analysed_;
  static TsvTable* expected_;
  static TsvTable* ours_;
};

Dataset* NextcladeAgreement::dataset_ = nullptr;
AnalysedSet* NextcladeAgreement::analysed_ = nullptr;
TsvTable* NextcladeAgreement::expected_ = nullptr;
TsvTable* NextcladeAgreement::ours_ = nullptr;

TEST_F(NextcladeAgreement, AllSequencesAnalysedInInputOrder) {
  ASSERT_EQ(analysed_->names.size(), 71u);
  EXPECT_EQ(analysed_->analyses.size(), 71u);
  EXPECT_EQ(expected_->size(), 71u);
  EXPECT_EQ(analysed_->names.front(), "OU186099");
}

TEST_F(NextcladeAgreement, AlignedRowsMatchByteForByte) {
  std::ifstream expected(kDatasetDir + "/expected/nextclade.aligned.fasta");
  std::string line, name;
  int compared = 0;
  while (std::getline(expected, line)) {
    if (line.empty()) continue;
    if (line.front() == '>') {
      name = line.substr(1);
      continue;
    }
    if (name == dataset_->reference_name) {
      EXPECT_EQ(compared, 0) << "the reference comes first";
      EXPECT_EQ(line, dataset_->reference);
      continue;
    }
    const auto ours = analysed_->analyses.find(name);
    ASSERT_NE(ours, analysed_->analyses.end()) << name;
    EXPECT_EQ(ours->second.aligned_query, line) << name;
    ++compared;
  }
  EXPECT_EQ(compared, 71);
}

TEST_F(NextcladeAgreement, MutationRangeAndQcColumnsEqualNextclade) {
  const std::vector<std::string> columns = {
      "substitutions", "deletions", "insertions", "missing", "nonACGTNs", "aaSubstitutions", "aaDeletions",
      "alignmentStart", "alignmentEnd", "qc.missingData.score", "qc.mixedSites.totalMixedSites",
      "totalSubstitutions", "totalDeletions", "totalInsertions", "totalMissing", "totalNonACGTNs",
      "totalAminoacidSubstitutions", "totalAminoacidDeletions", "frameShifts", "totalFrameShifts",
      "pcrPrimerChanges", "totalPcrPrimerChanges", "qc.stopCodons.totalStopCodons", "errors"};
  for (const auto& [name, expected_row] : *expected_) {
    const auto ours = ours_->find(name);
    ASSERT_NE(ours, ours_->end()) << name;
    for (const std::string& column : columns) {
      EXPECT_EQ(ours->second.at(column), expected_row.at(column)) << name << " column " << column;
    }
  }
}

TEST_F(NextcladeAgreement, CladeAgreesOnAtLeast69Of71) {
  int agree = 0;
  std::vector<std::string> misses;
  for (const auto& [name, expected_row] : *expected_) {
    if (ours_->at(name).at("clade") == expected_row.at("clade")) {
      ++agree;
    } else {
      misses.push_back(name);
    }
  }
  EXPECT_GE(agree, 69);
  // The one known miss: Nextclade's tree puts it in 21D (Eta), but it carries only two of the four
  // Eta-defining alleles of the clades file (24224 and 24748 are the reference's), so the alleles
  // alone place it in the parent clade, 20A.
  for (const std::string& name : misses) EXPECT_EQ(name, "USA/VA-CDC-LC0031700/2021");
}

TEST_F(NextcladeAgreement, FirstTenExampleMatchesAndOneThreadGivesTheSameTsv) {
  const AnalysedSet first_ten = analyse_file(*dataset_, kDatasetDir + "/example/sequences.first10.fasta", 1);
  std::ifstream expected_file(kDatasetDir + "/example/expected.first10.nextclade.tsv");
  const TsvTable expected = parse_tsv(expected_file);
  std::istringstream ours_text(first_ten.tsv);
  const TsvTable ours = parse_tsv(ours_text);
  ASSERT_EQ(ours.size(), 10u);
  for (const auto& [name, row] : expected) {
    for (const std::string column : {"substitutions", "deletions", "aaSubstitutions", "missing", "clade"}) {
      EXPECT_EQ(ours.at(name).at(column), row.at(column)) << name << " " << column;
    }
    for (const std::string& column : tsv_columns()) {
      EXPECT_EQ(ours.at(name).at(column), ours_->at(name).at(column)) << name << " " << column;
    }
  }
}

}  // namespace
}  // namespace shouwang::genome
