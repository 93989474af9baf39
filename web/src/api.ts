// Client of the Shouwang REST API (/api/v1). The data endpoints are always there; the Rt, detection,
// alert and knowledge endpoints come from modules that may be absent from a build, so the UI probes
// them once (404 = absent) and shows their panels only when they answer.

export interface Location {
  code: string;
  name_en: string;
  name_zh: string;
  parent: string | null;
  level: 'world' | 'region' | 'country' | 'subnational';
  population: number | null;
}

export interface Point {
  date: string;
  value: number;
}

export interface Series {
  location: string;
  indicator: string;
  source: string;
  points: Point[];
}

export interface Correction {
  date: string;
  value: number;
  revision: number;
  source: string;
  reported_at: string;
}

export interface RtEstimate {
  date: string;  // the end of the estimation window
  mean: number;
  lo: number | null;
  hi: number | null;
}

export interface Signal {
  period: string;
  observed: number | null;
  threshold: number | null;
  method: string;
  alarm: boolean;
}

export interface KbHit {
  family: string;
  edition: string;
  lang: string;
  title: string;
  section: string;
  snippet: string;
  score: number;
  document_id: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

// The error of a refused request: the message of the JSON error body, else the status line.
async function api_error(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body?.error?.message) message = body.error.message;
  } catch {
    // The body was not JSON: keep the status line.
  }
  return new ApiError(response.status, message);
}

// A focal point's token travels in the Authorization header only, never in a URL (which ends up
// in server logs and the browser history).
function headers_with(token: string | undefined, headers: Record<string, string>): Record<string, string> {
  return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
}

async function get_json<T>(path: string, signal?: AbortSignal, token?: string): Promise<T> {
  const response = await fetch(path, { headers: headers_with(token, { Accept: 'application/json' }), signal });
  if (!response.ok) throw await api_error(response);
  return (await response.json()) as T;
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  return q.toString();
}

export async function fetch_locations(): Promise<Location[]> {
  return (await get_json<{ locations: Location[] }>('/api/v1/locations')).locations;
}

// The children of `parent` that have a stored series of `indicator` (most subdivisions report nothing).
export async function fetch_reporting_children(parent: string, indicator: string): Promise<Location[]> {
  const q = new URLSearchParams({ parent, indicator });
  return (await get_json<{ locations: Location[] }>(`/api/v1/locations?${q}`)).locations;
}

