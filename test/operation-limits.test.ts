import { getIntrospectionQuery, isListType, isNonNullType, isObjectType, getNamedType } from 'graphql';
import { readFileSync } from 'node:fs';
import { apiSchemaOf } from '../gateway/graphql/apollo';
import { LIST_SIZES } from '../schema/demand';
import { SUPERGRAPH_PATH } from '../lib/supergraph';
import { DEFAULT_LIMITS } from '../lib/limits';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { graphql, postGraphQL, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
});
afterAll(() => system?.close());

/** SQL statements every subgraph has sent so far: a refused operation must add none. */
const statements = () => Object.values(system.subgraphs).reduce((n, s) => n + s.db.statementCount(), 0);

function nested(levels: number): string {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `decisions(first: 2) { edges { node { tenant { ${inner} } } } }`;
  return `{ ${inner} }`;
}

async function refused(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const before = statements();
  const started = performance.now();
  const result = await graphql(url, query, variables, headers);
  const ms = performance.now() - started;
  return { ...result, ms, statements: statements() - before, error: result.errors?.[0] };
}

describe('operation limits', () => {
  it('refuse a 40-level nested query at once, with the limit it broke, and call no subgraph', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const r = await refused(nested(40));
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.error?.extensions).toMatchObject({ code: 'DEPTH_LIMIT_EXCEEDED', limit: { name: 'maxDepth', max: DEFAULT_LIMITS.maxDepth, actual: 161 } });
    expect(r.error?.extensions?.requestId).toEqual(expect.any(String));
    expect(r.statements).toBe(0);
    expect(r.ms).toBeLessThan(500);
    // Nothing close to the answer's size (which doubles per level) was ever built.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuse 1000 aliases, and 101 aliases of __typename', async () => {
    // As reported: 43 KB, so the document size bound stops it first.
    const reported = await refused(`{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: decisions(first: 100) { totalCount }`).join(' ')} }`);
    expect(reported.status).toBe(400);
    expect(reported.error?.extensions?.code).toMatch(/_LIMIT_EXCEEDED$|^DOCUMENT_TOO_LARGE$/);
    expect(reported.statements).toBe(0);
    const many = await refused(`{ ${Array.from({ length: 400 }, (_, i) => `a${i}:tenants{slug}`).join(' ')} }`);
    expect(many.error?.extensions).toMatchObject({ code: 'ALIAS_LIMIT_EXCEEDED', limit: { name: 'maxAliases', actual: 400 } });
    expect(many.statements).toBe(0);
    const typenames = await refused(`{ ${Array.from({ length: 101 }, (_, i) => `t${i}: __typename`).join(' ')} }`);
    expect(typenames.error?.extensions?.code).toBe('ALIAS_LIMIT_EXCEEDED');
  });

  it('refuse 1000 unknown directives with one error, not a hundred', async () => {
    const r = await refused(`{ tenants ${Array.from({ length: 1000 }, (_, i) => `@d${i}`).join(' ')} { slug } }`);
    expect(r.errors).toHaveLength(1);
    expect(r.error?.extensions).toMatchObject({ code: 'DIRECTIVE_LIMIT_EXCEEDED', limit: { name: 'maxDirectives', actual: 1000 } });
  });

  it('count fragments where they are spread: a fragment named __schema does not escape the depth limit', async () => {
    let fragments = 'fragment __schema on Tenant { id }';
    let spread = '__schema';
    for (let i = 0; i < 14; i++) {
      fragments += ` fragment f${i} on Tenant { decisions(first: 1) { edges { node { tenant { ...${spread} } } } } }`;
      spread = `f${i}`;
    }
    const r = await refused(`{ tenants { ...${spread} } } ${fragments}`);
    expect(r.error?.extensions?.code).toBe('DEPTH_LIMIT_EXCEEDED');
    const inline = await refused(`{ tenants { ... on Tenant { decisions { edges { node { ... on Decision { tenant { decisions { edges { node { tenant { decisions { edges { node { id } } } } } } } } } } } } } } }`);
    expect(inline.error?.extensions?.code).toBe('DEPTH_LIMIT_EXCEEDED');
  });

  it('measure fragments that spread each other twice over in linear time', async () => {
    // 2^30 expansions if measured naively.
    let fragments = 'fragment f0 on Tenant { slug }';
    for (let i = 1; i <= 30; i++) fragments += ` fragment f${i} on Tenant { ...f${i - 1} ...f${i - 1} }`;
    const r = await refused(`{ tenants { ...f30 } } ${fragments}`);
    expect(r.ms).toBeLessThan(1_000);
    expect(r.status).toBeLessThan(500);
  });

  it('price lists by their slicing argument, and refuse what costs too much', async () => {
    const r = await refused('{ decisions(first: 100) { edges { node { tenant { decisions(first: 100) { edges { node { id } } } } } } } }');
    expect(r.error?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: { name: 'maxCost', max: DEFAULT_LIMITS.maxCost } });
    expect((r.error?.extensions?.limit as { actual: number }).actual).toBeGreaterThan(10_000);
    expect(r.statements).toBe(0);
    // A size given in a variable is read from the variables.
    const viaVariable = await refused('query($n: Int) { decisions(first: $n) { edges { node { tenant { decisions(first: $n) { edges { node { id } } } } } } } }', { n: 100 });
    expect(viaVariable.error?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    const small = await graphql(url, 'query($n: Int) { decisions(first: $n) { edges { node { tenant { decisions(first: $n) { edges { node { id } } } } } } } }', { n: 3 });
    expect(small.errors).toBeUndefined();
  });

  it('refuse too many root fields, too many tokens and too large a document', async () => {
    const roots = await refused(`{ ${Array.from({ length: 21 }, () => 'tenants { slug }').join(' ')} }`);
    expect(roots.error?.extensions).toMatchObject({ code: 'ROOT_FIELD_LIMIT_EXCEEDED', limit: { name: 'maxRootFields', actual: 21 } });
    const tokens = await refused(`{ tenants { ${'slug '.repeat(3_000)} } }`);
    expect(tokens.error?.extensions).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED', limit: { name: 'maxTokens' } });
    const big = await refused(`{ tenants { slug } } # ${'x'.repeat(40_000)}`);
    expect(big.error?.extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', limit: { name: 'maxDocumentBytes' } });
  });

  it('record every refusal in the audit trail under its request id', async () => {
    const correlationId = `limits-audit-${Date.now()}`;
    const r = await refused(nested(20), undefined, { 'x-request-id': correlationId, 'x-api-key': testCredentials().keys.readA });
    expect(r.error?.extensions?.requestId).toMatch(/^req_[0-9a-f]{32}$/);
    const rows = await sql('SELECT status, surface, actor, tenant_id FROM audit_events WHERE request_id = $1 AND correlation_id = $2', [r.error?.extensions?.requestId, correlationId]);
    expect(rows).toEqual([{ status: '400 DEPTH_LIMIT_EXCEEDED', surface: 'GRAPHQL', actor: expect.stringMatching(/^key:/), tenant_id: testCredentials().tenantA.id }]);
  });

  it('admit the queries the graph is built for', async () => {
    const dashboard = await graphql(url, `{ decisions(first: 20, filter: { outcome: [DECLINE, REVIEW] }) { edges { node {
      tenant { slug plan installations { installedAt packageVersion { version package { slug } } } }
      packageVersion { version conformanceScore package { slug riskTier } } lineage { requestId events { action surface } } } } } }`);
    expect(dashboard.errors).toBeUndefined();
  });
});

