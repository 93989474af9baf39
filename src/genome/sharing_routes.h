// REST endpoints for sharing SARS-CoV-2 sequences: submission with analysis on arrival
// (POST /api/v1/sequences), tier-respecting listing and download (GET /api/v1/sequences,
// /api/v1/sequences/{id}, ?format=fasta|tsv) and public clade counts per ISO week for the dashboard
// (GET /api/v1/variants). Built on the pure engine (analyze_sequence) and the genome_ tables.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "core/location.h"
#include "genome/sharing_store.h"
#include "http/http.h"

namespace shouwang::genome {

struct GenomeSharingOptions {
  // The Nextclade dataset submissions are analysed against, as the operator gave it (no folder is
  // guessed). It is loaded on the first submission (and retried on the next one while it cannot be
  // loaded): the server starts and serves reads without it, and submissions answer 503 until it is
  // there, or for good when this is empty.
  std::filesystem::path dataset_dir;
  int analysis_threads = 1;             // threads analysing the records of one submission
  size_t max_records_per_submission = 10000;
};

// The location catalogue, read to check a submission's country and to list a region's countries
// (api::StorePool::location_catalogue()).
using LocationCatalogue = std::function<Result<std::vector<Location>>()>;

// `genomes` serves every request (it leases a connection per call) and must outlive the router;
// the submission guard and the readers' optional tokens use `context.authenticate`.
void add_genome_routes(http::Router& router, const http::RouteContext& context, GenomeStore& genomes,
                       LocationCatalogue locations, GenomeSharingOptions options);

}  // namespace shouwang::genome