// A missing series (404) is an empty one: not every country reports every indicator.
export async function fetch_series(location: string, indicator: string, source?: string): Promise<Series> {
  try {
    return await get_json<Series>(`/api/v1/series?${query({ location, indicator, source })}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { location, indicator, source: source ?? '', points: [] };
    throw e;
  }
}

// The dashboard's map: every country's metric on one day (the last reported one when `date` is
// absent), and the days any country reported. Countries without a value are absent from `values`.
export interface MapValues {
  indicator: string;
  metric: string;
  date: string | null;
  first_date: string | null;
  last_date: string | null;
  values: Record<string, number>;
}

export type MapMetric = 'value' | 'avg_7d' | 'per100k_7d' | 'per100k_14d';

export async function fetch_map(indicator: string, metric: MapMetric, date?: string): Promise<MapValues> {
  return await get_json<MapValues>(`/api/v1/map?${query({ indicator, metric, date })}`);
}

export function series_csv_url(location: string, indicator: string, source?: string): string {
  return `/api/v1/series?${query({ location, indicator, source, format: 'csv' })}`;
}

export async function fetch_corrections(location: string, indicator: string): Promise<Correction[]> {
  try {
    return (await get_json<{ corrections: Correction[] }>(`/api/v1/revisions?${query({ location, indicator })}`)).corrections;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

// Optional endpoints, probed once per page load.
export type Feature = 'rt' | 'signals' | 'alerts' | 'kb' | 'forecasts';
const probe_paths: Record<Feature, string> = {
  rt: '/api/v1/rt',
  signals: '/api/v1/signals',
  alerts: '/api/v1/alerts/stream',
  kb: '/api/v1/kb/search?q=probe',
  forecasts: '/api/v1/forecasts',
};
const probes = new Map<Feature, Promise<boolean>>();

// Present unless the router answers "no such endpoint". A parameter error (400) still means the
// route exists. The alert stream would stay open, so the probe aborts once the headers arrive.
export function has_feature(feature: Feature): Promise<boolean> {
  let p = probes.get(feature);
  if (!p) {
    p = (async () => {
      const controller = new AbortController();
      try {
        const response = await fetch(probe_paths[feature], { signal: controller.signal });
        if (response.status === 404) {
          // The route's own 404 (e.g. no such location) still means the endpoint exists.
          const body = await response.json().catch(() => null);
          return !String(body?.error?.message ?? 'no such endpoint').startsWith('no such endpoint');
        }
        controller.abort();
        return response.status !== 405 && response.status < 500;
      } catch {
        return false;
      }
    })();
    probes.set(feature, p);
  }
  return p;
}

function number_or_null(v: unknown): number | null {
  if (v === null || v === undefined || v === 'NA' || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

// The first array in a response body: lets the UI read {"estimates": [...]}, {"rt": [...]}, a bare
// array, or {"signals": [...]} without depending on the exact envelope name.
function first_array(body: unknown, preferred: string[]): Record<string, unknown>[] {
  if (Array.isArray(body)) return body as Record<string, unknown>[];
  if (body && typeof body === 'object') {
    const obj = body as Record<string, unknown>;
    for (const key of preferred) if (Array.isArray(obj[key])) return obj[key] as Record<string, unknown>[];
    for (const value of Object.values(obj)) if (Array.isArray(value)) return value as Record<string, unknown>[];
  }
  return [];
}

// Rt estimates as EpiEstim names them (mean, q0.025, q0.975), dated by the end of their window
// (date_end), or with date/lower/upper names.
export async function fetch_rt(location: string, indicator: string): Promise<RtEstimate[]> {
  const body = await get_json<unknown>(`/api/v1/rt?${query({ location, indicator })}`);
  const out: RtEstimate[] = [];
  for (const row of first_array(body, ['estimates', 'rt', 'points', 'windows'])) {
    const date = String(row.date_end ?? row.date ?? row.end ?? row.period ?? '');
    const mean = number_or_null(row.mean ?? row.median ?? row.value ?? row.rt);
    if (!date || mean === null) continue;
    out.push({
      date,
      mean,
      lo: number_or_null(row['q0.025'] ?? row.lower ?? row.lo ?? row.q025),
      hi: number_or_null(row['q0.975'] ?? row.upper ?? row.hi ?? row.q975),
    });
  }
  return out;
}

// The detection verdicts of a series: whether it has been analysed at all (any signal, alarm or
// not) and its alarms, so a page can tell "not analysed yet" from "analysed, no alarm".
export interface Verdicts {
  analysed: boolean;
  alarms: Signal[];
}

export async function fetch_alarms(location: string, indicator: string): Promise<Verdicts> {
  const body = await get_json<unknown>(`/api/v1/signals?${query({ location, indicator })}`);
  const rows = first_array(body, ['signals']);
  return { analysed: rows.length > 0, alarms: rows.map((row) => ({
    period: String(row.week ?? row.period ?? row.date ?? ''),
    observed: number_or_null(row.observed),
    threshold: number_or_null(row.upperbound ?? row.threshold),
    method: String(row.method ?? ''),
    alarm: row.alarm === true,
  })).filter((s) => s.period && s.alarm) };
}

export interface WeekForecast {
  week_start: string;
  week_end: string;
  quantile: (level: number) => number | null;
}

export interface Forecast {
  origin: string;
  model: string;
  weeks: WeekForecast[];
}

// Week-ahead forecasts as quantiles ({"origin","model","forecasts":[{"week_start","week_end",
// "quantiles":[{"level","value"}]}]}).
export async function fetch_forecast(location: string, indicator: string): Promise<Forecast | null> {
  const body = await get_json<Record<string, unknown>>(`/api/v1/forecasts?${query({ location, indicator })}`);
  const rows = Array.isArray(body.forecasts) ? body.forecasts as Record<string, unknown>[] : [];
  const weeks = rows.map((row) => {
    const quantiles = (Array.isArray(row.quantiles) ? row.quantiles : []) as Record<string, unknown>[];
    return {
      week_start: String(row.week_start ?? ''),
      week_end: String(row.week_end ?? ''),
      quantile: (level: number) => {
        const q = quantiles.find((x) => Math.abs(Number(x.level) - level) < 1e-9);
        return q ? number_or_null(q.value) : null;
      },
    };
  }).filter((w) => w.week_start);
  return weeks.length ? { origin: String(body.origin ?? ''), model: String(body.model ?? ''), weeks } : null;
}

export async function search_knowledge(q: string, lang: string, edition: string): Promise<KbHit[]> {
  const body = await get_json<unknown>(`/api/v1/kb/search?${query({ q, lang, edition })}`);
  return first_array(body, ['hits', 'results']).map((row) => ({
    family: String(row.family ?? ''),
    edition: String(row.edition ?? ''),
    lang: String(row.lang ?? ''),
    title: String(row.title ?? ''),
    section: String(row.section ?? ''),
    snippet: String(row.snippet ?? ''),
    score: Number(row.score ?? 0),
    document_id: row.document_id === undefined || row.document_id === null ? '' : String(row.document_id),
  }));
}

export async function fetch_document(id: string): Promise<unknown> {
  return get_json<unknown>(`/api/v1/kb/documents/${encodeURIComponent(id)}`);
}

export async function fetch_edition_diff(family: string, from: string, to: string): Promise<unknown> {
  return get_json<unknown>(`/api/v1/kb/families/${encodeURIComponent(family)}/diff?${query({ from, to })}`);
}

// The alerts the caller may see, newest first: with a focal point's token, also the unverified
// event reports of its area that nobody has published yet.
export async function fetch_alerts(token: string, signal?: AbortSignal): Promise<Record<string, unknown>[]> {
  return first_array(await get_json<unknown>('/api/v1/alerts?limit=200', signal, token), ['alerts']);
}

// POST /api/v1/alerts/{id}/ack or /publish as the signed-in focal point; answers the alert.
export async function alert_action(id: string, action: 'ack' | 'publish', token: string): Promise<Record<string, unknown>> {
  const response = await fetch(`/api/v1/alerts/${encodeURIComponent(id)}/${action}`, {
    method: 'POST',
    headers: headers_with(token, { 'Content-Type': 'application/json' }),
    body: '{}',
  });
  if (!response.ok) throw await api_error(response);
  return (await response.json()) as Record<string, unknown>;
}

// Reads a server-sent-events stream with fetch(), because EventSource cannot send an
// Authorization header. Calls on_open once the server accepted the request, then on_event for
// each event; resolves when the server ends the stream, rejects with ApiError when it refuses it
// (401 for a token it does not know) and with an AbortError when `signal` aborts.
export async function read_event_stream(path: string, token: string, signal: AbortSignal, on_open: () => void,
                                        on_event: (name: string, data: string) => void): Promise<void> {
  const response = await fetch(path, { headers: headers_with(token, { Accept: 'text/event-stream' }), signal, cache: 'no-store' });
  if (!response.ok || !response.body) throw await api_error(response);
  on_open();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  // The SSE format: lines "field: value", an empty line ends an event, lines from ':' are comments
  // (keep-alives). Shouwang ends lines with LF; a CR before it is dropped all the same.
  let pending = '', name = '', data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += value;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '') {
        if (data.length) on_event(name || 'message', data.join('\n'));
        name = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = text;
      else if (field === 'data') data.push(text);
    }
  }
}

// Runs tasks with at most `limit` in flight: a browser allows six connections per host, and the
// server gives each connection its own thread.
export async function map_limited<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>,
                                        progress?: (done: number) => void): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0, done = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
      progress?.(++done);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
