/**
 * decisionStats against fixed decisions of a scratch tenant, inserted with
 * SQL at chosen instants (dense around each 2026 DST change of the zones
 * tested), every measure compared with test/helpers/report-oracle.ts: local
 * boundaries from Node's Intl, measures in plain JavaScript.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { callEvent, domainEvent } from '../../../lib/audit-log/events';
import { AuditWriter } from '../../../lib/audit-log/writer';
import { poolConfigFromUrl } from '../../../lib/database-url';
import { newRequestId } from '../../../lib/request-id';
import { sql, testDatabaseUrl } from '../../../test/helpers/system';
import { startSubgraph, type TestSubgraph } from '../../../test/helpers/subgraph';
import { createScratchTenant, type ScratchTenant } from '../../../test/helpers/scratch-tenant';
import { localBuckets, localInstant, mean, percentileCont, type Unit } from '../../../test/helpers/report-oracle';

interface Fixture {
  feature: string;
  subjectType: string;
  packageVersionId: string;
  outcome: 'APPROVE' | 'DECLINE' | 'REVIEW' | 'CHALLENGE';
  confidence: number;
  latencyMs: number;
  at: number;
}

const OUTCOMES = ['APPROVE', 'DECLINE', 'REVIEW', 'CHALLENGE'] as const;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

// The 2026 DST changes of the zones tested, as UTC instants (Lord_Howe: 30-minute DST, ends on the first Sunday of April, starts on the first of October).
const CHANGES = [
  Date.parse('2026-03-29T01:00:00Z'), // Europe/London, spring forward
  Date.parse('2026-10-25T01:00:00Z'), // Europe/London, fall back
  Date.parse('2026-03-08T07:00:00Z'), // America/New_York, spring forward
  Date.parse('2026-11-01T06:00:00Z'), // America/New_York, fall back
  Date.parse('2026-04-04T15:00:00Z'), // Australia/Lord_Howe, 02:00 +11 back to 01:30 +10:30
  Date.parse('2026-10-03T15:30:00Z'), // Australia/Lord_Howe, 02:00 +10:30 forward to 02:30 +11
];

let subgraph: TestSubgraph;
let tenant: ScratchTenant;
let other: ScratchTenant;
let rows: Fixture[];
let versions: string[];

function fixtures(): Fixture[] {
  let state = 20261202;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const confidences = [0, 0.1, 0.3, 0.55, 0.7, 0.9, 0.99, 1];
  const make = (at: number): Fixture => ({
    feature: pick(['kyc.adaptive', 'fraud.velocity', 'credit.limit']),
    subjectType: pick(['person', 'business']),
    packageVersionId: pick(versions),
    outcome: pick(OUTCOMES),
    confidence: random() < 0.3 ? pick(confidences) : Math.round(random() * 10_000) / 10_000,
    latencyMs: 1 + Math.floor(random() * 900),
    at,
  });
  const out: Fixture[] = [];
  for (const change of CHANGES) for (let t = change - 3 * DAY; t < change + 3 * DAY; t += 47 * 60_000) out.push(make(t + Math.floor(random() * 60_000)));
  for (let t = Date.parse('2025-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 2 * DAY) out.push(make(t + Math.floor(random() * DAY)));
  // Around 2027-02-28, the day 2028-02-29 compares with.
  for (let t = Date.parse('2027-02-25T00:00:00Z'); t < Date.parse('2027-03-04T00:00:00Z'); t += 5 * HOUR) out.push(make(t));
  // On local midnights and a millisecond either side: a boundary row belongs to the bucket it starts.
  for (const edge of [localInstant('Europe/London', 2026, 3, 30), localInstant('America/New_York', 2026, 11, 2), localInstant('Asia/Kolkata', 2026, 6, 15)]) {
    out.push(make(edge - 1), make(edge), make(edge + 1));
  }
  return out;
}

beforeAll(async () => {
  subgraph = await startSubgraph('decisions');
  [tenant, other] = await Promise.all([createScratchTenant({ features: [], scopeSets: [] }), createScratchTenant({ features: [], scopeSets: [] })]);
  versions = (await sql(`SELECT id FROM package_versions ORDER BY id LIMIT 2`)).map((r) => r.id);
  rows = fixtures();
  // Each fixture decision is recorded as a real one is: its call and its
  // decision.created event on the tenant's chain, so the shared database
  // keeps every decision's lineage for the other test files.
  const insert = async (tenantId: string, list: Fixture[]) => {
    const made = list.map((r) => ({ ...r, id: randomUUID(), requestId: newRequestId() }));
    await sql(
      `INSERT INTO decisions (id, tenant_id, feature_key, package_version_id, subject_type, subject_reference, outcome, confidence, reasons, latency_ms, request_id, input_hash, policy_hash, created_at)
       SELECT id, $1, f, pv, st, 'stats-fixture', o::"DecisionOutcome", c, '{}', l, rid, repeat('0', 64), repeat('0', 64), to_timestamp(at / 1000.0)
         FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::float8[], $8::int[], $9::float8[], $10::text[]) AS u(id, f, pv, st, o, c, l, at, rid)`,
      [tenantId, made.map((r) => r.id), made.map((r) => r.feature), made.map((r) => r.packageVersionId), made.map((r) => r.subjectType), made.map((r) => r.outcome), made.map((r) => r.confidence), made.map((r) => r.latencyMs), made.map((r) => r.at), made.map((r) => r.requestId)],
    );
    const pool = new Pool(poolConfigFromUrl(testDatabaseUrl(), { max: 2 }));
    const writer = new AuditWriter(pool);
    const caller = { requestId: 'fixture', actor: 'key:stats-fixture', tenantId, scopes: new Set(['write' as const]), surface: 'REST' as const };
    try {
      await Promise.all(
        made.flatMap((r) => [
          writer.record(domainEvent({ requestId: r.requestId, actor: caller.actor, surface: 'REST' }, { tenantId, action: 'decision.created', scope: 'write', resource: { type: 'decision', id: r.id }, contentSha256: null, at: new Date(r.at) })),
          writer.record(callEvent({ requestId: r.requestId, caller, surface: 'REST', scope: 'write', operationName: 'POST /v1/decisions', status: '201', bodySha256: null, variablesSha256: null, latencyMs: r.latencyMs, at: new Date(r.at) })),
        ]),
      );
    } finally {
      await writer.close();
      await pool.end();
    }
  };
  await insert(tenant.id, rows);
  // Another tenant's decisions in the same windows, which tenant's stats must never count.
  await insert(other.id, rows.slice(0, 200));
  const [{ n }] = await sql(`SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1`, [tenant.id]);
  expect(n).toBe(rows.length);
  const [{ orphans }] = await sql(
    `SELECT count(*)::int AS orphans FROM decisions d WHERE d.tenant_id = ANY($1::uuid[]) AND NOT (
       EXISTS (SELECT 1 FROM audit_events e WHERE e.tenant_id = d.tenant_id AND e.action = 'decision.created' AND e.resource_id = d.id::text AND e.request_id = d.request_id)
       AND EXISTS (SELECT 1 FROM audit_events e WHERE e.tenant_id = d.tenant_id AND e.action = 'request' AND e.request_id = d.request_id))`,
    [[tenant.id, other.id]],
  );
  expect(orphans).toBe(0);
});
afterAll(() => subgraph.close());

const asTenant = () => ({ tenantId: tenant.id, scopes: new Set(['read' as const]) });

const AGG = `count outcomes { outcome count rate } confidence { mean min max histogram { lower upper count } } latencyMs { mean p50 p90 p95 p99 max }`;
const STATS = `query($from: DateTime!, $to: DateTime!, $bucket: TimeBucket, $tz: String, $groupBy: [DecisionDimension!], $filter: DecisionFilter, $compareTo: ComparePeriod) {
  decisionStats(from: $from, to: $to, bucket: $bucket, timezone: $tz, groupBy: $groupBy, filter: $filter, compareTo: $compareTo) {
    rows { bucketStart bucketEnd partial feature outcome subjectType tenant { id } packageVersion { id } ${AGG} previous { ${AGG} } }
    totals { ${AGG} } previous { ${AGG} } previousFrom previousTo
  }
}`;

/** Every measure of DecisionAggregate, computed in JavaScript. */
function expectedAggregate(list: Fixture[]) {
  const n = list.length;
  const latencies = list.map((r) => r.latencyMs);
  const confidences = list.map((r) => r.confidence);
  return {
    count: n,
    outcomes: OUTCOMES.map((outcome) => {
      const c = list.filter((r) => r.outcome === outcome).length;
      return { outcome, count: c, rate: n ? c / n : null };
    }),
    confidence: {
      mean: mean(confidences),
      min: n ? Math.min(...confidences) : null,
      max: n ? Math.max(...confidences) : null,
      histogram: Array.from({ length: 10 }, (_, i) => ({
        lower: i / 10,
        upper: (i + 1) / 10,
        count: list.filter((r) => r.confidence >= i / 10 && (r.confidence < (i + 1) / 10 || (i === 9 && r.confidence === 1))).length,
      })),
    },
    latencyMs: {
      mean: mean(latencies),
      p50: percentileCont(latencies, 0.5),
      p90: percentileCont(latencies, 0.9),
      p95: percentileCont(latencies, 0.95),
      p99: percentileCont(latencies, 0.99),
      max: n ? Math.max(...latencies) : null,
    },
  };
}

