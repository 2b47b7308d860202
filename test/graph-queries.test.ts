import type { RunningSystem } from '../system/start-system';
import { SEED } from './helpers/seed-constants';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
});
afterAll(() => system.close());

const DECISION_FIELDS = `
  id feature outcome confidence reasons latencyMs requestId createdAt subject { type reference } inputHash policyHash
  tenant { id slug name plan status limits { monthlyDecisionQuota rateLimitPerMinute } }
  packageVersion { id version conformanceScore package { slug riskTier } }
  lineage { requestId originatingRequest { action surface operationName status } events { action requestId resource { type id } } }
`;

describe('a decision, read through the federated graph', () => {
  it('joins its tenant, package version, package and lineage from the other three subgraphs', async () => {
    const [row] = await sql(
      `SELECT d.id, d.request_id, d.feature_key, t.slug, pv.version, p.slug AS package
         FROM decisions d JOIN tenants t ON t.id = d.tenant_id
         JOIN package_versions pv ON pv.id = d.package_version_id JOIN packages p ON p.id = pv.package_id
        ORDER BY d.created_at DESC LIMIT 1`,
    );
    const { data, errors } = await graphql(url, `query($id: ID!) { decision(id: $id) { ${DECISION_FIELDS} } }`, { id: row.id });
    expect(errors).toBeUndefined();
    const d = data.decision;
    expect(d).toMatchObject({ id: row.id, requestId: row.request_id, feature: row.feature_key });
    expect(d.tenant.slug).toBe(row.slug);
    expect(d.packageVersion).toMatchObject({ version: row.version, package: { slug: row.package } });
    expect(d.confidence).toBeGreaterThanOrEqual(0);
    expect(d.confidence).toBeLessThanOrEqual(1);
    expect(new Date(d.createdAt).toISOString()).toBe(d.createdAt);
    expect(d.lineage.requestId).toBe(row.request_id);
    expect(d.lineage.originatingRequest).toMatchObject({ action: 'request' });
    expect(d.lineage.events.map((e: any) => e.action).sort()).toEqual(['decision.created', 'request']);
    expect(d.lineage.events.every((e: any) => e.requestId === row.request_id)).toBe(true);
    expect(d.lineage.events.find((e: any) => e.action === 'decision.created').resource).toEqual({ type: 'decision', id: row.id });
  });

  it('answers null, not an error, for an unknown or malformed id', async () => {
    const { data, errors } = await graphql(
      url,
      `{ a: decision(id: "00000000-0000-4000-8000-000000000000") { id } b: decision(id: "not-an-id") { id }
         c: tenant(id: "nope") { id } d: tenant(slug: "no-such-tenant") { id } e: package(slug: "nope") { id }
         f: packageVersion(id: "00000000-0000-4000-8000-000000000000") { id } g: lineage(decisionId: "nope") { requestId } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ a: null, b: null, c: null, d: null, e: null, f: null, g: null });
  });

  it('traces a decision back to its request through lineage(decisionId)', async () => {
    const [row] = await sql(`SELECT id, request_id FROM decisions ORDER BY id LIMIT 1`);
    const { data, errors } = await graphql(
      url,
      `query($id: ID!) { lineage(decisionId: $id) { decisionId requestId decision { id outcome } events { action createdAt } } }`,
      { id: row.id },
    );
    expect(errors).toBeUndefined();
    expect(data.lineage).toMatchObject({ decisionId: row.id, requestId: row.request_id, decision: { id: row.id } });
    const times = data.lineage.events.map((e: any) => e.createdAt);
    expect([...times].sort()).toEqual(times);
  });
});

describe('tenants', () => {
  it('are found by id or slug and list their installations and decisions', async () => {
    const [t] = await sql(`SELECT id, slug FROM tenants ORDER BY slug LIMIT 1`);
    const [{ count }] = await sql(`SELECT count(*)::int AS count FROM decisions WHERE tenant_id = $1`, [t.id]);
    const [{ installs }] = await sql(`SELECT count(*)::int AS installs FROM installations WHERE tenant_id = $1`, [t.id]);
    const { data, errors } = await graphql(
      url,
      `query($id: ID!, $slug: String!) {
         byId: tenant(id: $id) { slug }
         bySlug: tenant(slug: $slug) { id installations { installedAt tenant { slug } packageVersion { version package { slug status } } }
           decisions(first: 3) { totalCount edges { node { tenant { id } } } } } }`,
      { id: t.id, slug: t.slug },
    );
    expect(errors).toBeUndefined();
    expect(data.byId.slug).toBe(t.slug);
    expect(data.bySlug.id).toBe(t.id);
    expect(data.bySlug.installations).toHaveLength(installs);
    expect(data.bySlug.installations.every((i: any) => i.tenant.slug === t.slug && i.packageVersion.package.status !== 'DRAFT')).toBe(true);
    const slugs = data.bySlug.installations.map((i: any) => i.packageVersion.package.slug);
    expect(slugs).toEqual([...slugs].sort());
    expect(data.bySlug.decisions.totalCount).toBe(count);
    expect(data.bySlug.decisions.edges.every((e: any) => e.node.tenant.id === t.id)).toBe(true);
  });

  it('refuse a lookup with both or neither of id and slug', async () => {
    for (const args of ['', '(id: "x", slug: "y")']) {
      const { errors } = await graphql(url, `{ tenant${args} { id } }`);
      expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('filter by plan and status, ordered by slug', async () => {
    const rows = await sql(`SELECT slug FROM tenants WHERE plan = 'ENTERPRISE' ORDER BY slug`);
    const { data } = await graphql(url, `{ tenants(filter: { plan: ENTERPRISE }) { slug plan } all: tenants { slug } }`);
    expect(data.tenants.map((t: any) => t.slug)).toEqual(rows.map((r) => r.slug));
    expect(rows.length).toBeGreaterThan(0);
    expect(data.all.length).toBeGreaterThan(rows.length);
  });
});

describe('packages', () => {
  it('show versions newest first, their features and policies, and filter the catalogue', async () => {
    const [p] = await sql(`SELECT slug FROM packages WHERE status = 'PUBLISHED' ORDER BY slug LIMIT 1`);
    const { data, errors } = await graphql(
      url,
      `query($slug: String!) {
         package(slug: $slug) { slug latestVersion { id } versions { id version publishedAt package { slug }
           features { key outcomes policy policyHash packageVersion { id } } } }
         published: packages(filter: { status: PUBLISHED }) { status }
         search: packages(filter: { search: "KYC" }) { slug name }
         byFeature: packages(filter: { featureKey: "fraud.velocity" }) { slug } }`,
      { slug: p.slug },
    );
    expect(errors).toBeUndefined();
    const pkg = data.package;
    const dates = pkg.versions.map((v: any) => v.publishedAt);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(pkg.latestVersion.id).toBe(pkg.versions[0].id);
    for (const v of pkg.versions) {
      expect(v.package.slug).toBe(p.slug);
      for (const f of v.features) {
        expect(f.packageVersion.id).toBe(v.id);
        expect(f.policy.rules.length).toBeGreaterThan(0);
        expect(f.policyHash).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    expect(data.published.every((x: any) => x.status === 'PUBLISHED')).toBe(true);
    expect(data.search.every((x: any) => /kyc/i.test(x.slug + x.name))).toBe(true);
    expect(data.search.length).toBeGreaterThan(0);
    const [{ n }] = await sql(
      `SELECT count(DISTINCT pv.package_id)::int AS n FROM features f JOIN package_versions pv ON pv.id = f.package_version_id WHERE f.key = 'fraud.velocity'`,
    );
    expect(data.byFeature).toHaveLength(n);
  });
});

describe('audit events', () => {
  it('page newest first and filter by request, action and resource', async () => {
    const [d] = await sql(`SELECT id, request_id FROM decisions ORDER BY created_at LIMIT 1`);
    // Other test files running at the same time insert backdated rows (report windows in the past):
    // the graph's count and the SQL count are taken again until no such insert fell between them.
    let data: any;
    let errors: unknown;
    let total = -1;
    let rest = -1;
    for (let attempt = 0; attempt < 5; attempt++) {
      ({ data, errors } = await graphql(
        url,
        `query($req: String!, $id: String!, $seeded: DateTime!) {
           recent: auditEvents(first: 5, filter: { createdBefore: $seeded }) { totalCount edges { node { createdAt } } pageInfo { hasNextPage } }
           ofRequest: auditEvents(filter: { requestId: $req }) { totalCount edges { node { requestId tenant { slug } } } }
           created: auditEvents(filter: { action: "decision.created", resourceType: "decision", resourceId: $id }) { totalCount }
           rest: auditEvents(first: 0, filter: { surface: REST, createdBefore: $seeded }) { totalCount edges { cursor } } }`,
        // Every test request appends audit events: count only the seeded ones, which no test changes.
        { req: d.request_id, id: d.id, seeded: SEED.now.toISOString() },
      ));
      expect(errors).toBeUndefined();
      [{ total }] = await sql(`SELECT count(*)::int AS total FROM audit_events WHERE created_at < $1`, [SEED.now]);
      [{ rest }] = await sql(`SELECT count(*)::int AS rest FROM audit_events WHERE surface = 'REST' AND created_at < $1`, [SEED.now]);
      if (data?.recent?.totalCount === total && data?.rest?.totalCount === rest) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(data.recent.totalCount).toBe(total);
    const times = data.recent.edges.map((e: any) => e.node.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(data.ofRequest.totalCount).toBe(2);
    expect(data.ofRequest.edges.every((e: any) => e.node.requestId === d.request_id && e.node.tenant.slug)).toBe(true);
    expect(data.created.totalCount).toBe(1);
    expect(data.rest).toEqual({ totalCount: rest, edges: [] });
  });
});

describe('request ids', () => {
  it("are the server's own; a well-formed client id comes back as the correlation id, a malformed one is dropped", async () => {
    const good = await graphql(url, '{ tenants { slug } }', undefined, { 'x-request-id': 'client-trace-0001' });
    expect(good.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(good.headers.get('x-correlation-id')).toBe('client-trace-0001');
    const bad = await graphql(url, '{ tenants { slug } }', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(bad.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(bad.headers.get('x-correlation-id')).toBeNull();
  });

  it('are carried in every GraphQL error', async () => {
    const res = await graphql(url, '{ decisions(first: -1) { totalCount } }', undefined, { 'x-request-id': 'client-trace-0002' });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: res.headers.get('x-request-id') });
  });
});
