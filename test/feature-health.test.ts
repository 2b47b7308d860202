/**
 * featureHealth: each feature's latency percentiles and outcome mix over a
 * recent window against the 30 days before it, checked value by value
 * against a computation written here over the rows the test wrote, with a
 * `degraded` flag tried both ways on crafted data.
 */
import { randomUUID } from 'node:crypto';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { insertDecisions, type DecisionRow } from './helpers/decision-rows';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let tenant: ScratchTenant;
const creds = testCredentials();
const asKey = (key: string) => ({ 'x-api-key': key });
const HOUR = 3_600_000;
// Late enough that the window and its 720-hour baseline start after SEED.now (test rows stay out of the seeded ones).
const AS_OF = new Date('2026-12-01T12:00:00.000Z');
const run = randomUUID().slice(0, 8);
/** Feature keys of this run only, so no other test's decisions can join them. */
const F = {
  steady: `fh-${run}.steady`,
  slow: `fh-${run}.slow`,
  declining: `fh-${run}.declining`,
  sparse: `fh-${run}.sparse`,
  edges: `fh-${run}.edges`,
  live: `fh-${run}.live`,
};
const rows: DecisionRow[] = [];

/** A deterministic spread of latencies and outcomes: `n` decisions in [from, to). */
function spread(feature: string, n: number, from: number, to: number, latency: (i: number) => number, declineEvery: number, reviewEvery = 7): DecisionRow[] {
  return Array.from({ length: n }, (_, i) => ({
    feature,
    outcome: i % declineEvery === 0 ? 'DECLINE' : i % reviewEvery === 0 ? 'REVIEW' : i % 11 === 0 ? 'CHALLENGE' : 'APPROVE',
    latencyMs: latency(i),
    createdAt: new Date(from + Math.floor(((to - from) * i) / n)),
  }));
}

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  tenant = await createScratchTenant({ features: [], scopeSets: [['read'], ['write']] });
  const hourStart = AS_OF.getTime() - HOUR;
  const baselineStart = hourStart - 720 * HOUR;
  rows.push(
    // Same pace and mix in the window as before: healthy.
    ...spread(F.steady, 60, baselineStart, hourStart, (i) => 80 + ((i * 37) % 50), 10),
    ...spread(F.steady, 25, hourStart, AS_OF.getTime(), (i) => 80 + ((i * 37) % 50), 10),
    // Latency doubles in the window: p95 far above 1.5 times the baseline's.
    ...spread(F.slow, 60, baselineStart, hourStart, (i) => 100 + ((i * 13) % 40), 10),
    ...spread(F.slow, 25, hourStart, AS_OF.getTime(), (i) => 220 + ((i * 13) % 40), 10),
    // Declines go from 1 in 10 to 1 in 3: more than 10 points up.
    ...spread(F.declining, 60, baselineStart, hourStart, (i) => 50 + (i % 9), 10),
    ...spread(F.declining, 24, hourStart, AS_OF.getTime(), (i) => 50 + (i % 9), 3),
    // As slow as `slow`, but only 19 decisions in the window: too few to call.
    ...spread(F.sparse, 60, baselineStart, hourStart, (i) => 100 + (i % 40), 10),
    ...spread(F.sparse, 19, hourStart, AS_OF.getTime(), (i) => 400 + (i % 40), 2),
    // Boundaries: asOf itself is out, the window's first instant is in the window,
    // the millisecond before it in the baseline, the baseline's first instant in, the one before out.
    { feature: F.edges, outcome: 'DECLINE', latencyMs: 1, createdAt: AS_OF },
    { feature: F.edges, outcome: 'APPROVE', latencyMs: 2, createdAt: new Date(hourStart) },
    { feature: F.edges, outcome: 'REVIEW', latencyMs: 3, createdAt: new Date(hourStart - 1) },
    { feature: F.edges, outcome: 'CHALLENGE', latencyMs: 4, createdAt: new Date(baselineStart) },
    { feature: F.edges, outcome: 'DECLINE', latencyMs: 5, createdAt: new Date(baselineStart - 1) },
  );
  const now = Date.now();
  rows.push(...spread(F.live, 5, now - 50 * 60_000, now - 10 * 60_000, (i) => 30 + i, 2));
  await insertDecisions(tenant.id, rows);
});
afterAll(() => system.close());

