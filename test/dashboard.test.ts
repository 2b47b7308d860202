import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { dashboardRoute } from '../gateway/http/pages';
import { createRouter } from '../gateway/http/router';
import { generateApiKey } from '../lib/api-key';
import { listenOn } from '../lib/http';
import { createLogger } from '../lib/logger';
import { ensurePagesBuilt } from '../scripts/build-pages';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { insertDecisions, type DecisionRow } from './helpers/decision-rows';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, startTestSystem } from './helpers/system';
import { TcpProxy } from './helpers/tcp-proxy';

/**
 * The tenant dashboard in Debian's Chromium against the real gateway,
 * reached through a TCP relay the test can cut: it loads from the gateway
 * alone, draws its charts from decisionStats, shows the usage and the
 * degraded features the graph answers, puts a decision made over REST in
 * its live list within 2 seconds, resumes the stream after the connection
 * drops, refuses a bad key in words, and fits a 390 px window.
 */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, 'screenshots');
const HOUR = 3_600_000;
const COLOURS = { APPROVE: [0x16, 0xa3, 0x4a], DECLINE: [0xdc, 0x26, 0x26], P95: [0x7c, 0x3a, 0xed] } as const;

const suite = existsSync(CHROMIUM) ? describe : describe.skip;
const title = existsSync(CHROMIUM) ? 'the tenant dashboard' : `the tenant dashboard (skipped: no Chromium at ${CHROMIUM})`;

const run = randomUUID().slice(0, 8);
/** Feature keys of this run only: one that keeps its pace, one whose latency triples in the last hour. */
const F = { steady: `dash-${run}.steady`, slow: `dash-${run}.slow` };

/** `n` decisions spread evenly over [from, to), outcomes and latencies in a fixed pattern. */
function spread(feature: string, n: number, from: number, to: number, latency: (i: number) => number): DecisionRow[] {
  return Array.from({ length: n }, (_, i) => ({
    feature,
    outcome: i % 5 === 0 ? 'DECLINE' : i % 7 === 0 ? 'REVIEW' : i % 11 === 0 ? 'CHALLENGE' : 'APPROVE',
    latencyMs: latency(i),
    createdAt: new Date(from + Math.floor(((to - from) * i) / n)),
  }));
}

/** Pixels of a chart's canvas within a small distance of a colour: the series drawn in it, not the axes or the grid. */
function pixelsOf(page: Page, testId: string, [r, g, b]: readonly number[]): Promise<number> {
  // A string: this file is compiled without the DOM library.
  return page.evaluate<number>(`(() => {
    const canvas = document.querySelector('[data-testid="${testId}"] canvas');
    if (!canvas || canvas.width === 0 || canvas.height === 0) return -1;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - ${r}) < 30 && Math.abs(data[i + 1] - ${g}) < 30 && Math.abs(data[i + 2] - ${b}) < 30) n++;
    }
    return n;
  })()`);
}

const digits = (text: string) => Number(text.replace(/[^\d]/g, ''));

