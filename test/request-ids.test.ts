/**
 * Request ids the server owns, tried as a client that reuses, forges and
 * shares ids would: lineage is keyed by the server's id and scoped to the
 * decision's tenant; the client's id is kept as a correlation id only.
 */
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let base: string;
let acme: ScratchTenant;
let northwind: ScratchTenant;
const creds = testCredentials();
const SERVER_ID = /^req_[0-9a-f]{32}$/;
const BODY = { feature: 'kyc.adaptive', subject: { type: 'person', reference: 'cus_ids_1' }, attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 } };

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  base = url.replace(/\/graphql$/, '');
  [acme, northwind] = await Promise.all([
    createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] }),
    createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] }),
  ]);
});
afterAll(() => system.close());

async function rest(method: string, path: string, key: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const LINEAGE = 'query($d: ID!) { lineage(decisionId: $d) { requestId events { action requestId correlationId tenant { id } } } }';

describe('request ids', () => {
  it('are made by the server for every call, unique even when the client sends the same id', async () => {
    const key = acme.keys['read,write']!;
    const a = await rest('GET', '/v1/decisions?limit=1', key, { 'x-request-id': 'client-same-0001' });
    const b = await rest('GET', '/v1/decisions?limit=1', key, { 'x-request-id': 'client-same-0001' });
    expect(a.headers.get('x-request-id')).toMatch(SERVER_ID);
    expect(b.headers.get('x-request-id')).toMatch(SERVER_ID);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    expect(a.headers.get('x-correlation-id')).toBe('client-same-0001');
  });

  it("keep a later, unrelated call with the same client id out of a decision's lineage", async () => {
    const key = acme.keys['read,write']!;
    const made = await rest('POST', '/v1/decisions', key, { 'x-request-id': 'client-reused-0001' }, BODY);
    expect(made.status).toBe(201);
    const requestId = made.headers.get('x-request-id')!;
    // The same id again, from an unrelated read.
    await rest('GET', '/v1/decisions?limit=1', key, { 'x-request-id': 'client-reused-0001' });
    const trace = await rest('GET', `/v1/requests/${requestId}`, key);
    expect(trace.status).toBe(200);
    expect(trace.body.events.map((e: any) => e.action).sort()).toEqual(['decision.created', 'request']);
    const { data } = await graphql(url, LINEAGE, { d: made.body.id }, { 'x-api-key': key });
    expect(data.lineage.requestId).toBe(requestId);
    expect(data.lineage.events).toHaveLength(2);
    expect(data.lineage.events.every((e: any) => e.requestId === requestId)).toBe(true);
    // The client's id is not a request id.
    expect((await rest('GET', '/v1/requests/client-reused-0001', key)).status).toBe(404);
  });

  it("never mix two tenants' events, when both send the same client id", async () => {
    const shared = 'client-shared-0001';
    const first = await rest('POST', '/v1/decisions', acme.keys['read,write']!, { 'x-request-id': shared }, BODY);
    const second = await rest('POST', '/v1/decisions', northwind.keys['read,write']!, { 'x-request-id': shared }, BODY);
    for (const [made, tenant] of [[first, acme], [second, northwind]] as const) {
      const { data } = await graphql(url, LINEAGE, { d: made.body.id }, { 'x-api-key': tenant.keys['read,write']! });
      expect(data.lineage.events).toHaveLength(2);
      expect(data.lineage.events.every((e: any) => e.tenant.id === tenant.id && e.requestId === made.headers.get('x-request-id'))).toBe(true);
      expect(data.lineage.events.find((e: any) => e.action === 'request').correlationId).toBe(shared);
    }
    // Each tenant finds its own call by the id it sent; the operator finds both.
    const search = 'query($c: String) { auditEvents(first: 10, filter: { correlationId: $c, action: "request" }) { edges { node { tenant { id } requestId } } } }';
    const ofAcme = await graphql(url, search, { c: shared }, { 'x-api-key': acme.keys['read,write']! });
    expect(ofAcme.data.auditEvents.edges.map((e: any) => e.node)).toEqual([{ tenant: { id: acme.id }, requestId: first.headers.get('x-request-id') }]);
    const ofAll = await graphql(url, search, { c: shared }, { 'x-api-key': creds.keys.operator });
    expect(new Set(ofAll.data.auditEvents.edges.map((e: any) => e.node.tenant.id))).toEqual(new Set([acme.id, northwind.id]));
  });

  it('mark an idempotent replay as replayed, whatever id it carries', async () => {
    const key = acme.keys['read,write']!;
    const idem = { 'idempotency-key': `ids-idem-${Date.now()}` };
    const first = await rest('POST', '/v1/decisions', key, { ...idem, 'x-request-id': 'client-retry-0001' }, BODY);
    for (const headers of [{ 'x-request-id': 'client-retry-0001' }, { 'x-request-id': 'client-retry-0002' }, {}] as Array<Record<string, string>>) {
      const again = await rest('POST', '/v1/decisions', key, { ...idem, ...headers }, BODY);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      // The decision keeps the id of the call that made it; the replay has its own.
      expect(again.body.request_id).toBe(first.headers.get('x-request-id'));
      expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    }
    expect(first.headers.get('idempotent-replayed')).toBeNull();
  });

  it('drop a malformed client id, and never echo it', async () => {
    for (const bad of ['short', 'x'.repeat(129), 'has space in it', 'ünïcode-0001', '-leading-dash', 'semi;colon-0001']) {
      const res = await rest('GET', '/v1/decisions?limit=1', acme.keys['read,write']!, { 'x-request-id': bad });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toMatch(SERVER_ID);
      expect(res.headers.get('x-correlation-id')).toBeNull();
      const [row] = await sql('SELECT correlation_id FROM audit_events WHERE request_id = $1', [res.headers.get('x-request-id')]);
      expect(row.correlation_id).toBeNull();
    }
  });

  it('prefer X-Correlation-Id over X-Request-Id when a client sends both', async () => {
    const res = await rest('GET', '/v1/decisions?limit=1', acme.keys['read,write']!, { 'x-request-id': 'legacy-trace-0001', 'x-correlation-id': 'modern-trace-0001' });
    expect(res.headers.get('x-correlation-id')).toBe('modern-trace-0001');
  });
});
