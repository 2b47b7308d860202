/**
 * The reporting layer through the gateway against the same numbers computed
 * by hand-written SQL run directly on the same database, alternating, and
 * printed as p50/p95 with their ratio. Issue 10's targets: ratio at most
 * 1.3, and p50 under 100 ms for one tenant.
 *
 *   createdb bench_reports && DATABASE_URL=postgresql://root@127.0.0.1:5432/bench_reports npm run db:migrate
 *   DATABASE_URL=… npx tsx scripts/seed.ts --decisions 1000000
 *   DATABASE_URL=… NODE_ENV=production npx tsx bench/reports.ts [--runs 20]
 *
 * NODE_ENV=production as deployed: graphql-js otherwise checks every
 * instanceof across realms, which was a third of a 1,900-row report's CPU.
 * The direct SQL runs with JIT off, as the subgraphs do (lib/database.ts).
 */
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { poolConfigFromUrl } from '../lib/database-url';
import { createApiKey, createOperatorKey } from '../subgraphs/tenants/api-keys';
import { startBenchSystem } from './bench-system';

const MEASURES = `count outcomes { outcome count rate } confidence { mean min max histogram { lower upper count } } latencyMs { mean p50 p90 p95 p99 max }`;
const REPORT = `query($filter: DecisionFilter, $from: DateTime!, $to: DateTime!) {
  decisionStats(filter: $filter, from: $from, to: $to, bucket: DAY, timezone: "UTC", groupBy: [FEATURE, OUTCOME]) {
    rows { bucketStart bucketEnd feature outcome ${MEASURES} } totals { ${MEASURES} } } }`;
const USAGE = '{ tenants { id usage { used quota remaining percentUsed projectedAtPeriodEnd periodStart periodEnd } } }';

// The same numbers by hand: one pass over the window's rows, every measure of
// every (day, feature, outcome) group and the totals (GROUPING SETS), with the
// percentile definition the graph documents (continuous).
const DIRECT_REPORT = `
  SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AS day, feature_key, outcome, count(*) AS n,
         avg(confidence) AS c_mean, min(confidence) AS c_min, max(confidence) AS c_max,
         ${Array.from({ length: 10 }, (_, i) => `count(*) FILTER (WHERE least(width_bucket(confidence, 0, 1, 10), 10) = ${i + 1}) AS b${i + 1}`).join(', ')},
         avg(latency_ms) AS l_mean,
         percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms) AS l_pct,
         max(latency_ms) AS l_max
    FROM decisions
   WHERE ($1::uuid IS NULL OR tenant_id = $1) AND created_at >= $2 AND created_at < $3
   GROUP BY GROUPING SETS ((1, 2, 3), ())`;
