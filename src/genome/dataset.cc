#include "genome/dataset.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "core/csv_reader.h"
#include "genome/alphabet.h"
#include "genome/fasta_reader.h"

namespace shouwang::genome {
namespace {

// nextalign 1.x defaults: a gap is cheapest to open at a codon boundary inside a gene, dearer inside a
// codon, and costs the flat penalty outside genes.
constexpr int kFlatGapOpen = 6;
constexpr int kGapOpenInFrame = 7;
constexpr int kGapOpenOutOfFrame = 8;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<int> parse_int(std::string_view text, std::string_view what) {
  text = trim(text);
  try {
    size_t used = 0;
    const int value = std::stoi(std::string(text), &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  return invalid_argument(std::string(what) + ": not an integer: \"" + std::string(text) + "\"");
}

std::vector<int> codon_aware_gap_open_cost(const std::string& reference, const std::vector<Gene>& genes) {
  std::vector<int> cost(reference.size() + 2, kFlatGapOpen);
  for (const Gene& gene : genes) {
    for (int i = gene.start; i < gene.end - 2; i += 3) {
      cost[i] = kGapOpenInFrame;
      cost[i + 1] = kGapOpenOutOfFrame;
      cost[i + 2] = kGapOpenOutOfFrame;
    }
  }
  return cost;
}

// Finds `pattern` (with non-ACGT letters matching anything) in the reference: first hit, or -1.
int find_with_wildcards(const std::string& reference, const std::string& pattern) {
  if (pattern.empty() || pattern.size() > reference.size()) return -1;
  for (size_t start = 0; start + pattern.size() <= reference.size(); ++start) {
    bool hit = true;
    for (size_t i = 0; i < pattern.size() && hit; ++i) {
      hit = !is_acgt(pattern[i]) || pattern[i] == reference[start + i];
    }
    if (hit) return static_cast<int>(start);
  }
  return -1;
}

std::optional<std::string> reverse_complement(const std::string& sequence) {
  std::string result;
  result.reserve(sequence.size());
  for (auto it = sequence.rbegin(); it != sequence.rend(); ++it) {
    const auto complement = complement_nucleotide(*it);
    if (!complement) return std::nullopt;
    result += *complement;
  }
  return result;
}

}  // namespace

Result<std::vector<Gene>> parse_gene_map_gff(const std::string& text) {
  std::vector<Gene> genes;
  int line_number = 0;
  for (const std::string& line : lines_of(text)) {
    ++line_number;
    const std::string_view content = trim(line);
    if (content.empty() || content.front() == '#') continue;
    const std::vector<std::string> columns = split(line, '\t');
    const std::string where = "genemap.gff line " + std::to_string(line_number);
    if (columns.size() < 9) return invalid_argument(where + ": expected 9 tab-separated columns");
    if (trim(columns[2]) != "gene") continue;
    ASSIGN_OR_RETURN(const int start, parse_int(columns[3], where + " start"));
    ASSIGN_OR_RETURN(const int end, parse_int(columns[4], where + " end"));
    std::string name;
    for (const std::string& attribute : split(columns[8], ';')) {
      const std::string_view pair = trim(attribute);
      size_t separator = pair.find('=');
      if (separator == std::string_view::npos) separator = pair.find(' ');
      if (separator == std::string_view::npos) continue;
      const auto unquote = [](std::string_view value) {
        value = trim(value);
        while (!value.empty() && (value.front() == '"' || value.front() == '\'')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '"' || value.back() == '\'')) value.remove_suffix(1);
        return std::string(value);
      };
      if (unquote(pair.substr(0, separator)) == "gene_name") name = unquote(pair.substr(separator + 1));
    }
    if (name.empty()) return invalid_argument(where + ": gene without gene_name attribute");
    if (start < 1 || start > end) return invalid_argument(where + ": invalid range for gene " + name);
    if ((end - start + 1) % 3 != 0) {
      return invalid_argument(where + ": length of gene " + name + " is not a multiple of 3");
    }
    if (trim(columns[6]) != "+") {
      return invalid_argument(where + ": gene " + name + " is not on the + strand (not supported)");
    }
    genes.push_back(Gene{name, start - 1, end});
  }
  std::sort(genes.begin(), genes.end(), [](const Gene& a, const Gene& b) { return a.name < b.name; });
  return genes;
}

Result<QcConfig> parse_qc_config(const std::string& json_text) {
  boost::system::error_code error;
  const boost::json::value root = boost::json::parse(json_text, error);
  if (error || !root.is_object()) return invalid_argument("qc.json is not a JSON object: " + error.message());
  const auto& object = root.as_object();
  const auto number = [](const boost::json::object& rule, std::string_view key) -> double {
    const auto* value = rule.if_contains(key);
    if (value == nullptr) return 0.0;
    if (value->is_int64()) return static_cast<double>(value->as_int64());
    if (value->is_uint64()) return static_cast<double>(value->as_uint64());
    if (value->is_double()) return value->as_double();
    return 0.0;
  };
  const auto rule = [&](std::string_view key) -> const boost::json::object* {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_object() ? &value->as_object() : nullptr;
  };
  const auto enabled = [](const boost::json::object* r) {
    if (r == nullptr) return false;
    const auto* value = r->if_contains("enabled");
    return value != nullptr && value->is_bool() && value->as_bool();
  };
  QcConfig config;
  if (const auto* r = rule("missingData"); enabled(r)) {
    config.missing_data_enabled = true;
    config.missing_data_threshold = number(*r, "missingDataThreshold");
    config.missing_data_score_bias = number(*r, "scoreBias");
  }
  if (const auto* r = rule("mixedSites"); enabled(r)) {
    config.mixed_sites_enabled = true;
    config.mixed_sites_threshold = number(*r, "mixedSitesThreshold");
  }
  if (const auto* r = rule("privateMutations"); enabled(r)) {
    config.private_mutations_enabled = true;
    config.private_mutations_typical = number(*r, "typical");
    config.private_mutations_cutoff = number(*r, "cutoff");
  }
  if (const auto* r = rule("snpClusters"); enabled(r)) {
    config.snp_clusters_enabled = true;
    config.snp_cluster_window = static_cast<int>(number(*r, "windowSize"));
    config.snp_cluster_cutoff = static_cast<int>(number(*r, "clusterCutOff"));
    config.snp_cluster_score_weight = number(*r, "scoreWeight");
  }
  if (const auto* r = rule("frameShifts"); enabled(r)) {
    config.frame_shifts_enabled = true;
    if (const auto* list = r->if_contains("ignoredFrameShifts"); list != nullptr && list->is_array()) {
      for (const auto& item : list->as_array()) {
        if (!item.is_object()) continue;
        const auto& entry = item.as_object();
        IgnoredFrameShift ignored;
        if (const auto* gene = entry.if_contains("geneName"); gene != nullptr && gene->is_string()) {
          ignored.gene = std::string(gene->as_string());
        }
        if (const auto* range = entry.if_contains("codonRange"); range != nullptr && range->is_object()) {
          ignored.codons = {static_cast<int>(number(range->as_object(), "begin")),
                            static_cast<int>(number(range->as_object(), "end"))};
        }
        config.ignored_frame_shifts.push_back(std::move(ignored));
      }
    }
  }
  if (const auto* r = rule("stopCodons"); enabled(r)) {
    config.stop_codons_enabled = true;
    if (const auto* list = r->if_contains("ignoredStopCodons"); list != nullptr && list->is_array()) {
      for (const auto& item : list->as_array()) {
        if (!item.is_object()) continue;
        const auto& entry = item.as_object();
        GeneCodonLocation ignored;
        if (const auto* gene = entry.if_contains("geneName"); gene != nullptr && gene->is_string()) {
          ignored.gene = std::string(gene->as_string());
        }
        ignored.codon = static_cast<int>(number(entry, "codon"));
        config.ignored_stop_codons.push_back(std::move(ignored));
      }
    }
  }
  return config;
}

Result<std::vector<PcrPrimer>> parse_pcr_primers_csv(const std::string& text, const std::string& reference) {
  std::vector<PcrPrimer> primers;
  // Lines starting with '#' are comments; institutes with a comma in their name are quoted. A quote
  // inside an unquoted field is an error, as it was when quotes toggled anywhere in a line.
  CsvReader reader(text, {.trim_blanks = true, .comment = '#', .strict_quotes = true});
  std::vector<std::string_view> fields;
  size_t name_column = 0, sequence_column = 0;
  bool header_seen = false;
  while (reader.next(fields)) {
    if (is_blank_record(fields, reader.raw_record())) continue;
    if (reader.malformed()) {
      return invalid_argument("primers.csv line " + std::to_string(reader.line()) + ": " +
                              std::string(csv_problem_text(reader.problem())));
    }
    if (!header_seen) {
      const CsvHeader header(fields);
      const std::optional<size_t> name = header.find("Oligonucleotide"), sequence = header.find("Sequence");
      if (!name || !sequence) {
        return invalid_argument("primers.csv: header needs the columns Oligonucleotide and Sequence");
      }
      name_column = *name;
      sequence_column = *sequence;
      header_seen = true;
      continue;
    }
    if (fields.size() <= std::max(name_column, sequence_column)) continue;
    const std::string name(fields[name_column]);
    std::string oligo;
    for (char c : fields[sequence_column]) oligo += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // A reverse primer is written 5'->3' on the other strand; try it as written only after its complement.
    const bool reverse = name.size() >= 2 && name.substr(name.size() - 2) == "_R";
    std::optional<std::string> candidate = reverse ? reverse_complement(oligo) : std::optional<std::string>(oligo);
    if (!candidate) return invalid_argument("primers.csv: primer " + name + " has a letter without complement");
    int begin = find_with_wildcards(reference, *candidate);
    if (begin < 0) {
      candidate = reverse_complement(*candidate);
      if (!candidate) return invalid_argument("primers.csv: primer " + name + " has a letter without complement");
      begin = find_with_wildcards(reference, *candidate);
    }
    if (begin < 0) continue;  // primer of another reference: Nextclade warns and skips it
    PcrPrimer primer{name, Range{begin, begin + static_cast<int>(candidate->size())}, {}};
    for (int i = 0; i < static_cast<int>(candidate->size()); ++i) {
      if (!is_acgt((*candidate)[i])) primer.ambiguous_sites.emplace_back(begin + i, (*candidate)[i]);
    }
    primers.push_back(std::move(primer));
  }
  return primers;
}

Result<std::vector<Clade>> parse_clades(const std::string& clades_tsv, const std::string& hierarchy_tsv) {
  // Both files are TSV with a header line; lines of blanks alone are skipped.
  const CsvOptions tsv{.delimiter = '\t', .trim_blanks = true};
  auto quote_error = [](std::string_view file, const CsvReader& reader) {
    return invalid_argument(std::string(file) + " line " + std::to_string(reader.line()) + ": " +
                            std::string(csv_problem_text(reader.problem(), '\t')));
  };
  std::vector<std::string_view> fields;
  std::map<std::string, std::string> parent_of;
  CsvReader hierarchy(hierarchy_tsv, tsv);
  hierarchy.next(fields);  // the header: clade, parent, ...
  while (hierarchy.next(fields)) {
    if (trim(hierarchy.raw_record()).empty()) continue;
    if (hierarchy.malformed()) return quote_error("clade_hierarchy.tsv", hierarchy);
    if (fields.size() >= 2 && !trim(fields[1]).empty()) {
      parent_of[std::string(trim(fields[0]))] = std::string(trim(fields[1]));
    }
  }

  std::vector<Clade> clades;
  std::map<std::string, size_t> index_of;  // by short name ("20I")
  CsvReader reader(clades_tsv, tsv);
  reader.next(fields);  // the header: clade, gene, site, alt
  while (reader.next(fields)) {
    if (trim(reader.raw_record()).empty()) continue;
    if (reader.malformed()) return quote_error("clades file", reader);
    if (fields.size() < 4) {
      return invalid_argument("clades file line " + std::to_string(reader.line()) + ": 4 columns expected");
    }
    if (trim(fields[1]) != "nuc") continue;  // amino-acid alleles are implied by the nucleotide ones
    const std::string name(trim(fields[0]));
    ASSIGN_OR_RETURN(const int site, parse_int(fields[2], "clades file site"));
    const std::string_view allele = trim(fields[3]);
    if (allele.size() != 1) continue;
    const std::string short_name = name.substr(0, name.find(' '));
    auto [it, inserted] = index_of.emplace(short_name, clades.size());
    if (inserted) clades.push_back(Clade{name, -1, {}, {}});
    clades[it->second].alleles.push_back(CladeAllele{site - 1, allele.front()});
  }
  for (auto& [short_name, index] : index_of) {
    const auto parent = parent_of.find(short_name);
    if (parent == parent_of.end()) continue;
    const auto parent_index = index_of.find(parent->second);
    if (parent_index == index_of.end()) {
      return invalid_argument("clade_hierarchy.tsv: parent " + parent->second + " of " + short_name +
                              " has no alleles in the clades file");
    }
    clades[index].parent = static_cast<int>(parent_index->second);
  }
  for (Clade& clade : clades) {
    for (const CladeAllele& allele : clade.alleles) {
      const bool inherited =
          clade.parent >= 0 && std::any_of(clades[clade.parent].alleles.begin(), clades[clade.parent].alleles.end(),
                                           [&](const CladeAllele& a) {
                                             return a.position == allele.position && a.allele == allele.allele;
                                           });
      if (!inherited) clade.own_alleles.push_back(allele);
    }
  }
  return clades;
}

Result<Dataset> load_dataset(const std::filesystem::path& directory) {
  if (!std::filesystem::is_directory(directory)) return not_found("dataset folder not found: " + directory.string());
  Dataset dataset;

  std::ifstream reference_file(directory / "reference.fasta");
  if (!reference_file) return not_found("cannot read " + (directory / "reference.fasta").string());
  FastaReader reader(reference_file, (directory / "reference.fasta").string());
  ASSIGN_OR_RETURN(auto reference_record, reader.next());
  if (!reference_record || reference_record->sequence.empty()) {
    return invalid_argument("reference.fasta holds no sequence");
  }
  dataset.reference_name = reference_record->name;
  dataset.reference = reference_record->sequence;
  for (char c : dataset.reference) {
    if (nucleotide_mask(c) == 0) return invalid_argument(std::string("reference.fasta: invalid nucleotide '") + c + "'");
  }

  ASSIGN_OR_RETURN(const std::string gff, read_file(directory / "genemap.gff"));
  ASSIGN_OR_RETURN(dataset.genes, parse_gene_map_gff(gff));
  for (const Gene& gene : dataset.genes) {
    if (gene.end > static_cast<int>(dataset.reference.size())) {
      return invalid_argument("genemap.gff: gene " + gene.name + " ends past the reference");
    }
    dataset.reference_peptides[gene.name] =
        translate_coding_sequence(std::string_view(dataset.reference).substr(gene.start, gene.end - gene.start));
  }
  dataset.nucleotide_gap_open_cost = codon_aware_gap_open_cost(dataset.reference, dataset.genes);
  dataset.aminoacid_gap_open_cost.assign(dataset.reference.size() + 2, kFlatGapOpen);

  ASSIGN_OR_RETURN(const std::string qc_json, read_file(directory / "qc.json"));
  ASSIGN_OR_RETURN(dataset.qc, parse_qc_config(qc_json));

  ASSIGN_OR_RETURN(const std::string primers_csv, read_file(directory / "primers.csv"));
  ASSIGN_OR_RETURN(dataset.primers, parse_pcr_primers_csv(primers_csv, dataset.reference));

  std::filesystem::path clades_path;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string file_name = entry.path().filename().string();
    if (file_name.starts_with("clades") && file_name.ends_with(".tsv")) {
      if (clades_path.empty() || file_name > clades_path.filename().string()) clades_path = entry.path();
    }
  }
  if (clades_path.empty()) return not_found("no clades_*.tsv in " + directory.string());
  ASSIGN_OR_RETURN(const std::string clades_tsv, read_file(clades_path));
  ASSIGN_OR_RETURN(const std::string hierarchy_tsv, read_file(directory / "clade_hierarchy.tsv"));
  ASSIGN_OR_RETURN(dataset.clades, parse_clades(clades_tsv, hierarchy_tsv));
  return dataset;
}

}  // namespace shouwang::genome
