// The FHIR R4 export: a Bundle (type "collection") of MeasureReport resources, one per location,
// indicator and period, carrying the total and each disaggregation (a stratum) of that key. The
// identifiers below are shared with ingest's parser (parse_fhir.cc), which reads the same Bundle
// back; docs/formats/fhir.md is the mapping in full.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace shouwang::store {

// The canonical URL of the Measure an indicator's reports answer: kFhirMeasureBase + indicator.
inline constexpr std::string_view kFhirMeasureBase = "https://shouwang.example/fhir/Measure/";
// group.code: the indicator, a code of this system.
inline constexpr std::string_view kFhirIndicatorSystem = "https://shouwang.example/fhir/CodeSystem/indicator";
// stratifier.code and stratum.component.code: a disaggregation category (AGE, SEX, ...).
inline constexpr std::string_view kFhirCategorySystem = "https://shouwang.example/fhir/CodeSystem/category";
// FHIR's own code system of measure populations; the value is the "initial-population" count.
inline constexpr std::string_view kFhirPopulationSystem = "http://terminology.hl7.org/CodeSystem/measure-population";
inline constexpr std::string_view kFhirInitialPopulation = "initial-population";

// Whether `value` is written as a population count (FHIR `integer`: a whole number in the signed
// 32-bit range); any other value is written as the group's or stratum's measureScore.
bool fhir_value_is_count(double value);

// The Bundle as JSON text, reports ordered by location, indicator and period.
std::string series_to_fhir(const std::vector<Series>& series);

}  // namespace shouwang::store
