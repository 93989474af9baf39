// Country (or region, or subnational area) page: the reported series with its 7-day average, a
// cumulative toggle and log scale, the corrections made after first reports, the breakdown by
// subnational area, and Rt with its credible band and detection alarms when the API offers them.
import {
  fetch_alarms, fetch_corrections, fetch_forecast, fetch_reporting_children, fetch_rt, fetch_series, has_feature, map_limited,
  type Correction, type Location, type Point, type RtEstimate, type Series, type Signal, type Verdicts,
} from './api';
import { chart_on } from './charts';
import { download_text, h } from './dom';
import { format_compact, format_number, format_period, format_timestamp, lang, t, type MessageKey } from './i18n';
import { date_of_day, day_number, running_total, trailing_mean } from './series';
import { location_name, locations } from './state';

type Indicator = 'cases' | 'deaths';

const options = {
  indicator: 'cases' as Indicator,
  cumulative: false,
  log: false,
  source: '',  // '' = the location's default source
};

// Responses are kept for the page's life so switching language or toggles does not refetch.
const cache = new Map<string, Promise<unknown>>();
function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

function series_of(location: string, indicator: string, source: string): Promise<Series> {
  return cached(`series:${location}:${indicator}:${source}`, () => fetch_series(location, indicator, source || undefined));
}

interface Shown {
  indicator: string;  // the API indicator the values come from
  source: string;
  points: Point[];
  derived_total: boolean;  // a running total of the daily series (no cumulative series stored)
  weekly: boolean;
}

// The series on screen: the daily reports, or the stored cumulative series, or (when none is
// stored) the running total of the daily reports.
async function shown_series(code: string): Promise<Shown> {
  const daily = await series_of(code, options.indicator, options.source);
  const weekly = daily.points.length > 0 && daily.points[0].date.includes('W');
  if (!options.cumulative) {
    return { indicator: options.indicator, source: daily.source, points: daily.points, derived_total: false, weekly };
  }
  const stored = await series_of(code, `${options.indicator}_cumulative`, options.source);
  if (stored.points.length) {
    return { indicator: stored.indicator, source: stored.source, points: stored.points, derived_total: false, weekly };
  }
  return { indicator: options.indicator, source: daily.source, points: running_total(daily.points), derived_total: true, weekly };
}

function level_key(level: Location['level']): MessageKey {
  return `level_${level}` as MessageKey;
}

