// /api/v1/sequences and /api/v1/variants over the genome_ tables and the analysis engine.
#include "genome/sharing_routes.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/csv_reader.h"
#include "core/location.h"
#include "genome/alphabet.h"
#include "genome/dataset.h"
#include "genome/fasta_reader.h"
#include "genome/sequence_analysis.h"
#include "genome/sharing_store.h"
#include "store/auth.h"

namespace shouwang::genome {
namespace json = boost::json;
using http::Request;
using http::Response;
using http::RouteContext;
namespace {

// The dataset is loaded once, on the first submission that needs it; a failed load is not kept, so
// a dataset put in place after the server started is picked up by the next submission.
class DatasetCache {
 public:
  explicit DatasetCache(std::filesystem::path directory) : directory_(std::move(directory)) {}

  Result<std::shared_ptr<const Dataset>> get() {
    std::lock_guard lock(mutex_);
    if (dataset_) return dataset_;
    if (directory_.empty()) {
      return unavailable("sequence analysis is unavailable: the server was started without a SARS-CoV-2 dataset "
                         "(give it with --genome-dataset DIR or SHOUWANG_GENOME_DATASET)");
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(directory_, ec)) {
      return unavailable("sequence analysis is unavailable: the SARS-CoV-2 dataset folder " + directory_.string() +
                         " does not exist (start the server with --genome-dataset DIR)");
    }
    auto loaded = load_dataset(directory_);
    if (!loaded) {
      return unavailable("sequence analysis is unavailable: the SARS-CoV-2 dataset in " + directory_.string() +
                         " cannot be loaded: " + loaded.status().message());
    }
    dataset_ = std::make_shared<const Dataset>(std::move(loaded).value());
    return dataset_;
  }

