/**
 * auditStats against fixed call records of a scratch tenant (and a few of
 * no tenant), appended through the audit chain at chosen instants, every
 * measure compared with a JavaScript computation over the same records.
 */
import { Pool } from 'pg';
import { callEvent } from '../../../lib/audit-log/events';
import { AuditWriter } from '../../../lib/audit-log/writer';
import { poolConfigFromUrl } from '../../../lib/database-url';
import { testDatabaseUrl } from '../../../test/helpers/system';
import { startSubgraph, type TestSubgraph } from '../../../test/helpers/subgraph';
import { createScratchTenant, type ScratchTenant } from '../../../test/helpers/scratch-tenant';
import { localBuckets, mean, percentileCont } from '../../../test/helpers/report-oracle';

interface Call {
  tenantId: string | null;
  actor: string;
  surface: 'REST' | 'GRAPHQL';
  operation: string | null;
  status: string;
  latencyMs: number | null;
  at: number;
}

const HOUR = 3600_000;
const STATUSES = ['200', '200', '200', '201', '200 BAD_USER_INPUT', '400 INVALID_PARAMETER', '404 NOT_FOUND', '503 DATABASE_UNAVAILABLE'];
const OPERATIONS = ['POST /v1/decisions', 'GET /v1/decisions', 'Dashboard', null];

let subgraph: TestSubgraph;
let tenant: ScratchTenant;
let other: ScratchTenant;
let calls: Call[];

beforeAll(async () => {
  subgraph = await startSubgraph('audit');
  [tenant, other] = await Promise.all([createScratchTenant({ features: [], scopeSets: [] }), createScratchTenant({ features: [], scopeSets: [] })]);
  let state = 77;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const make = (tenantId: string | null, at: number): Call => ({
    tenantId,
    actor: tenantId ? pick(['key:a', 'key:b', 'jwt:c']) : 'anonymous',
    surface: pick(['REST', 'GRAPHQL'] as const),
    operation: pick(OPERATIONS),
    status: tenantId ? pick(STATUSES) : '401 missing',
    latencyMs: random() < 0.1 ? null : Math.floor(random() * 500),
    at,
  });
  calls = [];
  // Around London's fall-back (2026-10-25 01:00 UTC), every 23 minutes for three days.
  for (let t = Date.parse('2026-10-23T12:00:00Z'); t < Date.parse('2026-10-27T12:00:00Z'); t += 23 * 60_000) calls.push(make(tenant.id, t + Math.floor(random() * 60_000)));
  for (let t = Date.parse('2024-03-01T00:00:00Z'); t < Date.parse('2024-03-03T00:00:00Z'); t += 3 * HOUR) calls.push(make(null, t), make(other.id, t + 1));
  const pool = new Pool(poolConfigFromUrl(testDatabaseUrl(), { max: 2 }));
  const writer = new AuditWriter(pool);
  try {
    await Promise.all(
      calls.map((c, i) =>
        writer.record(
          callEvent({
            requestId: `req_${String(i).padStart(32, '0')}`,
            caller: c.tenantId === null ? null : { requestId: 'x', actor: c.actor, tenantId: c.tenantId, scopes: new Set(['read']), surface: c.surface },
            surface: c.surface,
            scope: 'read',
            operationName: c.operation,
            status: c.status,
            bodySha256: null,
            variablesSha256: null,
            latencyMs: c.latencyMs,
            at: new Date(c.at),
          }),
        ),
      ),
    );
  } finally {
    await writer.close();
    await pool.end();
  }
});
afterAll(() => subgraph.close());

const asTenant = (id = tenant.id) => ({ tenantId: id, scopes: new Set(['read' as const]) });
const operator = { tenantId: null, scopes: new Set(['read' as const]) };

const AGG = `requests errors errorRate latencyMs { mean p50 p90 p95 p99 max }`;
const STATS = `query($from: DateTime!, $to: DateTime!, $bucket: TimeBucket, $tz: String, $groupBy: [AuditDimension!], $filter: AuditStatsFilter, $compareTo: ComparePeriod) {
  auditStats(from: $from, to: $to, bucket: $bucket, timezone: $tz, groupBy: $groupBy, filter: $filter, compareTo: $compareTo) {
    rows { bucketStart bucketEnd partial surface status operation actor tenant { id } ${AGG} previous { ${AGG} } }
    totals { ${AGG} } previous { ${AGG} } previousFrom previousTo
  }
}`;

async function report(variables: Record<string, unknown>, caller: any = asTenant()) {
  const { data, errors } = await subgraph.query(STATS, variables, caller);
  expect(errors).toBeUndefined();
  return data.auditStats;
}

const failed = (c: Call) => !/^2\d\d$/.test(c.status);

function expectAggregate(actual: any, list: Call[]) {
  const latencies = list.map((c) => c.latencyMs).filter((l): l is number => l !== null);
  const close = (a: number | null, e: number | null) => (e === null ? expect(a).toBeNull() : expect(a).toBeCloseTo(e, 9));
  expect(actual.requests).toBe(list.length);
  expect(actual.errors).toBe(list.filter(failed).length);
  close(actual.errorRate, list.length ? list.filter(failed).length / list.length : null);
  close(actual.latencyMs.mean, mean(latencies));
  close(actual.latencyMs.p50, percentileCont(latencies, 0.5));
  close(actual.latencyMs.p90, percentileCont(latencies, 0.9));
  close(actual.latencyMs.p95, percentileCont(latencies, 0.95));
  close(actual.latencyMs.p99, percentileCont(latencies, 0.99));
  expect(actual.latencyMs.max).toBe(latencies.length ? Math.max(...latencies) : null);
}