const DIRECT_USAGE = `
  SELECT t.id, count(d.id) AS used
    FROM tenants t
    LEFT JOIN decisions d ON d.tenant_id = t.id
         AND d.created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
         AND d.created_at < (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'
   GROUP BY t.id`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
  const runs = Number(values.runs);
  if (process.env.NODE_ENV !== 'production') throw new Error('run the bench with NODE_ENV=production, as the gateway is deployed');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (a migrated database seeded with --decisions 1000000)');
  const system = await startBenchSystem(databaseUrl);
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 2, options: '-c jit=off' }));
  const by = { requestId: 'req_bench_reports', actor: 'bench', surface: 'INTERNAL' as const };
  // The busiest tenant, and the one in the middle of the decision counts: what most tenants see.
  const { rows: byVolume } = await pool.query<{ id: string; slug: string; n: number }>(
    'SELECT t.id, t.slug, count(*)::int AS n FROM tenants t JOIN decisions d ON d.tenant_id = t.id GROUP BY t.id ORDER BY count(*) DESC',
  );
  const busiest = byVolume[0]!;
  const median = byVolume[Math.floor(byVolume.length / 2)]!;
  // Budgets that do not run out: this measures the reports, not the limiter.
  await pool.query('UPDATE tenants SET rate_limit_per_minute = 1000000000');
  const keyOf = async (slug: string) => (await createApiKey(pool, { tenant: { slug }, name: 'bench reports', scopes: ['read'], environment: 'SANDBOX' }, by)).key;
  const tenantKey = await keyOf(busiest.slug);
  const medianKey = await keyOf(median.slug);
  const operatorKey = (await createOperatorKey(pool, { name: 'bench reports', scopes: ['read'], environment: 'SANDBOX' }, by)).key;
  const { rows: [span] } = await pool.query<{ to: Date }>('SELECT max(created_at) AS to FROM decisions');
  const to = new Date(Math.ceil(span.to.getTime() / 86_400_000) * 86_400_000);
  const from = new Date(to.getTime() - 90 * 86_400_000);
  const base = system.gateway.url.replace(/\/graphql$/, '');

  const graph = async (key: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(system.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { errors?: unknown[] };
    if (body.errors) throw new Error(`the graph refused the bench query: ${JSON.stringify(body.errors).slice(0, 500)}`);
  };
  const csv = async () => {
    const res = await fetch(`${base}/v1/reports/decisions?from=${from.toISOString()}&to=${to.toISOString()}&bucket=day&group_by=feature,outcome`, {
      headers: { 'x-api-key': tenantKey, accept: 'text/csv' },
    });
    if (res.status !== 200) throw new Error(`CSV export answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.text();
  };
  const direct = (tenantId: string | null) => async () => {
    await pool.query(DIRECT_REPORT, [tenantId, from, to]);
  };

  const cases: Array<[string, () => Promise<void>, () => Promise<void>]> = [
    [`90-day DAY report by feature, outcome: busiest tenant (${busiest.n.toLocaleString('en')})`, () => graph(tenantKey, REPORT, { from, to }), direct(busiest.id)],
    [`90-day DAY report by feature, outcome: median tenant (${median.n.toLocaleString('en')})`, () => graph(medianKey, REPORT, { from, to }), direct(median.id)],
    ['90-day DAY report by feature, outcome: operator, all tenants', () => graph(operatorKey, REPORT, { from, to }), direct(null)],
    ['Tenant.usage for every tenant (operator)', () => graph(operatorKey, USAGE), async () => void (await pool.query(DIRECT_USAGE))],
    ['CSV export of the busiest tenant\'s 90-day report', csv, direct(busiest.id)],
  ];
  const { rows: [{ n }] } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM decisions');
  console.log(`reports: ${n.toLocaleString('en')} decisions, window ${from.toISOString()} .. ${to.toISOString()}, ${runs} runs each after 3 warm-ups, alternating gateway and direct SQL`);
  console.log(`${'case'.padEnd(70)} ${'gateway p50/p95 ms'.padStart(20)} ${'direct SQL p50/p95 ms'.padStart(22)} ${'ratio p50'.padStart(10)}`);
  for (const [name, viaGateway, viaSql] of cases) {
    for (let i = 0; i < 3; i++) {
      await viaGateway();
      await viaSql();
    }
    const g: number[] = [];
    const d: number[] = [];
    for (let i = 0; i < runs; i++) {
      let started = performance.now();
      await viaGateway();
      g.push(performance.now() - started);
      started = performance.now();
      await viaSql();
      d.push(performance.now() - started);
    }
    g.sort((a, b) => a - b);
    d.sort((a, b) => a - b);
    const fmt = (xs: number[]) => `${percentile(xs, 0.5).toFixed(1)} / ${percentile(xs, 0.95).toFixed(1)}`;
    console.log(`${name.padEnd(70)} ${fmt(g).padStart(20)} ${fmt(d).padStart(22)} ${(percentile(g, 0.5) / percentile(d, 0.5)).toFixed(2).padStart(10)}`);
  }
  await pool.end();
  await system.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