// ---- the independent computation: JavaScript over the rows written above

/** percentile_disc: the smallest value whose rank r (1-based, sorted ascending) has r / n >= p. */
function percentileDisc(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = sorted.findIndex((_, i) => (i + 1) / sorted.length >= p);
  return sorted[rank]!;
}

function side(feature: string, from: Date, to: Date) {
  const mine = rows.filter((r) => r.feature === feature && r.createdAt >= from && r.createdAt < to);
  const n = mine.length;
  const rate = (o: DecisionRow['outcome']) => (n === 0 ? null : mine.filter((r) => r.outcome === o).length / n);
  const latencies = mine.map((r) => r.latencyMs);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    count: n,
    latencyP50Ms: percentileDisc(latencies, 0.5),
    latencyP95Ms: percentileDisc(latencies, 0.95),
    latencyP99Ms: percentileDisc(latencies, 0.99),
    approveRate: rate('APPROVE'),
    declineRate: rate('DECLINE'),
    reviewRate: rate('REVIEW'),
    challengeRate: rate('CHALLENGE'),
  };
}

function expectedHealth(feature: string, windowHours: number, asOf = AS_OF) {
  const windowStart = new Date(asOf.getTime() - windowHours * HOUR);
  const baselineStart = new Date(windowStart.getTime() - 720 * HOUR);
  const window = side(feature, windowStart, asOf);
  const baseline = side(feature, baselineStart, windowStart);
  const degradedBy: string[] = [];
  if (window.count >= 20 && baseline.count >= 20) {
    if (window.latencyP95Ms! > 1.5 * baseline.latencyP95Ms!) degradedBy.push('LATENCY_P95');
    if (window.declineRate! - baseline.declineRate! > 0.1) degradedBy.push('DECLINE_RATE');
  }
  return { feature, window, baseline, degraded: degradedBy.length > 0, degradedBy };
}

const PERIOD = 'from to count latencyP50Ms latencyP95Ms latencyP99Ms approveRate declineRate reviewRate challengeRate';
const HEALTH = `feature window { ${PERIOD} } baseline { ${PERIOD} } degraded degradedBy`;
const QUERY = `query($feature: String, $window: HealthWindow, $tenantId: ID, $asOf: DateTime) {
  featureHealth(feature: $feature, window: $window, tenantId: $tenantId, asOf: $asOf) { ${HEALTH} } }`;

const crafted = [F.declining, F.edges, F.slow, F.sparse, F.steady].sort();

