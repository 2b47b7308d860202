import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, isCompositeType,
  type GraphQLArgument, type GraphQLInputType, type GraphQLField,
} from 'graphql';
import { apiSchemaOf } from '../gateway/graphql/apollo';
import { SUPERGRAPH_PATH } from '../lib/supergraph';
import type { RunningSystem } from '../system/start-system';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, postGraphQL, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let base: string;
let tenant: ScratchTenant;
let key: Record<string, string>;

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  base = url.replace(/\/graphql$/, '');
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
  // The fuzzer sends thousands of calls: a budget that never runs out keeps every one of them a real test.
  await sql('UPDATE tenants SET rate_limit_per_minute = 100000000 WHERE id = $1', [tenant.id]);
  key = { 'x-api-key': tenant.keys['read,write']! };
}, 60_000);
afterAll(() => system?.close());

/** What no answer may ever carry: a stack, SQL, or the name of a library underneath. */
const LEAK = /\bat [\w.<>]+ \(|node_modules|SELECT |INSERT |UPDATE |relation "|syntax error at or near|Prisma|PrismaClient|invalid input syntax|pg_|violates/;

function expectClean(status: number, text: string) {
  expect(status).toBeLessThan(500);
  expect(text).not.toMatch(LEAK);
}

async function rawGraphQL(query: string, variables?: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...key }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, text: await res.text() };
}

