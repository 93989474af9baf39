// Alerts panel: a live list fed by the server-sent-events stream, with acknowledge and publish
// buttons for focal points who entered their token (kept in sessionStorage: it leaves with the tab).
// An unverified event report is shown only to the focal points of its area until one of them
// publishes it, so the list and the stream are read with the token, and read again from scratch
// when the user signs in or out.
import { alert_action, ApiError, fetch_alerts, read_event_stream } from './api';
import { h } from './dom';
import { format_timestamp, t } from './i18n';
import { location_name, locations } from './state';

interface Alert {
  alert_id: string;
  state: string;
  location: string;
  indicator: string;
  severity: string;
  origin: string;
  published: boolean;
  text: string;
  opened_at: string;
}

const kTokenKey = 'shouwang.focal_point_token';
const alerts = new Map<string, Alert>();
let stream: AbortController | null = null;
let connected = false;
let token_refused = false;
const redraws = new Set<() => void>();

function token(): string {
  try {
    return sessionStorage.getItem(kTokenKey) ?? '';
  } catch {
    return '';
  }
}

function set_token(value: string): void {
  try {
    if (value) sessionStorage.setItem(kTokenKey, value);
    else sessionStorage.removeItem(kTokenKey);
  } catch {
    // Without storage the token cannot be kept; the page then stays anonymous.
  }
}

function redraw_all(): void {
  for (const redraw of redraws) redraw();
}

function record(raw: Record<string, unknown>): void {
  const id = String(raw.alert_id ?? raw.id ?? '');
  if (!id) return;
  const previous = alerts.get(id);
  alerts.set(id, {
    alert_id: id,
    state: String(raw.state ?? previous?.state ?? 'open'),
    location: String(raw.location ?? previous?.location ?? ''),
    indicator: String(raw.indicator ?? previous?.indicator ?? ''),
    severity: String(raw.severity ?? previous?.severity ?? ''),
    origin: String(raw.origin ?? previous?.origin ?? ''),
    published: typeof raw.published === 'boolean' ? raw.published : previous?.published ?? true,
    text: String(raw.text ?? previous?.text ?? ''),
    opened_at: String(raw.opened_at ?? previous?.opened_at ?? ''),
  });
}

