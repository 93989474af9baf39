// The import pipeline: read a file, parse and validate it against the store's catalogue, and,
// when it is clean (or --partial), write its valid rows in one transaction: an import is applied
// whole or not at all. A large CSV file is written while it is parsed, on a second thread, and
// that write is committed only if the finished parse finds the file clean.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "ingest/batch.h"
#include "ingest/parsers.h"
#include "store/store.h"

namespace shouwang::ingest {

struct ImportOptions {
  std::string source;  // empty: the format name (csv, json, jhu, who, dhis2)
  bool partial = false;  // write the valid rows even when other rows were rejected
  std::string jhu_indicator;  // jhu: cases|deaths
  std::optional<Dhis2Mapping> dhis2_mapping;
  // csv, json, dhis2: keep negative values of incident indicators as corrections (warnings).
  bool allow_corrections = false;
  // Checked on the parsed rows before anything is written (e.g. a reporter's token may write only
  // its own country); a non-OK Status refuses the whole import with that Status.
  std::function<Status(const ParsedBatch&)> authorize;
  // Runs after `authorize` and before anything is written, and may take rows out of the batch
  // (moved to its errors, or dropped as needing no write): the DHIS2 endpoint classifies values
  // against the stored ones and keeps to its import strategy here. A non-OK Status refuses the import.
  std::function<Status(ParsedBatch&)> review;
  // Parse, check and review, then stop: nothing is written (the report says written = false).
  bool dry_run = false;
  // Writes the checked rows in place of the importer (a server's group commit of reports,
  // api/report_commit.h), all-or-nothing like Store::write_observations: given the rows, the
  // source, the report's instant and the catalogue entries the rows need that the store lacks.
  std::function<Result<store::WriteSummary>(std::span<const store::ObservationWrite> rows, const std::string& source,
                                            Timestamp reported_at, std::span<const Location> locations)>
      write;
  // CSV content at least this large is written while it is parsed (smaller files gain nothing
  // from the second thread).
  size_t write_while_parsing_from_bytes = size_t{4} << 20;
};

struct ImportReport {
  int64_t observations = 0;   // values written (0 when the import was rejected)
  int64_t new_revisions = 0;  // of those, new or changed values
  int64_t new_locations = 0;  // locations added to the catalogue (reference or from the file)
  bool written = false;       // false when errors stopped the import (or nothing was valid)
  std::vector<RowProblem> errors;
  std::vector<RowProblem> warnings;
};

// phase is "parsing" or "writing"; done/total are bytes or records of that phase.
using ImportProgress = std::function<void(std::string_view phase, int64_t done, int64_t total)>;

// Imports a file already in memory. Errors in the data are in the report; the Status is for
// failures to run at all (store unavailable, bad options).
Result<ImportReport> import_content(store::Store& store, std::string_view content, Format format,
                                    const ImportOptions& options, const Clock& clock,
                                    const ImportProgress& progress = {});

// Reads `path` whole and imports it.
Result<ImportReport> import_file(store::Store& store, const std::string& path, Format format,
                                 const ImportOptions& options, const Clock& clock,
                                 const ImportProgress& progress = {});

// The whole content of a file.
Result<std::string> read_whole_file(const std::string& path);

// "line L, column C: reason"; without a column "line L: reason"; about the whole file (line 0)
// "file: reason" or "file, column C: reason".
std::string describe_problem(const RowProblem& problem);

}  // namespace shouwang::ingest
