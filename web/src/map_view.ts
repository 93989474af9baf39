// World map view: countries coloured by new cases or deaths per 100,000 over the last 7 or 14 days
// (or by Rt when the API estimates it) on the day chosen with the slider; clicking a country opens
// its page. Borders are world-atlas 110m TopoJSON, bundled, so nothing is fetched from elsewhere.
import { geoNaturalEarth1, geoPath } from 'd3-geo';
import { scaleThreshold } from 'd3-scale';
import { schemeRdYlBu, schemeYlOrRd } from 'd3-scale-chromatic';
import { feature } from 'topojson-client';
import type { Feature as GeoFeature, FeatureCollection, Geometry } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries_topology from 'world-atlas/countries-110m.json';

import { fetch_map, fetch_rt, has_feature, map_limited, type Location, type MapMetric, type RtEstimate } from './api';
import { h } from './dom';
import { format_number, format_period, t } from './i18n';
import { date_of_day, day_number } from './series';
import { location_name, locations } from './state';
import numeric_to_iso3 from './data/iso_numeric_to_iso3.json';

type Metric = 'cases' | 'deaths' | 'rt';

interface Axis {
  first_day: number;
  length: number;
}

const kWidth = 960, kHeight = 500;  // the height before the outlines are fitted
// world-atlas leaves Kosovo without an ISO numeric code; the API calls it XKX.
const kUnnumbered: Record<string, string> = { Kosovo: 'XKX' };

const state = {
  metric: 'cases' as Metric,
  window: 7,
  day: -1,  // index on the axis; -1 = the latest day
};
// The day axis of each indicator, and each map fetched (by indicator, metric and day): the server
// computes the whole map in one request (GET /api/v1/map), so only the days looked at are loaded.
const axes = new Map<'cases' | 'deaths', Promise<Axis>>();
const maps = new Map<string, Promise<Map<string, number>>>();
let rt_loaded: Promise<Map<string, RtEstimate[]>> | null = null;
let shapes: { iso3: string; d: string }[] | null = null;
let map_height = kHeight;

// Projected country outlines (without Antarctica, which only wastes the bottom of the map) and the
// map height that fits them at the standard width.
function map_shapes(): { iso3: string; d: string }[] {
  if (shapes) return shapes;
  const topology = countries_topology as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const all = feature(topology, topology.objects.countries) as FeatureCollection<Geometry, { name: string }>;
  const collection: FeatureCollection<Geometry, { name: string }> = {
    type: 'FeatureCollection',
    features: all.features.filter((f: GeoFeature<Geometry, { name: string }>) => f.properties.name !== 'Antarctica'),
  };
  const projection = geoNaturalEarth1().fitWidth(kWidth - 8, collection);
  const path = geoPath(projection);
  const [[, top], [, bottom]] = path.bounds(collection);
  projection.translate([projection.translate()[0] + 4, projection.translate()[1] - top + 4]);
  map_height = Math.ceil(bottom - top + 8);
  const table = numeric_to_iso3 as Record<string, string>;
  shapes = collection.features.map((f: GeoFeature<Geometry, { name: string }>) => ({
    iso3: (f.id !== undefined ? table[String(f.id)] : undefined) ?? kUnnumbered[f.properties.name] ?? '',
    d: path(f) ?? '',
  }));
  return shapes;
}

function countries_of(all: Map<string, Location>): Location[] {
  return [...all.values()].filter((l) => l.level === 'country');
}

function load_axis(indicator: 'cases' | 'deaths'): Promise<Axis> {
  let p = axes.get(indicator);
  if (!p) {
    p = fetch_map(indicator, 'value').then((m) => {
      const first = m.first_date ? day_number(m.first_date) : NaN;
      const last = m.last_date ? day_number(m.last_date) : NaN;
      return Number.isFinite(first) && Number.isFinite(last) ? { first_day: first, length: last - first + 1 }
                                                              : { first_day: 0, length: 0 };
    });
    p.catch(() => axes.delete(indicator));
    axes.set(indicator, p);
  }
  return p;
}

