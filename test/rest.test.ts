import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let base: string;
let tenant: ScratchTenant;
let validate: (schema: string, body: unknown) => void;
const creds = testCredentials();

beforeAll(async () => {
  system = await startTestSystem();
  base = system.gateway.url.replace(/\/graphql$/, '');
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write'], ['read']] });
  // Responses are checked against the document the API serves, not a copy of it.
  const document = (await (await fetch(`${base}/v1/openapi.json`)).json()) as { components: object };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: document.components });
  validate = (schema, body) => {
    const check = ajv.getSchema(`openapi#/components/schemas/${schema}`)!;
    if (!check(body)) throw new Error(`response does not match ${schema}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body)}`);
  };
});
afterAll(() => system.close());

const BODY = { feature: 'kyc.adaptive', subject: { type: 'person', reference: 'cus_rest_1' }, attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 } };

async function call(method: string, path: string, options: { body?: unknown; raw?: string; headers?: Record<string, string>; key?: string | null } = {}) {
  const key = options.key === undefined ? tenant.keys['read,write'] : options.key;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(key ? { 'x-api-key': key } : {}),
      ...options.headers,
    },
    body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const decisionCount = async () => (await sql('SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1', [tenant.id]))[0].n as number;

describe('REST /v1', () => {
  it('serves its OpenAPI 3.1 document', async () => {
    const { status, body } = await call('GET', '/v1/openapi.json', { key: null });
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths).sort()).toEqual(['/v1/decisions', '/v1/decisions/{id}', '/v1/features/{key}/input-schema', '/v1/reports/decisions', '/v1/requests/{requestId}']);
  });

  it('makes a decision, reads it back, and traces its request', async () => {
    const made = await call('POST', '/v1/decisions', { body: BODY, headers: { 'x-request-id': 'rest-make-0001' } });
    expect(made.status).toBe(201);
    validate('Decision', made.body);
    expect(made.headers.get('location')).toBe(`/v1/decisions/${made.body.id}`);
    // The server's id keys the lineage; the client's comes back as the correlation id.
    const requestId = made.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(made.headers.get('x-correlation-id')).toBe('rest-make-0001');
    expect(made.body).toMatchObject({ feature: 'kyc.adaptive', request_id: requestId, tenant_id: tenant.id });

    const read = await call('GET', `/v1/decisions/${made.body.id}`, { key: tenant.keys.read });
    expect(read.status).toBe(200);
    validate('Decision', read.body);
    expect(read.body).toEqual(made.body);

    expect((await call('GET', '/v1/requests/rest-make-0001', { key: tenant.keys.read })).status).toBe(404);
    const lineage = await call('GET', `/v1/requests/${requestId}`, { key: tenant.keys.read });
    expect(lineage.status).toBe(200);
    validate('RequestLineage', lineage.body);
    expect(lineage.body.events.map((e: any) => [e.action, e.surface])).toEqual([['decision.created', 'REST'], ['request', 'REST']]);
    expect(lineage.body.events[1]).toMatchObject({ operation: 'POST /v1/decisions', scope: 'write', status: '201' });
    expect(lineage.body.decisions).toEqual([made.body]);
  });

  it('lists decisions a page at a time', async () => {
    for (let i = 0; i < 3; i++) await call('POST', '/v1/decisions', { body: { ...BODY, subject: { type: 'person', reference: `cus_list_${i}` } } });
    const first = await call('GET', '/v1/decisions?limit=2', { key: tenant.keys.read });
    expect(first.status).toBe(200);
    validate('DecisionList', first.body);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    const next = await call('GET', `/v1/decisions?limit=100&cursor=${first.body.next_cursor}`, { key: tenant.keys.read });
    validate('DecisionList', next.body);
    const ids = [...first.body.data, ...next.body.data].map((d: any) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(first.body.total_count);
    expect(next.body.has_more).toBe(false);
  });
});

