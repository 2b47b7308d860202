/**
 * The dashboard (/dashboard) on a large data set: each operation the page
 * sends (read from the persisted-documents manifest, as the page sends it)
 * through the gateway against the same aggregate computed by hand-written
 * SQL run directly, alternating, p50/p95 and the ratio; then the page itself
 * in headless Chromium, from the key submitted to both charts drawn, the
 * live stream connected and the totals shown.
 *
 *   createdb bench_1m && DATABASE_URL=postgresql://root@127.0.0.1:5432/bench_1m npm run db:migrate
 *   DATABASE_URL=… npx tsx scripts/seed.ts --decisions 1000000
 *   DATABASE_URL=… NODE_ENV=production npx tsx bench/dashboard.ts [--runs 20] [--loads 5]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { chromium } from 'playwright-core';
import { poolConfigFromUrl } from '../lib/database-url';
import { ensurePagesBuilt } from '../scripts/build-pages';
import { startBenchSystem } from './bench-system';
import { benchTenant } from './bench-tenant';
import { percentile } from './percentile';

const MANIFEST = path.resolve(__dirname, '..', 'pages', '__generated__', 'persisted-documents.json');

/** A document of the page by its operation name, as the manifest holds it. */
function pageDocument(operation: string): string {
  const documents = Object.values(JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>);
  const found = documents.find((d) => new RegExp(`(^|[\\s}])(query|subscription) ${operation}\\b`).test(d));
  if (!found) throw new Error(`the manifest has no operation ${operation}: run npm run generate:types`);
  return found;
}

// The stats panel's numbers by hand: per hour and outcome, per hour, and the totals, with the continuous p95 the graph documents.
const DIRECT_STATS = `
  SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AS hour, outcome, count(*) AS n,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
    FROM decisions WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
   GROUP BY GROUPING SETS ((1, 2), (1), (2), ())`;
const DIRECT_USAGE = `SELECT count(*) FROM decisions WHERE tenant_id = $1 AND created_at >= date_trunc('month', now())`;
const DIRECT_RECENT = `SELECT * FROM decisions WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50`;

async function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, loads: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  if (process.env.NODE_ENV !== 'production') throw new Error('run with NODE_ENV=production, as the gateway is deployed');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (a migrated database seeded with --decisions 1000000)');
  await ensurePagesBuilt(undefined, { only: ['dashboard'] });
  const system = await startBenchSystem(databaseUrl);
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 2, options: '-c jit=off' }));
  try {
    const { tenant, key } = await benchTenant(pool, 'bench-dashboard');
    const { rows: [latest] } = await pool.query<{ at: Date; n: number }>('SELECT max(created_at) AS at, count(*)::int AS n FROM decisions WHERE tenant_id = $1', [tenant.id]);
    // The page asks for whole hours ending now; the seed's decisions end at its own "now", so the bench ends there.
    const to = new Date(Math.ceil(latest!.at.getTime() / 3_600_000) * 3_600_000);
    const span = (hours: number) => ({ from: new Date(to.getTime() - hours * 3_600_000).toISOString(), to: to.toISOString() });

    const graph = (operation: string, variables: Record<string, unknown>) => async () => {
      const res = await fetch(system.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query: pageDocument(operation), variables }) });
      const body = (await res.json()) as { errors?: unknown[] };
      if (body.errors) throw new Error(`${operation} was refused: ${JSON.stringify(body.errors).slice(0, 400)}`);
    };
    const direct = (text: string, params: unknown[]) => async () => void (await pool.query(text, params));
    const cases: Array<[string, () => Promise<void>, (() => Promise<void>) | null]> = [
      ['DashboardStats, 30 days by hour (720 rows)', graph('DashboardStats', { ...span(720), timezone: 'UTC', tenantId: tenant.id }), direct(DIRECT_STATS, [tenant.id, span(720).from, span(720).to])],
      ['DashboardStats, 7 days by hour', graph('DashboardStats', { ...span(168), timezone: 'UTC', tenantId: tenant.id }), direct(DIRECT_STATS, [tenant.id, span(168).from, span(168).to])],
      ['DashboardStats, 24 hours by hour', graph('DashboardStats', { ...span(24), timezone: 'UTC', tenantId: tenant.id }), direct(DIRECT_STATS, [tenant.id, span(24).from, span(24).to])],
      ['DashboardTenants (usage this month)', graph('DashboardTenants', {}), direct(DIRECT_USAGE, [tenant.id])],
      ['RecentDecisions (the live list, 50)', graph('RecentDecisions', { tenantId: tenant.id, first: 50 }), direct(DIRECT_RECENT, [tenant.id])],
      ['DashboardHealth, last day against its baseline', graph('DashboardHealth', { tenantId: tenant.id, window: 'LAST_DAY' }), null],
    ];
    console.log(`dashboard: tenant ${tenant.slug} with ${latest!.n.toLocaleString('en')} decisions, ${runs} runs each after 3 warm-ups, gateway and direct SQL alternating`);
    console.log(`${'operation'.padEnd(50)} ${'gateway p50/p95 ms'.padStart(20)} ${'direct SQL p50/p95 ms'.padStart(22)} ${'ratio p50'.padStart(10)}`);
    for (const [name, viaGateway, viaSql] of cases) {
      for (let i = 0; i < 3; i++) await Promise.all([viaGateway(), viaSql?.()]);
      const g: number[] = [];
      const d: number[] = [];
      for (let i = 0; i < runs; i++) {
        let started = performance.now();
        await viaGateway();
        g.push(performance.now() - started);
        if (!viaSql) continue;
        started = performance.now();
        await viaSql();
        d.push(performance.now() - started);
      }
      g.sort((a, b) => a - b);
      d.sort((a, b) => a - b);
      const fmt = (xs: number[]) => (xs.length ? `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 95).toFixed(1)}` : '–');
      console.log(`${name.padEnd(50)} ${fmt(g).padStart(20)} ${fmt(d).padStart(22)} ${(d.length ? (percentile(g, 50) / percentile(d, 50)).toFixed(2) : '–').padStart(10)}`);
    }

    // The page as its user sees it: key in, until both charts, the totals and the live stream are there.
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const times: number[] = [];
      for (let i = 0; i < Number(values.loads); i++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(system.gateway.url.replace(/\/graphql$/, '/dashboard'));
        await page.locator('#api-key').fill(key);
        const started = performance.now();
        await page.getByRole('button', { name: 'Open dashboard' }).click();
        await page.locator('[data-testid="chart-outcomes"] canvas').waitFor({ timeout: 60_000 });
        await page.locator('[data-testid="chart-quality"] canvas').waitFor({ timeout: 60_000 });
        await page.waitForFunction(`/[0-9]/.test(document.querySelector('[data-testid="total-count"]')?.innerText ?? '')`, undefined, { timeout: 60_000 });
        await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 60_000 });
        times.push(performance.now() - started);
        await page.close();
      }
      times.sort((a, b) => a - b);
      console.log(`\nthe page, key submitted to charts drawn, totals shown and the stream live: p50 ${percentile(times, 50).toFixed(0)} ms, worst ${times.at(-1)!.toFixed(0)} ms over ${times.length} loads`);
    } finally {
      await browser.close();
    }
  } finally {
    await pool.end();
    await system.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