describe('auditStats', () => {
  it('DAY buckets in Europe/London across the fall-back, grouped by status: counts, errors and percentiles exact, empty buckets 0', async () => {
    const from = Date.parse('2026-10-23T23:00:00Z');
    const to = Date.parse('2026-10-27T00:00:00Z');
    const stats = await report({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: 'DAY', tz: 'Europe/London', groupBy: ['STATUS'] });
    const buckets = localBuckets('Europe/London', 'DAY', from, to);
    const mine = calls.filter((c) => c.tenantId === tenant.id && c.at >= from && c.at < to);
    const statuses = [...new Set(mine.map((c) => c.status))].sort();
    expect(stats.rows).toHaveLength(buckets.length * statuses.length);
    expect(buckets.map((b) => (b.end - b.start) / HOUR)).toEqual([24, 25, 24]);
    stats.rows.forEach((row: any, i: number) => {
      const bucket = buckets[Math.floor(i / statuses.length)]!;
      expect([row.bucketStart, row.bucketEnd]).toEqual([new Date(bucket.start).toISOString(), new Date(bucket.end).toISOString()]);
      expect(row.status).toBe(statuses[i % statuses.length]);
      expectAggregate(row, mine.filter((c) => c.at >= bucket.start && c.at < bucket.end && c.status === row.status));
    });
    expectAggregate(stats.totals, mine);
    // A GraphQL answer with an error is a failure even with HTTP 200.
    expect(stats.rows.filter((r: any) => r.status === '200 BAD_USER_INPUT' && r.requests > 0).every((r: any) => r.errorRate === 1)).toBe(true);
    expect(stats.rows.filter((r: any) => r.status === '201' && r.requests > 0).every((r: any) => r.errors === 0)).toBe(true);
  });

  it('grouped by surface, operation and actor without buckets, and narrowed by the filter', async () => {
    const window = { from: '2026-10-23T00:00:00Z', to: '2026-10-28T00:00:00Z' };
    const mine = calls.filter((c) => c.tenantId === tenant.id);
    const stats = await report({ ...window, groupBy: ['SURFACE', 'OPERATION', 'ACTOR'] });
    expect(stats.rows).toHaveLength(new Set(mine.map((c) => `${c.surface}|${c.operation}|${c.actor}`)).size);
    for (const row of stats.rows) expectAggregate(row, mine.filter((c) => c.surface === row.surface && c.operation === row.operation && c.actor === row.actor));
    const rest = await report({ ...window, filter: { surface: 'REST', operation: 'POST /v1/decisions' } });
    expectAggregate(rest.totals, mine.filter((c) => c.surface === 'REST' && c.operation === 'POST /v1/decisions'));
  });

  it('PREVIOUS_PERIOD per bucket and in total', async () => {
    const from = Date.parse('2026-10-26T00:00:00Z');
    const to = Date.parse('2026-10-27T12:00:00Z');
    const stats = await report({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: 'HOUR', compareTo: 'PREVIOUS_PERIOD' });
    const shift = to - from;
    const mine = calls.filter((c) => c.tenantId === tenant.id);
    expect(stats.rows).toHaveLength(36);
    expectAggregate(stats.previous, mine.filter((c) => c.at >= from - shift && c.at < from));
    for (const row of stats.rows) {
      expectAggregate(row.previous, mine.filter((c) => c.at >= Date.parse(row.bucketStart) - shift && c.at < Date.parse(row.bucketEnd) - shift));
    }
  });

  it("a tenant sees its own calls only; another tenant's filter is FORBIDDEN; the operator sees every tenant and the calls of none", async () => {
    const window = { from: '2024-03-01T00:00:00Z', to: '2024-03-03T00:00:00Z' };
    expect((await report(window)).totals.requests).toBe(0);
    expect((await report(window, asTenant(other.id))).totals.requests).toBe(16);
    const { errors } = await subgraph.query(STATS, { ...window, filter: { tenantId: other.id } }, asTenant());
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const all = await report({ ...window, groupBy: ['TENANT'] }, operator);
    const byTenant = Object.fromEntries(all.rows.map((r: any) => [r.tenant?.id ?? 'none', r]));
    expect(byTenant[other.id].requests).toBe(16);
    expect(byTenant.none.requests).toBeGreaterThanOrEqual(16);
    expect((await report({ ...window, groupBy: ['STATUS'], filter: { actor: 'anonymous' } }, operator)).rows.find((r: any) => r.status === '401 missing').errors).toBeGreaterThanOrEqual(16);
  });

  it('refuses an unknown zone, from after to, and more rows than the cap', async () => {
    const refused = async (variables: Record<string, unknown>) => (await subgraph.query(STATS, variables, asTenant())).errors![0]!;
    expect((await refused({ from: '2026-10-23T00:00:00Z', to: '2026-10-24T00:00:00Z', tz: 'Europe/Londres' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'timezone' });
    expect((await refused({ from: '2026-10-24T00:00:00Z', to: '2026-10-23T00:00:00Z' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'from' });
    const capped = await refused({ from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z', bucket: 'HOUR', groupBy: ['STATUS', 'ACTOR'] });
    const groups = new Set(calls.filter((c) => c.tenantId === tenant.id).map((c) => c.status + c.actor)).size;
    expect(capped.extensions).toMatchObject({ code: 'BAD_USER_INPUT', askedRows: ((Date.parse('2026-12-31T00:00:00Z') - Date.parse('2026-01-01T00:00:00Z')) / HOUR) * groups, rowCap: 10000 });
  });
});