describe('REST idempotency', () => {
  it('replays the first response for the same key and body', async () => {
    const first = await call('POST', '/v1/decisions', { body: BODY, headers: { 'idempotency-key': 'rest-idem-1' } });
    const again = await call('POST', '/v1/decisions', { body: BODY, headers: { 'idempotency-key': 'rest-idem-1' } });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('refuses the same key with a different body with 409, writing nothing', async () => {
    await call('POST', '/v1/decisions', { body: BODY, headers: { 'idempotency-key': 'rest-idem-2' } });
    const before = await decisionCount();
    const res = await call('POST', '/v1/decisions', { body: { ...BODY, attributes: { ...BODY.attributes, riskScore: 90 } }, headers: { 'idempotency-key': 'rest-idem-2' } });
    expect(res.status).toBe(409);
    validate('Error', res.body);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await decisionCount()).toBe(before);
  });

  it('makes exactly one decision from ten concurrent requests with one key', async () => {
    const before = await decisionCount();
    const results = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/v1/decisions', { body: BODY, headers: { 'idempotency-key': 'rest-idem-race' } })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await decisionCount()).toBe(before + 1);
  });
});

describe('REST errors', () => {
  it.each([
    ['malformed JSON', { raw: '{"feature": ' }, 400, 'MALFORMED_JSON'],
    ['a body that is not an object', { raw: '[1,2]' }, 400, 'INVALID_BODY'],
    ['the wrong content type', { raw: 'feature=kyc', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an unknown field', { body: { ...BODY, amount: 3 } }, 400, 'UNKNOWN_FIELD'],
    ['an unknown subject field', { body: { ...BODY, subject: { ...BODY.subject, name: 'Ada' } } }, 400, 'UNKNOWN_FIELD'],
    ['a missing field', { body: { feature: 'kyc.adaptive', subject: BODY.subject } }, 400, 'INVALID_FIELD'],
    ['an oversize body', { body: { ...BODY, attributes: { blob: 'x'.repeat(70_000) } } }, 413, 'PAYLOAD_TOO_LARGE'],
    ['attributes that are not an object', { body: { ...BODY, attributes: 'nope' } }, 422, 'INVALID_ATTRIBUTES'],
    ['attributes its schema refuses', { body: { ...BODY, attributes: { documentScore: 0.92, country: 'GB' } } }, 422, 'INVALID_ATTRIBUTES'],
    ['a feature not installed', { body: { ...BODY, feature: 'credit.affordability' } }, 422, 'FEATURE_NOT_INSTALLED'],
    ['no credentials', { body: BODY, key: null }, 401, 'UNAUTHENTICATED'],
    ['a read-only key', { body: BODY, key: 'read' }, 403, 'FORBIDDEN'],
  ])('answer %s with %i %s in the envelope and write nothing', async (_name, options: any, status, code) => {
    const before = await decisionCount();
    const key = options.key === 'read' ? tenant.keys.read : options.key;
    const res = await call('POST', '/v1/decisions', { ...options, key, headers: { 'x-request-id': `rest-err-${code}`.slice(0, 60), ...options.headers } });
    expect(res.status).toBe(status);
    validate('Error', res.body);
    expect(res.body.error).toMatchObject({ code, request_id: res.headers.get('x-request-id') });
    expect(await decisionCount()).toBe(before);
  });

  it.each([
    ['an unknown decision', 'GET', '/v1/decisions/00000000-0000-4000-8000-000000000000', 404, 'NOT_FOUND'],
    ['an unknown request', 'GET', '/v1/requests/req_nothing_here', 404, 'NOT_FOUND'],
    ['an unknown route', 'GET', '/v1/nope', 404, 'NOT_FOUND'],
    ['the wrong method', 'DELETE', '/v1/decisions', 405, 'METHOD_NOT_ALLOWED'],
    ['a bad limit', 'GET', '/v1/decisions?limit=lots', 400, 'INVALID_PARAMETER'],
    ['a limit above 100', 'GET', '/v1/decisions?limit=500', 400, 'BAD_USER_INPUT'],
    ['an unknown parameter', 'GET', '/v1/decisions?colour=red', 400, 'UNKNOWN_PARAMETER'],
    ['a malformed cursor', 'GET', '/v1/decisions?cursor=zzz', 400, 'BAD_USER_INPUT'],
  ])('answer %s with %i %s', async (_name, method, path, status, code) => {
    const res = await call(method, path, { key: tenant.keys.read });
    expect(res.status).toBe(status);
    validate('Error', res.body);
    expect(res.body.error.code).toBe(code);
    if (status === 405) expect(res.headers.get('allow')).toBe('POST, GET');
  });

  it('name the REST parameter, not the GraphQL argument behind it', async () => {
    const cursor = await call('GET', '/v1/decisions?cursor=zzz', { key: tenant.keys.read });
    expect(cursor.body.error.details).toMatchObject({ parameter: 'cursor' });
    expect(cursor.body.error.message).not.toMatch(/\bafter\b/);
    const limit = await call('GET', '/v1/decisions?limit=500', { key: tenant.keys.read });
    expect(limit.body.error.details).toMatchObject({ parameter: 'limit' });
  });

  it("hides another tenant's decision as not found", async () => {
    const [d] = await sql('SELECT id FROM decisions WHERE tenant_id = $1 LIMIT 1', [creds.tenantB.id]);
    const res = await call('GET', `/v1/decisions/${d.id}`, { key: tenant.keys.read });
    expect(res.status).toBe(404);
  });
});

describe('the REST audit trail', () => {
  it('records each REST call once, as REST, and never again as GraphQL', async () => {
    await call('GET', '/v1/decisions?limit=1', { key: tenant.keys.read, headers: { 'x-request-id': 'rest-audit-0001' } });
    await call('POST', '/v1/decisions', { raw: '{', headers: { 'x-correlation-id': 'rest-audit-0002' } });
    const rows = await sql(
      `SELECT correlation_id, surface, operation_name, status FROM audit_events WHERE correlation_id IN ('rest-audit-0001', 'rest-audit-0002') ORDER BY correlation_id`,
    );
    expect(rows).toEqual([
      { correlation_id: 'rest-audit-0001', surface: 'REST', operation_name: 'GET /v1/decisions', status: '200' },
      { correlation_id: 'rest-audit-0002', surface: 'REST', operation_name: 'POST /v1/decisions', status: '400 MALFORMED_JSON' },
    ]);
  });
});