/** Means and interpolated percentiles may differ in the last bits (summation order): compare them to 9 digits, the rest exactly. */
function expectAggregate(actual: any, list: Fixture[]) {
  const expected = expectedAggregate(list);
  const close = (a: number | null, e: number | null) => (e === null ? expect(a).toBeNull() : expect(a).toBeCloseTo(e, 9));
  expect(actual.count).toBe(expected.count);
  expect(actual.outcomes).toEqual(expected.outcomes.map((o) => ({ ...o, rate: o.rate === null ? null : expect.closeTo(o.rate, 12) })));
  close(actual.confidence.mean, expected.confidence.mean);
  expect(actual.confidence.min).toBe(expected.confidence.min);
  expect(actual.confidence.max).toBe(expected.confidence.max);
  expect(actual.confidence.histogram).toEqual(expected.confidence.histogram);
  for (const k of ['mean', 'p50', 'p90', 'p95', 'p99'] as const) close(actual.latencyMs[k], expected.latencyMs[k]);
  expect(actual.latencyMs.max).toBe(expected.latencyMs.max);
}

type Dim = 'FEATURE' | 'OUTCOME' | 'SUBJECT_TYPE' | 'PACKAGE_VERSION';
const dimOf: Record<Dim, (r: Fixture) => string> = {
  FEATURE: (r) => r.feature,
  OUTCOME: (r) => r.outcome,
  SUBJECT_TYPE: (r) => r.subjectType,
  PACKAGE_VERSION: (r) => r.packageVersionId,
};
const rowDim: Record<Dim, (row: any) => string> = {
  FEATURE: (row) => row.feature,
  OUTCOME: (row) => row.outcome,
  SUBJECT_TYPE: (row) => row.subjectType,
  PACKAGE_VERSION: (row) => row.packageVersion.id,
};