describe('introspection', () => {
  it('is open to any caller with the read scope, as GraphiQL asks for it', async () => {
    const r = await graphql(url, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), undefined, { 'x-api-key': testCredentials().keys.readA });
    expect(r.errors).toBeUndefined();
    expect((r.data as any).__schema.types.map((t: { name: string }) => t.name)).toContain('Decision');
  });

  it('is refused without the read scope, and to anonymous callers', async () => {
    const writeOnly = await graphql(url, '{ __schema { queryType { name } } }', undefined, { 'x-api-key': testCredentials().keys.writeOnlyA });
    expect(writeOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await postGraphQL(url, '{ __schema { queryType { name } } }', undefined, {});
    expect(anonymous.status).toBe(401);
  });

  it('has its own depth and cost bounds', async () => {
    const cyclic = await refused('{ __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }');
    expect(cyclic.error?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    expect(cyclic.error?.extensions?.limit).toMatchObject({ name: 'maxIntrospectionCost' });
    let ofType = 'name';
    for (let i = 0; i < 20; i++) ofType = `ofType { ${ofType} }`;
    const deep = await refused(`{ __type(name: "Decision") { fields { type { ${ofType} } } } }`);
    expect(deep.error?.extensions).toMatchObject({ code: 'DEPTH_LIMIT_EXCEEDED', limit: { name: 'maxIntrospectionDepth' } });
  });
});

describe('error messages', () => {
  it('never suggest schema names', async () => {
    const r = await graphql(url, '{ decisionz(first: 1) { totalCount } tenants { slugg } }');
    expect(r.errors?.length).toBeGreaterThan(0);
    for (const e of r.errors!) expect(e.message).not.toMatch(/did you mean/i);
  });
});

describe('the demand table', () => {
  it('names every list of objects in the API schema', () => {
    const schema = apiSchemaOf(readFileSync(SUPERGRAPH_PATH, 'utf8'));
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__') || type.name.endsWith('Connection')) continue;
      for (const field of Object.values(type.getFields())) {
        const inner = isNonNullType(field.type) ? field.type.ofType : field.type;
        const listOfObjects = isListType(inner) && isObjectType(getNamedType(field.type));
        const connection = getNamedType(field.type).name.endsWith('Connection');
        if ((listOfObjects || connection) && !LIST_SIZES[`${type.name}.${field.name}`]) missing.push(`${type.name}.${field.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('answer bounds', () => {
  let bounded: RunningSystem;
  let slow: RunningSystem;
  beforeAll(async () => {
    bounded = await startTestSystem(undefined, undefined, { limits: { operation: DEFAULT_LIMITS, answer: { maxResponseBytes: 4_096, operationTimeoutMs: 15_000 } } });
    slow = await startTestSystem(undefined, undefined, { limits: { operation: DEFAULT_LIMITS, answer: { maxResponseBytes: 8 * 2 ** 20, operationTimeoutMs: 1 } } });
  });
  afterAll(async () => {
    await bounded?.close();
    await slow?.close();
  });

  it('stop gathering subgraph answers past the response bound, with RESPONSE_TOO_LARGE', async () => {
    const r = await graphql(bounded.gateway.url, '{ decisions(first: 100) { edges { node { id feature reasons inputHash policyHash subject { reference } } } } }');
    expect(r.status).toBeLessThan(500);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limit: { name: 'maxResponseBytes', max: 4_096 } });
    const small = await graphql(bounded.gateway.url, '{ decisions(first: 2) { edges { node { id } } } }');
    expect(small.errors).toBeUndefined();
  });

  it('answer OPERATION_TIMEOUT when an operation outlives its deadline, and keep answering others', async () => {
    const r = await graphql(slow.gateway.url, '{ decisions(first: 50) { totalCount edges { node { id tenant { slug } } } } }');
    expect(r.status).toBe(504);
    expect(r.errors?.[0]?.extensions?.code).toBe('OPERATION_TIMEOUT');
    const health = await fetch(slow.gateway.url.replace(/\/graphql$/, '/healthz'));
    expect(health.status).toBe(200);
  });
});
