/**
 * Tenant.usage: decisions counted in the decisions subgraph against the
 * quota the tenants subgraph owns, joined by federation's @requires (never
 * by the decisions subgraph reading the tenants table), exact at the month
 * boundaries, one statement for every tenant at once, and visible only to
 * the tenant itself and the platform operator.
 */
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { insertDecisions, type DecisionRow } from './helpers/decision-rows';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { ENTITIES, signedCallerHeader } from './helpers/subgraph';
import { graphql, postGraphQL, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let tenant: ScratchTenant;
let overQuota: ScratchTenant;
let zeroQuota: ScratchTenant;
/** The database clock when the rows were written, and the UTC months around it. */
let now: Date;
let currentStart: Date;
let previousStart: Date;
let nextStart: Date;
const creds = testCredentials();
const asKey = (key: string) => ({ 'x-api-key': key });
const HOUR = 3_600_000;

const utcMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 1));
const row = (createdAt: Date): DecisionRow => ({ feature: 'usage.test', outcome: 'APPROVE', latencyMs: 10, createdAt });

/** SQL statements the decisions subgraph sends while `work` runs, by text. */
async function decisionsStatementsDuring(work: () => Promise<void>): Promise<string[]> {
  const texts: string[] = [];
  let listening = true;
  // The subgraph's client is made with query events on (lib/database.ts); its type does not say so.
  const prisma = system.subgraphs.decisions.db.prisma as unknown as { $on(event: 'query', listener: (e: { query: string }) => void): void };
  prisma.$on('query', (e) => {
    if (listening) texts.push(e.query);
  });
  try {
    await work();
  } finally {
    listening = false;
  }
  return texts;
}

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  [tenant, overQuota, zeroQuota] = await Promise.all([
    createScratchTenant({ features: [], scopeSets: [['read']] }),
    createScratchTenant({ features: [], scopeSets: [['read']] }),
    createScratchTenant({ features: [], scopeSets: [['read']] }),
  ]);
  [{ now }] = await sql<{ now: Date }>('SELECT now() AS now');
  currentStart = utcMonth(now.getUTCFullYear(), now.getUTCMonth());
  previousStart = utcMonth(now.getUTCFullYear(), now.getUTCMonth() - 1);
  nextStart = utcMonth(now.getUTCFullYear(), now.getUTCMonth() + 1);
  await sql('UPDATE tenants SET monthly_decision_quota = $2 WHERE id = $1', [tenant.id, 40]);
  await sql('UPDATE tenants SET monthly_decision_quota = $2 WHERE id = $1', [overQuota.id, 3]);
  await sql('UPDATE tenants SET monthly_decision_quota = $2 WHERE id = $1', [zeroQuota.id, 0]);
  const previousLastMs = new Date(currentStart.getTime() - 1); // 23:59:59.999 on the previous month's last day
  // (The month before the previous one lies among the seeded decisions; usage-store.test.ts checks that edge.)
  await insertDecisions(tenant.id, [
    row(previousStart), // first instant of the previous month
    row(new Date(previousStart.getTime() + 10 * 24 * HOUR)),
    row(previousLastMs),
    row(currentStart), // 00:00:00.000 of the current month
    ...Array.from({ length: 6 }, (_, i) => row(new Date(currentStart.getTime() + ((now.getTime() - currentStart.getTime()) * (i + 1)) / 8))),
  ]);
  await insertDecisions(overQuota.id, [0, 1, 2, 3].map((i) => row(new Date(currentStart.getTime() + i))));
  await insertDecisions(zeroQuota.id, [row(currentStart)]);
});
afterAll(() => system.close());

/** The figures the graph must give, computed here from the rows and the quota, not by the code under test. */
function expected(createdAts: Date[], start: Date, end: Date, quota: number, asOf: Date) {
  const used = createdAts.filter((t) => t >= start && t < end).length;
  const elapsed = Math.min(asOf.getTime(), end.getTime()) - start.getTime();
  const projected = asOf >= end ? used : elapsed < HOUR ? null : Math.floor((used * (end.getTime() - start.getTime())) / elapsed);
  return {
    periodStart: start.toISOString(),
    periodEnd: end.toISOString(),
    used,
    quota,
    remaining: Math.max(0, quota - used),
    percentUsed: quota === 0 ? (used === 0 ? 0 : null) : (used * 100) / quota,
    projectedAtPeriodEnd: projected,
    projectedOverQuota: projected === null ? null : projected > quota,
  };
}