suite(title, () => {
  let system: RunningSystem;
  let gateway: string;
  let proxy: TcpProxy;
  let base: string;
  let browser: Browser;
  let tenant: ScratchTenant;
  let readKey: string;
  const rows: DecisionRow[] = [];
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    await ensurePagesBuilt(() => {}, { only: ['dashboard'] });
    system = await startTestSystem();
    gateway = system.gateway.url.replace(/\/graphql$/, '');
    // The browser reaches the gateway through a relay, so the test can drop its connections as a network would.
    proxy = new TcpProxy('127.0.0.1', Number(new URL(gateway).port));
    await proxy.start();
    base = `http://127.0.0.1:${proxy.port}`;

    tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read'], ['read', 'write']] });
    readKey = tenant.keys.read!;
    const now = Date.now();
    const hourAgo = now - HOUR;
    rows.push(
      // A week of both features at the same pace and latency...
      ...spread(F.steady, 7 * 24 * 3, now - 7 * 24 * HOUR, hourAgo, (i) => 80 + ((i * 37) % 50)),
      ...spread(F.slow, 7 * 24, now - 7 * 24 * HOUR, hourAgo, (i) => 100 + ((i * 13) % 40)),
      // ...then, in the last hour (ending minutes ago, so it stays the last hour while the test runs), the slow one triples its latency.
      ...spread(F.steady, 30, hourAgo + 5 * 60_000, now - 5 * 60_000, (i) => 80 + ((i * 37) % 50)),
      ...spread(F.slow, 30, hourAgo + 5 * 60_000, now - 5 * 60_000, (i) => 330 + ((i * 13) % 40)),
    );
    await insertDecisions(tenant.id, rows);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.cut();
    await system?.close();
  });

  /** A browser context that records every request and WebSocket, cuts anything off loopback, and reports CSP violations. */
  async function openContext(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London' });
    context.on('request', (r) => requests.push(r.url()));
    await context.route((url) => !['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1', (route) => route.abort('blockedbyclient'));
    await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`);
    const page = await context.newPage();
    page.on('websocket', (ws) => requests.push(ws.url()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      // The browser's own reports of a refused key (401) and of the relay being cut are expected here; anything else is a problem.
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 40[13]|^WebSocket connection to .* failed/.test(m.text())) problems.push(m.text());
    });
    return { context, page };
  }

  async function signIn(page: Page, key: string): Promise<void> {
    const opened = await page.goto(`${base}/dashboard`);
    expect(opened!.status()).toBe(200);
    await page.locator('#api-key').fill(key);
    await page.getByRole('button', { name: 'Open dashboard' }).click();
  }

  describe('over HTTP', () => {
    it('serves the page under a CSP with no inline script or style, and its assets', async () => {
      for (const url of [`${base}/dashboard`, `${base}/dashboard/`]) {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        const csp = res.headers.get('content-security-policy')!;
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("style-src 'self'");
        expect(csp).toContain("connect-src 'self'");
        expect(csp).not.toMatch(/unsafe-|https?:|\*/);
        const html = await res.text();
        expect(html).toMatch(/<script type="module" crossorigin src="\/dashboard\/assets\/index-[\w-]+\.js">/);
        const script = html.match(/src="(\/dashboard\/assets\/[^"]+\.js)"/)![1]!;
        const js = await fetch(`${base}${script}`);
        expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(js.headers.get('content-security-policy')).toBe(csp);
      }
      for (const attempt of ['/dashboard/.source-hash', '/dashboard/..%2f..%2fpackage.json', '/dashboard/nothing.js']) {
        expect({ attempt, status: (await fetch(`${base}${attempt}`)).status }).toEqual({ attempt, status: 404 });
      }
    });

    it('answers 503, naming the dashboard, when its bundle is missing', async () => {
      const server = http.createServer(createRouter([dashboardRoute({ dir: path.join(__dirname, 'no-such-bundle') })], createLogger('silent')));
      const port = await listenOn(server, 0, '127.0.0.1');
      try {
        const res = await fetch(`http://127.0.0.1:${port}/dashboard`);
        expect(res.status).toBe(503);
        expect(((await res.json()) as { error: { message: string } }).error.message).toBe('the dashboard page is not built: run `npm run build:pages`');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('in Chromium, wide', () => {
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      ({ context, page } = await openContext({ width: 1440, height: 1000 }));
      await signIn(page, readKey);
      await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 30_000 });
      await page.locator('[data-testid="chart-outcomes"] canvas').waitFor({ timeout: 30_000 });
      await page.locator('[data-testid="chart-quality"] canvas').waitFor({ timeout: 30_000 });
      await page.locator('[data-testid="health"] li, [data-testid="health-none"]').first().waitFor({ timeout: 30_000 });
    }, 90_000);
    afterAll(() => context?.close());

    it('keeps the key in the session only, never in the URL', async () => {
      expect(page.url()).toBe(`${base}/dashboard`);
      expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).toContain(readKey);
      expect(await page.evaluate<string>('JSON.stringify(localStorage)')).not.toContain(readKey);
    });

    it("shows the range's totals as decisionStats answers them for the same window", async () => {
      const stats = page.locator('[data-testid="stats"]');
      const from = (await stats.getAttribute('data-from'))!;
      const to = (await stats.getAttribute('data-to'))!;
      expect(await stats.getAttribute('data-timezone')).toBe('Europe/London');
      // 24 whole hours ending with the one under way: 24 hourly points.
      expect(Date.parse(to) - Date.parse(from)).toBe(24 * HOUR);
      expect(Date.parse(to)).toBeGreaterThan(Date.now() - 1000);

      const answer = await graphql(
        `${gateway}/graphql`,
        `query($from: DateTime!, $to: DateTime!, $t: ID!) { decisionStats(from: $from, to: $to, bucket: HOUR, timezone: "Europe/London", filter: { tenantId: $t }) {
           rows { count } totals { count outcomes { outcome count rate } latencyMs { p95 } } } }`,
        { from, to, t: tenant.id },
        { 'x-api-key': readKey },
      );
      expect(answer.errors).toBeUndefined();
      const { rows: hourly, totals } = answer.data.decisionStats;
      expect(hourly).toHaveLength(24);
      // The graph against the rows this test wrote, then the page against the graph.
      expect(totals.count).toBe(rows.filter((r) => r.createdAt.getTime() >= Date.parse(from) && r.createdAt.getTime() < Date.parse(to)).length);
      expect(digits(await page.getByTestId('total-count').innerText())).toBe(totals.count);
      const approve = totals.outcomes.find((o: { outcome: string }) => o.outcome === 'APPROVE');
      expect(await page.getByTestId('approval-rate').innerText()).toBe(`${(approve.rate * 100).toFixed(1)} %`);
      expect(digits(await page.getByTestId('latency-p95').innerText())).toBe(Math.round(totals.latencyMs.p95));
      const decline = totals.outcomes.find((o: { outcome: string }) => o.outcome === 'DECLINE');
      expect(digits(await page.getByTestId('count-DECLINE').innerText())).toBe(decline.count);
    });

    it('draws both charts: each series is on its canvas', async () => {
      expect(await pixelsOf(page, 'chart-outcomes', COLOURS.APPROVE)).toBeGreaterThan(50);
      expect(await pixelsOf(page, 'chart-outcomes', COLOURS.DECLINE)).toBeGreaterThan(50);
      expect(await pixelsOf(page, 'chart-quality', COLOURS.APPROVE)).toBeGreaterThan(50);
      expect(await pixelsOf(page, 'chart-quality', COLOURS.P95)).toBeGreaterThan(50);
      // The count tells series apart: no outcome is drawn in the latency line's colour.
      expect(await pixelsOf(page, 'chart-outcomes', COLOURS.P95)).toBe(0);
    });

    it("redraws for 30 days from at most 720 hourly aggregates, never from raw decisions", async () => {
      const before = requests.length;
      const stats = page.locator('[data-testid="stats"]');
      await page.getByRole('button', { name: '30 d' }).click();
      await page.locator('[data-testid="stats"][data-from]').filter({ hasText: 'Last 30 d' }).waitFor();
      await page.waitForFunction(`(() => { const s = document.querySelector('[data-testid="stats"]'); return s && Date.parse(s.dataset.to) - Date.parse(s.dataset.from) === 720 * 3600000; })()`);
      expect(Date.parse((await stats.getAttribute('data-to'))!) - Date.parse((await stats.getAttribute('data-from'))!)).toBe(720 * HOUR);
      await page.waitForFunction(`document.querySelector('[data-testid="total-count"]').innerText.replace(/[^0-9]/g, '') === '${rows.length}'`);
      expect(await pixelsOf(page, 'chart-outcomes', COLOURS.APPROVE)).toBeGreaterThan(50);
      // Only /graphql calls, none of them a decisions page: the charts come from decisionStats.
      expect(requests.slice(before).every((url) => new URL(url).pathname === '/graphql')).toBe(true);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-30d.png'), fullPage: true });
      await page.getByRole('button', { name: '24 h' }).click();
      await page.locator('[data-testid="stats"]').filter({ hasText: 'Last 24 h' }).waitFor();
    }, 60_000);

    it('shows usage against the quota as Tenant.usage answers it', async () => {
      const answer = await graphql(`${gateway}/graphql`, '{ tenants { id usage { used quota percentUsed } } }', undefined, { 'x-api-key': readKey });
      expect(answer.errors).toBeUndefined();
      expect(answer.data.tenants).toHaveLength(1);
      const { usage } = answer.data.tenants[0];
      expect(usage.quota).toBe(100_000);
      expect(digits(await page.getByTestId('usage-used').innerText())).toBe(usage.used);
      expect(digits(await page.getByTestId('usage-quota').innerText())).toBe(usage.quota);
      expect(await page.getByTestId('usage-percent').innerText()).toContain(`${usage.percentUsed.toFixed(1)} %`);
      expect(Number(await page.locator('[data-testid="usage"] meter').getAttribute('value'))).toBe(usage.used);
    });

    it('lists the features featureHealth calls degraded, and only those', async () => {
      const answer = await graphql(`${gateway}/graphql`, `query($t: ID!) { featureHealth(tenantId: $t, window: LAST_HOUR) { feature degraded } }`, { t: tenant.id }, { 'x-api-key': readKey });
      expect(answer.errors).toBeUndefined();
      const degraded = answer.data.featureHealth.filter((f: { degraded: boolean }) => f.degraded).map((f: { feature: string }) => f.feature);
      // What the rows above were written to give.
      expect(degraded).toEqual([F.slow]);
      const shown = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="health"] li')].map((li) => li.dataset.feature)`);
      expect(shown).toEqual(degraded);
      expect(await page.locator('[data-testid="health"] li').innerText()).toContain('p95 latency');
    });

    it('puts a decision made over REST at the top of the live list within 2 seconds', async () => {
      const made = await fetch(`${gateway}/v1/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': tenant.keys['read,write']! },
        body: JSON.stringify({ feature: 'kyc.adaptive', subject: { type: 'person', reference: `dash-live-${run}` }, attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 } }),
      });
      const answered = Date.now();
      expect(made.status).toBe(201);
      const { id } = (await made.json()) as { id: string };
      await page.locator(`[data-testid="live"] li[data-id="${id}"]`).waitFor({ timeout: 2_000 });
      const shownWithin = Date.now() - answered;
      expect(shownWithin).toBeLessThan(2_000);
      expect(await page.locator('[data-testid="live"] li').first().getAttribute('data-id')).toBe(id);
      expect(await page.locator(`[data-testid="live"] li[data-id="${id}"]`).innerText()).toContain(`dash-live-${run}`);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    });

    it('says the stream dropped, reconnects, and shows what was decided meanwhile', async () => {
      await proxy.cut();
      await page.locator('[data-testid="live-status"][data-state="reconnecting"]').waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('live-status').innerText()).toMatch(/Stream dropped .*reconnecting/);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-reconnecting.png') });
      // Made while the page cannot hear: only resuming from the last cursor can bring it.
      const made = await fetch(`${gateway}/v1/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': tenant.keys['read,write']! },
        body: JSON.stringify({ feature: 'kyc.adaptive', subject: { type: 'person', reference: `dash-gap-${run}` }, attributes: { riskScore: 70, country: 'GB', nameMatchScore: 0.4, sanctionsMatch: false, deviceAgeDays: 2 } }),
      });
      expect(made.status).toBe(201);
      const { id } = (await made.json()) as { id: string };
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await page.locator(`[data-testid="live"] li[data-id="${id}"]`).count()).toBe(0);
      await proxy.restore();
      await page.locator(`[data-testid="live"] li[data-id="${id}"]`).waitFor({ timeout: 15_000 });
      await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('[data-testid="live"] li').first().getAttribute('data-id')).toBe(id);
    }, 40_000);
  });

  describe('in Chromium, refused keys', () => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => ({ context, page } = await openContext({ width: 1024, height: 700 })));
    afterAll(() => context?.close());

    it('sends an unknown or revoked key back to the form, saying why', async () => {
      // Well formed, never stored.
      await signIn(page, generateApiKey('SANDBOX').key);
      const error = page.getByTestId('key-error');
      await error.waitFor({ timeout: 15_000 });
      expect(await error.innerText()).toMatch(/^The gateway refused this key \(unknown_key\)/);
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-bad-key.png') });

      await page.locator('#api-key').fill(testCredentials().keys.revokedA);
      await page.getByRole('button', { name: 'Open dashboard' }).click();
      await page.getByTestId('key-error').filter({ hasText: '(revoked)' }).waitFor({ timeout: 15_000 });
    }, 40_000);

    it('says which scope a key lacks', async () => {
      await page.locator('#api-key').fill(testCredentials().keys.writeOnlyA);
      await page.getByRole('button', { name: 'Open dashboard' }).click();
      await page.getByTestId('key-error').filter({ hasText: 'lacks the read scope' }).waitFor({ timeout: 15_000 });
    }, 30_000);
  });

  describe('in Chromium, narrow', () => {
    it('fits a 390 px window: one column, no horizontal scroll', async () => {
      const { context, page } = await openContext({ width: 390, height: 844 });
      try {
        await signIn(page, readKey);
        await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 30_000 });
        await page.locator('[data-testid="chart-quality"] canvas').waitFor({ timeout: 30_000 });
        await page.locator('[data-testid="live"] li').first().waitFor({ timeout: 30_000 });
        const widths = await page.evaluate<{ scroll: number; client: number; canvas: number; columns: number }>(`({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
          canvas: Math.max(...[...document.querySelectorAll('canvas')].map((c) => c.getBoundingClientRect().right)),
          columns: getComputedStyle(document.querySelector('.grid')).gridTemplateColumns.split(' ').length,
        })`);
        expect(widths.client).toBeLessThanOrEqual(390);
        expect(widths.scroll).toBeLessThanOrEqual(widths.client);
        expect(widths.canvas).toBeLessThanOrEqual(widths.client);
        expect(widths.columns).toBe(1);
        expect(await pixelsOf(page, 'chart-outcomes', COLOURS.APPROVE)).toBeGreaterThan(20);
        await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-narrow.png'), fullPage: true });
      } finally {
        await context.close();
      }
    }, 60_000);
  });

  describe('in Chromium, the platform operator', () => {
    it('picks the tenant to watch among every tenant', async () => {
      const { context, page } = await openContext({ width: 1280, height: 900 });
      try {
        await signIn(page, testCredentials().keys.operator);
        const picker = page.getByRole('combobox', { name: 'Tenant' });
        await picker.waitFor({ timeout: 30_000 });
        await picker.selectOption({ label: tenant.slug });
        await page.getByTestId('tenant-slug').filter({ hasText: tenant.slug }).waitFor();
        await page.locator('[data-testid="live"] li').first().waitFor({ timeout: 30_000 });
        const answer = await graphql(`${gateway}/graphql`, 'query($id: ID!) { tenant(id: $id) { usage { used } } }', { id: tenant.id });
        expect(digits(await page.getByTestId('usage-used').innerText())).toBe(answer.data.tenant.usage.used);
        await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 10_000 });
      } finally {
        await context.close();
      }
    }, 60_000);
  });

  it('loaded everything from 127.0.0.1, with no CSP violation or page error', () => {
    expect(requests.length).toBeGreaterThan(10);
    const elsewhere = requests.map((u) => new URL(u)).filter((u) => !['data:', 'blob:'].includes(u.protocol) && u.hostname !== '127.0.0.1');
    expect(elsewhere.map(String)).toEqual([]);
    // The live list came over a WebSocket to the page's own origin, which connect-src 'self' admits.
    expect(requests).toContain(`ws://127.0.0.1:${proxy.port}/graphql`);
    expect(problems).toEqual([]);
  });
});
