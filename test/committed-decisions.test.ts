/**
 * A committed decision is answered as committed: neither a service that
 * could not fill in its part of the answer nor an audit record that failed
 * after the commit may turn a made decision into an error (a client would
 * retry it, and without an Idempotency-Key make a second one).
 */
import type { RunningSystem } from '../system/start-system';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let base: string;
let tenant: ScratchTenant;
const BODY = { feature: 'kyc.adaptive', subject: { type: 'person', reference: 'cus_committed_1' }, attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 } };
const CREATE = 'mutation($input: CreateDecisionInput!) { createDecision(input: $input) { id outcome packageVersion { id version } } }';

beforeAll(async () => {
  system = await startTestSystem();
  base = system.gateway.url.replace(/\/graphql$/, '');
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
});
afterAll(() => system.close());

const decisionCount = async () => (await sql('SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1', [tenant.id]))[0].n as number;

async function post(body: unknown = BODY) {
  const res = await fetch(`${base}/v1/decisions`, {
    method: 'POST',
    headers: { 'x-api-key': tenant.keys['read,write']!, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/**
 * Makes every call record of the scratch tenant fail in PostgreSQL itself,
 * while its decisions and their own audit events still commit: the fault
 * is the gateway's write, after the decision's transaction.
 */
async function withCallRecordsFailing(work: () => Promise<void>): Promise<void> {
  await sql(`CREATE OR REPLACE FUNCTION test_fail_call_records() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.action = 'request' AND NEW.tenant_id = '${tenant.id}' THEN RAISE EXCEPTION 'injected audit fault'; END IF;
      RETURN NEW;
    END $$`);
  await sql('CREATE TRIGGER test_fail_call_records BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_fail_call_records()');
  try {
    await work();
  } finally {
    await sql('DROP TRIGGER test_fail_call_records ON audit_events');
    await sql('DROP FUNCTION test_fail_call_records()');
  }
}

describe('a decision whose call record cannot be written', () => {
  it('is answered 201 over REST, flagged, made exactly once, with its own event in the trail', async () => {
    await withCallRecordsFailing(async () => {
      const before = await decisionCount();
      const made = await post();
      expect(made.status).toBe(201);
      expect(made.headers.get('audit-record')).toBe('missing');
      expect(made.body.warnings).toEqual([{ code: 'AUDIT_UNAVAILABLE', message: expect.any(String) }]);
      expect(await decisionCount()).toBe(before + 1);
      const events = await sql(`SELECT action FROM audit_events WHERE resource_id = $1`, [made.body.id]);
      expect(events).toEqual([{ action: 'decision.created' }]);
    });
  });

  it('is answered over GraphQL with its data and a warning, not an error', async () => {
    await withCallRecordsFailing(async () => {
      const res = await fetch(system.gateway.url, {
        method: 'POST',
        headers: { 'x-api-key': tenant.keys['read,write']!, 'content-type': 'application/json' },
        body: JSON.stringify({ query: CREATE, variables: { input: BODY } }),
      });
      const body = (await res.json()) as any;
      expect(res.status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.createDecision.id).toEqual(expect.any(String));
      expect(body.extensions.warnings).toEqual([{ code: 'AUDIT_UNAVAILABLE', message: expect.any(String) }]);
    });
  });

  it('still withholds what changed nothing: a read without its record is 503', async () => {
    await withCallRecordsFailing(async () => {
      const res = await fetch(`${base}/v1/decisions?limit=1`, { headers: { 'x-api-key': tenant.keys['read,write']! } });
      expect(res.status).toBe(503);
      expect(((await res.json()) as any).error.code).toBe('AUDIT_UNAVAILABLE');
      // A refused decision is not committed either: no answer without its record.
      const refused = await post({ ...BODY, feature: 'no.such.feature' });
      expect(refused.status).toBe(503);
    });
    // The fault is gone: records are written again, with nothing to restart.
    const healed = await fetch(`${base}/v1/decisions?limit=1`, { headers: { 'x-api-key': tenant.keys['read,write']! } });
    expect(healed.status).toBe(200);
  });
});

describe('a decision made while the packages service is down', () => {
  it("is answered 201 with its version's id, the fields that service gives null, and a warning", async () => {
    const before = await decisionCount();
    await system.subgraphs.packages.close();
    const made = await post();
    expect(made.status).toBe(201);
    expect(await decisionCount()).toBe(before + 1);
    const [row] = await sql('SELECT package_version_id FROM decisions WHERE id = $1', [made.body.id]);
    expect(made.body.package_version).toEqual({ id: row.package_version_id, version: null, package: null });
    expect(made.body.warnings).toContainEqual(expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE' }));
    expect(made.headers.get('audit-record')).toBeNull();

    const viaGraph = await graphql(system.gateway.url, CREATE, { input: BODY }, { 'x-api-key': tenant.keys['read,write']! });
    expect(viaGraph.data.createDecision).toMatchObject({ id: expect.any(String), packageVersion: null });
    expect(viaGraph.errors?.map((e) => e.extensions?.code)).toContain('SUBGRAPH_UNAVAILABLE');
  });
});
