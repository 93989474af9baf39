// The correction and gap rule (see incidence.h and docs/methods/corrections.md).
#include "core/incidence.h"

#include <algorithm>
#include <cmath>

namespace shouwang {
namespace {

bool usable(double value) { return !std::isnan(value) && value >= 0; }

// Slots from the earliest to the latest point of the first point's kind; a later point of the same
// period overrides an earlier one (callers pass one value per period).
ReportedCounts lay_out(std::span<const PeriodCount> points) {
  ReportedCounts out;
  if (points.empty()) return out;
  out.kind = points.front().period.kind();
  int32_t first = points.front().period.ordinal(), last = first;
  for (const auto& p : points) {
    if (p.period.kind() != out.kind) continue;
    first = std::min(first, p.period.ordinal());
    last = std::max(last, p.period.ordinal());
  }
  out.first = Period::from_ordinal(out.kind, first).start();
  out.values.assign(static_cast<size_t>(last - first + 1), kNoCount);
  for (const auto& p : points) {
    if (p.period.kind() != out.kind) continue;
    out.values[static_cast<size_t>(p.period.ordinal() - first)] = p.value;
  }
  return out;
}

}  // namespace

int64_t ReportedCounts::corrections() const {
  return std::count_if(values.begin(), values.end(), [](double v) { return v < 0; });
}

int64_t ReportedCounts::missing() const {
  return std::count_if(values.begin(), values.end(), [](double v) { return std::isnan(v); });
}

ReportedCounts reported_counts(std::span<const PeriodCount> points) { return lay_out(points); }

ReportedCounts counts_from_cumulative(std::span<const PeriodCount> cumulative, std::string cumulative_indicator) {
  ReportedCounts totals = lay_out(cumulative);
  ReportedCounts out = totals;
  out.derived_from = std::move(cumulative_indicator);
  for (size_t i = 0; i < totals.size(); ++i) {
    // NaN propagates: the first period and any period next to a gap have no difference.
    out.values[i] = i == 0 ? kNoCount : totals.values[i] - totals.values[i - 1];
  }
  return out;
}

WeeklyCounts weekly_for_detection(const ReportedCounts& counts) {
  WeeklyCounts out;
  // A month holds no whole number of weeks: monthly series get no weekly verdicts.
  if (counts.values.empty() || counts.kind == Period::Kind::kMonth) return out;
  if (counts.kind == Period::Kind::kWeek) {
    IsoWeek week = IsoWeek::containing(counts.first);
    for (double v : counts.values) {
      out.weeks.push_back(week);
      out.values.push_back(usable(v) ? v : kNoCount);
      week = week.next();
    }
    return out;
  }
  const int32_t first = counts.first.days_since_epoch();
  const int32_t last = first + static_cast<int32_t>(counts.size()) - 1;
  const IsoWeek last_week = IsoWeek::containing(Date(last));
  for (IsoWeek week = IsoWeek::containing(counts.first); week <= last_week; week = week.next()) {
    double sum = 0;
    const int32_t monday = week.monday().days_since_epoch();
    for (int32_t day = monday; day < monday + 7 && !std::isnan(sum); ++day) {
      // A day outside the series was not reported: the week is partial, not low.
      double v = day < first || day > last ? kNoCount : counts.values[static_cast<size_t>(day - first)];
      sum = usable(v) ? sum + v : kNoCount;
    }
    out.weeks.push_back(week);
    out.values.push_back(sum);
  }
  return out;
}

std::vector<double> daily_for_renewal(const ReportedCounts& counts) {
  std::vector<double> out(counts.values);
  for (auto& v : out) v = usable(v) ? v : 0;
  return out;
}

std::vector<double> trailing_average(const ReportedCounts& counts, int window) {
  std::vector<double> out(counts.size(), kNoCount);
  double sum = 0;
  int n = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (usable(counts.values[i])) sum += counts.values[i], ++n;
    if (i >= static_cast<size_t>(window)) {
      double leaving = counts.values[i - static_cast<size_t>(window)];
      if (usable(leaving)) sum -= leaving, --n;
    }
    if (n > 0 && i + 1 >= static_cast<size_t>(window)) out[i] = sum / n;
  }
  return out;
}

}  // namespace shouwang
