import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { graphiqlRoute } from '../gateway/http/pages';
import { createRouter } from '../gateway/http/router';
import { listenOn } from '../lib/http';
import { createLogger } from '../lib/logger';
import { ensurePagesBuilt } from '../scripts/build-pages';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { sql, startTestSystem } from './helpers/system';

/**
 * The GraphiQL page in a real browser against the real gateway: it loads from
 * the gateway alone (nothing from a CDN), asks for a key, runs a query with
 * it, and documents the schema from introspection.
 */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, 'screenshots');
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** A GET with the path exactly as written: fetch would normalise `..` away before the server saw it. */
function rawGet(base: string, rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    http
      .get({ hostname, port, path: rawPath }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

const suite = existsSync(CHROMIUM) ? describe : describe.skip;
const title = existsSync(CHROMIUM) ? 'the GraphiQL page' : `the GraphiQL page (skipped: no Chromium at ${CHROMIUM})`;

suite(title, () => {
  let system: RunningSystem;
  let base: string;
  let browser: Browser;
  // The platform operator: the one key that lists every tenant, whose first slug the test looks for.
  const { operator } = testCredentials().keys;

  beforeAll(async () => {
    await ensurePagesBuilt(() => {}, { only: ['graphiql'] });
    system = await startTestSystem();
    base = system.gateway.url.replace(/\/graphql$/, '');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  describe('over HTTP', () => {
    it('serves index.html at /graphiql and /graphiql/, uncached, under a strict CSP', async () => {
      for (const url of [`${base}/graphiql`, `${base}/graphiql/`]) {
        const res = await fetch(url, { headers: { accept: BROWSER_ACCEPT } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(res.headers.get('cache-control')).toBe('no-cache');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        const csp = res.headers.get('content-security-policy')!;
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toMatch(/unsafe-eval|https?:|\*/);
        expect(await res.text()).toMatch(/<script type="module" crossorigin src="\/graphiql\/assets\/index-[\w-]+\.js">/);
      }
    });

    it('serves the hashed assets as immutable, with their content types', async () => {
      const html = await (await fetch(`${base}/graphiql`)).text();
      const script = html.match(/src="(\/graphiql\/assets\/[^"]+\.js)"/)![1]!;
      const style = html.match(/href="(\/graphiql\/assets\/[^"]+\.css)"/)![1]!;
      const js = await fetch(`${base}${script}`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(js.headers.get('x-content-type-options')).toBe('nosniff');
      const css = await fetch(`${base}${style}`);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    });

    it('refuses paths that leave the bundle, dotfiles and unknown files with 404', async () => {
      for (const attempt of [
        '/graphiql/..%2f..%2fpackage.json',
        '/graphiql/assets/..%2f..%2f..%2fpackage.json',
        '/graphiql/../package.json',
        '/graphiql/%2e%2e/%2e%2e/package.json',
        '/graphiql/..%5c..%5cpackage.json',
        '/graphiql/assets%00.js',
        '/graphiql/%E0%A4%A',
        '/graphiql/.source-hash',
        '/graphiql/assets/',
        '/graphiql/nothing-here.js',
      ]) {
        const res = await rawGet(base, attempt);
        expect({ attempt, status: res.status }).toEqual({ attempt, status: 404 });
        expect(res.body).not.toContain('"dependencies"');
      }
    });

    it('redirects a browser opening /graphql to the page, and leaves API clients to the API', async () => {
      const browserGet = await fetch(`${base}/graphql`, { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
      expect(browserGet.status).toBe(302);
      expect(browserGet.headers.get('location')).toBe('/graphiql');
      // Before authentication: the page needs no key.
      expect(browserGet.headers.get('vary')).toBe('accept');

      for (const accept of ['application/json', '*/*', 'application/graphql-response+json, application/json;q=0.9']) {
        const res = await fetch(`${base}/graphql?query=%7B__typename%7D`, { headers: { accept }, redirect: 'manual' });
        expect({ accept, status: res.status }).toEqual({ accept, status: 401 });
      }
      const post = await fetch(`${base}/graphql`, { method: 'POST', headers: { accept: BROWSER_ACCEPT, 'content-type': 'application/json' }, body: '{"query":"{__typename}"}', redirect: 'manual' });
      expect(post.status).toBe(401);
    });

    it('answers 503, saying how to build it, when the bundle is missing', async () => {
      const server = http.createServer(createRouter([graphiqlRoute({ dir: path.join(__dirname, 'no-such-bundle') })], createLogger('silent')));
      const port = await listenOn(server, 0, '127.0.0.1');
      try {
        const res = await fetch(`http://127.0.0.1:${port}/graphiql`);
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const body = (await res.json()) as { error: { message: string; request_id: string } };
        expect(body.error.message).toContain('npm run build:pages');
        expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('in Chromium', () => {
    let context: BrowserContext;
    let page: Page;
    const requests: Array<{ url: string; method: string; apiKey?: string }> = [];
    const problems: string[] = [];

    beforeAll(async () => {
      context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      context.on('request', (r) => requests.push({ url: r.url(), method: r.method(), apiKey: r.headers()['x-api-key'] }));
      // Air-gapped for real: anything not on loopback is cut off (and still recorded above).
      await context.route((url) => !['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1', (route) => route.abort('blockedbyclient'));
      // Reported as console errors, so a directive the bundle needs and the CSP lacks fails the test below.
      // (Page scripts are strings here: this file is compiled without the DOM library.)
      await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`);
      page = await context.newPage();
      page.on('console', (m) => {
        // Monaco only warns when it cannot start a worker, and then runs the worker's code on the page instead.
        if (m.type() === 'error' || (m.type() === 'warning' && /worker/i.test(m.text()))) problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(e.message));
      mkdirSync(SCREENSHOTS, { recursive: true });
    });
    afterAll(() => context?.close());

    it('asks for a key, runs a query with it, and shows the docs from introspection', async () => {
      const [{ slug }] = await sql<{ slug: string }>('SELECT slug FROM tenants ORDER BY slug LIMIT 1');

      const opened = await page.goto(`${base}/graphiql`);
      expect(opened!.status()).toBe(200);
      await page.locator('#api-key').fill(operator);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'graphiql-key-form.png') });
      await page.getByRole('button', { name: 'Open GraphiQL' }).click();

      // The query editor is Monaco: replace its text as a paste would (typing would trip its bracket auto-closing).
      const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
      await editor.waitFor({ timeout: 30_000 });
      await editor.locator('.view-lines').click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      // Validation runs in Monaco's GraphQL worker: a marked error shows the worker runs under the page's CSP.
      await page.keyboard.insertText('{ tenants { nope } }');
      await page.locator('.graphiql-query-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Escape');
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText('{ tenants { slug } }');
      await page.locator('.graphiql-query-editor').filter({ hasText: 'tenants' }).waitFor({ timeout: 10_000 });

      await page.locator('.graphiql-execute-button').click();
      await page.locator('.graphiql-response').filter({ hasText: slug }).waitFor({ timeout: 30_000 });
      expect(await page.locator('.graphiql-response').innerText()).toContain('"tenants"');

      await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
      await page.locator('.graphiql-doc-explorer').waitFor({ timeout: 10_000 });
      await page.locator('[data-cy="doc-explorer-input"]').fill('Decision');
      const result = page.getByRole('option', { name: 'Decision', exact: true });
      await result.waitFor({ timeout: 10_000 });
      await result.click();
      await page.locator('.graphiql-doc-explorer-title', { hasText: /^Decision$/ }).waitFor({ timeout: 10_000 });
      await page.locator('.graphiql-doc-explorer-content', { hasText: 'outcome' }).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'graphiql.png') });

      const calls = requests.filter((r) => new URL(r.url).pathname === '/graphql');
      expect(calls.length).toBeGreaterThanOrEqual(2); // introspection, then the query
      expect(calls.every((r) => r.method === 'POST' && r.apiKey === operator)).toBe(true);
    }, 120_000);

    it('keeps the key for the browser session only', async () => {
      await page.reload();
      await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 30_000 });
      expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).toContain(operator);
      expect(await page.evaluate<string>('JSON.stringify(localStorage)')).not.toContain(operator);

      await page.getByRole('button', { name: 'Forget the API key' }).click();
      await page.locator('#api-key').waitFor();
      expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).not.toContain(operator);
    }, 60_000);

    it('loaded everything from the gateway, with no CSP violation or page error', () => {
      const gateway = new URL(base).origin;
      const elsewhere = requests.map((r) => new URL(r.url)).filter((u) => !['data:', 'blob:'].includes(u.protocol) && u.hostname !== '127.0.0.1');
      expect(elsewhere.map(String)).toEqual([]);
      expect(requests.filter((r) => r.url.startsWith('http') && !r.url.startsWith(gateway + '/'))).toEqual([]);
      // The Monaco workers came from the bundle, not from a CDN.
      expect(requests.some((r) => /\/graphiql\/assets\/graphql\.worker-[\w-]+\.js$/.test(r.url))).toBe(true);
      expect(problems).toEqual([]);
    });
  });
});
