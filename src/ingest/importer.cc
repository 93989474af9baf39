// The import pipeline.
#include "ingest/importer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "core/indicator.h"
#include "ingest/reference_data.h"
#include "ingest/validation.h"

namespace shouwang::ingest {

Result<std::string> read_whole_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return not_found("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return invalid_argument(path + " is not a regular file");
  }
  std::string content;
  content.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::read(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return unavailable("cannot read " + path + ": " + (n < 0 ? std::strerror(errno) : "file shrank"));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return content;
}

std::string describe_problem(const RowProblem& problem) {
  std::string out = problem.line > 0 ? "line " + std::to_string(problem.line) : std::string("file");
  if (!problem.column.empty()) out += ", column " + problem.column;
  out += ": ";
  out += problem.message;
  return out;
}

Result<ImportReport> import_content(store::Store& store, std::string_view content, Format format,
                                    const ImportOptions& options, const Clock& clock,
                                    const ImportProgress& progress) {
  std::string source = options.source.empty() ? std::string(format_name(format)) : options.source;

  // The catalogue: what the store knows plus the compiled-in reference locations and built-in
  // indicators (a fresh database starts with no locations).
  ASSIGN_OR_RETURN(auto stored_locations, store.list_locations());
  ASSIGN_OR_RETURN(auto stored_indicators, store.list_indicators());
  MemoryCatalog catalog(stored_locations, stored_indicators);
  std::unordered_set<std::string> in_store;
  for (const auto& l : stored_locations) in_store.insert(l.code);
  for (const auto& l : reference_locations()) catalog.add_location(l.code);
  for (const auto& i : builtin_indicators()) {
    if (!catalog.indicator_kind(i.code)) catalog.add_indicator(i.code, i.kind);
  }

  ParseContext context{catalog, Date(static_cast<int32_t>(clock.now().micros() / 86'400'000'000LL)), {}, {}, nullptr};
  if (progress) context.progress = [&](int64_t done, int64_t total) { progress("parsing", done, total); };
  context.jhu_indicator = options.jhu_indicator;
  context.allow_corrections = options.allow_corrections;
  if (options.dhis2_mapping) context.dhis2_mapping = &*options.dhis2_mapping;

  ParsedBatch batch = parse_file(format, content, context);
  if (options.authorize) RETURN_IF_ERROR(options.authorize(batch));
  ImportReport report;
  report.errors = std::move(batch.errors);
  report.warnings = std::move(batch.warnings);
  if ((!report.errors.empty() && !options.partial) || batch.observations.empty()) return report;

  // Catalogue first (reference locations the store lacks, then the file's own), so every
  // observation's location exists when the observations are written.
  std::vector<Location> to_add;
  for (const auto& l : reference_locations()) {
    if (!in_store.contains(l.code)) to_add.push_back(l);
  }
  for (auto& l : batch.new_locations) {
    if (!in_store.contains(l.code)) to_add.push_back(std::move(l));
  }
  if (!to_add.empty()) {
    RETURN_IF_ERROR(store.upsert_locations(to_add));
    report.new_locations = static_cast<int64_t>(to_add.size());
  }
  for (const auto& i : builtin_indicators()) {
    bool stored = false;
    for (const auto& s : stored_indicators) stored = stored || s.code == i.code;
    if (!stored) RETURN_IF_ERROR(store.upsert_indicator(i));
  }

  std::vector<store::ObservationWrite> rows;
  rows.reserve(batch.observations.size());
  for (auto& o : batch.observations) {
    rows.push_back(store::ObservationWrite{std::move(o.location), std::move(o.indicator), o.period, o.value});
  }
  batch.observations.clear();
  batch.observations.shrink_to_fit();
  const int64_t total = static_cast<int64_t>(rows.size());
  if (progress) progress("writing", 0, total);
  ASSIGN_OR_RETURN(auto summary, store.write_observations(rows, source, clock.now()));
  if (progress) progress("writing", total, total);
  report.observations = summary.observations;
  report.new_revisions = summary.new_revisions;
  report.written = true;
  return report;
}

Result<ImportReport> import_file(store::Store& store, const std::string& path, Format format,
                                 const ImportOptions& options, const Clock& clock, const ImportProgress& progress) {
  ASSIGN_OR_RETURN(std::string content, read_whole_file(path));
  return import_content(store, content, format, options, clock, progress);
}

}  // namespace shouwang::ingest
