// The import pipeline.
#include "ingest/importer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
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

namespace {

// Writes the rows a parse gives (ParseContext::on_rows) on a thread of its own, while the parse
// goes on, into one open Store::begin_write transaction. Nothing is visible until commit(); the
// importer commits only when the finished parse found the file clean, and otherwise destroys
// this, which rolls the write back. The parse thread and the writing thread overlap: on a large
// import each has a core, and the database server works on what it was sent meanwhile.
class WriteWhileParsing {
 public:
  static std::unique_ptr<WriteWhileParsing> start(store::Store& store, const std::string& source,
                                                  Timestamp reported_at) {
    auto writer = store.begin_write(source, reported_at);
    if (!writer.is_ok()) return nullptr;  // the import then writes after parsing, as a small one does
    return std::unique_ptr<WriteWhileParsing>(new WriteWhileParsing(std::move(*writer)));
  }

  ~WriteWhileParsing() {
    (void)finish();
    writer_.reset();  // without commit: rolled back
  }

  // Parse thread: queues a copy of `rows`; waits while the writer is kMaxQueuedParts behind.
  void give(std::span<const ParsedObservation> rows) {
    std::vector<store::ObservationWrite> part;
    part.reserve(rows.size());
    for (const auto& o : rows) part.push_back(store::ObservationWrite{o.location, o.indicator, o.period, o.value, o.disaggregation});
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return parts_.size() < kMaxQueuedParts; });
    parts_.push_back(std::move(part));
    ready_.notify_one();
  }

  // Waits until every given part is written; the first failure, if any.
  Status finish() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
      ready_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
    return status_;
  }

  Result<store::WriteSummary> commit(std::span<const Location> locations) {
    RETURN_IF_ERROR(finish());
    return writer_->commit(locations);
  }

 private:
  static constexpr size_t kMaxQueuedParts = 4;

  explicit WriteWhileParsing(std::unique_ptr<store::ObservationWriter> writer)
      : writer_(std::move(writer)), thread_([this] { write_parts(); }) {}

  void write_parts() {
    while (true) {
      std::vector<store::ObservationWrite> part;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return done_ || !parts_.empty(); });
        if (parts_.empty()) return;
        part = std::move(parts_.front());
        parts_.pop_front();
        space_.notify_one();
      }
      // After a failure the rest is only drained, so the parse never waits on a dead writer.
      if (status_.is_ok()) status_ = writer_->add(part);
    }
  }

  std::unique_ptr<store::ObservationWriter> writer_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::deque<std::vector<store::ObservationWrite>> parts_;
  bool done_ = false;
  Status status_;  // written by the writing thread only, read after join
  std::thread thread_;
};

}  // namespace

Result<ImportReport> import_content(store::Store& store, std::string_view content, Format format,
                                    const ImportOptions& options, const Clock& clock,
                                    const ImportProgress& progress) {
  std::string source = options.source.empty() ? std::string(format_name(format)) : options.source;

  // The catalogue: what the store knows plus the compiled-in reference locations and built-in
  // indicators. A fresh database starts with no locations (those the file needs are added with
  // its rows) and with the built-in indicators (a store lacking one gets it now).
  ASSIGN_OR_RETURN(auto stored_locations, store.list_locations());
  ASSIGN_OR_RETURN(auto stored_indicators, store.list_indicators());
  MemoryCatalog catalog(stored_locations, stored_indicators);
  std::unordered_set<std::string> in_store;
  for (const auto& l : stored_locations) in_store.insert(l.code);
  for (const auto& l : reference_locations()) catalog.add_location(l.code);
  for (const auto& i : builtin_indicators()) {
    if (catalog.indicator_kind(i.code)) continue;
    catalog.add_indicator(i.code, i.kind);
    RETURN_IF_ERROR(store.upsert_indicator(i));
  }

  ParseContext context{catalog, Date(static_cast<int32_t>(clock.now().micros() / 86'400'000'000LL)), {}, {}, nullptr};
  if (progress) context.progress = [&](int64_t done, int64_t total) { progress("parsing", done, total); };
  context.jhu_indicator = options.jhu_indicator;
  context.allow_corrections = options.allow_corrections;
  if (options.dhis2_mapping) context.dhis2_mapping = &*options.dhis2_mapping;
  std::unique_ptr<WriteWhileParsing> early_write;
  // A review may take rows out after the parse, and a dry run writes nothing: both write afterwards.
  if (format == Format::kCsv && content.size() >= options.write_while_parsing_from_bytes && !options.review &&
      !options.dry_run && !options.write) {
    early_write = WriteWhileParsing::start(store, source, clock.now());
    if (early_write) context.on_rows = [&](std::span<const ParsedObservation> rows) { early_write->give(rows); };
  }

  ParsedBatch batch = parse_file(format, content, context);
  if (options.authorize) RETURN_IF_ERROR(options.authorize(batch));
  if (options.review) RETURN_IF_ERROR(options.review(batch));
  ImportReport report;
  report.errors = std::move(batch.errors);
  report.warnings = std::move(batch.warnings);
  if ((!report.errors.empty() && !options.partial) || batch.observations.empty() || options.dry_run) return report;

  // Catalogue entries the store lacks (reference locations, then the file's own), so every
  // observation's location exists once the observations are visible.
  std::vector<Location> to_add;
  for (const auto& l : reference_locations()) {
    if (!in_store.contains(l.code)) to_add.push_back(l);
  }
  for (auto& l : batch.new_locations) {
    if (!in_store.contains(l.code)) to_add.push_back(std::move(l));
  }
  const int64_t total = static_cast<int64_t>(batch.observations.size());

  // The rows written while parsing are exactly the batch when no row was rejected (the
  // whole-file checks drop only rows they report); otherwise, or when that write failed, it is
  // rolled back and the batch is written below.
  if (early_write && report.errors.empty() && early_write->finish().is_ok()) {
    if (progress) progress("writing", 0, total);
    ASSIGN_OR_RETURN(auto summary, early_write->commit(to_add));
    if (progress) progress("writing", total, total);
    report.new_locations = static_cast<int64_t>(to_add.size());
    report.observations = summary.observations;
    report.new_revisions = summary.new_revisions;
    report.written = true;
    return report;
  }
  early_write.reset();

  std::vector<store::ObservationWrite> rows;
  rows.reserve(batch.observations.size());
  for (auto& o : batch.observations) {
    rows.push_back(store::ObservationWrite{std::move(o.location), std::move(o.indicator), o.period, o.value, std::move(o.disaggregation)});
  }
  batch.observations.clear();
  batch.observations.shrink_to_fit();
  store::WriteSummary summary;
  if (options.write) {
    // The catalogue entries go with the rows, in the same all-or-nothing write.
    ASSIGN_OR_RETURN(summary, options.write(rows, source, clock.now(), to_add));
  } else {
    if (!to_add.empty()) RETURN_IF_ERROR(store.upsert_locations(to_add));
    if (progress) progress("writing", 0, total);
    ASSIGN_OR_RETURN(summary, store.write_observations(rows, source, clock.now()));
    if (progress) progress("writing", total, total);
  }
  report.new_locations = static_cast<int64_t>(to_add.size());
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