async function report(variables: Record<string, unknown>, caller: any = asTenant()) {
  const { data, errors } = await subgraph.query(STATS, variables, caller);
  expect(errors).toBeUndefined();
  return data.decisionStats;
}

/** Buckets from the oracle, every (bucket, group present in the window) row and the totals checked measure by measure. */
async function expectBucketedReport(zone: string, unit: Unit, from: number, to: number, groupBy: Dim[] = []) {
  const stats = await report({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: unit, tz: zone, groupBy });
  const buckets = localBuckets(zone, unit, from, to);
  const inWindow = rows.filter((r) => r.at >= from && r.at < to);
  const keyOf = (r: Fixture) => JSON.stringify(groupBy.map((d) => dimOf[d](r)));
  const groups = [...new Set(inWindow.map(keyOf))].sort();
  expect(stats.rows).toHaveLength(buckets.length * (groupBy.length ? groups.length : 1));
  let i = 0;
  for (const bucket of buckets) {
    const inBucket = inWindow.filter((r) => r.at >= bucket.start && r.at < bucket.end);
    const here = stats.rows.slice(i, i + (groupBy.length ? groups.length : 1));
    i += here.length;
    for (const row of here) {
      expect([row.bucketStart, row.bucketEnd, row.partial]).toEqual([new Date(bucket.start).toISOString(), new Date(bucket.end).toISOString(), bucket.partial]);
      const key = JSON.stringify(groupBy.map((d) => rowDim[d](row)));
      expectAggregate(row, inBucket.filter((r) => keyOf(r) === key));
    }
    expect(here.map((row: any) => JSON.stringify(groupBy.map((d) => rowDim[d](row)))).sort()).toEqual(groupBy.length ? groups : ['[]']);
  }
  expectAggregate(stats.totals, inWindow);
  return stats;
}