function csv_field(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export async function render_country_view(container: HTMLElement, code: string): Promise<void> {
  const all = await locations();
  const location = all.get(code);
  if (!location) {
    container.replaceChildren(h('p', { class: 'status' }, t('unknown_location', { code })),
                              h('p', {}, h('a', { href: '/', 'data-nav': true }, t('back_to_map'))));
    return;
  }
  const name = location_name(location);
  document.title = `${name} · ${t('brand')}`;
  const parent = location.parent ? all.get(location.parent) : undefined;
  const [rt_available, signals_available, forecasts_available, who_series] = await Promise.all([
    has_feature('rt'), has_feature('signals'), has_feature('forecasts'),
    series_of(code, options.indicator, 'who').catch(() => null)]);
  const who_available = (who_series?.points.length ?? 0) > 0;
  if (options.source === 'who' && !who_available) options.source = '';

  const indicator_select = h('select', { id: 'indicator' },
    h('option', { value: 'cases' }, t('ind_cases')), h('option', { value: 'deaths' }, t('ind_deaths')));
  indicator_select.value = options.indicator;
  const source_select = h('select', { id: 'source' },
    h('option', { value: '' }, t('source_default')), h('option', { value: 'who' }, t('source_who')));
  source_select.value = options.source;
  const cumulative_box = h('input', { type: 'checkbox', id: 'cumulative', checked: options.cumulative });
  const log_box = h('input', { type: 'checkbox', id: 'log-scale', checked: options.log });
  const csv_button = h('button', { type: 'button', id: 'download-csv' }, t('download_csv'));

  const header = h('header', { class: 'page-header' },
    h('p', {}, h('a', { href: '/', 'data-nav': true }, t('back_to_map'))),
    h('h1', { id: 'location-name' }, name),
    h('p', { class: 'meta' },
      t(level_key(location.level)),
      parent ? [' · ', t('region'), ': '].join('') : '',
      parent ? h('a', { href: `/country/${parent.code}`, 'data-nav': true }, location_name(parent)) : '',
      location.population ? ` · ${t('population')}: ${format_number(location.population)}` : ''));
  const controls = h('div', { class: 'controls' },
    h('div', { class: 'field' }, h('label', { for: 'indicator' }, t('indicator')), indicator_select),
    who_available ? h('div', { class: 'field' }, h('label', { for: 'source' }, t('source')), source_select) : null,
    h('div', { class: 'field check' }, cumulative_box, h('label', { for: 'cumulative' }, t('cumulative'))),
    h('div', { class: 'field check' }, log_box, h('label', { for: 'log-scale' }, t('log_scale'))),
    h('div', { class: 'field' }, csv_button));
  const summary = h('p', { class: 'summary', id: 'latest', 'aria-live': 'polite' });
  const chart_el = h('div', { class: 'chart', id: 'series-chart', role: 'img' });
  const table_details = h('details', { class: 'data-table' });
  const alarms_section = h('section', { id: 'alarms-panel', 'aria-labelledby': 'alarms-title', hidden: !signals_available });
  const rt_section = h('section', { id: 'rt-panel', 'aria-labelledby': 'rt-title', hidden: !rt_available });
  const forecast_section = h('section', { id: 'forecast-panel', 'aria-labelledby': 'forecast-title', hidden: true });
  const revisions_section = h('section', { id: 'revisions-panel', 'aria-labelledby': 'revisions-title' });
  const sub_section = h('section', { id: 'subnational-panel', 'aria-labelledby': 'subnational-title', hidden: true });
  container.replaceChildren(header, controls, summary, chart_el, table_details, alarms_section, rt_section,
                            forecast_section, revisions_section, sub_section);

  let shown: Shown | null = null;
  let averages: (number | null)[] = [];

  async function draw_series(): Promise<void> {
    summary.textContent = t('loading');
    let corrections: Correction[] = [];
    let alarms: Signal[] = [];
    let verdicts: Verdicts = { analysed: false, alarms: [] };
    try {
      shown = await shown_series(code);
      [corrections, verdicts] = await Promise.all([
        cached(`rev:${code}:${shown.indicator}:${options.source}`, () => fetch_corrections(code, shown!.indicator)),
        signals_available && !options.cumulative
          ? cached(`alarms:${code}:${options.indicator}`, () => fetch_alarms(code, options.indicator))
            .catch(() => ({ analysed: false, alarms: [] }))
          : Promise.resolve({ analysed: false, alarms: [] } as Verdicts),
      ]);
      alarms = verdicts.alarms;
    } catch (e) {
      summary.textContent = t('error', { message: (e as Error).message });
      return;
    }
    const indicator_label = t(options.indicator === 'cases' ? 'ind_cases' : 'ind_deaths');
    const points = shown.points;
    const values = points.map((p) => p.value);
    averages = options.cumulative || shown.weekly ? [] : trailing_mean(points, 7);
    const chart = chart_on(chart_el);
    chart.clear();
    if (!points.length) {
      summary.textContent = t('no_series', { indicator: indicator_label });
      chart_el.dataset.lastDate = '';
      chart_el.dataset.lastValue = '';
      table_details.replaceChildren();
      draw_revisions(corrections);
      draw_alarms(alarms, verdicts.analysed);
      return;
    }
    const last = points[points.length - 1];
    chart_el.dataset.lastDate = last.date;
    chart_el.dataset.lastValue = String(last.value);
    chart_el.dataset.points = String(points.length);
    chart_el.setAttribute('aria-label', `${t('chart_label', { indicator: indicator_label, location: name })}. ` +
      t('latest_value', { date: format_period(last.date), value: format_number(last.value) }));
    summary.replaceChildren(
      h('span', { id: 'latest-value', 'data-date': last.date, 'data-value': String(last.value) },
        t('latest_value', { date: format_period(last.date), value: format_number(last.value) })),
      averages.length ? h('span', { id: 'latest-average' }, ` · ${t('latest_avg', { value: format_number(averages[averages.length - 1], 1) })}`) : '');

    const log = options.log;
    const for_axis = (v: number | null) => (v === null ? null : log && v <= 0 ? null : v);
    const revised_dates = new Set(corrections.map((c) => c.date));
    const bar_label = options.cumulative ? t('cumulative_total') : shown.weekly ? t('weekly') : t('daily');
    const alarm_periods = new Set(alarms.map((a) => a.period));
    // Alarms come per ISO week; mark the last reported point of each alarmed week.
    const alarm_points = points
      .map((p, i) => ({ p, i }))
      .filter(({ p, i }) => {
        const week = iso_week_of(p.date);
        return week !== null && alarm_periods.has(week) && (i + 1 === points.length || iso_week_of(points[i + 1].date) !== week);
      });

    chart.setOption({
      aria: { enabled: true },
      animation: false,
      grid: { left: 56, right: 16, top: 36, bottom: 64, containLabel: false },
      legend: { top: 0, data: [bar_label, ...(averages.length ? [t('avg7')] : [])] },
      tooltip: {
        trigger: 'axis',
        valueFormatter: (v: unknown) => (typeof v === 'number' ? format_number(v, 1) : '–'),
      },
      xAxis: {
        type: 'category',
        data: points.map((p) => p.date),
        axisLabel: { formatter: (v: string) => format_period(v), hideOverlap: true },
      },
      yAxis: {
        type: log ? 'log' : 'value',
        logBase: 10,
        axisLabel: { formatter: (v: number) => format_compact(v) },
      },
      dataZoom: [{ type: 'inside' }, { type: 'slider', height: 20, bottom: 8 }],
      series: [
        {
          name: bar_label,
          type: options.cumulative ? 'line' : 'bar',
          data: values.map(for_axis),
          itemStyle: { color: options.cumulative ? '#1f5fa8' : '#9ab8d8' },
          showSymbol: false,
          barCategoryGap: '10%',
          large: true,
          markPoint: {
            symbol: 'pin',
            symbolSize: 28,
            label: { fontSize: 9 },
            data: [
              ...points.filter((p) => revised_dates.has(p.date) && for_axis(p.value) !== null)
                .map((p) => ({ name: t('revised_point'), coord: [p.date, p.value], value: 'R', itemStyle: { color: '#6a3d9a' } })),
              ...alarm_points.map(({ p }) => ({ name: t('alarm'), coord: [p.date, for_axis(p.value) ?? 1], value: '!',
                                                itemStyle: { color: '#c0392b' } })),
            ],
          },
        },
        ...(averages.length ? [{
          name: t('avg7'),
          type: 'line',
          data: averages.map(for_axis),
          showSymbol: false,
          lineStyle: { width: 2, color: '#0b3d91' },
          itemStyle: { color: '#0b3d91' },
        }] : []),
      ],
    }, true);

    const recent = points.slice(-30).reverse();
    table_details.replaceChildren(
      h('summary', {}, t('data_table')),
      h('table', { id: 'series-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('date')), h('th', { scope: 'col', class: 'num' }, bar_label),
                                  averages.length ? h('th', { scope: 'col', class: 'num' }, t('avg7')) : null)),
        h('tbody', {}, ...recent.map((p, k) => h('tr', {},
          h('td', {}, format_period(p.date)), h('td', { class: 'num' }, format_number(p.value)),
          averages.length ? h('td', { class: 'num' }, format_number(averages[points.length - 1 - k], 1)) : null)))));
    draw_revisions(corrections);
    draw_alarms(alarms, verdicts.analysed);
  }

  function draw_revisions(corrections: Correction[]): void {
    const sorted = [...corrections].sort((a, b) => b.reported_at.localeCompare(a.reported_at) || b.date.localeCompare(a.date));
    revisions_section.replaceChildren(
      h('h2', { id: 'revisions-title' }, t('revisions')),
      sorted.length ? h('p', {}, t('revisions_intro')) : h('p', { class: 'muted' }, t('revisions_none')),
      sorted.length ? h('div', { class: 'table-scroll' }, h('table', { id: 'revisions-table' },
        h('thead', {}, h('tr', {}, ...(['rev_date', 'rev_value', 'rev_number', 'rev_source', 'rev_reported'] as MessageKey[])
          .map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, ...sorted.slice(0, 200).map((c) => h('tr', {},
          h('td', {}, format_period(c.date)), h('td', { class: 'num' }, format_number(c.value)),
          h('td', { class: 'num' }, format_number(c.revision)), h('td', {}, c.source),
          h('td', {}, format_timestamp(c.reported_at))))))) : '');
  }

  function draw_alarms(alarms: Signal[], analysed: boolean): void {
    if (!signals_available) return;
    alarms_section.replaceChildren(
      h('h2', { id: 'alarms-title' }, t('alarms')),
      alarms.length
        ? h('ul', { id: 'alarms-list' }, ...alarms.slice(-50).reverse().map((a) => h('li', {},
          t('alarm_row', { period: format_period(a.period), observed: format_number(a.observed),
                           threshold: format_number(a.threshold, 1), method: a.method }))))
        : h('p', { class: 'muted', id: 'alarms-verdict' }, t(analysed ? 'alarm_none' : 'alarm_not_analysed')));
  }

  async function draw_rt(): Promise<void> {
    if (!rt_available) return;
    let estimates: RtEstimate[] = [];
    try {
      estimates = await cached(`rt:${code}:${options.indicator}`, () => fetch_rt(code, options.indicator));
    } catch {
      estimates = [];
    }
    if (!estimates.length) {
      rt_section.hidden = true;
      return;
    }
    rt_section.hidden = false;
    const last = estimates[estimates.length - 1];
    const rt_chart_el = h('div', { class: 'chart chart-small', id: 'rt-chart', role: 'img',
                                   'aria-label': t('rt_latest', { date: format_period(last.date), value: format_number(last.mean, 2),
                                                                  lo: format_number(last.lo, 2), hi: format_number(last.hi, 2) }) });
    rt_section.replaceChildren(h('h2', { id: 'rt-title' }, t('rt_title')),
      h('p', { id: 'rt-latest' }, t('rt_latest', { date: format_period(last.date), value: format_number(last.mean, 2),
                                                   lo: format_number(last.lo, 2), hi: format_number(last.hi, 2) })),
      rt_chart_el);
    const chart = chart_on(rt_chart_el);
    const has_band = estimates.some((e) => e.lo !== null && e.hi !== null);
    // The band is the lower bound plus a stacked (upper - lower) area: ECharts draws intervals so.
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      grid: { left: 48, right: 40, top: 32, bottom: 60 },
      legend: { top: 0, data: [t('rt_mean'), ...(has_band ? [t('rt_band')] : [])] },
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? format_number(v, 2) : '–') },
      xAxis: { type: 'category', data: estimates.map((e) => e.date), axisLabel: { formatter: (v: string) => format_period(v), hideOverlap: true } },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => format_number(v, 1) } },
      // The first windows of an epidemic give huge, uncertain Rt; open on the last year, zoomable.
      dataZoom: [{ type: 'inside', startValue: Math.max(0, estimates.length - 365), filterMode: 'filter' },
                 { type: 'slider', height: 18, bottom: 6, startValue: Math.max(0, estimates.length - 365) }],
      series: [
        ...(has_band ? [
          { name: 'lower', type: 'line', stack: 'band', data: estimates.map((e) => e.lo), lineStyle: { opacity: 0 },
            showSymbol: false, tooltip: { show: false } },
          { name: t('rt_band'), type: 'line', stack: 'band', data: estimates.map((e) => (e.hi !== null && e.lo !== null ? e.hi - e.lo : null)),
            lineStyle: { opacity: 0 }, areaStyle: { color: 'rgba(192, 57, 43, 0.2)' }, itemStyle: { color: 'rgba(192, 57, 43, 0.4)' },
            showSymbol: false, tooltip: { show: false } },
        ] : []),
        { name: t('rt_mean'), type: 'line', data: estimates.map((e) => e.mean), showSymbol: false, itemStyle: { color: '#a93226' },
          markLine: { symbol: 'none', silent: true, lineStyle: { type: 'dashed', color: '#333' }, label: { formatter: t('rt_threshold'), position: 'insideEndTop' },
                      data: [{ yAxis: 1 }] } },
      ],
    }, true);
  }

  // Forecast weeks follow the origin day (Friday to Thursday when the origin is a Thursday), so the
  // observed weeks shown beside them are the 7-day sums ending at the origin, a week apart.
  async function draw_forecast(): Promise<void> {
    if (!forecasts_available) return;
    const [forecast, daily] = await Promise.all([
      cached(`fc:${code}:${options.indicator}`, () => fetch_forecast(code, options.indicator)).catch(() => null),
      series_of(code, options.indicator, '').catch(() => null)]);
    if (!forecast || !daily) {
      forecast_section.hidden = true;
      return;
    }
    const by_day = new Map(daily.points.map((p) => [day_number(p.date), p.value]));
    const origin = day_number(forecast.origin);
    const observed = Number.isNaN(origin) ? [] : [7, 6, 5, 4, 3, 2, 1, 0].map((k) => {
      const end = origin - 7 * k;
      let sum = 0;
      for (let d = end - 6; d <= end; ++d) sum += by_day.get(d) ?? 0;
      return { label: date_of_day(end - 6), value: sum };
    });
    const labels = [...observed.map((o) => o.label), ...forecast.weeks.map((w) => w.week_start)];
    const pad = observed.map(() => null);
    const q = (level: number) => forecast.weeks.map((w) => w.quantile(level));
    const lo95 = q(0.025), hi95 = q(0.975), lo50 = q(0.25), hi50 = q(0.75), median = q(0.5);
    const diff = (hi: (number | null)[], lo: (number | null)[]) => hi.map((v, i) => (v === null || lo[i] === null ? null : v - lo[i]!));
    const fc_chart_el = h('div', { class: 'chart chart-small', id: 'forecast-chart', role: 'img', 'aria-label': t('fc_title') });
    forecast_section.hidden = false;
    forecast_section.replaceChildren(h('h2', { id: 'forecast-title' }, t('fc_title')),
      h('p', { class: 'muted' }, t('fc_intro', { origin: format_period(forecast.origin), model: forecast.model })),
      fc_chart_el,
      h('div', { class: 'table-scroll' }, h('table', { id: 'forecast-table' },
        h('thead', {}, h('tr', {}, ...(['fc_week', 'fc_median', 'fc_50', 'fc_95'] as MessageKey[]).map((k) =>
          h('th', { scope: 'col', class: k === 'fc_week' ? undefined : 'num' }, t(k))))),
        h('tbody', {}, ...forecast.weeks.map((w, i) => h('tr', {},
          h('td', {}, `${format_period(w.week_start)} – ${format_period(w.week_end)}`),
          h('td', { class: 'num' }, format_number(median[i])),
          h('td', { class: 'num' }, `${format_number(lo50[i])} – ${format_number(hi50[i])}`),
          h('td', { class: 'num' }, `${format_number(lo95[i])} – ${format_number(hi95[i])}`)))))));
    const chart = chart_on(fc_chart_el);
    const band = (name: string, lo: (number | null)[], hi: (number | null)[], colour: string) => [
      { name: `${name}-base`, type: 'line', stack: name, data: [...pad, ...lo], lineStyle: { opacity: 0 }, showSymbol: false,
        tooltip: { show: false } },
      { name, type: 'line', stack: name, data: [...pad, ...diff(hi, lo)], lineStyle: { opacity: 0 }, showSymbol: false,
        areaStyle: { color: colour }, itemStyle: { color: colour }, tooltip: { show: false } },
    ];
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      grid: { left: 56, right: 16, top: 32, bottom: 32 },
      legend: { top: 0, data: [t('fc_observed'), t('fc_median'), t('fc_95'), t('fc_50')] },
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? format_number(v) : '–') },
      xAxis: { type: 'category', data: labels, axisLabel: { formatter: (v: string) => format_period(v), hideOverlap: true } },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => format_compact(v) } },
      series: [
        { name: t('fc_observed'), type: 'bar', data: [...observed.map((o) => o.value), ...forecast.weeks.map(() => null)],
          itemStyle: { color: '#9ab8d8' } },
        ...band(t('fc_95'), lo95, hi95, 'rgba(106, 61, 154, 0.15)'),
        ...band(t('fc_50'), lo50, hi50, 'rgba(106, 61, 154, 0.3)'),
        { name: t('fc_median'), type: 'line', data: [...pad, ...median], itemStyle: { color: '#6a3d9a' }, lineStyle: { width: 2 } },
      ],
    }, true);
  }

  async function draw_subnational(): Promise<void> {
    // Only the subdivisions that report: a country has up to a few hundred in the catalogue.
    const reporting = await fetch_reporting_children(code, options.indicator).catch(() => []);
    const children = reporting.filter((l) => l.level === 'subnational');
    if (!children.length) return;
    const series = await map_limited(children, 6, (c) => series_of(c.code, options.indicator, '').catch(() => null));
    const rows = children.map((c, i) => {
      const pts = series[i]?.points ?? [];
      const total = pts.reduce((s, p) => s + p.value, 0);
      let last14: number | null = null;
      if (pts.length && !pts[0].date.includes('W')) {
        const end = day_number(pts[pts.length - 1].date);
        last14 = pts.filter((p) => day_number(p.date) > end - 14).reduce((s, p) => s + p.value, 0);
      }
      return { c, total, last14, per100k: last14 !== null && c.population ? last14 / c.population * 1e5 : null, has: pts.length > 0 };
    }).filter((r) => r.has).sort((a, b) => (b.last14 ?? b.total) - (a.last14 ?? a.total));
    if (!rows.length) return;
    sub_section.hidden = false;
    sub_section.replaceChildren(h('h2', { id: 'subnational-title' }, t('subnational')),
      h('div', { class: 'table-scroll' }, h('table', { id: 'subnational-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('level_subnational')), h('th', { scope: 'col', class: 'num' }, t('sub_last14')),
                                  h('th', { scope: 'col', class: 'num' }, t('sub_per100k')), h('th', { scope: 'col', class: 'num' }, t('sub_total')))),
        h('tbody', {}, ...rows.map((r) => h('tr', {},
          h('td', {}, h('a', { href: `/country/${r.c.code}`, 'data-nav': true }, location_name(r.c))),
          h('td', { class: 'num' }, format_number(r.last14)), h('td', { class: 'num' }, format_number(r.per100k, 1)),
          h('td', { class: 'num' }, format_number(r.total))))))));
  }

  indicator_select.addEventListener('change', () => {
    options.indicator = indicator_select.value as Indicator;
    void draw_series();
    void draw_rt();
    void draw_forecast();
  });
  source_select.addEventListener('change', () => {
    options.source = source_select.value;
    void draw_series();
  });
  cumulative_box.addEventListener('change', () => {
    options.cumulative = cumulative_box.checked;
    void draw_series();
  });
  log_box.addEventListener('change', () => {
    options.log = log_box.checked;
    void draw_series();
  });
  csv_button.addEventListener('click', () => {
    if (!shown) return;
    const header_row = ['location', 'indicator', 'source', 'date', 'value', ...(averages.length ? ['average_7d'] : [])];
    const lines = [header_row.join(',')];
    shown.points.forEach((p, i) => {
      const indicator = shown!.derived_total ? `${shown!.indicator}_running_total` : shown!.indicator;
      const row = [code, indicator, shown!.source, p.date, String(p.value)];
      if (averages.length) row.push(averages[i] === null ? '' : String(averages[i]));
      lines.push(row.map(csv_field).join(','));
    });
    download_text(`${code}-${shown.indicator}${shown.derived_total ? '-running-total' : ''}.csv`, lines.join('\n') + '\n');
  });

  await Promise.all([draw_series(), draw_rt(), draw_forecast(), draw_subnational()]);
  document.documentElement.lang = lang() === 'zh' ? 'zh-Hans' : 'en';
}

// ISO 8601 week (YYYY-Www) of a YYYY-MM-DD date, to match weekly detection signals to days.
function iso_week_of(date: string): string | null {
  const day = day_number(date);
  if (Number.isNaN(day)) return date.includes('W') ? date : null;
  const weekday = ((new Date(day * 86_400_000).getUTCDay() + 6) % 7) + 1;  // Monday = 1
  const thursday = new Date((day + 4 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}
