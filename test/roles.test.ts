/**
 * Two roles, tried as a hostile tenant would: a tenant's admin manages its
 * own tenant and nothing else; only the platform operator (a CLI-made key
 * with no tenant) reads across tenants, and every such read is recorded on
 * the chain of the tenant whose rows it saw.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, postGraphQL, sql, startTestSystem, testDatabaseUrl } from './helpers/system';

let system: RunningSystem;
let url: string;
let base: string;
let watched: ScratchTenant;
const creds = testCredentials();
const asKey = (key: string) => ({ 'x-api-key': key });

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  base = url.replace(/\/graphql$/, '');
  watched = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read'], ['read', 'write']] });
  const made = await fetch(`${base}/v1/decisions`, {
    method: 'POST',
    headers: { 'x-api-key': watched.keys['read,write']!, 'content-type': 'application/json' },
    body: JSON.stringify({ feature: 'kyc.adaptive', subject: { type: 'person', reference: 'cus_roles_1' }, attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 } }),
  });
  expect(made.status).toBe(201);
});
afterAll(() => system.close());

const operatorReads = (tenantId: string, requestId: string) =>
  sql(`SELECT actor, surface, scope, operation_name, status FROM audit_events WHERE tenant_id = $1 AND action = 'operator.read' AND request_id = $2`, [tenantId, requestId]);

describe("a tenant's admin", () => {
  it('sees its own tenant only, however it asks for another', async () => {
    const { data, errors } = await graphql(
      url,
      `query($b: ID!, $slug: String!) { tenants { id } byId: tenant(id: $b) { id } bySlug: tenant(slug: $slug) { id } }`,
      { b: creds.tenantB.id, slug: creds.tenantB.slug },
      asKey(creds.keys.admin),
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ tenants: [{ id: creds.tenantA.id }], byId: null, bySlug: null });
  });

  it("reads its own audit trail, never another tenant's or the platform's", async () => {
    const own = await graphql(url, '{ auditEvents(first: 100) { edges { node { tenant { id } } } } }', undefined, asKey(creds.keys.admin));
    expect(own.errors).toBeUndefined();
    expect(new Set(own.data.auditEvents.edges.map((e: any) => e.node.tenant?.id ?? null))).toEqual(new Set([creds.tenantA.id]));
    const other = await graphql(url, 'query($t: ID) { auditEvents(first: 1, filter: { tenantId: $t }) { totalCount } }', { t: creds.tenantB.id }, asKey(creds.keys.admin));
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(other.data?.auditEvents ?? null).toBeNull();
  });

  it("verifies its own chain, never another tenant's", async () => {
    const verify = 'query($t: ID) { verifyAuditChain(tenantId: $t) { tenantId ok } }';
    const own = await graphql(url, verify, { t: creds.tenantA.id }, asKey(creds.keys.admin));
    expect(own.data.verifyAuditChain).toMatchObject({ tenantId: creds.tenantA.id, ok: true });
    for (const t of [creds.tenantB.id, null]) {
      const refused = await graphql(url, verify, { t }, asKey(creds.keys.admin));
      expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  it("cannot list another tenant's decisions over REST, and gets its own", async () => {
    const other = await fetch(`${base}/v1/decisions?tenant_id=${creds.tenantB.id}`, { headers: asKey(creds.keys.admin) });
    expect(other.status).toBe(403);
    expect(((await other.json()) as any).error.code).toBe('FORBIDDEN');
    const own = await fetch(`${base}/v1/decisions?limit=5`, { headers: asKey(creds.keys.admin) });
    expect(own.status).toBe(200);
    expect(((await own.json()) as any).data.every((d: any) => d.tenant_id === creds.tenantA.id)).toBe(true);
  });

  it('cannot make itself an operator: no key without a tenant through the graph', async () => {
    const before = await sql('SELECT count(*)::int AS n FROM api_keys WHERE tenant_id IS NULL');
    const res = await graphql(url, 'mutation { createApiKey(input: { name: "root", scopes: [ADMIN] }) { key } }', undefined, asKey(creds.keys.admin));
    expect(res.errors?.[0].extensions?.code).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
    expect(await sql('SELECT count(*)::int AS n FROM api_keys WHERE tenant_id IS NULL')).toEqual(before);
  });
});

describe('the platform operator', () => {
  it("reads across tenants, and each tenant whose rows it saw finds the read on its own chain, with the operator as actor", async () => {
    const res = await graphql(url, `query Oversight($t: ID) { decisions(first: 3, filter: { tenantId: $t }) { edges { node { id tenant { id } } } } }`, { t: watched.id }, {
      ...asKey(creds.keys.operator),
    });
    expect(res.errors).toBeUndefined();
    const requestId = res.headers.get('x-request-id')!;
    const [operatorKey] = await sql("SELECT id FROM api_keys WHERE tenant_id IS NULL AND name = 'test operator'");
    expect(await operatorReads(watched.id, requestId)).toEqual([
      { actor: `key:${operatorKey.id}`, surface: 'GRAPHQL', scope: 'read', operation_name: 'Oversight', status: '200' },
    ]);
    // Nobody else's chain is told of a read that never touched it.
    expect(await sql(`SELECT DISTINCT tenant_id FROM audit_events WHERE request_id = $1 AND action = 'operator.read'`, [requestId])).toEqual([{ tenant_id: watched.id }]);
    // The tenant sees it with its own read key, and its chain still verifies.
    const seen = await graphql(
      url,
      `query($r: String, $t: ID) { auditEvents(first: 5, filter: { requestId: $r }) { edges { node { action actor } } } verifyAuditChain(tenantId: $t) { ok } }`,
      { r: requestId, t: watched.id },
      asKey(watched.keys.read!),
    );
    expect(seen.errors).toBeUndefined();
    expect(seen.data.auditEvents.edges.map((e: any) => e.node)).toEqual([{ action: 'operator.read', actor: `key:${operatorKey.id}` }]);
    expect(seen.data.verifyAuditChain.ok).toBe(true);
  });

  it('is recorded on the tenant it asks about, even when it finds nothing there', async () => {
    const res = await graphql(url, `query($t: ID) { auditEvents(first: 1, filter: { tenantId: $t, action: "no.such.action" }) { totalCount } }`, { t: watched.id }, asKey(creds.keys.operator));
    expect(res.data.auditEvents.totalCount).toBe(0);
    expect(await operatorReads(watched.id, res.headers.get('x-request-id')!)).toHaveLength(1);
  });

  it('is recorded on each tenant it lists, and over REST too', async () => {
    const list = await graphql(url, '{ tenants { id slug } }', undefined, asKey(creds.keys.operator));
    const requestId = list.headers.get('x-request-id')!;
    const told = await sql(`SELECT tenant_id FROM audit_events WHERE request_id = $1 AND action = 'operator.read'`, [requestId]);
    expect(new Set(told.map((r) => r.tenant_id))).toEqual(new Set(list.data.tenants.map((t: any) => t.id)));

    const rest = await fetch(`${base}/v1/decisions?limit=2&tenant_id=${watched.id}`, { headers: asKey(creds.keys.operator) });
    expect(rest.status).toBe(200);
    expect(await operatorReads(watched.id, rest.headers.get('x-request-id')!)).toEqual([
      expect.objectContaining({ surface: 'REST', operation_name: 'GET /v1/decisions', status: '200' }),
    ]);
  });

  it('writes nothing: its key holds no write scope', async () => {
    const res = await graphql(
      url,
      'mutation($input: CreateDecisionInput!) { createDecision(input: $input) { id } }',
      { input: { feature: 'kyc.adaptive', subject: { type: 'person', reference: 'op' }, attributes: {} } },
      asKey(creds.keys.operator),
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'write' });
  });

  it('is made only by the CLI, which refuses it the write scope', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), 'scripts/keys.ts', ...args], { env: { ...process.env, DATABASE_URL: testDatabaseUrl() } });
    const created = await run('create-operator', '--name', 'roles test operator');
    const key = created.stdout.match(/mai_test_[0-9a-z]{12}_[0-9A-Za-z]{40}/)![0];
    const id = created.stdout.split(/\s+/)[0];
    expect(await sql('SELECT tenant_id, scopes FROM api_keys WHERE id = $1', [id])).toEqual([{ tenant_id: null, scopes: ['read', 'admin'] }]);
    expect((await graphql(url, '{ tenants { id } }', undefined, asKey(key))).data.tenants.length).toBeGreaterThan(2);
    expect((await run('list')).stdout).toMatch(new RegExp(`${id}\\s+OPERATOR`));
    await expect(run('create-operator', '--name', 'writer', '--scopes', 'read,write')).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});

describe('DRAFT packages', () => {
  const PACKAGES = `{ packages { slug status } draft: package(slug: "income-verification") { slug status versions { version } } }`;

  it('are invisible to every tenant credential, even an admin', async () => {
    for (const key of [creds.keys.readA, creds.keys.admin, creds.keys.readB]) {
      const { data, errors } = await graphql(url, PACKAGES, undefined, asKey(key));
      expect(errors).toBeUndefined();
      expect(data.packages.some((p: any) => p.status === 'DRAFT')).toBe(false);
      expect(data.draft).toBeNull();
    }
    const asFilter = await graphql(url, '{ packages(filter: { status: DRAFT }) { slug } }', undefined, asKey(creds.keys.admin));
    expect(asFilter.data?.packages ?? []).toEqual([]);
  });

  it('are visible to the platform operator', async () => {
    const { data } = await graphql(url, PACKAGES, undefined, asKey(creds.keys.operator));
    expect(data.packages).toContainEqual({ slug: 'income-verification', status: 'DRAFT' });
    expect(data.draft.versions.length).toBeGreaterThan(0);
  });

  it("cannot be reached through a DRAFT version's id either", async () => {
    const [v] = await sql(`SELECT pv.id FROM package_versions pv JOIN packages p ON p.id = pv.package_id WHERE p.status = 'DRAFT' LIMIT 1`);
    const q = 'query($id: ID!) { packageVersion(id: $id) { id package { slug } } }';
    expect((await graphql(url, q, { id: v.id }, asKey(creds.keys.admin))).data.packageVersion).toBeNull();
    expect((await graphql(url, q, { id: v.id }, asKey(creds.keys.operator))).data.packageVersion).toEqual({ id: v.id, package: { slug: 'income-verification' } });
  });
});

describe('credential headers', () => {
  it('count an empty header as absent', async () => {
    const TENANTS = '{ tenants { id } }';
    const emptyKey = await postGraphQL(url, TENANTS, undefined, { 'x-api-key': '', authorization: `Bearer ${creds.keys.readB}` });
    expect(emptyKey.status).toBe(200);
    expect(emptyKey.data!.tenants).toEqual([{ id: creds.tenantB.id }]);
    const emptyBearer = await postGraphQL(url, TENANTS, undefined, { 'x-api-key': creds.keys.readB, authorization: '' });
    expect(emptyBearer.data!.tenants).toEqual([{ id: creds.tenantB.id }]);
    const blank = await postGraphQL(url, TENANTS, undefined, { 'x-api-key': '   ', authorization: '' });
    expect(blank.status).toBe(401);
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'missing' });
  });
});
