/**
 * The report fields through the gateway, on the seeded data set: the
 * grouped tenant and package version resolve as entities of their own
 * subgraphs, a tenant's key reports on its own tenant only, the operator
 * across tenants (each tenant whose rows it saw is told), and a whole
 * dashboard query fits the operation limits. Counts are checked with SQL
 * written separately here.
 */
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
const creds = testCredentials();
const asKey = (key: string) => ({ 'x-api-key': key });
// Inside the seeded data and before October: other test files write their own decisions around the DST changes (Lord Howe's on 2026-10-04).
const window = { from: '2026-08-01T00:00:00Z', to: '2026-09-30T00:00:00Z' };

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
});
afterAll(() => system.close());

const DASHBOARD = `query($from: DateTime!, $to: DateTime!, $filter: DecisionFilter, $groupBy: [DecisionDimension!], $bucket: TimeBucket, $tz: String) {
  decisionStats(from: $from, to: $to, filter: $filter, groupBy: $groupBy, bucket: $bucket, timezone: $tz, compareTo: PREVIOUS_PERIOD) {
    rows {
      bucketStart bucketEnd partial feature outcome subjectType
      tenant { id slug } packageVersion { id version package { slug } }
      count outcomes { outcome count rate }
      confidence { mean min max histogram { lower upper count } }
      latencyMs { mean p50 p90 p95 p99 max }
      previous { count latencyMs { p95 } }
    }
    totals { count outcomes { outcome count rate } latencyMs { p50 p95 } }
    previous { count }
    previousFrom previousTo
  }
}`;

describe('decisionStats through the gateway', () => {
  it('resolves the grouped tenant and package version from their own subgraphs, counts as SQL counts them', async () => {
    const r = await graphql(url, DASHBOARD, { ...window, groupBy: ['TENANT', 'PACKAGE_VERSION'] });
    expect(r.errors).toBeUndefined();
    const expected = await sql(
      `SELECT d.tenant_id, t.slug, d.package_version_id, pv.version, p.slug AS package, count(*)::int AS n
         FROM decisions d JOIN tenants t ON t.id = d.tenant_id JOIN package_versions pv ON pv.id = d.package_version_id JOIN packages p ON p.id = pv.package_id
        WHERE d.created_at >= $1 AND d.created_at < $2 GROUP BY 1, 2, 3, 4, 5`,
      [window.from, window.to],
    );
    const got = r.data.decisionStats.rows.map((row: any) => ({
      tenant_id: row.tenant.id,
      slug: row.tenant.slug,
      package_version_id: row.packageVersion.id,
      version: row.packageVersion.version,
      package: row.packageVersion.package.slug,
      n: row.count,
    }));
    const order = (a: any, b: any) => (a.tenant_id + a.package_version_id < b.tenant_id + b.package_version_id ? -1 : 1);
    expect(got.sort(order)).toEqual(expected.sort(order));
    expect(r.data.decisionStats.totals.count).toBe(expected.reduce((s, e) => s + e.n, 0));
  });

  it("a tenant's key reports on its own tenant; naming another tenant is FORBIDDEN", async () => {
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3`, [creds.tenantA.id, window.from, window.to]);
    const own = await graphql(url, DASHBOARD, { ...window, groupBy: ['TENANT'] }, asKey(creds.keys.readA));
    expect(own.errors).toBeUndefined();
    expect(own.data.decisionStats.rows.map((r: any) => [r.tenant.id, r.count])).toEqual([[creds.tenantA.id, n]]);
    const other = await graphql(url, DASHBOARD, { ...window, filter: { tenantId: creds.tenantB.id } }, asKey(creds.keys.readA));
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(other.data?.decisionStats ?? null).toBeNull();
  });

  it("the operator's report across tenants is recorded on each tenant's chain it read", async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asKey(creds.keys.operator) },
      body: JSON.stringify({ query: '{ decisionStats(from: "2026-08-01T00:00:00Z", to: "2026-11-02T00:00:00Z", groupBy: [TENANT]) { rows { tenant { id } count } } }' }),
    });
    const body = (await res.json()) as any;
    const requestId = res.headers.get('x-request-id')!;
    const tenants = body.data.decisionStats.rows.map((r: any) => r.tenant.id).sort();
    expect(tenants.length).toBeGreaterThan(1);
    const noted = await sql(`SELECT DISTINCT tenant_id FROM audit_events WHERE request_id = $1 AND action = 'operator.read' ORDER BY 1`, [requestId]);
    expect(noted.map((r) => r.tenant_id)).toEqual(tenants);
  });

  it('a whole daily dashboard fits the operation limits; an unknown zone is a clear refusal', async () => {
    const daily = await graphql(url, DASHBOARD, { from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z', bucket: 'DAY', tz: 'Europe/London', groupBy: ['OUTCOME'] }, asKey(creds.keys.readA));
    expect(daily.errors).toBeUndefined();
    expect(daily.data.decisionStats.rows.length).toBe(31 * new Set(daily.data.decisionStats.rows.map((r: any) => r.outcome)).size);
    const bad = await graphql(url, DASHBOARD, { ...window, tz: 'Europe/Atlantis' }, asKey(creds.keys.readA));
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'timezone' });
  });
});

describe('auditStats through the gateway', () => {
  it("counts a tenant's own calls, resolves the grouped tenant, and refuses another tenant", async () => {
    const q = `query($from: DateTime!, $to: DateTime!, $filter: AuditStatsFilter) { auditStats(from: $from, to: $to, groupBy: [TENANT, SURFACE], filter: $filter) {
      rows { tenant { id slug } surface requests errors errorRate latencyMs { p50 p99 } } totals { requests errors } } }`;
    const to = new Date(Date.now() - 60_000).toISOString();
    const r = await graphql(url, q, { from: '2020-01-01T00:00:00Z', to }, asKey(creds.keys.readA));
    expect(r.errors).toBeUndefined();
    const expected = await sql(
      `SELECT surface::text, count(*)::int AS requests, count(*) FILTER (WHERE status !~ '^2[0-9]{2}$')::int AS errors
         FROM audit_events WHERE tenant_id = $1 AND action = 'request' AND created_at >= '2020-01-01' AND created_at < $2 GROUP BY 1 ORDER BY 1`,
      [creds.tenantA.id, to],
    );
    expect(r.data.auditStats.rows.map((row: any) => ({ surface: row.surface, requests: row.requests, errors: row.errors }))).toEqual(expected);
    expect(r.data.auditStats.rows.every((row: any) => row.tenant.id === creds.tenantA.id && row.tenant.slug === creds.tenantA.slug)).toBe(true);
    const other = await graphql(url, q, { from: '2020-01-01T00:00:00Z', to, filter: { tenantId: creds.tenantB.id } }, asKey(creds.keys.readA));
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