function load_map(indicator: Metric, metric: MapMetric, day: number): Promise<Map<string, number>> {
  const date = date_of_day(day);
  const key = `${indicator}:${metric}:${date}`;
  let p = maps.get(key);
  if (!p) {
    p = fetch_map(indicator, metric, date).then((m) => new Map(Object.entries(m.values)));
    p.catch(() => maps.delete(key));
    maps.set(key, p);
  }
  return p;
}

function load_rt(progress: (done: number, total: number) => void): Promise<Map<string, RtEstimate[]>> {
  if (!rt_loaded) {
    rt_loaded = (async () => {
      const countries = countries_of(await locations());
      const estimates = await map_limited(countries, 6, (c) => fetch_rt(c.code, 'cases').catch(() => []),
                                          (done) => progress(done, countries.length));
      return new Map(countries.map((c, i) => [c.code, estimates[i]]));
    })();
  }
  return rt_loaded;
}

// Rt on a day: the estimate whose window ends on that day or, failing that, within the week before.
function rt_on(estimates: RtEstimate[] | undefined, day: number): number | null {
  if (!estimates) return null;
  let best: RtEstimate | null = null;
  for (const e of estimates) {
    const d = day_number(e.date);
    if (d <= day && d > day - 7 && (!best || d > day_number(best.date))) best = e;
  }
  return best ? best.mean : null;
}

