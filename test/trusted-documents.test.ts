import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { getIntrospectionQuery, Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { loadManifest, PERSISTED_DOCUMENTS_PATH, TrustedDocuments } from '../gateway/graphql/trusted-documents';
import type { Caller } from '../lib/caller';
import { DEFAULT_LIMITS } from '../lib/limits';
import {
  DashboardHealthDocument,
  DashboardStatsDocument,
  DashboardTenantsDocument,
  DeclinedDecisionsDocument,
  LiveDecisionsDocument,
  RecentDecisionsDocument,
  type DeclinedDecisionsQuery,
} from '../pages/__generated__/graphql';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { connectWs, subscribe, subscriptionRecords, until } from './helpers/stream-clients';
import { sql, startTestSystem, type GraphQLResult } from './helpers/system';

const ROOT = path.resolve(__dirname, '..');
const OPERATIONS_DIR = path.join(ROOT, 'docs', 'operations');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const creds = testCredentials();

/** The manifest as committed: `sha256:<hex>` → printed document. */
const rawManifest = JSON.parse(readFileSync(PERSISTED_DOCUMENTS_PATH, 'utf8')) as Record<string, string>;
const operationFiles = readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.graphql')).sort();
const operationSource = (name: string) => readFileSync(path.join(OPERATIONS_DIR, `${name}.graphql`), 'utf8');
/** The hash the client preset gives a docs/operations file, without its `sha256:` prefix. */
const hashOf = (name: string) => sha256(printExecutableGraphQLDocument(parse(operationSource(name))));

interface Sent {
  status: number;
  headers: Headers;
  body: GraphQLResult;
  requestId: string;
}

/** A GraphQL POST with any body at all, as a client or an attacker would send it. */
async function post(url: string, body: unknown, key: string | null): Promise<Sent> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(key && { 'x-api-key': key }) }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLResult, requestId: res.headers.get('x-request-id')! };
}