describe('featureHealth', () => {
  it('equals the independent computation for every feature of the tenant, over the last hour', async () => {
    const { data, errors } = await graphql(url, QUERY, { asOf: AS_OF.toISOString() }, asKey(tenant.keys.read!));
    expect(errors).toBeUndefined();
    expect(data.featureHealth).toEqual(crafted.map((f) => expectedHealth(f, 1)));
  });

  it('flags a slower p95 and a higher decline rate, and not a steady feature or one with too few decisions', async () => {
    const { data } = await graphql(url, QUERY, { asOf: AS_OF.toISOString() }, asKey(tenant.keys.read!));
    const flags = Object.fromEntries(data.featureHealth.map((h: any) => [h.feature, h.degradedBy]));
    expect(flags).toEqual({ [F.steady]: [], [F.slow]: ['LATENCY_P95'], [F.declining]: ['DECLINE_RATE'], [F.sparse]: [], [F.edges]: [] });
    // The sparse feature would be flagged on its numbers alone: it is the count rule that holds it back.
    const sparse = data.featureHealth.find((h: any) => h.feature === F.sparse);
    expect(sparse.window.count).toBe(19);
    expect(sparse.window.latencyP95Ms).toBeGreaterThan(1.5 * sparse.baseline.latencyP95Ms);
  });

  it('puts each boundary instant on the right side', async () => {
    const { data } = await graphql(url, QUERY, { feature: F.edges, asOf: AS_OF.toISOString() }, asKey(tenant.keys.read!));
    const [edges] = data.featureHealth;
    expect(edges.window).toMatchObject({ count: 1, latencyP50Ms: 2, approveRate: 1 });
    expect(edges.baseline).toMatchObject({ count: 2, latencyP50Ms: 3, latencyP99Ms: 4, reviewRate: 0.5, challengeRate: 0.5, declineRate: 0 });
  });

  it('compares the last day with the 30 days before it', async () => {
    const { data, errors } = await graphql(url, QUERY, { window: 'LAST_DAY', asOf: AS_OF.toISOString() }, asKey(tenant.keys.read!));
    expect(errors).toBeUndefined();
    expect(data.featureHealth).toEqual(crafted.map((f) => expectedHealth(f, 24)));
  });

  it('narrows to one feature, and answers an unknown feature with an empty list', async () => {
    const one = await graphql(url, QUERY, { feature: F.slow, asOf: AS_OF.toISOString() }, asKey(tenant.keys.read!));
    expect(one.data.featureHealth).toEqual([expectedHealth(F.slow, 1)]);
    const unknown = await graphql(url, QUERY, { feature: 'no.such.feature', asOf: AS_OF.toISOString() }, asKey(tenant.keys.read!));
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.featureHealth).toEqual([]);
  });

  it('defaults asOf to the database clock', async () => {
    const { data, errors } = await graphql(url, QUERY, { feature: F.live }, asKey(tenant.keys.read!));
    expect(errors).toBeUndefined();
    const [live] = data.featureHealth;
    const asOf = new Date(live.window.to);
    expect(Math.abs(asOf.getTime() - Date.now())).toBeLessThan(60_000);
    expect(live).toEqual(expectedHealth(F.live, 1, asOf));
    expect(live.window.count).toBe(5);
  });

  it("keeps a tenant to its own decisions; the operator sees them all, or one tenant's", async () => {
    const vars = { feature: F.slow, asOf: AS_OF.toISOString() };
    const other = await graphql(url, QUERY, vars, asKey(creds.keys.readB));
    expect(other.errors).toBeUndefined();
    expect(other.data.featureHealth).toEqual([]);
    const named = await graphql(url, QUERY, { ...vars, tenantId: tenant.id }, asKey(creds.keys.readB));
    expect(named.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const operatorAll = await graphql(url, QUERY, vars);
    expect(operatorAll.data.featureHealth).toEqual([expectedHealth(F.slow, 1)]);
    const operatorOne = await graphql(url, QUERY, { ...vars, tenantId: tenant.id });
    expect(operatorOne.data.featureHealth).toEqual([expectedHealth(F.slow, 1)]);
    const operatorOther = await graphql(url, QUERY, { ...vars, tenantId: creds.tenantB.id });
    expect(operatorOther.data.featureHealth).toEqual([]);
    const malformed = await graphql(url, QUERY, { ...vars, tenantId: 'not-a-uuid' });
    expect(malformed.errors).toBeUndefined();
    expect(malformed.data.featureHealth).toEqual([]);
  });

  it('needs the read scope', async () => {
    const { errors } = await graphql(url, QUERY, { asOf: AS_OF.toISOString() }, asKey(tenant.keys.write!));
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a bad window or asOf with BAD_USER_INPUT, and answers the far past with nothing', async () => {
    const badWindow = await graphql(url, QUERY, { window: 'LAST_WEEK' }, asKey(tenant.keys.read!));
    expect(badWindow.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badAsOf = await graphql(url, QUERY, { asOf: '2026-02-30T00:00:00Z' }, asKey(tenant.keys.read!));
    expect(badAsOf.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const farPast = await graphql(url, QUERY, { asOf: '0001-01-01T00:00:00Z' }, asKey(tenant.keys.read!));
    expect(farPast.errors).toBeUndefined();
    expect(farPast.data.featureHealth).toEqual([]);
    const farFuture = await graphql(url, QUERY, { asOf: '9999-12-31T23:59:59.999Z' }, asKey(tenant.keys.read!));
    expect(farFuture.errors).toBeUndefined();
    expect(farFuture.data.featureHealth).toEqual([]);
  });

  it('answers in one statement of the decisions subgraph', async () => {
    const before = system.subgraphs.decisions.db.statementCount();
    const { errors } = await graphql(url, QUERY, { window: 'LAST_DAY', asOf: AS_OF.toISOString() });
    expect(errors).toBeUndefined();
    expect(system.subgraphs.decisions.db.statementCount() - before).toBe(1);
  });
});
