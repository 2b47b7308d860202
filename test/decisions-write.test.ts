import { evaluatePolicy, parsePolicy } from '../subgraphs/decisions/policy';
import type { RunningSystem } from '../system/start-system';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let tenant: ScratchTenant;
let suspended: ScratchTenant;

const CREATE = `mutation($input: CreateDecisionInput!) { createDecision(input: $input) {
  id feature outcome confidence reasons latencyMs requestId inputHash policyHash createdAt subject { type reference }
  tenant { id } packageVersion { id version } } }`;
// What kyc.adaptive's input schema asks for (the scratch tenant runs its latest published version).
const ATTRIBUTES = { riskScore: 30, country: 'GB', nameMatchScore: 0.91, sanctionsMatch: false, deviceAgeDays: 120 };

const countFor = async (tenantId: string) => {
  const [{ decisions }] = await sql('SELECT count(*)::int AS decisions FROM decisions WHERE tenant_id = $1', [tenantId]);
  const [{ events }] = await sql(`SELECT count(*)::int AS events FROM audit_events WHERE tenant_id = $1 AND action = 'decision.created'`, [tenantId]);
  return { decisions, events };
};

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write'], ['read']] });
  suspended = await createScratchTenant({ features: ['kyc.adaptive'], status: 'SUSPENDED', scopeSets: [['read', 'write']] });
});
afterAll(() => system.close());

const create = (input: Record<string, unknown>, key = tenant.keys['read,write'], headers: Record<string, string> = {}) =>
  graphql(url, CREATE, { input: { feature: 'kyc.adaptive', subject: { type: 'person', reference: 'cus_test_1' }, attributes: ATTRIBUTES, ...input } }, { 'x-api-key': key, ...headers });

describe('createDecision', () => {
  it('evaluates the installed policy and records the decision with its audit event', async () => {
    const res = await create({}, undefined, { 'x-request-id': 'write-test-0001' });
    expect(res.errors).toBeUndefined();
    const d = res.data.createDecision;
    const [installed] = await sql(
      `SELECT f.policy, f.policy_hash, pv.id, pv.version FROM installations i JOIN features f ON f.package_version_id = i.package_version_id
         JOIN package_versions pv ON pv.id = i.package_version_id WHERE i.tenant_id = $1 AND f.key = 'kyc.adaptive'`,
      [tenant.id],
    );
    const expected = evaluatePolicy(parsePolicy(installed.policy), ATTRIBUTES);
    expect(d).toMatchObject({
      feature: 'kyc.adaptive',
      outcome: expected.outcome,
      confidence: expected.confidence,
      reasons: expected.reasons,
      requestId: res.headers.get('x-request-id'),
      policyHash: installed.policy_hash,
      subject: { type: 'person', reference: 'cus_test_1' },
      tenant: { id: tenant.id },
      packageVersion: { id: installed.id, version: installed.version },
    });
    expect(d.latencyMs).toBeGreaterThanOrEqual(1);
    const [event] = await sql(`SELECT * FROM audit_events WHERE resource_type = 'decision' AND resource_id = $1`, [d.id]);
    expect(event).toMatchObject({ action: 'decision.created', request_id: res.headers.get('x-request-id'), tenant_id: tenant.id, surface: 'GRAPHQL', scope: 'write' });
    expect(event.actor).toMatch(/^key:/);
  });

  it('is deterministic: the same input and policy give the same result', async () => {
    const a = (await create({ subject: { type: 'person', reference: 'cus_same' } })).data.createDecision;
    const b = (await create({ subject: { type: 'person', reference: 'cus_same' } })).data.createDecision;
    expect(a.id).not.toBe(b.id);
    for (const field of ['outcome', 'confidence', 'reasons', 'inputHash', 'policyHash']) expect(b[field]).toEqual(a[field]);
  });

  it.each([
    ['a feature the tenant has not installed', { feature: 'credit.affordability' }, 'FEATURE_NOT_INSTALLED'],
    ['a feature that does not exist', { feature: 'no.such.feature' }, 'FEATURE_NOT_INSTALLED'],
    ['attributes that are not an object', { attributes: [1, 2, 3] }, 'BAD_USER_INPUT'],
    ['attributes nested too deep', { attributes: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } }, 'BAD_USER_INPUT'],
    ['an empty subject reference', { subject: { type: 'person', reference: '  ' } }, 'BAD_USER_INPUT'],
    ['a malformed idempotency key', { idempotencyKey: 'has spaces in it' }, 'BAD_USER_INPUT'],
  ])('refuses %s with %s and writes nothing', async (_name, input, code) => {
    const before = await countFor(tenant.id);
    const res = await create(input);
    expect(res.errors?.[0].extensions?.code).toBe(code);
    expect(res.data).toBeNull();
    expect(await countFor(tenant.id)).toEqual(before);
  });

  it('refuses a read-only key with FORBIDDEN and writes nothing', async () => {
    const before = await countFor(tenant.id);
    const res = await create({}, tenant.keys.read);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'write' });
    expect(await countFor(tenant.id)).toEqual(before);
  });

  it('refuses a suspended tenant with TENANT_SUSPENDED', async () => {
    const res = await create({}, suspended.keys['read,write']);
    expect(res.errors?.[0].extensions?.code).toBe('TENANT_SUSPENDED');
    expect(await countFor(suspended.id)).toEqual({ decisions: 0, events: 0 });
  });
});

describe('createDecision idempotency', () => {
  it('returns the first decision for a repeat with the same key and request', async () => {
    const first = await create({ idempotencyKey: 'idem-repeat-1' });
    const again = await create({ idempotencyKey: 'idem-repeat-1' });
    expect(again.data.createDecision.id).toBe(first.data.createDecision.id);
    const [{ n }] = await sql('SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1 AND idempotency_key = $2', [tenant.id, 'idem-repeat-1']);
    expect(n).toBe(1);
  });

  it('refuses the same key with a different request', async () => {
    await create({ idempotencyKey: 'idem-conflict-1' });
    const res = await create({ idempotencyKey: 'idem-conflict-1', attributes: { ...ATTRIBUTES, riskScore: 19 } });
    expect(res.errors?.[0].extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('makes exactly one decision from ten concurrent requests with one key', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => create({ idempotencyKey: 'idem-race-1' })));
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(new Set(results.map((r) => r.data.createDecision.id)).size).toBe(1);
    const [{ n }] = await sql('SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1 AND idempotency_key = $2', [tenant.id, 'idem-race-1']);
    expect(n).toBe(1);
    const [{ e }] = await sql(`SELECT count(*)::int AS e FROM audit_events WHERE action = 'decision.created' AND resource_id = $1`, [results[0].data.createDecision.id]);
    expect(e).toBe(1);
  });
});
