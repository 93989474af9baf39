// The file formats of `shouwang aid allocate`: NEEDS.csv, OFFERS.csv and COSTS.csv in, ALLOC.csv
// and REPORT.json out. Parsing and formatting work on strings so the API can reuse them; the
// read_* helpers add the file itself. Errors name the file and the row (header = row 1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aid/model.h"
#include "core/status.h"

namespace shouwang::aid {

// country,item,quantity,population[,delivered][,weight]
Result<std::vector<Need>> parse_needs_csv(std::string_view text, std::string_view label = "needs");
// donor,item,quantity[,origin][,kind][,unit_price]; kind is donation (default) or commercial,
// and a commercial offer needs a unit_price.
Result<std::vector<Offer>> parse_offers_csv(std::string_view text, std::string_view label = "offers");
// origin,country,unit_cost
Result<std::vector<TransportCost>> parse_costs_csv(std::string_view text, std::string_view label = "costs");

Result<std::vector<Need>> read_needs_csv(const std::string& path);
Result<std::vector<Offer>> read_offers_csv(const std::string& path);
Result<std::vector<TransportCost>> read_costs_csv(const std::string& path);

// donor,country,item,quantity: the non-zero lines of the allocation.
std::string format_allocation_csv(const Allocation& allocation);

// {"policy","countries":[{"country","item","need","allocated","coverage","binding","share",
//  "delivered","population"}],"theta":{item:θ},"unmet":{item:n},"held_back":{item:n},"cost":total}
// theta is listed for the fair policies only.
std::string format_allocation_report_json(const Allocation& allocation);

}  // namespace shouwang::aid