 private:
  std::filesystem::path directory_;
  std::mutex mutex_;
  std::shared_ptr<const Dataset> dataset_;
};

// Who reads: anonymous, or the holder of a valid token, and what that lets them see.
struct Reader {
  bool has_token = false;
  Viewer viewer;
};

// Reading is open to anyone; a presented token must be valid (401 otherwise, as elsewhere) and
// widens what is visible: any reporter is a consortium member and owns its country's records.
Result<Reader> identify_reader(const RouteContext& ctx, const Request& request) {
  Reader reader;
  const std::string secret = request.bearer_token();
  if (secret.empty()) return reader;
  if (!ctx.authenticate) return internal_error("the sequence routes were registered without an authenticator");
  ASSIGN_OR_RETURN(http::Caller caller, ctx.authenticate(secret));
  reader.has_token = true;
  reader.viewer.sees_everything = caller.role == "admin";
  reader.viewer.consortium_member = caller.role == "reporter";
  if (caller.role == "reporter") reader.viewer.own_country = caller.location;
  return reader;
}

// Who may not see a record is told whether credentials would help (401) or these cannot (403).
Status refusal_for(const Reader& reader, const SequenceRecord& record) {
  const std::string what = "sequence " + std::to_string(record.id) + " is shared with " +
                           (record.metadata.tier == AccessTier::kConsortium
                                ? std::string("the consortium (reporter tokens)")
                                : "its owner, " + record.metadata.country + ", only");
  if (!reader.has_token) return unauthenticated(what + ": present a token");
  return permission_denied(what);
}

// The token the submission route's guard let in, as the store's may_report_for() reads it.
Result<store::Token> submitting_token(const Request& request) {
  if (!request.caller) return unauthenticated("submitting sequences needs a reporter or admin token");
  ASSIGN_OR_RETURN(store::Role role, store::parse_role(request.caller->role));
  return store::Token{.token_hash = request.caller->token_hash,
                      .role = role,
                      .location = request.caller->location,
                      .label = request.caller->label,
                      .created_at = {}};
}


Result<std::optional<Date>> date_param(const Request& request, const std::string& name) {
  const std::string text = request.param(name);
  if (text.empty()) return std::optional<Date>();
  auto date = Date::parse(text);
  if (!date) return invalid_argument("parameter '" + name + "' must be a date YYYY-MM-DD, got '" + text + "'");
  return std::optional<Date>(*date);
}

// ---- The analysis as JSON, from the Nextclade TSV row stored with the record ----

// Splits a row written by format_tsv_row: tab-separated cells, a cell holding a space or a tab in
// double quotes with inner quotes doubled. The row is one record: its cells come from single lines
// (sequence names, clade names, messages with spaces, which are quoted). A quoting problem is
// taken as the writer meant it, as before: nothing here was typed by a user.
std::vector<std::string> split_tsv_row(const std::string& row) {
  CsvReader reader(row, {.delimiter = '\t'});
  std::vector<std::string_view> fields;
  if (!reader.next(fields)) return {""};
  return std::vector<std::string>(fields.begin(), fields.end());
}

// Quoted as format_tsv_row quotes its cells, so the extra columns read like the analysis columns.
std::string quoted_tsv_cell(const std::string& cell) {
  if (cell.find_first_of(" \t\"") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += (c == '\t' || c == '\n') ? ' ' : c;
  }
  return out + "\"";
}

bool is_list_column(const std::string& column) {
  static const std::set<std::string> lists = {"substitutions", "deletions",   "insertions", "frameShifts",
                                              "aaSubstitutions", "aaDeletions", "missing",    "nonACGTNs",
                                              "pcrPrimerChanges"};
  return lists.contains(column);
}

bool is_number_column(const std::string& column) {
  if (column == "qc.overallStatus") return false;
  return column.starts_with("total") || column.starts_with("qc.") || column == "alignmentStart" ||
         column == "alignmentEnd";
}

// Nextclade's column names as keys; lists as arrays of Nextclade's cell items ("C241T", "S:N501Y",
// "11288-11296"); counts and scores as numbers; null where a record that could not be analysed has none.
json::object analysis_json(const std::string& tsv_row) {
  const auto& columns = tsv_columns();
  const std::vector<std::string> cells = split_tsv_row(tsv_row);
  json::object analysis;
  for (size_t c = 0; c < columns.size(); ++c) {
    const std::string& column = columns[c];
    const std::string cell = c < cells.size() ? cells[c] : "";
    if (column == "seqName") continue;  // the record's name is given beside the analysis
    if (is_list_column(column)) {
      json::array items;
      std::istringstream parts(cell);
      for (std::string item; std::getline(parts, item, ',');) {
        if (!item.empty()) items.emplace_back(item);
      }
      analysis[column] = std::move(items);
    } else if (is_number_column(column)) {
      double value = 0;
      auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
      if (cell.empty() || ec != std::errc() || ptr != cell.data() + cell.size()) {
        analysis[column] = nullptr;
      } else {
        analysis[column] = json_number(value);
      }
    } else {
      analysis[column] = cell;
    }
  }
  return analysis;
}

json::object record_json(const SequenceRecord& record) {
  json::object out{{"id", record.id},
                   {"submission_id", record.submission_id},
                   {"name", record.name},
                   {"country", record.metadata.country},
                   {"collection_date", record.metadata.collection_date.to_string()},
                   {"collection_week", IsoWeek::containing(record.metadata.collection_date).to_string()},
                   {"lab", record.metadata.lab},
                   {"tier", std::string(access_tier_name(record.metadata.tier))},
                   {"licence", record.metadata.licence},
                   {"acknowledgement", record.metadata.acknowledgement},
                   {"submitted_at", record.submitted_at.to_string()},
                   {"submitted_by", record.submitted_by},
                   {"sequence_length", record.sequence_length},
                   {"clade", record.clade},
                   {"qc_status", record.qc_status},
                   {"qc_score", record.qc_score ? json_number(*record.qc_score) : json::value(nullptr)},
                   {"errors", record.errors},
                   {"analysis", analysis_json(record.analysis_tsv)}};
  if (!record.sequence.empty()) out["sequence"] = record.sequence;
  return out;
}

// ---- FASTA download: the licence and acknowledgement travel in each record's header ----

// NCBI-style [key=value] modifiers after the name: tools that take the first word as the identifier
// keep working, and the terms stay attached to the letters wherever the file goes.
std::string header_value(std::string value) {
  for (char& c : value) {
    if (c == '[') c = '(';
    if (c == ']') c = ')';
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return value;
}

std::string fasta_entry(const SequenceRecord& record) {
  const SequenceMetadata& m = record.metadata;
  std::string out = ">";
  out += header_value(record.name);
  auto modifier = [&out](std::string_view key, const std::string& value) {
    out += " [";
    out += key;
    out += '=';
    out += header_value(value);
    out += ']';
  };
  modifier("shouwang_id", std::to_string(record.id));
  modifier("country", m.country);
  modifier("collection_date", m.collection_date.to_string());
  modifier("lab", m.lab);
  modifier("tier", std::string(access_tier_name(m.tier)));
  modifier("licence", m.licence);
  modifier("acknowledgement", m.acknowledgement);
  out += '\n';
  constexpr size_t kLineWidth = 60;
  for (size_t i = 0; i < record.sequence.size(); i += kLineWidth) {
    out += record.sequence.substr(i, kLineWidth);
    out += '\n';
  }
  return out;
}

Response fasta_response(std::string body, const std::string& filename) {
  Response response = Response::text(std::move(body), "text/x-fasta; charset=utf-8");
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  return response;
}

// ---- Submission ----

std::string default_licence(AccessTier tier) {
  switch (tier) {
    case AccessTier::kPublic: return "CC-BY-4.0";
    case AccessTier::kConsortium:
      return "Shouwang consortium terms: use within the consortium only, no redistribution, acknowledge the "
             "submitting laboratory";
    case AccessTier::kOwner:
      return "Owner only: no use or redistribution without the submitting laboratory's written permission";
  }
  return "";
}

struct Submission {
  SequenceMetadata metadata;
  std::string fasta;
};

// Metadata from a JSON body {"fasta", "country", "collection_date", "lab", "tier", "licence",
// "acknowledgement"} or, for a FASTA body, from the query parameters of the same names.
Result<Submission> read_submission(const Request& request, Date today) {
  std::map<std::string, std::string> fields;
  for (const char* name : {"country", "collection_date", "lab", "tier", "licence", "acknowledgement"}) {
    fields[name] = request.param(name);
  }
  Submission submission;
  const size_t first_char = request.body.find_first_not_of(" \t\r\n");
  const bool is_json = request.header("content-type").find("json") != std::string::npos ||
                       (first_char != std::string::npos && request.body[first_char] == '{');
  if (is_json) {
    boost::system::error_code ec;
    json::value body = json::parse(request.body, ec);
    if (ec || !body.is_object()) {
      return invalid_argument("the body is not a JSON object (" + (ec ? ec.message() : std::string("not an object")) +
                              "); send {\"fasta\": \"...\", \"country\": ...} or FASTA text");
    }
    for (const auto& [key, value] : body.as_object()) {
      if (!value.is_string()) return invalid_argument("field '" + std::string(key) + "' must be a string");
      if (key == "fasta") {
        submission.fasta = std::string(value.as_string());
      } else if (fields.contains(std::string(key))) {
        fields[std::string(key)] = std::string(value.as_string());
      } else {
        return invalid_argument("unknown field '" + std::string(key) +
                                "' (fasta, country, collection_date, lab, tier, licence, acknowledgement)");
      }
    }
    if (submission.fasta.empty()) return invalid_argument("field 'fasta' is required: the sequences in FASTA");
  } else {
    submission.fasta = request.body;
  }

  SequenceMetadata& m = submission.metadata;
  m.country = fields["country"];
  if (m.country.empty()) return invalid_argument("'country' is required (ISO 3166-1 alpha-3, e.g. GBR)");
  auto level = level_of_location_code(m.country);
  if (!level || *level != LocationLevel::kCountry) {
    return invalid_argument("'country' must be a country code (ISO 3166-1 alpha-3, e.g. GBR), got '" + m.country + "'");
  }
  const std::string& date_text = fields["collection_date"];
  if (date_text.empty()) return invalid_argument("'collection_date' is required (YYYY-MM-DD)");
  auto date = Date::parse(date_text);
  if (!date) return invalid_argument("'collection_date' must be a date YYYY-MM-DD, got '" + date_text + "'");
  if (*date > today) {
    return invalid_argument("'collection_date' " + date_text + " is after today (" + today.to_string() + ")");
  }
  m.collection_date = *date;
  m.lab = fields["lab"];
  if (m.lab.empty()) return invalid_argument("'lab' is required: the submitting laboratory");
  if (fields["tier"].empty()) {
    return invalid_argument("'tier' is required: public, consortium or owner (who may see these sequences)");
  }
  ASSIGN_OR_RETURN(m.tier, parse_access_tier(fields["tier"]));
  m.licence = fields["licence"].empty() ? default_licence(m.tier) : fields["licence"];
  m.acknowledgement = fields["acknowledgement"].empty()
                          ? "We gratefully acknowledge " + m.lab + " (" + m.country +
                                ") for generating and sharing this sequence through Shouwang."
                          : fields["acknowledgement"];
  return submission;
}

// Every record, or the reason the body is not acceptable FASTA: not FASTA at all (the reader's
// message), a record without a name or letters, or a character that is no nucleotide (named with
// its record and position, rather than analysed into an error row as a sequence that fails to align).
Result<std::vector<FastaRecord>> read_fasta_records(const std::string& text, size_t max_records) {
  std::istringstream input(text);
  FastaReader reader(input, "the request body");
  std::vector<FastaRecord> records;
  while (true) {
    ASSIGN_OR_RETURN(auto record, reader.next());
    if (!record) break;
    const std::string label = "record " + std::to_string(record->index + 1);
    if (record->name.empty()) return invalid_argument(label + " has an empty '>' header: each sequence needs a name");
    if (record->sequence.empty()) {
      return invalid_argument(label + " ('" + record->name + "') has no sequence letters");
    }
    for (size_t i = 0; i < record->sequence.size(); ++i) {
      const char letter = record->sequence[i];
      if (letter == kGap || nucleotide_mask(letter) == 0) {
        return invalid_argument(label + " ('" + record->name + "') holds '" + std::string(1, letter) +
                                "' at position " + std::to_string(i + 1) +
                                ", which is not a nucleotide (IUPAC letters only)");
      }
    }
    if (records.size() == max_records) {
      return invalid_argument("a submission holds at most " + std::to_string(max_records) +
                              " sequences; split the file");
    }
    records.push_back(std::move(*record));
  }
  return records;
}

// The records are in memory already and validated, so a plain worker loop over them is all the
// parallelism needed (the engine's streaming pipeline is for files of any size).
std::vector<NewSequence> analyze_records(const Dataset& dataset, std::vector<FastaRecord>& records, int threads) {
  std::vector<NewSequence> analysed(records.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < records.size(); i = next++) {
      NewSequence& out = analysed[i];
      out.name = records[i].name;
      auto analysis = analyze_sequence(dataset, records[i].name, records[i].sequence);
      if (analysis) {
        out.analysis_tsv = format_tsv_row(*analysis);
        out.clade = analysis->clade;
        out.qc_status = analysis->qc.overall_status;
        out.qc_score = analysis->qc.overall_score;
      } else {
        out.analysis_tsv = format_tsv_error_row(records[i].name, analysis.status());
        out.errors = analysis.status().message();
      }
      out.sequence = std::move(records[i].sequence);
    }
  };
  const int workers = std::clamp<int>(threads, 1, static_cast<int>(std::max<size_t>(records.size(), 1)));
  std::vector<std::thread> pool;
  for (int t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  return analysed;
}

// A country of the location catalogue: a submission names one of the catalogue's countries, and an
// empty catalogue knows none (`shouwang serve` fills it when it creates the database).
Status check_country_is_known(const LocationCatalogue& catalogue, const std::string& country) {
  ASSIGN_OR_RETURN(auto locations, catalogue());
  const bool known = std::any_of(locations.begin(), locations.end(), [&](const Location& l) {
    return l.code == country && l.level == LocationLevel::kCountry;
  });
  if (!known) return invalid_argument("unknown country '" + country + "'");
  return Status::ok();
}

Response submit_sequences(const RouteContext& ctx, const LocationCatalogue& catalogue, GenomeStore& genomes,
                          DatasetCache& datasets, const GenomeSharingOptions& options, const Request& request) {
  const Timestamp received_at = ctx.clock->now();
  // The route's guard has checked the token and its role (reporter or admin) before the body was
  // read, and hands it over: no second lookup.
  auto guarded = submitting_token(request);
  if (!guarded) return Response::error(guarded.status());
  const store::Token& token = *guarded;
  auto today = Date::parse(received_at.to_string().substr(0, 10));
  if (!today) return Response::error(today.status());
  auto submission = read_submission(request, *today);
  if (!submission) return Response::error(submission.status());
  const SequenceMetadata& metadata = submission->metadata;
  if (!store::may_report_for(token, metadata.country)) {
    return Response::error(permission_denied(
        "this token submits for " + (token.location.empty() ? std::string("no country") : token.location) +
        ", not for " + metadata.country));
  }
  if (Status known = check_country_is_known(catalogue, metadata.country); !known.is_ok()) return Response::error(known);

  auto records = read_fasta_records(submission->fasta, options.max_records_per_submission);
  if (!records) return Response::error(records.status());
  auto dataset = datasets.get();
  if (!dataset) return Response::error(dataset.status());
  std::vector<NewSequence> analysed = analyze_records(**dataset, *records, options.analysis_threads);

  auto ids = genomes.add_submission(metadata, analysed, token.label, received_at);
  if (!ids) return Response::error(ids.status());

  json::array stored;
  int64_t with_errors = 0;
  for (size_t i = 0; i < analysed.size(); ++i) {
    SequenceRecord record;
    record.id = (*ids)[i];
    record.name = analysed[i].name;
    record.metadata = metadata;
    record.submitted_at = received_at;
    record.submitted_by = token.label;
    record.sequence_length = static_cast<int64_t>(analysed[i].sequence.size());
    record.analysis_tsv = analysed[i].analysis_tsv;
    record.clade = analysed[i].clade;
    record.qc_status = analysed[i].qc_status;
    record.qc_score = analysed[i].qc_score;
    record.errors = analysed[i].errors;
    if (!record.errors.empty()) ++with_errors;
    json::object entry = record_json(record);
    entry.erase("submission_id");
    stored.push_back(std::move(entry));
  }
  json::array ids_json;
  for (int64_t id : *ids) ids_json.push_back(id);
  return Response::json(json::object{{"ids", std::move(ids_json)},
                                     {"stored", static_cast<int64_t>(analysed.size())},
                                     {"not_analysed", with_errors},
                                     {"records", std::move(stored)}},
                        201);
}

Response list_sequences(const RouteContext& ctx, GenomeStore& genomes, const Request& request) {
  auto reader = identify_reader(ctx, request);
  if (!reader) return Response::error(reader.status());
  const std::string format = request.param("format").empty() ? "json" : request.param("format");
  if (format != "json" && format != "fasta" && format != "tsv") {
    return Response::error(invalid_argument("parameter 'format' must be json, fasta or tsv, got '" + format + "'"));
  }
  SequenceQuery query;
  if (auto country = request.param("country"); !country.empty()) query.country = country;
  if (auto clade = request.param("clade"); !clade.empty()) query.clade = clade;
  auto from = date_param(request, "from");
  if (!from) return Response::error(from.status());
  auto to = date_param(request, "to");
  if (!to) return Response::error(to.status());
  query.collected_from = *from;
  query.collected_to = *to;
  auto limit = whole_number_param(request, "limit", 100, 1, 10000);
  if (!limit) return Response::error(limit.status());
  auto offset = whole_number_param(request, "offset", 0, 0, std::numeric_limits<int64_t>::max());
  if (!offset) return Response::error(offset.status());
  query.limit = *limit;
  query.offset = *offset;
  query.with_sequence = format == "fasta";

  auto records = genomes.list(query, reader->viewer);
  if (!records) return Response::error(records.status());

  if (format == "fasta") {
    std::string body;
    for (const auto& record : *records) body += fasta_entry(record);
    return fasta_response(std::move(body), "shouwang-sequences.fasta");
  }
  if (format == "tsv") {
    std::string body = format_tsv_header() + "\tshouwang_id\tcountry\tcollection_date\ttier\tlicence\n";
    for (const auto& record : *records) {
      body += record.analysis_tsv + "\t" + std::to_string(record.id) + "\t" + record.metadata.country + "\t" +
              record.metadata.collection_date.to_string() + "\t" + std::string(access_tier_name(record.metadata.tier)) +
              "\t" + quoted_tsv_cell(record.metadata.licence) + "\n";
    }
    return Response::text(std::move(body), "text/tab-separated-values; charset=utf-8");
  }
  json::array items;
  for (const auto& record : *records) items.push_back(record_json(record));
  json::array tiers{"public"};
  if (reader->viewer.sees_everything || reader->viewer.consortium_member) tiers.emplace_back("consortium");
  if (reader->viewer.sees_everything) {
    tiers.emplace_back("owner");
  } else if (!reader->viewer.own_country.empty()) {
    tiers.emplace_back("owner:" + reader->viewer.own_country);
  }
  return Response::json(json::object{{"count", static_cast<int64_t>(items.size())},
                                     {"limit", query.limit},
                                     {"offset", query.offset},
                                     {"visible_tiers", std::move(tiers)},
                                     {"records", std::move(items)}});
}

Response get_sequence(const RouteContext& ctx, GenomeStore& genomes, const Request& request) {
  auto parsed_id = http::parse_id(request.path_params.at("id"));
  if (!parsed_id) return Response::error(parsed_id.status());
  const int64_t id = *parsed_id;
  const std::string format = request.param("format").empty() ? "json" : request.param("format");
  if (format != "json" && format != "fasta") {
    return Response::error(invalid_argument("parameter 'format' must be json or fasta, got '" + format + "'"));
  }
  auto reader = identify_reader(ctx, request);
  if (!reader) return Response::error(reader.status());
  auto record = genomes.find(id, true);
  if (!record) return Response::error(record.status());
  if (!may_see(reader->viewer, record->metadata)) return Response::error(refusal_for(*reader, *record));
  if (format == "fasta") return fasta_response(fasta_entry(*record), "shouwang-sequence-" + std::to_string(id) + ".fasta");
  return Response::json(record_json(*record));
}

// WORLD (or nothing): every country; a WHO region: its countries in the catalogue; a country: itself.
Result<std::vector<std::string>> countries_of(const LocationCatalogue& catalogue, const std::string& location) {
  if (location.empty() || location == "WORLD") return std::vector<std::string>{};
  ASSIGN_OR_RETURN(LocationLevel level, level_of_location_code(location));
  if (level == LocationLevel::kCountry) return std::vector<std::string>{location};
  if (level != LocationLevel::kRegion) {
    return invalid_argument("variants are counted per country: 'location' must be WORLD, a WHO region or a country, "
                            "got '" + location + "'");
  }
  ASSIGN_OR_RETURN(auto locations, catalogue());
  std::vector<std::string> countries;
  for (const auto& l : locations) {
    if (l.level == LocationLevel::kCountry && l.parent == location) countries.push_back(l.code);
  }
  if (countries.empty()) return not_found("no country of region " + location + " is in the catalogue");
  return countries;
}

Response variants(const LocationCatalogue& catalogue, GenomeStore& genomes, const Request& request) {
  const std::string location = request.param("location").empty() ? "WORLD" : request.param("location");
  auto countries = countries_of(catalogue, location);
  if (!countries) return Response::error(countries.status());
  auto from = date_param(request, "from");
  if (!from) return Response::error(from.status());
  auto to = date_param(request, "to");
  if (!to) return Response::error(to.status());
  auto counts = genomes.weekly_public_clade_counts(*countries, *from, *to);
  if (!counts) return Response::error(counts.status());

  std::set<std::string> clades;
  std::map<IsoWeek, std::map<std::string, int64_t>> by_week;
  for (const auto& c : *counts) {
    clades.insert(c.clade);
    by_week[c.week][c.clade] += c.count;
  }
  // Every week from the first to the last with data, so a chart's time axis has no holes.
  json::array weeks;
  if (!by_week.empty()) {
    const IsoWeek last = by_week.rbegin()->first;
    for (IsoWeek week = by_week.begin()->first; week <= last; week = week.next()) {
      json::object week_counts;
      int64_t total = 0;
      if (auto it = by_week.find(week); it != by_week.end()) {
        for (const auto& [clade, n] : it->second) {
          week_counts[clade] = n;
          total += n;
        }
      }
      weeks.push_back(json::object{{"week", week.to_string()},
                                   {"start", week.monday().to_string()},
                                   {"total", total},
                                   {"clades", std::move(week_counts)}});
    }
  }
  json::array clade_list;
  for (const auto& clade : clades) clade_list.emplace_back(clade);
  return Response::json(json::object{{"location", location},
                                     {"from", *from ? json::value((*from)->to_string()) : json::value(nullptr)},
                                     {"to", *to ? json::value((*to)->to_string()) : json::value(nullptr)},
                                     {"tier", "public"},
                                     {"clades", std::move(clade_list)},
                                     {"weeks", std::move(weeks)}});
}

}  // namespace

void add_genome_routes(http::Router& router, const RouteContext& ctx, GenomeStore& genomes, LocationCatalogue locations,
                       GenomeSharingOptions options) {
  auto datasets = std::make_shared<DatasetCache>(options.dataset_dir);
  router.add("POST", "/api/v1/sequences", [ctx, locations, &genomes, datasets, options](const Request& request) {
    return submit_sequences(ctx, locations, genomes, *datasets, options, request);
  }, http::token_route(ctx.authenticate, {"reporter", "admin"}, ctx.max_upload_bytes));
  router.add("GET", "/api/v1/sequences",
             [ctx, &genomes](const Request& request) { return list_sequences(ctx, genomes, request); });
  router.add("GET", "/api/v1/sequences/{id}",
             [ctx, &genomes](const Request& request) { return get_sequence(ctx, genomes, request); });
  router.add("GET", "/api/v1/variants",
             [locations, &genomes](const Request& request) { return variants(locations, genomes, request); });
}

}  // namespace shouwang::genome
