/**
 * Decisions fail closed: every feature version declares the JSON Schema of
 * its attributes, and both surfaces refuse attributes that break it before
 * any rule runs, write nothing, and audit the refusal. The refused inputs
 * are derived from each installed schema (so all 10 features are covered,
 * whatever their attributes), plus the fail-open examples of the issue.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildCatalog } from '../dev/seed/catalog';
import { Random } from '../dev/seed/random';
import { SAMPLE_DECISION } from '../scripts/sample-requests';
import { compileInputSchema } from '../subgraphs/decisions/policy';
import type { RunningSystem } from '../system/start-system';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, sql, startTestSystem } from './helpers/system';

jest.setTimeout(120_000);

const FEATURES = [
  'kyc.adaptive',
  'kyc.document',
  'fraud.velocity',
  'fraud.card_testing',
  'credit.affordability',
  'aml.sanctions',
  'aml.pep',
  'aml.business',
  'device.trust',
  'income.verification',
] as const;

// Packages a scratch tenant does not get by default (deprecated, draft), installed by hand.
const UNPUBLISHED = [
  ['device-trust', '1.1.0'],
  ['income-verification', '0.2.0'],
] as const;

const CREATE = `mutation($input: CreateDecisionInput!) { createDecision(input: $input) { id outcome reasons requestId } }`;
const INSTALLED = `query($key: String!) { installedFeature(key: $key) { key inputSchema policy packageVersion { id version } } }`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Property = { type: 'integer' | 'number' | 'string' | 'boolean'; minimum?: number; maximum?: number; enum?: string[]; pattern?: string };
type Schema = { type: 'object'; required: string[]; additionalProperties: false; properties: Record<string, Property> };

let system: RunningSystem;
let url: string;
let base: string;
let tenant: ScratchTenant;
let key: string;
const schemas = new Map<string, Schema>();

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  base = url.replace(/\/graphql$/, '');
  // One feature per package: the helper installs the latest published version of the package offering it.
  tenant = await createScratchTenant({ features: ['kyc.adaptive', 'fraud.velocity', 'credit.affordability', 'aml.sanctions'], scopeSets: [['read', 'write'], ['read']] });
  key = tenant.keys['read,write']!;
  for (const [slug, version] of UNPUBLISHED) {
    await sql(
      `INSERT INTO installations (id, tenant_id, package_id, package_version_id)
       SELECT $1, $2, pv.package_id, pv.id FROM package_versions pv JOIN packages p ON p.id = pv.package_id WHERE p.slug = $3 AND pv.version = $4`,
      [randomUUID(), tenant.id, slug, version],
    );
  }
  // Hundreds of calls in a minute: this test is about contracts, not budgets.
  await sql('UPDATE tenants SET rate_limit_per_minute = 1000000 WHERE id = $1', [tenant.id]);
  // Read from the database: the draft package installed above exists for the platform operator only, not in this tenant's graph.
  for (const feature of FEATURES) {
    const [row] = await sql(
      `SELECT f.input_schema FROM installations i JOIN features f ON f.package_version_id = i.package_version_id
        WHERE i.tenant_id = $1 AND f.key = $2 ORDER BY i.installed_at DESC LIMIT 1`,
      [tenant.id, feature],
    );
    schemas.set(feature, row.input_schema);
  }
  // Where the graph does show the contract, it is the one stored.
  const published = await graphql(url, INSTALLED, { key: 'kyc.adaptive' }, { 'x-api-key': key });
  expect(published.errors).toBeUndefined();
  expect(published.data.installedFeature.inputSchema).toEqual(schemas.get('kyc.adaptive'));
});
afterAll(() => system.close());

/** A value the property accepts: its minimum, its first enum value, an upper-case country code, false. */
function validValue(p: Property): Json {
  if (p.type === 'integer' || p.type === 'number') return p.minimum!;
  if (p.type === 'string') return p.enum ? p.enum[0]! : 'GB';
  return false;
}

function validAttributes(schema: Schema, which: 'all' | 'required' = 'all'): Record<string, Json> {
  const names = which === 'all' ? Object.keys(schema.properties) : schema.required;
  return Object.fromEntries(names.map((name) => [name, validValue(schema.properties[name]!)]));
}

