// End-to-end test of the dashboard in Debian's Chromium (driven by playwright-core): imports the
// real JHU series from the shared data folder into a fresh database, starts `shouwang serve` on a
// free loopback port, then uses the page as a person would and compares what it shows with the API.
// Environment: SHOUWANG_BIN (the shouwang binary), SHOUWANG_SHARED_DIR, SHOUWANG_WEB_ROOT (web/dist),
// SCREENSHOT_DIR (build/screenshots), CHROMIUM (default /usr/bin/chromium).
// Any 5xx answer, to the page or to the test's own API calls, fails the test it happened in: a panel
// that hides itself when its endpoint fails must not make a server error look like a pass.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const binary = process.env.SHOUWANG_BIN ?? join(repo, 'build', 'shouwang');
const shared = process.env.SHOUWANG_SHARED_DIR ?? join(repo, '..', 'shared');
const web_root = process.env.SHOUWANG_WEB_ROOT ?? join(repo, 'web', 'dist');
const screenshots = process.env.SCREENSHOT_DIR ?? join(repo, 'build', 'screenshots');
const browser_path = process.env.CHROMIUM ?? '/usr/bin/chromium';
const jhu = join(shared, 'data', 'global', 'jhu_csse');

// The country the test drills into (compact, so a click at its centre lands on it) and a date it
// corrects afterwards, so the revisions panel has something real to show.
const kCountry = 'DEU';
const kCorrectedDate = '2023-03-01';

let work, db, server, base_url, context, page;

// Server errors seen since the last check, as "STATUS METHOD URL (who asked)".
const server_errors = [];

function note_server_error(status, method, url, who) {
  if (status >= 500) server_errors.push(`${status} ${method} ${url} (${who})`);
}

// fetch for the test's own calls to the server: every answer's status is checked for 5xx.
async function fetch_api(url, init = {}) {
  const response = await fetch(url, init);
  note_server_error(response.status, init.method ?? 'GET', url, 'test');
  return response;
}

function expect_no_server_errors() {
  const seen = server_errors.splice(0);
  assert.deepEqual(seen, [], `the server answered 5xx:\n${seen.join('\n')}`);
}