const hours = (row: any) => (Date.parse(row.bucketEnd) - Date.parse(row.bucketStart)) / HOUR;

describe('decisionStats buckets at local boundaries', () => {
  it('Europe/London: the spring-forward day lasts 23 hours and the fall-back day 25, every measure exact', async () => {
    const spring = await expectBucketedReport('Europe/London', 'DAY', Date.parse('2026-03-27T00:00:00Z'), Date.parse('2026-04-01T00:00:00Z'), ['OUTCOME']);
    expect(spring.rows.filter((r: any) => r.outcome === 'APPROVE').map(hours)).toEqual([24, 24, 23, 24, 24, 1]);
    const autumn = await expectBucketedReport('Europe/London', 'DAY', Date.parse('2026-10-23T23:00:00Z'), Date.parse('2026-10-27T00:00:00Z'));
    expect(autumn.rows.map(hours)).toEqual([24, 25, 24]);
    expect(autumn.rows[1].bucketStart).toBe('2026-10-24T23:00:00.000Z');
  });

  it('America/New_York: 23 hours on 2026-03-08, 25 hours on 2026-11-01', async () => {
    const spring = await expectBucketedReport('America/New_York', 'DAY', Date.parse('2026-03-06T05:00:00Z'), Date.parse('2026-03-10T04:00:00Z'), ['FEATURE', 'SUBJECT_TYPE']);
    const days = [...new Set(spring.rows.map((r: any) => `${r.bucketStart}/${r.bucketEnd}`))];
    expect(days).toEqual(['2026-03-06T05:00:00.000Z/2026-03-07T05:00:00.000Z', '2026-03-07T05:00:00.000Z/2026-03-08T05:00:00.000Z', '2026-03-08T05:00:00.000Z/2026-03-09T04:00:00.000Z', '2026-03-09T04:00:00.000Z/2026-03-10T04:00:00.000Z']);
    const autumn = await expectBucketedReport('America/New_York', 'DAY', Date.parse('2026-10-30T04:00:00Z'), Date.parse('2026-11-03T05:00:00Z'), ['PACKAGE_VERSION']);
    expect([...new Set(autumn.rows.map(hours))]).toEqual([24, 25]);
    expect(autumn.rows.filter((r: any) => hours(r) === 25).map((r: any) => r.bucketStart)).toEqual(expect.arrayContaining(['2026-11-01T04:00:00.000Z']));
  });

  it('Asia/Kolkata: days start at 18:30 UTC, and a row on local midnight starts its day', async () => {
    const stats = await expectBucketedReport('Asia/Kolkata', 'DAY', Date.parse('2026-06-12T18:30:00Z'), Date.parse('2026-06-17T18:30:00Z'));
    expect(stats.rows.map((r: any) => r.bucketStart.slice(11))).toEqual(Array(5).fill('18:30:00.000Z'));
    expect(stats.rows.map(hours)).toEqual([24, 24, 24, 24, 24]);
  });

  it('Australia/Lord_Howe: half-hour DST makes days of 24.5 and 23.5 hours', async () => {
    const april = await expectBucketedReport('Australia/Lord_Howe', 'DAY', Date.parse('2026-04-02T13:00:00Z'), Date.parse('2026-04-06T13:30:00Z'), ['OUTCOME']);
    expect([...new Set(april.rows.map(hours))]).toEqual([24, 24.5]);
    const october = await expectBucketedReport('Australia/Lord_Howe', 'DAY', Date.parse('2026-10-01T13:30:00Z'), Date.parse('2026-10-05T13:00:00Z'));
    expect(october.rows.map(hours)).toEqual([24, 24, 23.5, 24]);
  });

  it('WEEK buckets start on local Mondays, with from and to inside weeks clipping the first and last', async () => {
    const from = Date.parse('2026-03-04T10:17:00Z');
    const to = Date.parse('2026-04-15T08:00:00Z');
    const stats = await expectBucketedReport('Europe/London', 'WEEK', from, to, ['SUBJECT_TYPE']);
    const starts = [...new Set(stats.rows.map((r: any) => r.bucketStart))] as string[];
    expect(starts[0]).toBe('2026-03-04T10:17:00.000Z');
    expect(starts.slice(1).map((s) => new Date(s).getUTCDay() === 1 || new Date(Date.parse(s) + HOUR).getUTCDay() === 1)).not.toContain(false);
    expect(stats.rows[0].partial).toBe(true);
    expect(stats.rows.at(-1).partial).toBe(true);
    expect(stats.rows.at(-1).bucketEnd).toBe('2026-04-15T08:00:00.000Z');
    // The week of the spring-forward Sunday is an hour short.
    expect(stats.rows.filter((r: any) => r.bucketStart === '2026-03-23T00:00:00.000Z').map(hours)).toEqual([167, 167]);
  });

  it('MONTH buckets in New York across a year end and both DST changes, clipped at both ends', async () => {
    const stats = await expectBucketedReport('America/New_York', 'MONTH', Date.parse('2025-10-15T12:00:00Z'), Date.parse('2026-04-10T00:00:00Z'), ['FEATURE']);
    const starts = [...new Set(stats.rows.map((r: any) => r.bucketStart))];
    expect(starts).toEqual(['2025-10-15T12:00:00.000Z', '2025-11-01T04:00:00.000Z', '2025-12-01T05:00:00.000Z', '2026-01-01T05:00:00.000Z', '2026-02-01T05:00:00.000Z', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z']);
  });

  it('HOUR buckets in Kolkata start at half past UTC; in New York the repeated 01:00 is one 2-hour bucket from its first occurrence, the skipped 02:00 none', async () => {
    const kolkata = await report({ from: '2026-06-14T18:30:00Z', to: '2026-06-15T06:30:00Z', bucket: 'HOUR', tz: 'Asia/Kolkata' });
    expect(kolkata.rows).toHaveLength(12);
    expect(kolkata.rows.every((r: any) => r.bucketStart.slice(14) === '30:00.000Z')).toBe(true);
    const ny = await report({ from: '2026-11-01T04:00:00Z', to: '2026-11-01T09:00:00Z', bucket: 'HOUR', tz: 'America/New_York' });
    expect(ny.rows.map((r: any) => [r.bucketStart, hours(r)])).toEqual([
      ['2026-11-01T04:00:00.000Z', 1],
      ['2026-11-01T05:00:00.000Z', 2],
      ['2026-11-01T07:00:00.000Z', 1],
      ['2026-11-01T08:00:00.000Z', 1],
    ]);
    const spring = await report({ from: '2026-03-08T05:00:00Z', to: '2026-03-08T09:00:00Z', bucket: 'HOUR', tz: 'America/New_York' });
    expect(spring.rows.map((r: any) => [r.bucketStart, hours(r)])).toEqual([
      ['2026-03-08T05:00:00.000Z', 1],
      ['2026-03-08T06:00:00.000Z', 1],
      ['2026-03-08T07:00:00.000Z', 1],
      ['2026-03-08T08:00:00.000Z', 1],
    ]);
    for (const row of [...ny.rows, ...spring.rows]) expect(row.count).toBe(rows.filter((r) => r.at >= Date.parse(row.bucketStart) && r.at < Date.parse(row.bucketEnd)).length);
  });

  it('MINUTE buckets over an hour, every minute present', async () => {
    const from = Date.parse('2026-03-29T00:30:00Z');
    const stats = await report({ from: new Date(from).toISOString(), to: new Date(from + HOUR).toISOString(), bucket: 'MINUTE', tz: 'Europe/London' });
    expect(stats.rows).toHaveLength(60);
    stats.rows.forEach((row: any, i: number) => {
      expect(row.bucketStart).toBe(new Date(from + i * 60_000).toISOString());
      expect(row.count).toBe(rows.filter((r) => r.at >= from + i * 60_000 && r.at < from + (i + 1) * 60_000).length);
    });
  });
});

describe('decisionStats groups', () => {
  it('without a bucket: one row per group over [from, to), bucketEnd null', async () => {
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2026-07-01T00:00:00Z');
    const stats = await report({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy: ['FEATURE', 'OUTCOME'] });
    const inWindow = rows.filter((r) => r.at >= from && r.at < to);
    expect(stats.rows).toHaveLength(new Set(inWindow.map((r) => r.feature + r.outcome)).size);
    for (const row of stats.rows) {
      expect([row.bucketStart, row.bucketEnd, row.partial]).toEqual(['2026-01-01T00:00:00.000Z', null, false]);
      expectAggregate(row, inWindow.filter((r) => r.feature === row.feature && r.outcome === row.outcome));
    }
    expectAggregate(stats.totals, inWindow);
    expect(stats.previous).toBeNull();
  });

  it('a group with no decisions has no rows; without groupBy every bucket is there with count 0 and null measures', async () => {
    const vars = { from: '2026-03-27T00:00:00Z', to: '2026-03-30T00:00:00Z', bucket: 'DAY', filter: { feature: 'no.such.feature' } };
    const grouped = await report({ ...vars, groupBy: ['FEATURE'] });
    expect(grouped.rows).toEqual([]);
    expectAggregate(grouped.totals, []);
    const plain = await report(vars);
    expect(plain.rows).toHaveLength(3);
    for (const row of plain.rows) expectAggregate(row, []);
    expect(plain.rows[0].latencyMs).toEqual({ mean: null, p50: null, p90: null, p95: null, p99: null, max: null });
  });

  it('the filter narrows the rows like Query.decisions: outcome list and subject type', async () => {
    const from = Date.parse('2026-10-20T00:00:00Z');
    const to = Date.parse('2026-10-30T00:00:00Z');
    const stats = await report({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), filter: { outcome: ['DECLINE', 'REVIEW'], subjectType: 'business' }, groupBy: ['OUTCOME'] });
    const wanted = rows.filter((r) => r.at >= from && r.at < to && (r.outcome === 'DECLINE' || r.outcome === 'REVIEW') && r.subjectType === 'business');
    expectAggregate(stats.totals, wanted);
    expect(stats.rows.map((r: any) => r.outcome).sort()).toEqual(['DECLINE', 'REVIEW']);
  });
});

describe('decisionStats compareTo', () => {
  it('PREVIOUS_PERIOD: the same-length window just before, per bucket and group and in total', async () => {
    const from = Date.parse('2026-03-27T00:00:00Z');
    const to = Date.parse('2026-04-01T00:00:00Z');
    const stats = await report({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: 'DAY', tz: 'Europe/London', groupBy: ['SUBJECT_TYPE'], compareTo: 'PREVIOUS_PERIOD' });
    const shift = to - from;
    expect([stats.previousFrom, stats.previousTo]).toEqual([new Date(from - shift).toISOString(), new Date(from).toISOString()]);
    expectAggregate(stats.previous, rows.filter((r) => r.at >= from - shift && r.at < from));
    for (const row of stats.rows) {
      const [s, e] = [Date.parse(row.bucketStart) - shift, Date.parse(row.bucketEnd) - shift];
      expectAggregate(row.previous, rows.filter((r) => r.at >= s && r.at < e && r.subjectType === row.subjectType));
    }
  });

  it('SAME_PERIOD_LAST_YEAR: each bound one local calendar year back, so DST days compare with the same local days', async () => {
    const zone = 'America/New_York';
    const from = localInstant(zone, 2026, 3, 1);
    const to = localInstant(zone, 2026, 3, 15);
    const stats = await report({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: 'DAY', tz: zone, compareTo: 'SAME_PERIOD_LAST_YEAR' });
    expect([stats.previousFrom, stats.previousTo]).toEqual([new Date(localInstant(zone, 2025, 3, 1)).toISOString(), new Date(localInstant(zone, 2025, 3, 15)).toISOString()]);
    expectAggregate(stats.previous, rows.filter((r) => r.at >= localInstant(zone, 2025, 3, 1) && r.at < localInstant(zone, 2025, 3, 15)));
    stats.rows.forEach((row: any, i: number) => {
      const [s, e] = [localInstant(zone, 2025, 3, 1 + i), localInstant(zone, 2025, 3, 2 + i)];
      expectAggregate(row.previous, rows.filter((r) => r.at >= s && r.at < e));
    });
    expect(stats.rows.some((r: any) => r.previous.count > 0)).toBe(true);
  });

  it('SAME_PERIOD_LAST_YEAR from a leap year: 2028-02-28 compares with an empty span, 2028-02-29 with 2027-02-28', async () => {
    const stats = await report({ from: '2028-02-27T00:00:00Z', to: '2028-03-02T00:00:00Z', bucket: 'DAY', compareTo: 'SAME_PERIOD_LAST_YEAR' });
    const count = (from: string, to: string) => rows.filter((r) => r.at >= Date.parse(from) && r.at < Date.parse(to)).length;
    expect(stats.rows.map((r: any) => [r.bucketStart.slice(0, 10), r.previous.count])).toEqual([
      ['2028-02-27', count('2027-02-27T00:00:00Z', '2027-02-28T00:00:00Z')],
      ['2028-02-28', 0],
      ['2028-02-29', count('2027-02-28T00:00:00Z', '2027-03-01T00:00:00Z')],
      ['2028-03-01', count('2027-03-01T00:00:00Z', '2027-03-02T00:00:00Z')],
    ]);
    expect(stats.rows[2].previous.count).toBeGreaterThan(0);
    expect(stats.previous.count).toBe(count('2027-02-27T00:00:00Z', '2027-03-02T00:00:00Z'));
  });
});

describe('decisionStats refuses', () => {
  const refusal = async (variables: Record<string, unknown>, caller: any = asTenant()) => {
    const before = subgraph.db.statementCount();
    const { data, errors } = await subgraph.query(STATS, variables, caller);
    expect(data?.decisionStats ?? null).toBeNull();
    return { error: errors![0]!, statements: subgraph.db.statementCount() - before };
  };
  const window = { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' };

  it('an unknown zone, a POSIX offset string and an empty name, naming timezone; a zone in another case is accepted', async () => {
    for (const tz of ['Mars/Olympus_Mons', '+05', 'EST5EDT,M3.2.0,M11.1.0', '', 'posix/Europe/London', 'x'.repeat(500)]) {
      const { error } = await refusal({ ...window, tz });
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'timezone' });
    }
    expect((await report({ ...window, tz: 'europe/LONDON', bucket: 'DAY' })).rows).toHaveLength(1);
  });

  it('from not before to, naming from, without touching the database', async () => {
    for (const to of [window.from, '2026-02-28T00:00:00Z']) {
      const { error, statements } = await refusal({ ...window, to, tz: 'UTC' });
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'from' });
      expect(error.message).toMatch(/from must be strictly before to/);
      expect(statements).toBe(0);
    }
  });

  it('MINUTE buckets over more than 24 hours', async () => {
    const { error } = await refusal({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:01Z', bucket: 'MINUTE' });
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'bucket' });
    expect(error.message).toMatch(/24 hours/);
  });

  it('a window whose buckets alone pass the cap, before any SQL', async () => {
    const { error, statements } = await refusal({ from: '1990-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', bucket: 'DAY' });
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', rowCap: 10000 });
    const atLeast = Math.floor((Date.parse('2026-01-01T00:00:00Z') - Date.parse('1990-01-01T00:00:00Z')) / (26 * HOUR));
    expect(error.message).toContain(`asks for at least ${atLeast} rows (buckets times groups), more than the 10000`);
    expect(statements).toBe(0);
  });

  it('buckets times groups over the cap, saying how many rows, in one statement that builds no row', async () => {
    await report({ ...window }); // the zone list is loaded once per process
    const from = Date.parse('2025-06-01T00:00:00Z');
    const to = Date.parse('2026-06-01T00:00:00Z');
    const { error, statements } = await refusal({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: 'HOUR', groupBy: ['FEATURE', 'SUBJECT_TYPE'] });
    const groups = new Set(rows.filter((r) => r.at >= from && r.at < to).map((r) => r.feature + r.subjectType)).size;
    const asked = ((to - from) / HOUR) * groups;
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', askedRows: asked, rowCap: 10000 });
    expect(error.message).toContain(`asks for ${asked} rows`);
    expect(statements).toBe(1);
  });

  it("filter dates, which a report's window replaces", async () => {
    const { error } = await refusal({ ...window, filter: { createdAfter: '2026-01-01T00:00:00Z' } });
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter' });
  });
});