function colour_scale(metric: Metric, window: number) {
  if (metric === 'rt') {
    const colours = [...schemeRdYlBu[9]].reverse();
    return { thresholds: [0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2], colours, digits: 2 };
  }
  const base = metric === 'cases' ? [1, 5, 10, 25, 50, 100, 250, 500] : [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  const factor = window / 7;
  return { thresholds: base.map((b) => b * factor), colours: [...schemeYlOrRd[9]], digits: metric === 'cases' ? 0 : 2 };
}

const kNoDataColour = '#e3e3e3';

export async function render_map_view(container: HTMLElement, navigate: (path: string) => void): Promise<void> {
  container.replaceChildren(h('h1', {}, t('map_title')));
  const rt_available = await has_feature('rt');
  if (state.metric === 'rt' && !rt_available) state.metric = 'cases';

  const metric_select = h('select', { id: 'map-metric', name: 'metric' },
    h('option', { value: 'cases' }, t('metric_cases')),
    h('option', { value: 'deaths' }, t('metric_deaths')),
    rt_available ? h('option', { value: 'rt' }, t('metric_rt')) : null);
  metric_select.value = state.metric;
  const window_select = h('select', { id: 'map-window', name: 'window' },
    h('option', { value: '7' }, t('window_days', { n: 7 })),
    h('option', { value: '14' }, t('window_days', { n: 14 })));
  window_select.value = String(state.window);
  const slider = h('input', { id: 'map-date', type: 'range', min: 0, max: 0, step: 1, value: 0 });
  const date_output = h('output', { for: 'map-date', id: 'map-date-text', 'aria-live': 'polite' });
  const finder = h('input', { id: 'country-finder', type: 'search', list: 'country-names', autocomplete: 'off',
                              'aria-describedby': 'country-finder-hint' });
  const datalist = h('datalist', { id: 'country-names' });
  const finder_form = h('form', { class: 'finder', role: 'search' },
    h('label', { for: 'country-finder' }, t('find_country')), finder, datalist,
    h('button', { type: 'submit' }, t('open')),
    h('span', { id: 'country-finder-hint', class: 'hint' }, t('find_country_hint')));

  const controls = h('div', { class: 'controls' },
    h('div', { class: 'field' }, h('label', { for: 'map-metric' }, t('metric')), metric_select),
    h('div', { class: 'field', id: 'map-window-field' }, h('label', { for: 'map-window' }, t('window')), window_select),
    h('div', { class: 'field field-wide' }, h('label', { for: 'map-date' }, t('date')), slider, date_output));
  const status = h('p', { class: 'status', role: 'status', id: 'map-status' }, t('loading'));
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  const outlines = map_shapes();
  svg.setAttribute('viewBox', `0 0 ${kWidth} ${map_height}`);
  svg.setAttribute('id', 'world-map');
  svg.setAttribute('role', 'img');
  const tooltip = h('div', { class: 'map-tooltip', role: 'tooltip', hidden: true });
  const legend = h('div', { class: 'legend', id: 'map-legend', 'aria-label': t('legend'), role: 'group' });
  const table_holder = h('section', { class: 'top-table', 'aria-labelledby': 'top-table-title' });
  container.append(finder_form, controls, status, h('div', { class: 'map-frame' }, svg, tooltip), legend, table_holder);

  const all = await locations();
  const country_list = countries_of(all).sort((a, b) => location_name(a).localeCompare(location_name(b)));
  for (const c of country_list) datalist.append(h('option', { value: location_name(c) }));
  finder_form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = finder.value.trim().toLowerCase();
    const match = country_list.find((c) => [c.code, c.name_en, c.name_zh].some((n) => n && n.toLowerCase() === wanted))
      ?? country_list.find((c) => [c.name_en, c.name_zh].some((n) => n && n.toLowerCase().startsWith(wanted)));
    if (match && wanted) navigate(`/country/${match.code}`);
  });

  const paths = new Map<string, SVGPathElement[]>();
  for (const shape of outlines) {
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', shape.d);
    path.setAttribute('fill', kNoDataColour);
    if (shape.iso3) {
      path.dataset.iso3 = shape.iso3;
      if (!paths.has(shape.iso3)) paths.set(shape.iso3, []);
      paths.get(shape.iso3)!.push(path);
    }
    svg.append(path);
  }

  const progress = (done: number, total: number) => {
    status.textContent = t('loading_countries', { done, total });
  };

  let axis: Axis | null = null;
  let rt: Map<string, RtEstimate[]> | null = null;
  let drawing = 0;  // the latest draw asked for; an older one that finishes later draws nothing

  function metric_label(): string {
    if (state.metric === 'rt') return t('metric_rt');
    return `${t(state.metric === 'cases' ? 'metric_cases' : 'metric_deaths')}, ${t('window_days', { n: state.window })}`;
  }

  async function draw(): Promise<void> {
    if (!axis) return;
    const ticket = ++drawing;
    const day_index = state.day < 0 || state.day >= axis.length ? axis.length - 1 : state.day;
    const day = axis.first_day + day_index;
    let of_day: Map<string, number> | null = null;
    if (state.metric !== 'rt') {
      try {
        of_day = await load_map(state.metric, state.window === 14 ? 'per100k_14d' : 'per100k_7d', day);
      } catch (e) {
        if (ticket === drawing) status.textContent = t('error', { message: (e as Error).message });
        return;
      }
      if (ticket !== drawing) return;
    }
    const value_of = (code: string): number | null =>
      state.metric === 'rt' ? rt_on(rt?.get(code), day) : of_day?.get(code) ?? null;
    slider.value = String(day_index);
    const date = date_of_day(day);
    date_output.textContent = format_period(date);
    slider.setAttribute('aria-valuetext', format_period(date));
    svg.setAttribute('aria-label', t('map_label', { metric: metric_label(), date: format_period(date) }));
    svg.dataset.date = date;
    // The slider redraws once the day's map has arrived; this tells a reader which step is drawn.
    svg.dataset.dayIndex = String(day_index);
    const scale = colour_scale(state.metric, state.window);
    const colour = scaleThreshold<number, string>().domain(scale.thresholds).range(scale.colours);
    const values: { code: string; value: number }[] = [];
    for (const [code, elements] of paths) {
      const value = value_of(code);
      for (const el of elements) {
        el.setAttribute('fill', value === null ? kNoDataColour : colour(value));
        el.dataset.value = value === null ? '' : String(value);
      }
      if (value !== null) values.push({ code, value });
    }
    // Countries too small for the 110m borders still appear in the table below.
    for (const code of (state.metric === 'rt' ? rt?.keys() : of_day?.keys()) ?? []) {
      if (paths.has(code)) continue;
      const value = value_of(code);
      if (value !== null) values.push({ code, value });
    }
    legend.replaceChildren(
      h('span', { class: 'legend-title' }, metric_label()),
      ...scale.colours.map((c, i) => h('span', { class: 'legend-item' },
        h('span', { class: 'swatch', style: `background:${c}` }),
        i === 0 ? `< ${format_number(scale.thresholds[0], scale.digits)}` : `≥ ${format_number(scale.thresholds[i - 1], scale.digits)}`)),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch', style: `background:${kNoDataColour}` }), t('no_data')));
    values.sort((a, b) => b.value - a.value);
    const digits = state.metric === 'cases' ? 1 : 2;
    table_holder.replaceChildren(
      h('h2', { id: 'top-table-title' }, t('table_top', { date: format_period(date) })),
      h('table', { id: 'top-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('country')),
                                  h('th', { scope: 'col', class: 'num' }, metric_label()))),
        h('tbody', {}, ...values.slice(0, 15).map((v, i) => h('tr', {},
          h('td', {}, format_number(i + 1)),
          h('td', {}, h('a', { href: `/country/${v.code}`, 'data-nav': true }, location_name(all.get(v.code), v.code))),
          h('td', { class: 'num' }, format_number(v.value, digits)))))));
    status.textContent = '';
  }

  async function load_and_draw(): Promise<void> {
    status.textContent = t('loading');
    try {
      // The day axis of the Rt map is the cases axis.
      axis = await load_axis(state.metric === 'deaths' ? 'deaths' : 'cases');
      if (state.metric === 'rt') rt = await load_rt(progress);
      slider.max = String(Math.max(0, axis.length - 1));
      await draw();
    } catch (e) {
      status.textContent = t('error', { message: (e as Error).message });
    }
  }

  metric_select.addEventListener('change', () => {
    state.metric = metric_select.value as Metric;
    (controls.querySelector('#map-window-field') as HTMLElement).hidden = state.metric === 'rt';
    void load_and_draw();
  });
  (controls.querySelector('#map-window-field') as HTMLElement).hidden = state.metric === 'rt';
  window_select.addEventListener('change', () => {
    state.window = Number(window_select.value);
    void draw();
  });
  let frame = 0;
  slider.addEventListener('input', () => {
    state.day = Number(slider.value) === Number(slider.max) ? -1 : Number(slider.value);
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => void draw());
  });

  // Hover and click on the map; the finder and the table give the same access by keyboard.
  svg.addEventListener('click', (event) => {
    const code = (event.target as SVGElement).dataset?.iso3;
    if (code && all.has(code)) navigate(`/country/${code}`);
  });
  svg.addEventListener('mousemove', (event) => {
    const target = event.target as SVGElement;
    const code = target.dataset?.iso3;
    if (!code) {
      tooltip.hidden = true;
      return;
    }
    const raw = target.dataset.value;
    const value = raw ? format_number(Number(raw), state.metric === 'cases' ? 1 : 2) : t('no_data');
    tooltip.textContent = `${location_name(all.get(code), code)}: ${value}`;
    const frame_box = svg.getBoundingClientRect();
    tooltip.style.left = `${event.clientX - frame_box.left + 12}px`;
    tooltip.style.top = `${event.clientY - frame_box.top + 12}px`;
    tooltip.hidden = false;
  });
  svg.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
  });

  await load_and_draw();
}
