/**
 * What the protection costs and what it bounds, against a baseline run in
 * the same process: a rejected 40-level query against an accepted small
 * one (latency and gateway heap), and the largest answer an operation
 * within the limits can make the gateway build.
 *
 *   DATABASE_URL=postgresql://root@127.0.0.1:5432/bench npx tsx bench/operation-limits.ts [--calls 300]
 *
 * The database must be migrated and seeded (npm run db:migrate && npm run db:seed).
 */
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { createApiKey } from '../subgraphs/tenants/api-keys';
import { poolConfigFromUrl } from '../lib/database-url';
import { startBenchSystem } from './bench-system';

function nested(levels: number): string {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `decisions(first: 2) { edges { node { tenant { ${inner} } } } }`;
  return `{ ${inner} }`;
}

const BASELINE = '{ decisions(first: 1) { edges { node { id } } } }';
// Within every limit (cost about 9,700): 100 decisions with every scalar, the tenant and lineage events.
const LARGEST = `{ a: decisions(first: 100) { edges { node { id feature outcome confidence reasons latencyMs requestId createdAt inputHash policyHash subject { type reference }
  tenant { id slug name plan status } lineage { requestId events { id action surface actor status operationName createdAt } } } } } }`;

async function main() {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' } } });
  const calls = Number(values.calls);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (a migrated, seeded PostgreSQL)');
  const system = await startBenchSystem(databaseUrl);
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  const { rows: [tenant] } = await pool.query<{ slug: string; id: string }>("SELECT id, slug FROM tenants WHERE plan = 'ENTERPRISE' ORDER BY slug LIMIT 1");
  // A budget that does not run out: this measures the limits, not the limiter.
  await pool.query('UPDATE tenants SET rate_limit_per_minute = 100000000 WHERE id = $1', [tenant.id]);
  const { key } = await createApiKey(pool, { tenant: { slug: tenant.slug }, name: 'bench', scopes: ['read'], environment: 'SANDBOX' }, { requestId: 'req_bench', actor: 'bench', surface: 'INTERNAL' });
  const post = async (query: string) => {
    const res = await fetch(system.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query }) });
    const text = await res.text();
    return { status: res.status, bytes: Buffer.byteLength(text), text };
  };
  const measure = async (query: string) => {
    for (let i = 0; i < 20; i++) await post(query);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const times: number[] = [];
    let last = { status: 0, bytes: 0, text: '' };
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      last = await post(query);
      times.push(performance.now() - started);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    times.sort((a, b) => a - b);
    return { status: last.status, bytes: last.bytes, text: last.text, p50: times[Math.floor(calls * 0.5)]!, p99: times[Math.floor(calls * 0.99)]!, heapGrowthMb: (peak - heapBefore) / 2 ** 20 };
  };

  const baseline = await measure(BASELINE);
  const rejected = await measure(nested(40));
  const largest = await measure(LARGEST);
  const code = JSON.parse(rejected.text).errors?.[0]?.extensions;
  console.log(`calls per query: ${calls}; the gateway runs in this process, so heap figures are the gateway's plus the client's`);
  console.log(`baseline (first: 1)          status ${baseline.status}  p50 ${baseline.p50.toFixed(2)} ms  p99 ${baseline.p99.toFixed(2)} ms  heap +${baseline.heapGrowthMb.toFixed(1)} MB`);
  console.log(`rejected 40-level query      status ${rejected.status}  p50 ${rejected.p50.toFixed(2)} ms  p99 ${rejected.p99.toFixed(2)} ms  heap +${rejected.heapGrowthMb.toFixed(1)} MB  ratio p50 ${(rejected.p50 / baseline.p50).toFixed(2)}x  (${code?.code} ${JSON.stringify(code?.limit)})`);
  console.log(`largest answer within limits status ${largest.status}  p50 ${largest.p50.toFixed(2)} ms  ${(largest.bytes / 1024).toFixed(0)} KB  errors: ${JSON.parse(largest.text).errors?.length ?? 0}`);
  await pool.end();
  await system.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