const FIELDS = 'period periodStart periodEnd asOf used quota remaining percentUsed projectedAtPeriodEnd projectedOverQuota';

async function rowsOf(tenantId: string): Promise<Date[]> {
  return (await sql<{ created_at: Date }>('SELECT created_at FROM decisions WHERE tenant_id = $1', [tenantId])).map((r) => r.created_at);
}

describe('Tenant.usage', () => {
  it('counts the current and the previous UTC month exactly, to the millisecond at the boundary', async () => {
    const { data, errors } = await graphql(
      url,
      `query($id: ID!) { tenant(id: $id) { current: usage { ${FIELDS} } previous: usage(period: PREVIOUS_MONTH) { ${FIELDS} } } }`,
      { id: tenant.id },
      asKey(tenant.keys.read!),
    );
    expect(errors).toBeUndefined();
    const { current, previous } = data.tenant;
    const rows = await rowsOf(tenant.id);
    const asOf = new Date(current.asOf);
    expect(Math.abs(asOf.getTime() - Date.now())).toBeLessThan(60_000);
    expect(current).toEqual({ period: 'CURRENT_MONTH', asOf: current.asOf, ...expected(rows, currentStart, nextStart, 40, asOf) });
    expect(previous).toEqual({ period: 'PREVIOUS_MONTH', asOf: previous.asOf, ...expected(rows, previousStart, currentStart, 40, new Date(previous.asOf)) });
    // The rows were placed so: 00:00:00.000 of this month and six more are this month's; 23:59:59.999 of the last day is the previous month's.
    expect(current.used).toBe(7);
    expect(previous.used).toBe(3);
    expect(previous.projectedAtPeriodEnd).toBe(3);
  });

  it('reports a quota exceeded and a quota of zero without inventing a percentage', async () => {
    const query = `query($id: ID!) { tenant(id: $id) { usage { ${FIELDS} } } }`;
    const over = await graphql(url, query, { id: overQuota.id });
    expect(over.errors).toBeUndefined();
    expect(over.data.tenant.usage).toMatchObject({ used: 4, quota: 3, remaining: 0, percentUsed: (4 * 100) / 3 });
    expect(over.data.tenant.usage).toEqual({ period: 'CURRENT_MONTH', asOf: over.data.tenant.usage.asOf, ...expected(await rowsOf(overQuota.id), currentStart, nextStart, 3, new Date(over.data.tenant.usage.asOf)) });
    const zero = await graphql(url, `query($id: ID!) { tenant(id: $id) { current: usage { used quota remaining percentUsed } previous: usage(period: PREVIOUS_MONTH) { used percentUsed } } }`, { id: zeroQuota.id });
    expect(zero.errors).toBeUndefined();
    expect(zero.data.tenant).toEqual({ current: { used: 1, quota: 0, remaining: 0, percentUsed: null }, previous: { used: 0, percentUsed: 0 } });
  });

  it("takes the quota from the tenants service through @requires: changing it there changes usage, and the decisions subgraph never reads the tenants table", async () => {
    await sql('UPDATE tenants SET monthly_decision_quota = 80 WHERE id = $1', [tenant.id]);
    try {
      let answer: any;
      const statements = await decisionsStatementsDuring(async () => {
        answer = await graphql(url, 'query($id: ID!) { tenant(id: $id) { usage { quota used percentUsed } } }', { id: tenant.id });
      });
      expect(answer.errors).toBeUndefined();
      expect(answer.data.tenant.usage).toEqual({ quota: 80, used: 7, percentUsed: (7 * 100) / 80 });
      expect(statements).toHaveLength(1);
      expect(statements.join('\n')).not.toMatch(/\btenants\b/i);
      expect(statements[0]).toMatch(/FROM decisions/);
    } finally {
      await sql('UPDATE tenants SET monthly_decision_quota = 40 WHERE id = $1', [tenant.id]);
    }
  });

  it('answers every tenant in one statement, each equal to a count of its own rows', async () => {
    let answer: any;
    const statements = await decisionsStatementsDuring(async () => {
      answer = await graphql(url, '{ tenants { id limits { monthlyDecisionQuota } usage { used quota periodStart } previous: usage(period: PREVIOUS_MONTH) { used } } }');
    });
    expect(answer.errors).toBeUndefined();
    // One statement per period asked for, whatever the number of tenants.
    expect(statements).toHaveLength(2);
    const tenants = answer.data.tenants as any[];
    expect(tenants.length).toBeGreaterThan(3);
    const all = await sql<{ tenant_id: string; created_at: Date }>('SELECT tenant_id, created_at FROM decisions WHERE created_at >= $1', [previousStart]);
    for (const t of tenants) {
      const mine = all.filter((r) => r.tenant_id === t.id).map((r) => r.created_at);
      expect(t.usage.used).toBe(mine.filter((at) => at >= currentStart && at < nextStart).length);
      expect(t.previous.used).toBe(mine.filter((at) => at >= previousStart && at < currentStart).length);
      expect(t.usage.quota).toBe(t.limits.monthlyDecisionQuota);
      expect(t.usage.periodStart).toBe(currentStart.toISOString());
    }
  });

  it("gives a tenant its own usage only: another tenant is null however it is asked", async () => {
    const viaGateway = await graphql(url, 'query($id: ID!) { tenant(id: $id) { usage { used } } }', { id: tenant.id }, asKey(creds.keys.readB));
    expect(viaGateway.errors).toBeUndefined();
    expect(viaGateway.data.tenant).toBeNull();
    // Straight at the subgraph, with the quota supplied as the gateway would: still nothing for another tenant.
    const representations = [
      { __typename: 'Tenant', id: tenant.id, limits: { monthlyDecisionQuota: 40 } },
      { __typename: 'Tenant', id: creds.tenantB.id, limits: { monthlyDecisionQuota: 40 } },
      { __typename: 'Tenant', id: 'not-a-uuid', limits: { monthlyDecisionQuota: 40 } },
    ];
    const direct = await postGraphQL(
      system.subgraphs.decisions.url,
      ENTITIES.replace('...F', '... on Tenant { id usage { used } }'),
      { representations },
      signedCallerHeader('decisions', { tenantId: creds.tenantB.id, scopes: new Set(['read']) }),
    );
    expect(direct.errors).toBeUndefined();
    expect(direct.data._entities.map((e: any) => e.usage)).toEqual([null, { used: expect.any(Number) }, null]);
  });

  it('refuses a representation without the required quota rather than guess one', async () => {
    const direct = await postGraphQL(
      system.subgraphs.decisions.url,
      ENTITIES.replace('...F', '... on Tenant { usage { used } }'),
      { representations: [{ __typename: 'Tenant', id: tenant.id }] },
      signedCallerHeader('decisions'),
    );
    expect(direct.data?._entities[0]?.usage ?? null).toBeNull();
    expect(direct.errors?.[0]?.path).toEqual(['_entities', 0, 'usage']);
  });

  it('refuses an unknown period with BAD_USER_INPUT', async () => {
    const { errors } = await graphql(url, 'query($id: ID!) { tenant(id: $id) { usage(period: LAST_YEAR) { used } } }', { id: tenant.id });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("records the operator's read of a tenant's usage on that tenant's chain", async () => {
    const res = await graphql(url, 'query($id: ID!) { tenant(id: $id) { usage { used } } }', { id: overQuota.id });
    expect(res.errors).toBeUndefined();
    const requestId = res.headers.get('x-request-id');
    const events = await sql(`SELECT 1 FROM audit_events WHERE tenant_id = $1 AND action = 'operator.read' AND request_id = $2`, [overQuota.id, requestId]);
    expect(events).toHaveLength(1);
  });
});