const byHash = (hash: string, extra: Record<string, unknown> = {}) => ({ ...extra, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
const codeOf = (sent: Sent) => sent.body.errors?.[0]?.extensions?.code;

describe('the manifest', () => {
  it('names every document by the sha256 of its printed text, as the client preset prints it', () => {
    expect(Object.keys(rawManifest).length).toBeGreaterThanOrEqual(operationFiles.length);
    for (const [key, text] of Object.entries(rawManifest)) {
      expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(key.slice('sha256:'.length)).toBe(sha256(text));
      expect(text).toBe(printExecutableGraphQLDocument(parse(text)));
    }
  });

  it('holds every operation in docs/operations, one named operation per file', () => {
    expect(operationFiles.length).toBeGreaterThanOrEqual(4);
    for (const file of operationFiles) {
      const document = parse(readFileSync(path.join(OPERATIONS_DIR, file), 'utf8'));
      const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      expect(operations.map((o) => `${o.name?.value}.graphql`)).toEqual([file]);
      expect(rawManifest[`sha256:${hashOf(file.replace(/\.graphql$/, ''))}`]).toBe(printExecutableGraphQLDocument(document));
    }
  });

  it('is what the typed client embeds: each TypedDocumentNode carries its manifest hash', () => {
    const hash = (DeclinedDecisionsDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
    expect(hash).toBe(`sha256:${hashOf('DeclinedDecisions')}`);
    expect(rawManifest[hash]).toBe(printExecutableGraphQLDocument(DeclinedDecisionsDocument));
  });

  it('stops the gateway when an entry is not the hash of its document, or is not a hash at all', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifest-'));
    const write = (content: unknown) => {
      const file = path.join(dir, `${randomUUID()}.json`);
      writeFileSync(file, JSON.stringify(content));
      return file;
    };
    const [key, text] = Object.entries(rawManifest)[0]!;
    expect(loadManifest(write({ [key]: text })).get(key.slice(7))).toBe(text);
    // A document swapped under a trusted hash.
    expect(() => loadManifest(write({ [key]: '{ tenants { id name } }' }))).toThrow(/not the sha256 of its document/);
    expect(() => loadManifest(write({ 'sha1:abc': text }))).toThrow(/is not "sha256:/);
    expect(() => loadManifest(write([text]))).toThrow(/JSON object/);
    expect(() => loadManifest(path.join(dir, 'missing.json'))).toThrow(/cannot read/);
  });
});

describe("the README's operations", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('are exactly the files in docs/operations, each shown once, word for word', () => {
    const files = operationFiles.map((f) => readFileSync(path.join(OPERATIONS_DIR, f), 'utf8'));
    expect([...blocks].sort()).toEqual([...files].sort());
  });

  it('are not repeated as text anywhere else in the README, where they could drift', () => {
    // A curl body or a client snippet that carries a document instead of its hash or its file.
    expect(readme.match(/"query"\s*:\s*"/g) ?? []).toEqual([]);
    expect(readme.match(/\bquery:\s*`/g) ?? []).toEqual([]);
  });

  it('are sent by hashes that are in the manifest, each next to its own operation', () => {
    const sent = [...readme.matchAll(/"sha256Hash"\s*:\s*"([0-9a-f]{64})"/g)].map((m) => m[1]!);
    expect(sent.length).toBeGreaterThan(0);
    for (const hash of sent) expect(rawManifest[`sha256:${hash}`]).toEqual(expect.any(String));
    expect(sent).toContain(hashOf('DeclinedDecisions'));
    expect(sent).toContain(hashOf('DecisionLineage'));
  });
});

const caller = (tenantId: string | null): Caller => ({ requestId: 'req_test', actor: 'key:test', tenantId, scopes: new Set(['read']), surface: 'GRAPHQL' });

describe('the APQ store', () => {
  it('stays within its entries and bytes however many documents are registered', () => {
    const trusted = new TrustedDocuments({ mode: 'allow', manifest: new Map(), apq: { maxEntries: 100, maxBytes: 64 * 1024 } });
    for (let i = 0; i < 5_000; i++) {
      const text = `query Q${i} { __typename }${i % 3 === 0 ? ` # ${'x'.repeat(2_000)}` : ''}`;
      trusted.register(caller(i % 2 ? 'tenant-a' : null), sha256(text), text);
      const usage = trusted.apqUsage();
      expect(usage.entries).toBeLessThanOrEqual(100);
      expect(usage.bytes).toBeLessThanOrEqual(64 * 1024);
    }
    expect(trusted.apqUsage().entries).toBeGreaterThan(10);
    // The newest stayed, the oldest went.
    const last = `query Q4999 { __typename }`;
    expect(trusted.resolve(caller('tenant-a'), undefined, byHash(sha256(last)).extensions)).toMatchObject({ ok: true, query: last });
    const first = `query Q1 { __typename }`;
    expect(trusted.resolve(caller('tenant-a'), undefined, byHash(sha256(first)).extensions)).toMatchObject({ ok: false, refusal: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
  });

  it('never stores a document larger than the operation limits allow, nor anything in safelist mode', () => {
    const trusted = new TrustedDocuments({ mode: 'allow', manifest: new Map() });
    const big = `{ __typename } # ${'x'.repeat(DEFAULT_LIMITS.maxDocumentBytes)}`;
    trusted.register(caller(null), sha256(big), big);
    expect(trusted.apqUsage()).toEqual({ entries: 0, bytes: 0 });
    const safelist = new TrustedDocuments({ mode: 'safelist', manifest: new Map() });
    safelist.register(caller(null), sha256('{ __typename }'), '{ __typename }');
    expect(safelist.apqUsage().entries).toBe(0);
  });
});

describe('trusted documents (allow mode, the default)', () => {
  let system: RunningSystem;
  let url: string;
  let scratch: ScratchTenant;
  const APQ = { maxEntries: 20, maxBytes: 256 * 1024 };

  beforeAll(async () => {
    system = await startTestSystem(undefined, undefined, { trustedDocuments: { mode: 'allow', apq: APQ } });
    url = system.gateway.url;
    scratch = await createScratchTenant({ features: [], scopeSets: [['read']] });
  });
  afterAll(() => system?.close());

  /** SQL statements every subgraph has sent so far: a refused call must add none. */
  const statements = () => Object.values(system.subgraphs).reduce((n, s) => n + s.db.statementCount(), 0);

  it('runs a manifest document by its hash, with the same answer as its text', async () => {
    const hash = hashOf('DeclinedDecisions');
    const viaHash = await post(url, byHash(hash), creds.keys.readA);
    const viaText = await post(url, { query: operationSource('DeclinedDecisions') }, creds.keys.readA);
    expect(viaHash.status).toBe(200);
    expect(viaHash.body.errors).toBeUndefined();
    expect((viaHash.body.data as DeclinedDecisionsQuery).decisions!.edges.length).toBe(3);
    // The manifest's text sorts the fields; the values are the same.
    expect(viaHash.body.data).toEqual(viaText.body.data);
    // The audit record names the document that ran.
    const [row] = await sql('SELECT body_sha256, status FROM audit_events WHERE request_id = $1', [viaHash.requestId]);
    expect(row).toEqual({ body_sha256: hash, status: '200' });
  });

  it('takes the hash as the typed client carries it (sha256: prefix), and over GET', async () => {
    const hash = (DeclinedDecisionsDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
    const prefixed = await post(url, byHash(hash), creds.keys.readA);
    expect(prefixed.body.errors).toBeUndefined();
    const typed: DeclinedDecisionsQuery = prefixed.body.data as DeclinedDecisionsQuery;
    expect(typed.decisions!.edges.every((e) => e.node.tenant!.slug === creds.tenantA.slug)).toBe(true);

    const search = new URLSearchParams({ extensions: JSON.stringify(byHash(hashOf('DeclinedDecisions')).extensions) });
    const get = await fetch(`${url}?${search}`, { headers: { 'x-api-key': creds.keys.readA, 'apollo-require-preflight': 'true' } });
    const body = (await get.json()) as GraphQLResult<DeclinedDecisionsQuery>;
    expect(get.status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual(typed);
  });

  it('answers an unknown hash PERSISTED_QUERY_NOT_FOUND in a 200 that no cache keeps, and calls no subgraph', async () => {
    const before = statements();
    const sent = await post(url, byHash(sha256(`query Unknown${randomUUID().replace(/-/g, '')} { __typename }`)), creds.keys.readA);
    expect(sent.status).toBe(200);
    expect(sent.body.errors).toEqual([{ message: expect.stringContaining('PersistedQueryNotFound'), extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', requestId: sent.requestId } }]);
    expect(sent.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    expect(statements()).toBe(before);
    const [row] = await sql('SELECT status, tenant_id FROM audit_events WHERE request_id = $1', [sent.requestId]);
    expect(row).toEqual({ status: '200 PERSISTED_QUERY_NOT_FOUND', tenant_id: creds.tenantA.id });
  });

  it('serves Apollo Client: hash alone, PERSISTED_QUERY_NOT_FOUND, the text with the hash, then the hash alone again', async () => {
    const exchanges: Array<{ sent: Record<string, unknown>; status: number }> = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      exchanges.push({ sent: JSON.parse(String(init?.body)), status: res.status });
      return res;
    };
    const document = parse(`query ToolTenants${randomUUID().replace(/-/g, '')} { tenants { slug plan } }`);
    const newClient = () =>
      new ApolloClient({
        cache: new InMemoryCache(),
        link: new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: url, headers: { 'x-api-key': creds.keys.readA }, fetch: recordingFetch })),
      });
    const first = await newClient().query({ query: document, fetchPolicy: 'no-cache' });
    expect(first.error).toBeUndefined();
    expect(first.data).toEqual({ tenants: [{ __typename: 'Tenant', slug: creds.tenantA.slug, plan: expect.any(String) }] });
    expect(exchanges.map((e) => [e.status, 'query' in e.sent])).toEqual([
      [200, false],
      [200, true],
    ]);
    // A new client (a page reload) asks by hash and is answered at once.
    const again = await newClient().query({ query: document, fetchPolicy: 'no-cache' });
    expect(again.data).toEqual(first.data);
    expect(exchanges.slice(2).map((e) => [e.status, 'query' in e.sent])).toEqual([[200, false]]);
  });

  it('registers a document sent with its hash, and then runs it by hash, measured with each call\'s variables', async () => {
    const query = `query Costly${randomUUID().replace(/-/g, '')}($n: Int) { decisions(first: $n) { edges { node { tenant { decisions(first: $n) { edges { node { id } } } } } } } }`;
    const hash = sha256(query);
    const registered = await post(url, { query, variables: { n: 2 }, ...byHash(hash) }, creds.keys.readA);
    expect(registered.body.errors).toBeUndefined();
    const again = await post(url, { variables: { n: 2 }, ...byHash(hash) }, creds.keys.readA);
    expect(again.body.data).toEqual(registered.body.data);
    // Stored or not, a document is measured against the variables it runs with.
    const before = statements();
    const costly = await post(url, { variables: { n: 100 }, ...byHash(hash) }, creds.keys.readA);
    expect(costly.status).toBe(400);
    expect(codeOf(costly)).toBe('COST_LIMIT_EXCEEDED');
    expect(statements()).toBe(before);
  });

  it('keeps each tenant\'s registrations to that tenant: another tenant gets NOT_FOUND for the same hash', async () => {
    const query = `query Probe { decisions(first: 1, filter: { subjectReference: "cus_${randomUUID()}" }) { totalCount } }`;
    const hash = sha256(query);
    expect((await post(url, { query, ...byHash(hash) }, creds.keys.readA)).body.errors).toBeUndefined();
    expect((await post(url, byHash(hash), creds.keys.readA)).body.errors).toBeUndefined();
    expect(codeOf(await post(url, byHash(hash), creds.keys.readB))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await post(url, byHash(hash), creds.keys.operator))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a hash that is not the document\'s, and stores nothing under either hash', async () => {
    const query = `query Mismatch${randomUUID().replace(/-/g, '')} { __typename }`;
    const claimed = sha256(`query Other${randomUUID()} { __typename }`);
    const before = statements();
    const sent = await post(url, { query, ...byHash(claimed) }, creds.keys.readA);
    expect(sent.status).toBe(400);
    expect(codeOf(sent)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(sent.body.data).toBeUndefined();
    expect(statements()).toBe(before);
    expect(codeOf(await post(url, byHash(claimed), creds.keys.readA))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await post(url, byHash(sha256(query)), creds.keys.readA))).toBe('PERSISTED_QUERY_NOT_FOUND');
    // A manifest hash cannot be claimed for another document either.
    const hijack = await post(url, { query: '{ tenants { id name } }', ...byHash(hashOf('DeclinedDecisions')) }, creds.keys.readA);
    expect(codeOf(hijack)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
  });

  it('stores nothing that broke a limit, failed validation, or came without a credential', async () => {
    let deep = 'id';
    for (let i = 0; i < 10; i++) deep = `decisions(first: 1) { edges { node { tenant { ${deep} } } } }`;
    const cases: Array<[string, string | null, number, string]> = [
      [`query Deep${randomUUID().replace(/-/g, '')} { ${deep} }`, creds.keys.readA, 400, 'DEPTH_LIMIT_EXCEEDED'],
      [`query Big${randomUUID().replace(/-/g, '')} { __typename } # ${'x'.repeat(DEFAULT_LIMITS.maxDocumentBytes)}`, creds.keys.readA, 400, 'DOCUMENT_TOO_LARGE'],
      [`query Aliases${randomUUID().replace(/-/g, '')} { ${Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ')} }`, creds.keys.readA, 400, 'ALIAS_LIMIT_EXCEEDED'],
      [`query Invalid${randomUUID().replace(/-/g, '')} { noSuchField }`, creds.keys.readA, 400, 'GRAPHQL_VALIDATION_FAILED'],
      [`query Anonymous${randomUUID().replace(/-/g, '')} { __typename }`, null, 401, 'UNAUTHENTICATED'],
      [`query Revoked${randomUUID().replace(/-/g, '')} { __typename }`, creds.keys.revokedA, 401, 'UNAUTHENTICATED'],
    ];
    for (const [query, key, status, code] of cases) {
      const sent = await post(url, { query, ...byHash(sha256(query)) }, key);
      expect([sent.status, codeOf(sent)]).toEqual([status, code]);
      expect([code, codeOf(await post(url, byHash(sha256(query)), creds.keys.readA))]).toEqual([code, 'PERSISTED_QUERY_NOT_FOUND']);
    }
  });

  it('refuses a malformed persistedQuery with BAD_REQUEST, before anything runs', async () => {
    const before = statements();
    for (const persistedQuery of [{ version: 2, sha256Hash: hashOf('DeclinedDecisions') }, { version: 1, sha256Hash: 'abc' }, { version: 1 }, 'x', [1], null, { version: 1, sha256Hash: 42 }]) {
      const sent = await post(url, { extensions: { persistedQuery } }, creds.keys.readA);
      expect([sent.status, codeOf(sent)]).toEqual([400, 'BAD_REQUEST']);
    }
    expect(statements()).toBe(before);
  });

  it('keeps the store within its bounds under many distinct registrations over HTTP', async () => {
    const key = scratch.keys.read!;
    const hashes: string[] = [];
    for (let i = 0; i < APQ.maxEntries + 15; i++) {
      const query = `query Many${i}_${randomUUID().replace(/-/g, '')} { __typename }`;
      hashes.push(sha256(query));
      const sent = await post(url, { query, ...byHash(sha256(query)) }, key);
      expect(sent.body.errors).toBeUndefined();
    }
    const found: boolean[] = [];
    for (const hash of hashes) found.push(codeOf(await post(url, byHash(hash), key)) === undefined);
    // Other tests' registrations share the store: at most maxEntries of these are held, the newest first.
    expect(found.filter(Boolean).length).toBeLessThanOrEqual(APQ.maxEntries);
    expect(found.slice(0, 15).some(Boolean)).toBe(false);
    expect(found[found.length - 1]).toBe(true);
  });

  it('gives tenants sharing a manifest hash their own data only', async () => {
    const hash = hashOf('DeclinedDecisions');
    const a = await post(url, byHash(hash), creds.keys.readA);
    const b = await post(url, byHash(hash), creds.keys.readB);
    const slugs = (r: Sent) => new Set((r.body.data as DeclinedDecisionsQuery).decisions!.edges.map((e) => e.node.tenant!.slug));
    expect(slugs(a)).toEqual(new Set([creds.tenantA.slug]));
    expect(slugs(b)).toEqual(new Set([creds.tenantB.slug]));
    const count = async (tenantId: string) => Number((await sql("SELECT count(*) AS n FROM decisions WHERE tenant_id = $1 AND outcome = 'DECLINE'", [tenantId]))[0].n);
    const [countA, countB] = await Promise.all([count(creds.tenantA.id), count(creds.tenantB.id)]);
    // Seeded tenants keep their counts: nothing in this file writes decisions for them.
    expect((a.body.data as DeclinedDecisionsQuery).decisions!.totalCount).toBe(countA);
    expect((b.body.data as DeclinedDecisionsQuery).decisions!.totalCount).toBe(countB);
    expect(countA).not.toBe(countB);
  });
});

describe('trusted documents in safelist mode', () => {
  let system: RunningSystem;
  let url: string;
  let tenant: ScratchTenant;
  /** A manifest document with a string literal holding a space, to show what runs when a client's text is matched by its printed form. */
  const spaced = printExecutableGraphQLDocument(parse('query SpacedSubject { decisions(first: 1, filter: { subjectReference: "cus 42" }) { totalCount } }'));

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'safelist-'));
    const manifestPath = path.join(dir, 'persisted-documents.json');
    writeFileSync(manifestPath, JSON.stringify({ ...rawManifest, [`sha256:${sha256(spaced)}`]: spaced }));
    system = await startTestSystem(undefined, undefined, { trustedDocuments: { mode: 'safelist', manifestPath } });
    url = system.gateway.url;
    tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read'], ['read', 'write']] });
  });
  afterAll(() => system?.close());

  const statements = () => Object.values(system.subgraphs).reduce((n, s) => n + s.db.statementCount(), 0);

  it('refuses an ad-hoc query, by text or with its hash, and calls no subgraph', async () => {
    const query = '{ tenants { id slug } }';
    const before = statements();
    for (const body of [{ query }, { query, ...byHash(sha256(query)) }, byHash(sha256(query))]) {
      const sent = await post(url, body, creds.keys.readA);
      expect([sent.status, codeOf(sent)]).toEqual([400, 'PERSISTED_QUERY_NOT_IN_SAFELIST']);
      expect(sent.body.data).toBeUndefined();
    }
    // Over GET as well.
    const get = await fetch(`${url}?${new URLSearchParams({ query })}`, { headers: { 'x-api-key': creds.keys.readA, 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(400);
    expect(((await get.json()) as GraphQLResult).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_SAFELIST');
    expect(statements()).toBe(before);
    // Refused with its registration: the hash stays unknown.
    expect(codeOf(await post(url, byHash(sha256(query)), creds.keys.readA))).toBe('PERSISTED_QUERY_NOT_IN_SAFELIST');
    const rows = await sql("SELECT count(*) AS n FROM audit_events WHERE tenant_id = $1 AND status = '400 PERSISTED_QUERY_NOT_IN_SAFELIST'", [creds.tenantA.id]);
    expect(Number(rows[0].n)).toBeGreaterThanOrEqual(5);
  });

  it('runs manifest documents by hash, by their manifest text, by their source text, and as graphql-js prints them', async () => {
    const hash = hashOf('DeclinedDecisions');
    const answers = [
      await post(url, byHash(hash), creds.keys.readA),
      await post(url, { query: rawManifest[`sha256:${hash}`] }, creds.keys.readA),
      await post(url, { query: operationSource('DeclinedDecisions') }, creds.keys.readA),
      await post(url, { query: print(DeclinedDecisionsDocument) }, creds.keys.readA),
      await post(url, { query: operationSource('DeclinedDecisions'), ...byHash(hash) }, creds.keys.readA),
    ];
    for (const answer of answers) {
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual(answers[0]!.body.data);
    }
    const lineage = await post(url, { variables: { id: randomUUID() }, ...byHash(hashOf('DecisionLineage')) }, creds.keys.readA);
    expect(lineage.body).toEqual({ data: { lineage: null } });
  });

  it('runs the manifest\'s text when a client\'s text only prints like it, never the client\'s', async () => {
    // Printing collapses white space inside strings: this is another document with the same printed hash.
    const sent = await post(url, { query: 'query SpacedSubject { decisions(first: 1, filter: { subjectReference: "cus    42" }) { totalCount } }' }, creds.keys.readA);
    expect(sent.body.errors).toBeUndefined();
    const [row] = await sql('SELECT body_sha256 FROM audit_events WHERE request_id = $1', [sent.requestId]);
    expect(row.body_sha256).toBe(sha256(spaced));
  });

  it('runs every operation of the dashboard page as the page sends it (printed from its typed document), and its live stream', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 24 * 3_600_000);
    const tenantId = creds.tenantA.id;
    const sends: Array<[string, object, Record<string, unknown>]> = [
      ['DashboardTenants', DashboardTenantsDocument, {}],
      ['DashboardStats', DashboardStatsDocument, { from: from.toISOString(), to: to.toISOString(), timezone: 'UTC', tenantId }],
      ['DashboardHealth', DashboardHealthDocument, { tenantId, window: 'LAST_DAY' }],
      ['RecentDecisions', RecentDecisionsDocument, { tenantId, first: 50 }],
    ];
    for (const [name, document, variables] of sends) {
      const sent = await post(url, { query: print(document as Parameters<typeof print>[0]), variables }, creds.keys.readA);
      expect({ name, status: sent.status, errors: sent.body.errors }).toEqual({ name, status: 200, errors: undefined });
      // And by its hash alone, as a client that trusts the manifest would send it.
      const byItsHash = await post(url, { variables, ...byHash((document as { __meta__: { hash: string } }).__meta__.hash.replace(/^sha256:/, '')) }, creds.keys.readA);
      expect({ name, errors: byItsHash.body.errors }).toEqual({ name, errors: undefined });
    }
    // A tenant of this case's own, so its subscription and decision touch no other case's counts.
    const own = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read'], ['read', 'write']] });
    const { client } = connectWs(url, { apiKey: own.keys.read });
    try {
      const started = await subscriptionRecords(own.id);
      const live = subscribe(client, print(LiveDecisionsDocument), { tenantId: own.id });
      await started.more(1);
      const create = 'mutation DashboardSafelistProbe($input: CreateDecisionInput!) { createDecision(input: $input) { id } }';
      const input = { feature: 'kyc.adaptive', subject: { type: 'person', reference: 'dash-safelist' }, attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 } };
      // Producers write over REST; here the write goes through the graph with an ad-hoc mutation, which the safelist refuses to a tenant.
      expect(codeOf(await post(url, { query: create, variables: { input } }, own.keys['read,write']!))).toBe('PERSISTED_QUERY_NOT_IN_SAFELIST');
      const made = await fetch(url.replace(/\/graphql$/, '/v1/decisions'), { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': own.keys['read,write']! }, body: JSON.stringify(input) });
      expect(made.status).toBe(201);
      const { id } = (await made.json()) as { id: string };
      await until(() => live.events.length === 1);
      expect(live.events[0]!.errors).toBeUndefined();
      expect(live.events[0]!.data.decisionCreated.id).toBe(id);
    } finally {
      await client.dispose();
    }
  });

  it('refuses introspection to tenants and lets the platform operator run anything, unregistered', async () => {
    const introspection = getIntrospectionQuery();
    expect(codeOf(await post(url, { query: introspection }, creds.keys.readA))).toBe('PERSISTED_QUERY_NOT_IN_SAFELIST');
    const operatorIntrospection = await post(url, { query: introspection }, creds.keys.operator);
    expect(operatorIntrospection.body.errors).toBeUndefined();
    const adHoc = `query OperatorAdHoc { tenants { slug } }`;
    const operator = await post(url, { query: adHoc, ...byHash(sha256(adHoc)) }, creds.keys.operator);
    expect(operator.body.errors).toBeUndefined();
    expect((operator.body.data as { tenants: unknown[] }).tenants.length).toBeGreaterThan(1);
    // Nothing was registered for anyone, the operator included.
    expect(codeOf(await post(url, byHash(sha256(adHoc)), creds.keys.operator))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await post(url, byHash(sha256(adHoc)), creds.keys.readA))).toBe('PERSISTED_QUERY_NOT_IN_SAFELIST');
  });

  it('holds subscriptions to the safelist over graphql-ws and graphql-sse', async () => {
    const { client, closed } = connectWs(url, { apiKey: tenant.keys.read });
    try {
      const adHoc = subscribe(client, 'subscription { decisionCreated { id tenant { slug } } }');
      const errors = (await Promise.race([adHoc.error, new Promise((r) => setTimeout(() => r('admitted'), 5_000))])) as Array<{ message: string; extensions?: Record<string, unknown> }>;
      expect(errors.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_IN_SAFELIST']);

      const started = await subscriptionRecords(tenant.id);
      const trusted = subscribe(client, operationSource('DecisionsToReview'));
      await started.more(1);
      // REST runs the server's own operations, which the safelist does not cover.
      const made = await fetch(url.replace(/\/graphql$/, '/v1/decisions'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': tenant.keys['read,write']! },
        body: JSON.stringify({ feature: 'kyc.adaptive', subject: { type: 'person', reference: 'cus_safelist' }, attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.9, sanctionsMatch: true, deviceAgeDays: 300 } }),
      });
      expect(made.status).toBe(201);
      const decision = (await made.json()) as { id: string; outcome: string };
      expect(decision.outcome).toBe('DECLINE');
      await until(() => trusted.events.length > 0, 10_000);
      expect(trusted.events[0]!.data.decisionCreated).toMatchObject({ id: decision.id, outcome: 'DECLINE', tenant: { slug: tenant.slug } });
      trusted.stop();
    } finally {
      client.dispose();
      await closed;
    }

    const sse = await fetch(url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': tenant.keys.read! },
      body: JSON.stringify({ query: 'subscription { decisionCreated { id } }' }),
    });
    expect(sse.status).toBe(400);
    expect(((await sse.json()) as GraphQLResult).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_SAFELIST');
  });
});