describe('bad input gets BAD_USER_INPUT, never a 500', () => {
  const filters: Array<[string, string]> = [
    ['a NUL byte in a filter string', '{ decisions(first: 1, filter: { feature: "kyc\\u0000adaptive" }) { totalCount } }'],
    ['year 0 in decisions', '{ decisions(first: 1, filter: { createdAfter: "0000-01-01T00:00:00Z" }) { totalCount } }'],
    ['2026-02-30 (no such day)', '{ decisions(first: 1, filter: { createdAfter: "2026-02-30T00:00:00Z" }) { totalCount } }'],
    ['a year past 9999 once in UTC, in auditEvents', '{ auditEvents(first: 1, filter: { createdBefore: "9999-12-31T23:59:59-14:00" }) { totalCount } }'],
    ['24:00', '{ decisions(first: 1, filter: { createdAfter: "2026-11-24T24:00:00Z" }) { totalCount } }'],
  ];
  it.each(filters)('%s', async (_name, query) => {
    const r = await rawGraphQL(query);
    expectClean(r.status, r.text);
    expect(JSON.parse(r.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('an impossible date in Tenant.decisions fails that field alone, and the tenant still comes back', async () => {
    const r = await graphql(url, `{ tenant(slug: "${tenant.slug}") { slug decisions(first: 1, filter: { createdAfter: "0000-01-01T00:00:00Z" }) { totalCount } } }`, undefined, key);
    expect(r.status).toBeLessThan(500);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((r.data as any)?.tenant?.slug).toBe(tenant.slug);
  });

  it('NUL in variables and in createDecision input', async () => {
    const viaVariable = await graphql(url, 'query($f: String) { decisions(first: 1, filter: { feature: $f }) { totalCount } }', { f: 'a\u0000b' }, key);
    expect(viaVariable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const write = await graphql(url, 'mutation($i: CreateDecisionInput!) { createDecision(input: $i) { id } }', {
      i: { feature: 'kyc.adaptive', subject: { type: 'person', reference: 'cus\u0000x' }, attributes: {} },
    }, key);
    expect(write.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('LIKE wildcards in package search match themselves only', async () => {
    const all = await graphql(url, '{ packages { slug } }', undefined, key);
    const underscore = await graphql(url, '{ packages(filter: { search: "_" }) { slug } }', undefined, key);
    const percent = await graphql(url, '{ packages(filter: { search: "%" }) { slug } }', undefined, key);
    const slugs = (all.data as any).packages.map((p: { slug: string }) => p.slug);
    expect((underscore.data as any).packages.map((p: { slug: string }) => p.slug)).toEqual(slugs.filter((s: string) => s.includes('_')));
    expect((percent.data as any).packages).toEqual([]);
  });

  const rest: Array<[string, string, number, string]> = [
    ['a malformed escape in a path id', '/v1/decisions/%E0%A4%A', 400, 'INVALID_PARAMETER'],
    ['a broken escape in a request id', '/v1/requests/%ZZ', 400, 'INVALID_PARAMETER'],
    ['NUL in a path id', '/v1/requests/req%00x', 400, 'INVALID_PARAMETER'],
    ['a repeated parameter', '/v1/decisions?limit=1&limit=2', 400, 'INVALID_PARAMETER'],
    ['year 0 in created_after', '/v1/decisions?created_after=0000-01-01T00:00:00Z', 400, 'BAD_USER_INPUT'],
    ['a malformed escape in the query string', '/v1/decisions?feature=%E0%A4%A', 400, 'INVALID_PARAMETER'],
    ['NUL in the query string', '/v1/decisions?feature=%00', 400, 'INVALID_PARAMETER'],
  ];
  it.each(rest)('REST: %s', async (_name, path, status, code) => {
    const res = await fetch(`${base}${path}`, { headers: key });
    const text = await res.text();
    expectClean(res.status, text);
    expect(res.status).toBe(status);
    expect(JSON.parse(text).error.code).toBe(code);
  });
});

// ---- property-based: every argument of every root field, every REST parameter ----

const hostileString = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '%', '_', '\\', "'; DROP TABLE decisions; --", '\uD800', '\uFFFF', '𝕏🙂', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-14:00', '2026-02-30T00:00:00Z', '-1', 'NaN', 'null', '{}', '00000000-0000-0000-0000-000000000000'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 2_000, max: 20_000 }).map((n) => 'x'.repeat(n)),
);
const hostileInt = fc.oneof(fc.constantFrom(-1, 0, 1, 100, 101, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER), fc.integer(), fc.double());
const hostileDate = fc.oneof(
  hostileString,
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
  fc.tuple(fc.integer({ min: 0, max: 10_001 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }))
    .map(([y, m, d, h]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+14:00`),
);
const deepJson = fc.integer({ min: 1, max: 200 }).map((depth) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { k: v };
  return v;
});

function valueFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return valueFor(type.ofType, depth);
  if (isListType(type)) return fc.array(valueFor(type.ofType, depth + 1), { maxLength: 4 });
  const named = getNamedType(type);
  const junk = fc.oneof(hostileString, hostileInt, fc.constant(null), fc.boolean());
  if (isEnumType(named)) return fc.oneof(fc.constantFrom(...named.getValues().map((v) => v.name)), junk);
  if (isInputObjectType(named)) {
    if (depth > 3) return fc.constant(null);
    const fields = Object.values(named.getFields());
    return fc.record(Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, depth + 1)])), { requiredKeys: [] });
  }
  if (isScalarType(named)) {
    if (named.name === 'Int' || named.name === 'Float') return fc.oneof(hostileInt, junk);
    if (named.name === 'DateTime') return fc.oneof(hostileDate, junk);
    if (named.name === 'JSON') return fc.oneof(deepJson, junk, fc.jsonValue({ maxDepth: 4 }));
    if (named.name === 'Boolean') return fc.oneof(fc.boolean(), junk);
    return fc.oneof(hostileString, junk);
  }
  return junk;
}

function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>) {
  const args = field.args as GraphQLArgument[];
  const declared = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${kind}${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
}

let fuzzCases = 0;

describe('fuzzing', () => {
  const schema = apiSchemaOf(readFileSync(SUPERGRAPH_PATH, 'utf8'));
  const roots: Array<['query' | 'mutation', GraphQLField<unknown, unknown>]> = [
    ...Object.values(schema.getQueryType()!.getFields()).map((f) => ['query', f] as ['query', GraphQLField<unknown, unknown>]),
    ...Object.values(schema.getMutationType()?.getFields() ?? {}).map((f) => ['mutation', f] as ['mutation', GraphQLField<unknown, unknown>]),
  ];
  const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

  it.each(roots.map(([kind, field]) => [`${kind} ${field.name}`, kind, field] as const))('%s: every argument, hostile values', async (_name, kind, field) => {
    const query = operationFor(kind, field);
    const variables = fc.record(Object.fromEntries(field.args.map((a) => [a.name, valueFor(a.type)])), { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(variables, async (vars) => {
        fuzzCases++;
        const r = await rawGraphQL(query, vars);
        expectClean(r.status, r.text);
        const body = JSON.parse(r.text);
        for (const error of body.errors ?? []) expect(error.extensions?.code).toEqual(expect.any(String));
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  const LIST_PARAMS = ['limit', 'cursor', 'feature', 'outcome', 'created_after', 'created_before', 'tenant_id', 'subject_reference', 'request_id', 'bogus'];
  const rawComponent = fc.oneof(
    // A lone surrogate has no UTF-8 form: encodeURIComponent throws, so it travels as the bytes a careless client sends.
    hostileString.map((s) => { try { return encodeURIComponent(s); } catch { return '%ED%A0%80'; } }),
    fc.constantFrom('%', '%Z', '%E0%A4%A', '%00', '%FF%FE', '+', '%2B', '&', '='),
    fc.string({ maxLength: 20 }),
  );

  it('REST: every parameter of GET /v1/decisions, hostile and repeated', async () => {
    const params = fc.array(fc.tuple(fc.constantFrom(...LIST_PARAMS), rawComponent), { maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(params, async (pairs) => {
        fuzzCases++;
        const search = pairs.map(([k, v]) => `${k}=${v}`).join('&');
        const res = await fetch(`${base}/v1/decisions?${search}`, { headers: key });
        expectClean(res.status, await res.text());
      }),
      { numRuns: RUNS * 3 },
    );
  }, 120_000);

  it('REST: path ids and request ids, hostile', async () => {
    await fc.assert(
      fc.asyncProperty(rawComponent, fc.constantFrom('/v1/decisions/', '/v1/requests/'), async (id, prefix) => {
        fuzzCases++;
        const res = await fetch(`${base}${prefix}${id.replace(/\//g, '%2F') || 'x'}`, { headers: key });
        expectClean(res.status, await res.text());
      }),
      { numRuns: RUNS * 2 },
    );
  }, 120_000);

  it('REST: POST /v1/decisions bodies, hostile', async () => {
    const body = fc.oneof(
      fc.record({ feature: hostileString, subject: fc.record({ type: hostileString, reference: hostileString }), attributes: fc.oneof(deepJson, fc.jsonValue({ maxDepth: 3 })) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.option(hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s) && s.length < 300)), async (value, idempotencyKey) => {
        fuzzCases++;
        const headers: Record<string, string> = { ...key, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) };
        const res = await fetch(`${base}/v1/decisions`, { method: 'POST', headers, body: JSON.stringify(value) });
        expectClean(res.status, await res.text());
      }),
      { numRuns: RUNS * 2 },
    );
  }, 120_000);

  afterAll(async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const still = await postGraphQL(url, '{ __typename }', undefined, key);
    expect(still.status).toBe(200);
    process.stdout.write(`\nfuzz: ${fuzzCases} hostile calls, no 5xx, no leak; the gateway still ready\n`);
  });
});
