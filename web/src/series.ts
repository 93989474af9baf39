// Arithmetic on reported series: trailing averages, running totals.
import type { Point } from './api';

const kDayMs = 86_400_000;

// Days since 1970-01-01 of a YYYY-MM-DD date, or NaN for anything else (ISO weeks).
export function day_number(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / kDayMs : NaN;
}

export function date_of_day(day: number): string {
  return new Date(day * kDayMs).toISOString().slice(0, 10);
}

// The trailing average of a daily series, by the platform's one rule for corrections and gaps
// (docs/methods/corrections.md, core/incidence.h): the mean of the usable days (reported, not a
// negative correction) among the `window` days ending at each point; null where there are none,
// and for the first window - 1 days of the series, so they are not an average of fewer reports.
export function trailing_mean(points: Point[], window: number): (number | null)[] {
  const out: (number | null)[] = new Array(points.length).fill(null);
  if (!points.length) return out;
  const first = day_number(points[0].date);
  let sum = 0, count = 0, start = 0;
  for (let i = 0; i < points.length; ++i) {
    const day = day_number(points[i].date);
    if (points[i].value >= 0) sum += points[i].value, ++count;
    for (; day_number(points[start].date) <= day - window; ++start) {
      if (points[start].value >= 0) sum -= points[start].value, --count;
    }
    if (day - first >= window - 1 && count > 0) out[i] = sum / count;
  }
  return out;
}

export function running_total(points: Point[]): Point[] {
  let sum = 0;
  return points.map((p) => ({ date: p.date, value: (sum += p.value) }));
}
