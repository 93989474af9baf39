// `shouwang genome analyze`: Nextclade-style analysis of SARS-CoV-2 sequences from a FASTA file against a
// dataset folder, written as Nextclade's TSV (stdout unless --output-tsv) and aligned FASTA.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "genome/analysis_pipeline.h"
#include "genome/dataset.h"
#include "genome/fasta_reader.h"
#include "genome/sequence_analysis.h"

namespace shouwang::cli {
namespace {

struct GenomeAnalyzeOptions {
  std::string dataset_dir;
  std::string input_path;
  std::string output_tsv;
  std::string output_fasta;
  int jobs = 1;
};

Result<std::unique_ptr<std::ofstream>> open_output(const std::string& path) {
  auto stream = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*stream) return invalid_argument("cannot write " + path);
  return stream;
}

void run_genome_analyze(const GenomeAnalyzeOptions& options) {
  auto dataset = genome::load_dataset(options.dataset_dir);
  if (!dataset.is_ok()) fail(dataset.status());
  std::ifstream input(options.input_path, std::ios::binary);
  if (!input) fail(not_found("cannot read " + options.input_path));
  {
    // Refuse a file that is not FASTA before any output is created (reads the first record only).
    std::ifstream probe(options.input_path, std::ios::binary);
    genome::FastaReader probe_reader(probe, options.input_path);
    const auto first = probe_reader.next();
    if (!first.is_ok()) fail(first.status());
  }
  std::error_code size_error;
  const auto input_size = static_cast<int64_t>(std::filesystem::file_size(options.input_path, size_error));

  std::unique_ptr<std::ofstream> tsv_file;
  std::unique_ptr<std::ofstream> fasta_file;
  if (!options.output_tsv.empty()) {
    auto opened = open_output(options.output_tsv);
    if (!opened.is_ok()) fail(opened.status());
    tsv_file = std::move(opened).value();
  }
  if (!options.output_fasta.empty()) {
    auto opened = open_output(options.output_fasta);
    if (!opened.is_ok()) fail(opened.status());
    fasta_file = std::move(opened).value();
    *fasta_file << '>' << dataset->reference_name << '\n' << dataset->reference << '\n';
  }
  std::ostream& tsv = tsv_file ? *tsv_file : std::cout;
  tsv << genome::format_tsv_header() << '\n';

  genome::FastaReader reader(input, options.input_path);
  ProgressBar progress("genome analyze", size_error ? 0 : input_size);
  int64_t analysed = 0, failed = 0;
  const auto started = std::chrono::steady_clock::now();
  const Status status = genome::analyze_fasta_stream(
      *dataset, reader, options.jobs, [&](const genome::AnalysisOutcome& outcome) -> Status {
        ++analysed;
        if (outcome.result.is_ok()) {
          tsv << genome::format_tsv_row(*outcome.result) << '\n';
          if (fasta_file) *fasta_file << '>' << outcome.name << '\n' << outcome.result->aligned_query << '\n';
        } else {
          ++failed;
          tsv << genome::format_tsv_error_row(outcome.name, outcome.result.status()) << '\n';
        }
        if (!tsv) return unavailable("writing the TSV failed");
        if (input) progress.update(static_cast<int64_t>(input.tellg()));
        return Status::ok();
      });
  progress.finish();
  tsv.flush();
  if (!status.is_ok()) fail(status);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cerr << "analysed " << analysed << " sequence(s) in " << std::fixed << std::setprecision(2) << seconds
            << " s";
  if (failed > 0) std::cerr << "; " << failed << " could not be analysed (reason in the errors column)";
  std::cerr << "\n";
  if (failed > 0) exit_with(kExitErrors);
}

}  // namespace

void register_genome_command(CLI::App& app) {
  CLI::App* genome = app.add_subcommand("genome", "SARS-CoV-2 genome analysis (Nextclade-compatible)");
  genome->require_subcommand(1);
  auto options = std::make_shared<GenomeAnalyzeOptions>();
  CLI::App* analyze = genome->add_subcommand(
      "analyze",
      "Align sequences to the reference and report mutations, amino-acid changes, QC and clade as "
      "Nextclade 1.4's TSV. Exit status 1 when some sequence could not be analysed.");
  analyze->add_option("--dataset,--genome-dataset", options->dataset_dir,
                      "Dataset folder: reference.fasta, genemap.gff, qc.json, primers.csv, clades_*.tsv, "
                      "clade_hierarchy.tsv")
      ->envname("SHOUWANG_GENOME_DATASET")
      ->required()
      ->check(CLI::ExistingDirectory);
  analyze->add_option("--input", options->input_path, "Sequences in FASTA")->required()->check(CLI::ExistingFile);
  analyze->add_option("--output-tsv", options->output_tsv, "TSV results (default: standard output)");
  analyze->add_option("--output-fasta", options->output_fasta,
                      "Aligned sequences in reference coordinates, reference first");
  analyze->add_option("--jobs,-j", options->jobs, "Threads analysing sequences")->check(CLI::Range(1, 256));
  analyze->callback([options] { run_genome_analyze(*options); });
}

}  // namespace shouwang::cli