describe('decisionStats tenant isolation', () => {
  const year = { from: '2025-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z' };

  it("a tenant's credential counts its own decisions only, and naming another tenant is FORBIDDEN", async () => {
    expect((await report(year)).totals.count).toBe(rows.length);
    expect((await report(year, { tenantId: other.id, scopes: new Set(['read']) })).totals.count).toBe(200);
    const { errors } = await subgraph.query(STATS, { ...year, filter: { tenantId: other.id } }, asTenant());
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('the operator reports across tenants, grouped by tenant, or on one', async () => {
    const operator = { tenantId: null, scopes: new Set(['read']) };
    const byTenant = await report({ ...year, groupBy: ['TENANT'], filter: { subjectReference: 'stats-fixture' } }, operator);
    const counts = Object.fromEntries(byTenant.rows.map((r: any) => [r.tenant.id, r.count]));
    expect(counts[tenant.id]).toBe(rows.length);
    expect(counts[other.id]).toBe(200);
    expect((await report({ ...year, filter: { tenantId: tenant.id } }, operator)).totals.count).toBe(rows.length);
  });

  it('answers a report in one statement', async () => {
    await report(year);
    const before = subgraph.db.statementCount();
    await report({ ...year, bucket: 'MONTH', tz: 'Europe/London', groupBy: ['FEATURE', 'OUTCOME'], compareTo: 'SAME_PERIOD_LAST_YEAR' });
    expect(subgraph.db.statementCount() - before).toBe(1);
  });
});
