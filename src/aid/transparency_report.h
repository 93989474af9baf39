// The public face of aid coordination: JSON of needs, offers, rounds and shipments, and the
// transparency report (who pledged, allocated, shipped and delivered what to whom and when, and
// the coverage each country reached) as JSON and as CSV tables.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "aid/coordination_store.h"

namespace shouwang::aid {

boost::json::object need_json(const NeedRecord& need);
boost::json::object offer_json(const OfferRecord& offer);
boost::json::object allocation_json(const AllocationRecord& line);
boost::json::object shipment_json(const ShipmentRecord& shipment);
// A round with its inputs, policy, allocation lines and engine report (the stored JSON texts parsed).
boost::json::object round_json(const RoundRecord& round);
boost::json::object round_summary_json(const RoundRecord& round);

// Everything the report is built from, read in one go.
struct TransparencyData {
  std::vector<NeedRecord> needs;    // every posting, superseded ones included
  std::vector<OfferRecord> offers;  // every posting, superseded ones included
  std::vector<RoundRecord> rounds;  // summaries
  std::vector<AllocationRecord> allocations;
  std::vector<ShipmentRecord> shipments;
};
Result<TransparencyData> read_transparency_data(CoordinationStore& store);

// Per (country, item) of a current need, and of anything allocated or shipped without one.
struct CoverageRow {
  std::string country;
  std::string item;
  std::optional<int64_t> population;  // from the current need
  int64_t need = 0;                   // still needed when the current need was posted
  int64_t delivered_before = 0;       // delivered before that posting, as the country stated
  int64_t allocated = 0;              // by all rounds
  int64_t shipped = 0;                // dispatched (or received, for a cancelled shipment)
  int64_t received = 0;               // confirmed by the recipient
  std::optional<double> allocated_coverage;  // (delivered_before + allocated to the posting) / population
  std::optional<double> coverage;            // (delivered_before + received since the posting) / population
};
std::vector<CoverageRow> coverage_rows(const TransparencyData& data);

// Per (donor, item): pledged = what earlier postings gave to rounds + the current posting.
struct DonorRow {
  std::string donor;
  std::string item;
  int64_t pledged = 0;
  int64_t allocated = 0;
  int64_t shipped = 0;
  int64_t delivered = 0;
};
std::vector<DonorRow> donor_rows(const TransparencyData& data);

boost::json::object transparency_report_json(const TransparencyData& data, Timestamp generated_at);
// recorded_at,event,date,donor,origin,country,item,quantity,round_id,allocation_id,shipment_id,received_by,by,note
// One row per posting, allocation line and shipment event, in the order they were recorded.
std::string transparency_ledger_csv(const TransparencyData& data);
// country,item,population,need,delivered_before,allocated,shipped,received,allocated_coverage,coverage
std::string coverage_csv(const TransparencyData& data);
// donor,item,pledged,allocated,shipped,delivered
std::string donors_csv(const TransparencyData& data);

}  // namespace shouwang::aid
