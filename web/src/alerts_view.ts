// Alerts panel: a live list fed by the server-sent-events stream, with an acknowledge button for
// focal points who entered their token (kept in sessionStorage: it leaves with the tab).
import { acknowledge_alert } from './api';
import { h } from './dom';
import { format_timestamp, t } from './i18n';
import { location_name, locations } from './state';

interface Alert {
  alert_id: string;
  state: string;
  location: string;
  indicator: string;
  severity: string;
  text: string;
  opened_at: string;
}

const kTokenKey = 'shouwang.focal_point_token';
const alerts = new Map<string, Alert>();
let source: EventSource | null = null;
let connected = false;
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
    // Without storage the token cannot be kept; acknowledging then fails with 401, which is shown.
  }
}

function record(data: string): void {
  try {
    const raw = JSON.parse(data) as Record<string, unknown>;
    const id = String(raw.alert_id ?? raw.id ?? '');
    if (!id) return;
    const previous = alerts.get(id);
    alerts.set(id, {
      alert_id: id,
      state: String(raw.state ?? previous?.state ?? 'open'),
      location: String(raw.location ?? previous?.location ?? ''),
      indicator: String(raw.indicator ?? previous?.indicator ?? ''),
      severity: String(raw.severity ?? previous?.severity ?? ''),
      text: String(raw.text ?? previous?.text ?? ''),
      opened_at: String(raw.opened_at ?? previous?.opened_at ?? ''),
    });
  } catch {
    // A keep-alive or a message that is not an alert.
  }
}

// The alerts already open when the panel opens (GET /api/v1/alerts), then the stream's news.
async function load_current(): Promise<void> {
  try {
    const response = await fetch('/api/v1/alerts?limit=200', { headers: { Accept: 'application/json' } });
    if (!response.ok) return;
    const body = await response.json() as { alerts?: unknown[] };
    for (const a of body.alerts ?? []) {
      const id = String((a as Record<string, unknown>).alert_id ?? '');
      if (id && !alerts.has(id)) record(JSON.stringify(a));
    }
    for (const redraw of redraws) redraw();
  } catch {
    // The live stream still works without the list.
  }
}

// One stream for the page's life: alerts arrive while the user is on other views too.
function connect(): void {
  if (source) return;
  void load_current();
  source = new EventSource('/api/v1/alerts/stream');
  const on_message = (event: MessageEvent) => {
    record(event.data);
    for (const redraw of redraws) redraw();
  };
  source.addEventListener('message', on_message);
  for (const name of ['alert', 'opened', 'acknowledged', 'resolved', 'escalated']) source.addEventListener(name, on_message);
  source.addEventListener('open', () => {
    connected = true;
    for (const redraw of redraws) redraw();
  });
  source.addEventListener('error', () => {
    connected = false;
    for (const redraw of redraws) redraw();
  });
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
        h('button', { type: 'button', onclick: () => { set_token(''); draw_sign_in(); draw(); } }, t('sign_out')));
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
    draw();
  });

  function draw(): void {
    if (!container.contains(list)) {
      redraws.delete(draw);
      return;
    }
    status.textContent = connected ? t('alerts_connected') : t('alerts_connecting');
    status.dataset.connected = String(connected);
    const items = [...alerts.values()].sort((a, b) => b.opened_at.localeCompare(a.opened_at));
    if (!items.length) {
      list.replaceChildren(h('li', { class: 'muted' }, t('alerts_none')));
      return;
    }
    list.replaceChildren(...items.map((a) => {
      const feedback = h('span', { class: 'feedback', role: 'status' });
      const acked = a.state !== 'open';
      const button = token() && !acked
        ? h('button', { type: 'button', onclick: async () => {
          try {
            await acknowledge_alert(a.alert_id, token());
            alerts.set(a.alert_id, { ...a, state: 'acknowledged' });
            draw();
          } catch (e) {
            feedback.textContent = t('ack_failed', { message: (e as Error).message });
          }
        } }, t('ack'))
        : null;
      return h('li', { class: `alert severity-${a.severity}`, 'data-alert-id': a.alert_id, 'data-state': a.state },
        h('strong', {}, location_name(all.get(a.location), a.location)), ` · ${a.indicator}`,
        h('span', { class: 'badge' }, `${t('severity')}: ${a.severity}`),
        h('span', { class: 'badge' }, `${t('state')}: ${acked ? t('acked') : a.state}`),
        a.text ? h('p', {}, a.text) : null,
        a.opened_at ? h('p', { class: 'muted' }, `${t('opened')}: ${format_timestamp(a.opened_at)}`) : null,
        button, feedback);
    }));
  }

  container.replaceChildren(h('h1', {}, t('alerts_title')), sign_in, h('h2', {}, t('alerts_live')), status, list);
  draw_sign_in();
  redraws.add(draw);
  draw();
}