function shouwang(...args) {
  return execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function api(path) {
  const response = await fetch_api(base_url + path);
  assert.equal(response.status, 200, `${path}: HTTP ${response.status}`);
  return response.json();
}

function start_server() {
  return new Promise((resolve_url, reject) => {
    server = spawn(binary, ['serve', '--db', db, '--port', '0', '--web-root', web_root,
                            '--genome-dataset', join(shared, 'data', 'genome', 'sars-cov-2')],
                   { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve_url(m[1]);
      }
    });
    server.stderr.on('data', (chunk) => { out += chunk; });
    server.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

async function shot(name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

async function wait_ready() {
  await page.waitForSelector('main[data-ready="true"]', { timeout: 60_000 });
}

// In-app navigation, as following a link does: the page keeps the country series it loaded for the
// map instead of fetching them again on every full page load.
async function go(path) {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
  await wait_ready();
}

describe('web dashboard', { timeout: 300_000 }, () => {
  before(async () => {
    for (const [what, path] of [['shouwang binary', binary], ['built web UI', join(web_root, 'index.html')],
                                ['chromium', browser_path], ['JHU data', jhu]]) {
      assert.ok(existsSync(path), `${what} not found at ${path}`);
    }
    mkdirSync(screenshots, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'shouwang-e2e-'));
    db = join(work, 'e2e.db');
    shouwang('import', '--db', db, '--format', 'jhu', '--indicator', 'cases', join(jhu, 'time_series_covid19_confirmed_global.csv'));
    shouwang('import', '--db', db, '--format', 'jhu', '--indicator', 'deaths', join(jhu, 'time_series_covid19_deaths_global.csv'));
    // The guidance corpus, as scripts/run loads it, so the knowledge view searches real documents.
    shouwang('kb', 'load-corpus', '--db', db, '--corpus', join(shared, 'corpus'));
    base_url = await start_server();

    // A later report from the same source correcting one day: the store keeps both revisions.
    const before_fix = (await api(`/api/v1/series?location=${kCountry}&indicator=cases&from=${kCorrectedDate}&to=${kCorrectedDate}`)).points[0].value;
    writeFileSync(join(work, 'fix.csv'), `location,indicator,date,value\n${kCountry},cases,${kCorrectedDate},${before_fix + 100}\n`);
    shouwang('import', '--db', db, '--format', 'csv', '--source', 'jhu', join(work, 'fix.csv'));

    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: browser_path,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
             '--no-first-run', '--disable-sync', '--disable-dev-shm-usage'],
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('response', (r) => note_server_error(r.status(), r.request().method(), r.url(), 'page'));
    expect_no_server_errors();
  });

  afterEach(() => expect_no_server_errors());

  after(async () => {
    await context?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the world map is coloured from the API data', async () => {
    await page.goto(base_url + '/');
    await wait_ready();
    const value = await page.locator(`#world-map path[data-iso3="${kCountry}"]`).first().getAttribute('data-value');
    assert.ok(value !== '' && Number(value) >= 0, `map value of ${kCountry}: '${value}'`);
    // The colour follows the rate: cases over the last 7 days per 100,000, from the API series.
    const series = await api(`/api/v1/series?location=${kCountry}&indicator=cases`);
    const { locations } = await api('/api/v1/locations?level=country');
    const population = locations.find((l) => l.code === kCountry).population;
    const last7 = series.points.slice(-7).reduce((s, p) => s + p.value, 0);
    assert.ok(Math.abs(Number(value) - Math.max(0, last7) / population * 1e5) < 1e-6, `map ${value} vs API ${last7}`);
    const coloured = await page.locator('#world-map path[data-value]:not([data-value=""])').count();
    assert.ok(coloured > 150, `only ${coloured} countries coloured`);
    assert.ok(await page.locator('#top-table tbody tr').count() > 0);
    await shot('map');

    // The slider moves the map back in time, one day per step.
    // The map redraws on the next animation frame, so wait for the step to be drawn before reading.
    await page.locator('#map-date').fill('0');
    await page.waitForSelector('#world-map[data-day-index="0"]');
    const first = await page.locator('#world-map').getAttribute('data-date');
    await page.locator('#map-date').fill('400');
    await page.waitForSelector('#world-map[data-day-index="400"]');
    const later = await page.locator('#world-map').getAttribute('data-date');
    assert.equal((Date.parse(later) - Date.parse(first)) / 86_400_000, 400);
    assert.ok(first <= series.points[0].date, `axis starts ${first}, series ${series.points[0].date}`);
    await shot('map-earlier');
  });

  test('clicking a country opens its page whose chart ends on the API value', async () => {
    await go('/');
    await page.locator(`#world-map path[data-iso3="${kCountry}"]`).first().click();
    await page.waitForURL(`**/country/${kCountry}`);
    await wait_ready();
    const series = await api(`/api/v1/series?location=${kCountry}&indicator=cases`);
    const last = series.points.at(-1);
    const chart = page.locator('#series-chart');
    assert.equal(await chart.getAttribute('data-last-date'), last.date);
    assert.equal(Number(await chart.getAttribute('data-last-value')), last.value);
    assert.equal(Number(await chart.getAttribute('data-points')), series.points.length);
    const shown = await page.locator('#latest-value').textContent();
    assert.ok(shown.includes(new Intl.NumberFormat('en-GB').format(last.value)), `summary '${shown}'`);
    assert.ok(await page.locator('#series-chart svg path').count() > 0, 'chart drawn');
    await shot('country');

    // Revisions: the correction imported in the fixture is listed with its new value.
    const { corrections } = await api(`/api/v1/revisions?location=${kCountry}&indicator=cases`);
    assert.equal(corrections.length, 1);
    const row = page.locator('#revisions-table tbody tr').first();
    assert.ok((await row.textContent()).includes(new Intl.NumberFormat('en-GB').format(corrections[0].value)));

    // Cumulative toggle: the chart ends on the stored cumulative series.
    await page.locator('#cumulative').check();
    const cumulative = (await api(`/api/v1/series?location=${kCountry}&indicator=cases_cumulative`)).points.at(-1);
    await page.waitForFunction((v) => document.querySelector('#series-chart')?.dataset.lastValue === String(v), cumulative.value);
    await page.locator('#log-scale').check();
    await shot('country-cumulative-log');

    // CSV download of what is on screen.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-csv').click()]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'location,indicator,source,date,value');
    assert.equal(csv.at(-1), `${kCountry},cases_cumulative,${series.source},${cumulative.date},${cumulative.value}`);
    await page.locator('#cumulative').uncheck();
    await page.locator('#log-scale').uncheck();
  });

  test('Rt band and alarms panels follow the API', async () => {
    await go(`/country/${kCountry}`);
    const rt = await fetch_api(`${base_url}/api/v1/rt?location=${kCountry}&indicator=cases`);
    if (rt.status === 404 && !(await rt.text()).includes('no such endpoint')) return;
    if (rt.status === 200) {
      const body = await rt.json();
      const windows = body.windows ?? body.estimates ?? [];
      await page.waitForSelector('#rt-panel:not([hidden]) #rt-chart svg');
      const text = await page.locator('#rt-latest').textContent();
      const last = windows.at(-1);
      assert.ok(text.includes(new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(last.mean)), text);
      await page.locator('#rt-panel').screenshot({ path: join(screenshots, 'country-rt.png') });
    } else {
      assert.ok(await page.locator('#rt-panel').isHidden());
    }
  });

  test('the forecast panel shows the API quantiles', async () => {
    await go(`/country/${kCountry}`);
    const response = await fetch_api(`${base_url}/api/v1/forecasts?location=${kCountry}&indicator=cases`);
    if (response.status !== 200) {
      assert.ok(await page.locator('#forecast-panel').isHidden());
      return;
    }
    const { forecasts } = await response.json();
    await page.waitForSelector('#forecast-panel:not([hidden]) #forecast-table tbody tr');
    assert.equal(await page.locator('#forecast-table tbody tr').count(), forecasts.length);
    const median = forecasts[0].quantiles.find((q) => q.level === 0.5).value;
    const cell = await page.locator('#forecast-table tbody tr').first().locator('td').nth(1).textContent();
    assert.equal(cell, new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 }).format(median));
    await page.locator('#forecast-panel').screenshot({ path: join(screenshots, 'country-forecast.png') });
  });

  test('subnational breakdown appears for a country reported by province', async () => {
    // The catalogue holds every ISO 3166-2 subdivision; the page asks only for those that report.
    const asked = [];
    const note = (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/series' && url.searchParams.get('location')?.startsWith('CHN-')) asked.push(url.search);
    };
    page.on('request', note);
    await go('/country/CHN');
    await page.waitForSelector('#subnational-table tbody tr');
    page.off('request', note);
    const rows = await page.locator('#subnational-table tbody tr').count();
    const { locations } = await api('/api/v1/locations?parent=CHN&level=subnational');
    const reporting = (await api('/api/v1/locations?parent=CHN&indicator=cases')).locations;
    assert.ok(rows > 20 && rows === reporting.length && reporting.length < locations.length,
      `${rows} provinces shown, ${reporting.length} reporting of ${locations.length}`);
    assert.ok(asked.length <= reporting.length, `${asked.length} subdivision series asked for`);
  });

  test('the interface switches to Chinese and remembers it', async () => {
    await go(`/country/${kCountry}`);
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-Hans');
    await wait_ready();
    const { locations } = await api('/api/v1/locations?level=country');
    const name_zh = locations.find((l) => l.code === kCountry).name_zh;
    assert.equal((await page.locator('#location-name').textContent()).trim(), name_zh);
    assert.equal(await page.locator('label[for="cumulative"]').textContent(), '累计');
    await shot('country-zh');
    await page.reload();
    await wait_ready();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hans');
    assert.equal(await page.locator('#lang-switch').textContent(), 'English');
    await go('/');
    await shot('map-zh');
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
  });

  test('the pages fit a phone-width screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/', `/country/${kCountry}`]) {
      await go(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the phone screen`);
    }
    await shot('country-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('the country finder works from the keyboard', async () => {
    await go('/');
    await page.locator('#country-finder').focus();
    await page.keyboard.type('Germany');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/country/${kCountry}`);
    await wait_ready();
  });

  test('an unverified event reaches only a signed-in focal point, live, who acknowledges and publishes it', async (t) => {
    const probe = await fetch_api(`${base_url}/api/v1/alerts`);
    if (probe.status === 404 && (await probe.text()).includes('no such endpoint')) {
      t.skip('the server has no liaison service');
      return;
    }
    const token = shouwang('token', 'create', '--db', db, '--role', 'focal_point', '--location', kCountry,
                           '--label', 'e2e focal point').trim();
    const as_focal_point = { Authorization: `Bearer ${token}` };
    async function report(text, disease) {
      const response = await fetch_api(`${base_url}/api/v1/events`, {
        method: 'POST',
        headers: { ...as_focal_point, 'Content-Type': 'application/json' },
        body: JSON.stringify({ location: kCountry, severity: 'high', text, disease }),
      });
      assert.ok(response.status === 201 || response.status === 200, `POST /api/v1/events: HTTP ${response.status}`);
      return String((await response.json()).alert_id);
    }
    const connected_as = (signed_in) => page.waitForSelector(
      `#alerts-status[data-connected="true"][data-signed-in="${signed_in}"]`);
    await go('/alerts');
    await connected_as(false);

    // Posted while an anonymous page is connected: the stream brings any alert it may carry within
    // milliseconds, so after a second and a half this one is absent because it was kept back.
    const unverified = `Unverified cluster of severe pneumonia reported by the e2e test at ${Date.now()}`;
    const first = await report(unverified, 'pneumonia');
    await page.waitForTimeout(1500);
    assert.equal(await page.locator(`#alerts-list li[data-alert-id="${first}"]`).count(), 0);
    assert.ok(!(await page.locator('#alerts-list').textContent()).includes(unverified));
    assert.equal((await fetch_api(`${base_url}/api/v1/alerts/${first}`)).status, 404);

    // Signing in reads the list and the stream again with the token: the first report is listed,
    // and a report posted now arrives live.
    await page.locator('#focal-token').fill(token);
    await page.locator('form.sign-in button[type="submit"]').click();
    await connected_as(true);
    await page.locator(`#alerts-list li[data-alert-id="${first}"]`).waitFor();
    const text = `Cluster of measles reported by the e2e test at ${Date.now()}`;
    const id = await report(text, 'measles');
    const item = page.locator(`#alerts-list li[data-alert-id="${id}"]`);
    await item.waitFor();
    assert.ok((await item.textContent()).includes(text));
    assert.equal(await item.getAttribute('data-state'), 'open');
    assert.equal(await item.getAttribute('data-published'), 'false');
    await shot('alerts');

    // The focal point acknowledges it, then publishes it; the server records both.
    await item.locator('button[data-action="ack"]').click();
    await page.waitForSelector(`#alerts-list li[data-alert-id="${id}"][data-state="acknowledged"]`);
    const stored = await (await fetch_api(`${base_url}/api/v1/alerts/${id}`, { headers: as_focal_point })).json();
    assert.equal(stored.state, 'acknowledged');
    await item.locator('button[data-action="publish"]').click();
    await page.waitForSelector(`#alerts-list li[data-alert-id="${id}"][data-published="true"]`);
    assert.equal((await api(`/api/v1/alerts/${id}`)).published, true);

    // Signing out drops what only a focal point may see: the published report stays, the other goes.
    await page.locator('form.sign-in button[type="button"]').click();
    await connected_as(false);
    await item.waitFor();
    assert.equal(await page.locator(`#alerts-list li[data-alert-id="${first}"]`).count(), 0);
  });

  test('knowledge search shows highlighted snippets when the knowledge centre is served', async (t) => {
    const probe = await fetch_api(`${base_url}/api/v1/kb/search?q=incubation`);
    if (probe.status === 404 && (await probe.text()).includes('no such endpoint')) {
      t.skip('the server has no knowledge centre');
      return;
    }
    await go('/');
    await page.locator('#nav-knowledge').click();
    await wait_ready();
    await page.locator('#kb-q').fill('incubation');
    await page.locator('#kb-form button[type="submit"]').click();
    await page.waitForURL('**/knowledge?q=incubation*');
    await wait_ready();
    const hits = await page.locator('#kb-results li').count();
    assert.ok(hits > 0, 'no hits shown');
    assert.ok(await page.locator('#kb-results mark').count() > 0, 'no highlighted words');
    await shot('knowledge');
  });

  // The knowledge view's rendering with the answer shape of src/knowledge/knowledge.h (Hit), served
  // by the browser itself: checks highlighting and that nothing but <mark> from a snippet reaches
  // the page, whether or not this server has the knowledge centre yet.
  test('knowledge results keep only <mark> from snippets (answer served by the test)', async () => {
    await page.route('**/api/v1/kb/search?*', (route) => route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ hits: [
        { passage_id: 7, document_id: 3, family: 'covid19-protocol', edition: 7, lang: 'en', title: 'Diagnosis and Treatment Protocol',
          section: 'Incubation period', snippet: 'The <mark>incubation</mark> period is 1 to 14 days &amp; <img src=x onerror="window.__owned=1">',
          score: 12.5 },
        { passage_id: 8, document_id: 4, family: 'covid19-protocol', edition: 7, lang: 'zh-Hans', title: '诊疗方案',
          section: '潜伏期', snippet: '<mark>潜伏期</mark>1～14天', score: 11 },
      ] }),
    }));
    try {
      await page.goto(`${base_url}/knowledge?q=incubation`);
      await wait_ready();
      assert.equal(await page.locator('#kb-results li').count(), 2);
      assert.deepEqual(await page.locator('#kb-results mark').allTextContents(), ['incubation', '潜伏期']);
      assert.equal(await page.locator('#kb-results img').count(), 0);
      assert.equal(await page.evaluate(() => window.__owned), undefined);
      assert.ok((await page.locator('#kb-results .snippet').first().textContent()).includes('1 to 14 days &'));
      assert.equal(await page.locator('#kb-results li').nth(1).getAttribute('lang'), 'zh-Hans');
      await shot('knowledge-rendering');
    } finally {
      await page.unroute('**/api/v1/kb/search?*');
    }
  });
});
