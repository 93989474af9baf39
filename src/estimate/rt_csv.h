// The file formats of `shouwang rt --input`: daily incidence CSV in, serial-interval CSV in,
// EpiEstim-shaped Rt CSV out. Kept in the engine (not the CLI) so tests and goldens use the same code.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/period.h"
#include "core/status.h"
#include "estimate/rt.h"

namespace shouwang::estimate {

struct IncidenceTable {
  // Dates when the first column is `date`/`dates` (consecutive days), empty for `day`.
  std::vector<Date> dates;
  Incidence incidence;
};

// Header: `date` (or `dates`, as EpiEstim's own data) or `day` first, then `I` or `local,imported`
// (in either order). Names may be double-quoted. Counts may be integers or decimals; `NA` or an empty
// cell counts as 0, as in EpiEstim. Negative counts, unparsable cells, gaps in dates or days are
// errors naming the line.
Result<IncidenceTable> parse_incidence_csv(std::string_view text);

// Header `t,si_distr`, t = 0, 1, 2, ... in order. The values are checked as EpiEstim checks them.
Result<std::vector<double>> parse_serial_interval_csv(std::string_view text);

// Header t_start,t_end,mean,std,q0.025,q0.05,q0.25,median,q0.75,q0.95,q0.975; 17 significant
// digits; NA where EpiEstim gives NA. With `first_day` (the date of day 1), two more columns
// date_start,date_end follow, so the EpiEstim columns keep their places.
std::string format_rt_csv(const RtEstimate& estimate, std::optional<Date> first_day = std::nullopt);

// Reads a whole file; NotFound / Unavailable when it cannot.
Result<std::string> read_text_file(const std::string& path);

// "2,3,4" -> {2,3,4}; errors name the bad item.
Result<std::vector<int>> parse_int_list(std::string_view text);

}  // namespace shouwang::estimate
