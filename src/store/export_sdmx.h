// The SDMX-CSV 2.0 export: one row per observation of a dataflow of ours, whose dimensions are
// REF_AREA (location), INDICATOR, DISAGGREGATION (our canonical text, empty for the total) and
// TIME_PERIOD. The identifiers below are shared with ingest's parser (parse_sdmx_csv.cc), which
// reads the same file back; docs/formats/sdmx.md is the mapping in full.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace shouwang::store {

inline constexpr std::string_view kSdmxHeader =
    "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,DISAGGREGATION,TIME_PERIOD,OBS_VALUE";
inline constexpr std::string_view kSdmxStructure = "dataflow";
// AGENCY:ID(VERSION) of our dataflow; a new version when its dimensions change.
inline constexpr std::string_view kSdmxStructureId = "SHOUWANG:EPI(1.0)";

// The header line and one row per point (action I, "information"), in the order given.
std::string series_to_sdmx_csv(const std::vector<Series>& series);

}  // namespace shouwang::store