/** [case name, attributes, the field the refusal must name] for every way the schema is broken. */
function refusedCases(schema: Schema): Array<[string, Json, string]> {
  const valid = validAttributes(schema);
  const cases: Array<[string, Json, string]> = [
    ['no attributes at all', {}, schema.required[0]!],
    ['an undeclared attribute', { ...valid, documentScore: 0.92 }, 'documentScore'],
    ["the README's old example", { documentScore: 0.92, country: 'GB' }, 'documentScore'],
    ['attributes that are an array', [valid] as Json, ''],
  ];
  for (const [name, p] of Object.entries(schema.properties)) {
    const v = valid[name]!;
    const set = (value: Json): Json => ({ ...valid, [name]: value });
    cases.push([`${name} null`, set(null), name]);
    cases.push([`${name} an object`, set({ value: v }), name]);
    if (p.type === 'integer' || p.type === 'number') {
      const step = p.type === 'integer' ? 1 : 0.001;
      cases.push([`${name} as a string`, set(String(v)), name]);
      cases.push([`${name} a boolean`, set(true), name]);
      cases.push([`${name} just below its minimum`, set(p.minimum! - step), name]);
      cases.push([`${name} just above its maximum`, set(p.maximum! + step), name]);
      if (p.type === 'integer') cases.push([`${name} a fraction`, set(p.minimum! + 0.5), name]);
    } else if (p.type === 'string') {
      const s = v as string;
      const otherCase = s === s.toUpperCase() ? s.toLowerCase() : s.toUpperCase();
      cases.push([`${name} in the wrong case`, set(otherCase), name]);
      cases.push([`${name} a number`, set(42), name]);
      cases.push([`${name} empty`, set(''), name]);
    } else {
      cases.push([`${name} as a string`, set('true'), name]);
      cases.push([`${name} as 1`, set(1), name]);
    }
    if (schema.required.includes(name)) {
      const { [name]: _left, ...without } = valid;
      cases.push([`${name} missing`, without, name]);
    }
  }
  return cases;
}

/** Attributes the schema accepts: everything at its minimum, everything at its maximum, only the required ones. */
function acceptedCases(schema: Schema): Array<[string, Record<string, Json>]> {
  const atMax = Object.fromEntries(
    Object.entries(schema.properties).map(([name, p]) => [name, p.maximum ?? (p.enum ? p.enum[p.enum.length - 1]! : p.type === 'boolean' ? true : 'ZZ')]),
  );
  return [
    ['every attribute at its minimum', validAttributes(schema)],
    ['every attribute at its maximum', atMax],
    ['only the required attributes', validAttributes(schema, 'required')],
  ];
}

type Surface = 'graphql' | 'rest';