// The alerts already there when the stream opens (GET /api/v1/alerts), as the same identity.
async function load_current(identity: string, signal: AbortSignal): Promise<void> {
  try {
    const list = await fetch_alerts(identity, signal);
    if (signal.aborted) return;  // the user signed in or out meanwhile: not for the new identity
    for (const a of list) {
      const id = String(a.alert_id ?? '');
      if (id && !alerts.has(id)) record(a);
    }
    redraw_all();
  } catch {
    // The live stream still works without the list.
  }
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

// One stream for the page's life (alerts arrive while the user is on other views too), opened
// again after a drop with a growing delay, as EventSource would. A refused token stops it until
// the user signs in again.
function connect(): void {
  if (stream) return;
  const controller = new AbortController();
  stream = controller;
  const identity = token();
  void (async () => {
    let delay_ms = 1000;
    while (!controller.signal.aborted && !token_refused) {
      try {
        await read_event_stream('/api/v1/alerts/stream', identity, controller.signal, () => {
          connected = true;
          delay_ms = 1000;
          // After the stream is open, so that no alert falls between the list and the stream.
          void load_current(identity, controller.signal);
          redraw_all();
        }, (_name, data) => {
          try {
            record(JSON.parse(data) as Record<string, unknown>);
            redraw_all();
          } catch {
            // A message that is not an alert.
          }
        });
      } catch (e) {
        token_refused = e instanceof ApiError && e.status === 401 && identity !== '';
      }
      if (controller.signal.aborted) return;
      connected = false;
      redraw_all();
      await wait(delay_ms, controller.signal);
      delay_ms = Math.min(delay_ms * 2, 30_000);
    }
  })();
}

// Signing in or out changes what the server shows: drop everything seen as the previous identity
// (confidential event reports above all) and read the list and the stream again.
function reconnect(): void {
  stream?.abort();
  stream = null;
  connected = false;
  token_refused = false;
  alerts.clear();
  connect();
  redraw_all();
}

export async function render_alerts_view(container: HTMLElement): Promise<void> {
  connect();
  const all = await locations();
  const status = h('p', { role: 'status', id: 'alerts-status' });
  const list = h('ul', { class: 'alert-list', id: 'alerts-list' });
  const token_input = h('input', { id: 'focal-token', type: 'password', autocomplete: 'off', 'aria-describedby': 'focal-token-hint' });
  const sign_in = h('form', { class: 'sign-in' });

  function draw_sign_in(): void {
    if (token()) {
      sign_in.replaceChildren(h('span', {}, t('signed_in')), ' ',
        h('button', { type: 'button', onclick: () => { set_token(''); draw_sign_in(); reconnect(); } }, t('sign_out')));
    } else {
      sign_in.replaceChildren(h('label', { for: 'focal-token' }, t('alerts_token')), token_input,
        h('button', { type: 'submit' }, t('sign_in')), h('p', { class: 'hint', id: 'focal-token-hint' }, t('alerts_token_hint')));
    }
  }
  sign_in.addEventListener('submit', (event) => {
    event.preventDefault();
    set_token(token_input.value.trim());
    token_input.value = '';
    draw_sign_in();
    reconnect();
  });

  // A button that asks the server to act on the alert as the signed-in focal point, then shows
  // the alert as the server answered it.
  function action_button(a: Alert, action: 'ack' | 'publish', feedback: HTMLElement): HTMLButtonElement {
    return h('button', { type: 'button', 'data-action': action, onclick: async () => {
      try {
        record(await alert_action(a.alert_id, action, token()));
        draw();
      } catch (e) {
        feedback.textContent = t(action === 'ack' ? 'ack_failed' : 'publish_failed', { message: (e as Error).message });
      }
    } }, t(action === 'ack' ? 'ack' : 'publish'));
  }

  function draw(): void {
    if (!container.contains(list)) {
      redraws.delete(draw);
      return;
    }
    status.textContent = token_refused ? t('alerts_token_refused') : connected ? t('alerts_connected') : t('alerts_connecting');
    status.dataset.connected = String(connected);
    status.dataset.signedIn = String(connected && token() !== '');
    const items = [...alerts.values()].sort((a, b) => b.opened_at.localeCompare(a.opened_at));
    if (!items.length) {
      list.replaceChildren(h('li', { class: 'muted' }, t('alerts_none')));
      return;
    }
    const signed_in = token() !== '';
    list.replaceChildren(...items.map((a) => {
      const feedback = h('span', { class: 'feedback', role: 'status' });
      const acked = a.state !== 'open';
      return h('li', { class: `alert severity-${a.severity}`, 'data-alert-id': a.alert_id, 'data-state': a.state,
                       'data-published': String(a.published) },
        h('strong', {}, location_name(all.get(a.location), a.location)), ` · ${a.indicator}`,
        h('span', { class: 'badge' }, `${t('severity')}: ${a.severity}`),
        h('span', { class: 'badge' }, `${t('state')}: ${acked ? t('acked') : a.state}`),
        a.published ? null : h('span', { class: 'badge confidential' }, t('unpublished')),
        a.text ? h('p', {}, a.text) : null,
        a.opened_at ? h('p', { class: 'muted' }, `${t('opened')}: ${format_timestamp(a.opened_at)}`) : null,
        signed_in && !acked ? action_button(a, 'ack', feedback) : null,
        signed_in && !a.published ? action_button(a, 'publish', feedback) : null,
        feedback);
    }));
  }

  container.replaceChildren(h('h1', {}, t('alerts_title')), sign_in, h('h2', {}, t('alerts_live')), status, list);
  draw_sign_in();
  redraws.add(draw);
  draw();
}