async function decide(surface: Surface, feature: string, attributes: Json, requestId: string) {
  const subject = { type: 'person', reference: `cus_${requestId}` };
  if (surface === 'graphql') {
    const res = await graphql(url, CREATE, { input: { feature, subject, attributes } }, { 'x-api-key': key, 'x-request-id': requestId });
    const error = res.errors?.[0];
    return { ok: !error, code: error?.extensions?.code, reason: error?.extensions?.reason, details: error?.extensions?.details as Array<{ field: string; problem: string }> | undefined, decision: res.data?.createDecision };
  }
  const res = await fetch(`${base}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'x-request-id': requestId },
    body: JSON.stringify({ feature, subject, attributes }),
  });
  const body = (await res.json()) as any;
  return { ok: res.status === 201, status: res.status, code: body.error?.code, details: body.error?.details as Array<{ field: string; problem: string }> | undefined, decision: res.status === 201 ? body : undefined };
}

const decisionCount = async () => (await sql('SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1', [tenant.id]))[0].n as number;

describe.each<Surface>(['graphql', 'rest'])('attributes over %s', (surface) => {
  it.each(FEATURES)('%s: refuses every broken input, writes nothing, and audits each refusal', async (feature) => {
    const schema = schemas.get(feature)!;
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    const cases = refusedCases(schema);
    const before = await decisionCount();
    const problems: string[] = [];
    const requestIds: string[] = [];
    for (const [i, [name, attributes, field]] of cases.entries()) {
      const requestId = `ic-${surface}-${feature}-${i}`;
      requestIds.push(requestId);
      const res = await decide(surface, feature, attributes, requestId);
      const expected = surface === 'graphql' ? res.code === 'BAD_USER_INPUT' && res.reason === 'INVALID_ATTRIBUTES' : res.status === 422 && res.code === 'INVALID_ATTRIBUTES';
      if (res.ok || !expected) problems.push(`${name}: got ${JSON.stringify(res)}`);
      else if (!res.details?.some((d) => d.field === field && d.problem.length > 0)) problems.push(`${name}: details ${JSON.stringify(res.details)} do not name ${field || 'the attributes'}`);
      else if (res.details.some((d) => /undefined|\[object/.test(d.problem))) problems.push(`${name}: a problem reads badly: ${JSON.stringify(res.details)}`);
    }
    expect(problems).toEqual([]);
    expect(await decisionCount()).toBe(before);
    // The ids sent are the calls' correlation ids; every event of those calls, under the server's request ids.
    const audited = await sql(
      `SELECT correlation_id, status, action FROM audit_events WHERE tenant_id = $1
         AND request_id IN (SELECT request_id FROM audit_events WHERE tenant_id = $1 AND correlation_id = ANY($2::text[]))`,
      [tenant.id, requestIds],
    );
    const status = surface === 'graphql' ? '200 BAD_USER_INPUT' : '422 INVALID_ATTRIBUTES';
    expect(audited.filter((e: any) => e.action !== 'request')).toEqual([]);
    expect(audited.map((e: any) => e.correlation_id).sort()).toEqual([...requestIds].sort());
    expect(new Set(audited.map((e: any) => e.status))).toEqual(new Set([status]));
  });

  it.each(FEATURES)('%s: decides on inputs at the bounds of its schema', async (feature) => {
    const schema = schemas.get(feature)!;
    const before = await decisionCount();
    const accepted = acceptedCases(schema);
    for (const [i, [name, attributes]] of accepted.entries()) {
      const res = await decide(surface, feature, attributes, `ic-ok-${surface}-${feature}-${i}`);
      if (!res.ok) throw new Error(`${name} was refused: ${JSON.stringify(res)}`);
    }
    expect(await decisionCount()).toBe(before + accepted.length);
  });
});

describe('the fail-open inputs of the issue', () => {
  it.each<[string, string, Json]>([
    ['kyc.adaptive with no attributes', 'kyc.adaptive', {}],
    ['kyc.adaptive with strings for everything', 'kyc.adaptive', { sanctionsMatch: 'true', riskScore: '99', nameMatchScore: '0.1' }],
    ['aml.sanctions with a string score and a lower-case country', 'aml.sanctions', { sanctionsScore: '99', country: 'ir' }],
    ['kyc.document with 1 for true and a string score', 'kyc.document', { documentExpired: 1, faceMatchScore: '0.1' }],
    ['credit.affordability with no attributes', 'credit.affordability', {}],
    ["kyc.adaptive with the README's old example", 'kyc.adaptive', { documentScore: 0.92, country: 'GB' }],
  ])('%s is refused on both surfaces', async (_name, feature, attributes) => {
    const before = await decisionCount();
    const viaGraphQL = await decide('graphql', feature, attributes, `ic-issue-g-${randomUUID().slice(0, 8)}`);
    const viaRest = await decide('rest', feature, attributes, `ic-issue-r-${randomUUID().slice(0, 8)}`);
    expect(viaGraphQL).toMatchObject({ ok: false, code: 'BAD_USER_INPUT', reason: 'INVALID_ATTRIBUTES' });
    expect(viaRest).toMatchObject({ ok: false, status: 422, code: 'INVALID_ATTRIBUTES' });
    expect(viaRest.details).toEqual(viaGraphQL.details);
    expect(await decisionCount()).toBe(before);
  });

  it('names every problem at once, in a stable order, without echoing the values sent', async () => {
    const res = await decide('rest', 'aml.sanctions', { sanctionsScore: '99', country: 'ir', secret: 'cus-ada-lovelace' }, 'ic-issue-detail-0001');
    expect(res.details).toEqual([
      { field: 'country', problem: 'must match pattern "^[A-Z]{2}$"' },
      { field: 'listsChecked', problem: 'is required' },
      { field: 'sanctionsScore', problem: 'must be an integer, got a string' },
      { field: 'secret', problem: 'is not an attribute this feature declares' },
    ]);
    expect(JSON.stringify(res)).not.toContain('ada-lovelace');
  });
});

describe('incomplete evidence', () => {
  it('is decided by what the policy says for it, never by the default', async () => {
    // kyc.adaptive 2.0.0: risk 50 would step up on a new device, and the device age is absent.
    const attributes = { riskScore: 50, country: 'GB', nameMatchScore: 0.9, sanctionsMatch: false };
    const res = await decide('graphql', 'kyc.adaptive', attributes, 'ic-incomplete-0001');
    expect(res.decision).toMatchObject({ outcome: 'REVIEW', reasons: ['kyc.incomplete_evidence'] });
    // With the evidence, the same applicant is decided by the rules.
    const known = await decide('graphql', 'kyc.adaptive', { ...attributes, deviceAgeDays: 400 }, 'ic-incomplete-0002');
    expect(known.decision).toMatchObject({ outcome: 'APPROVE', reasons: ['kyc.verified'] });
  });

  it('does not matter when a rule that holds comes first', async () => {
    const res = await decide('graphql', 'kyc.adaptive', { riskScore: 95, country: 'GB', nameMatchScore: 0.9, sanctionsMatch: false }, 'ic-incomplete-0003');
    expect(res.decision).toMatchObject({ outcome: 'DECLINE', reasons: ['risk.score_high'] });
  });
});

describe('the input schema is published', () => {
  it('over REST, the same as Feature.inputSchema in the graph', async () => {
    const drafts = new Set(
      (await sql(`SELECT DISTINCT f.key FROM features f JOIN package_versions pv ON pv.id = f.package_version_id JOIN packages p ON p.id = pv.package_id WHERE p.status = 'DRAFT'`)).map((r) => r.key),
    );
    for (const feature of FEATURES) {
      const res = await fetch(`${base}/v1/features/${feature}/input-schema`, { headers: { 'x-api-key': tenant.keys.read! } });
      // A draft package's features do not exist for a tenant, even one it was installed for.
      if (drafts.has(feature)) {
        expect(res.status).toBe(404);
        continue;
      }
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body).toMatchObject({ feature, input_schema: schemas.get(feature) });
      expect(body.input_schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it('answers 404 for a feature the tenant has not installed, and null in the graph', async () => {
    const res = await fetch(`${base}/v1/features/no.such.feature/input-schema`, { headers: { 'x-api-key': key } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe('NOT_FOUND');
    const graph = await graphql(url, INSTALLED, { key: 'no.such.feature' }, { 'x-api-key': key });
    expect(graph.data.installedFeature).toBeNull();
  });
});

describe('an installed version that cannot honour a contract', () => {
  /** A package version of the test's own with one feature, installed for a fresh tenant. */
  async function installOwnFeature(policy: unknown, inputSchema: unknown): Promise<{ tenant: ScratchTenant; feature: string }> {
    const own = await createScratchTenant({ features: [], scopeSets: [['read', 'write']] });
    const packageId = randomUUID();
    const versionId = randomUUID();
    const feature = `test.contract_${packageId.slice(0, 8)}`;
    await sql(`INSERT INTO packages (id, slug, name, description, risk_tier, status) VALUES ($1, $2, 'Contract test', 'x', 'LOW', 'PUBLISHED')`, [packageId, `contract-${packageId.slice(0, 8)}`]);
    await sql(`INSERT INTO package_versions (id, package_id, version, changelog, conformance_score, published_at) VALUES ($1, $2, '1.0.0', 'x', 50, now())`, [versionId, packageId]);
    await sql(
      `INSERT INTO features (id, package_version_id, key, description, outcomes, policy, policy_hash, input_schema)
       VALUES ($1, $2, $3, 'x', ARRAY['APPROVE','REVIEW'], $4::jsonb, md5($4::text) || md5($3), $5::jsonb)`,
      [randomUUID(), versionId, feature, JSON.stringify(policy), inputSchema === null ? null : JSON.stringify(inputSchema)],
    );
    await sql(`INSERT INTO installations (id, tenant_id, package_id, package_version_id) VALUES ($1, $2, $3, $4)`, [randomUUID(), own.id, packageId, versionId]);
    return { tenant: own, feature };
  }

  const policy = {
    version: 2,
    rules: [{ id: 'high', when: { all: [{ field: 'score', op: 'gte', value: 80 }] }, outcome: 'REVIEW', confidence: 0.7, reason: 'test.high' }],
    incomplete: { outcome: 'REVIEW', confidence: 0.5, reason: 'test.incomplete' },
    default: { outcome: 'APPROVE', confidence: 0.9, reason: 'test.ok' },
  };

  async function refusal(own: ScratchTenant, feature: string) {
    const res = await graphql(url, CREATE, { input: { feature, subject: { type: 'person', reference: 'cus_x' }, attributes: { score: 10 } } }, { 'x-api-key': own.keys['read,write']! });
    const [{ n }] = await sql('SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1', [own.id]);
    return { extensions: res.errors?.[0]?.extensions, written: n };
  }

  it('refuses to decide without an input schema (INPUT_SCHEMA_MISSING)', async () => {
    const { tenant: own, feature } = await installOwnFeature(policy, null);
    expect(await refusal(own, feature)).toMatchObject({ extensions: { code: 'INPUT_SCHEMA_MISSING', feature }, written: 0 });
    const rest = await fetch(`${base}/v1/features/${feature}/input-schema`, { headers: { 'x-api-key': own.keys['read,write']! } });
    expect(rest.status).toBe(422);
  });

  it('refuses a policy that reads a field its schema does not declare (FEATURE_CONTRACT_INVALID)', async () => {
    const schema = { type: 'object', additionalProperties: false, required: ['other'], properties: { other: { type: 'integer' } } };
    const { tenant: own, feature } = await installOwnFeature(policy, schema);
    expect(await refusal(own, feature)).toMatchObject({ extensions: { code: 'FEATURE_CONTRACT_INVALID' }, written: 0 });
  });

  it('refuses a schema that lets undeclared attributes through (FEATURE_CONTRACT_INVALID)', async () => {
    const schema = { type: 'object', required: ['score'], properties: { score: { type: 'integer' } } };
    const { tenant: own, feature } = await installOwnFeature(policy, schema);
    expect(await refusal(own, feature)).toMatchObject({ extensions: { code: 'FEATURE_CONTRACT_INVALID' }, written: 0 });
  });

  it('refuses a version 1 policy, which would decide absent evidence by its default (FEATURE_CONTRACT_INVALID)', async () => {
    const { incomplete: _dropped, ...v1 } = { ...policy, version: 1 };
    const schema = { type: 'object', additionalProperties: false, required: [], properties: { score: { type: 'integer' } } };
    const { tenant: own, feature } = await installOwnFeature(v1, schema);
    expect(await refusal(own, feature)).toMatchObject({ extensions: { code: 'FEATURE_CONTRACT_INVALID' }, written: 0 });
  });

  it('decides with a sound contract, and absent optional evidence gets the incomplete verdict', async () => {
    const schema = { type: 'object', additionalProperties: false, required: [], properties: { score: { type: 'integer' } } };
    const { tenant: own, feature } = await installOwnFeature(policy, schema);
    const res = await graphql(url, CREATE, { input: { feature, subject: { type: 'person', reference: 'cus_x' }, attributes: {} } }, { 'x-api-key': own.keys['read,write']! });
    expect(res.data.createDecision).toMatchObject({ outcome: 'REVIEW', reasons: ['test.incomplete'] });
  });
});

describe('the requests the project shows', () => {
  // Every version of kyc.adaptive in the demo catalogue: a tenant may run any of them.
  const catalog = buildCatalog(new Random(1), new Date('2026-12-01T00:00:00Z'));
  const versions = catalog.features.filter((f) => f.key === SAMPLE_DECISION.feature);

  /** The JSON of every `-d '…'` body sent to POST /v1/decisions in the README. */
  function readmeDecisionBodies(): any[] {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    return [...readme.matchAll(/POST [^\n]*\/v1\/decisions[^\n]*\n(?:[^\n]*\n)*?[^\n]*-d '(\{[^']*\})'/g)].map((m) => JSON.parse(m[1]!));
  }

  it('npm start prints a decision every installed version of its feature accepts', () => {
    expect(versions.length).toBeGreaterThan(1);
    for (const feature of versions) expect(compileInputSchema(feature.inputSchema)(SAMPLE_DECISION.attributes as never)).toEqual([]);
  });

  it("the README's decision examples send attributes their feature accepts", () => {
    const bodies = readmeDecisionBodies();
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) {
      const features = catalog.features.filter((f) => f.key === body.feature);
      expect(features.length).toBeGreaterThan(0);
      for (const feature of features) expect(compileInputSchema(feature.inputSchema)(body.attributes)).toEqual([]);
    }
  });
});
