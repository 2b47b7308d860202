/**
 * OpenTelemetry traces across the gateway, the subgraphs and their SQL,
 * with an in-memory exporter for this test process and every server real:
 * one federated query must make one trace, with a server span from each
 * subgraph it touched under the gateway fetch span its signed caller token
 * named, SQL spans under those, and log lines that lead to it; and no
 * header a caller sends may move a span into another trace, nor any secret
 * reach a span.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { SpanKind } from '@opentelemetry/api';
import type { Caller } from '../lib/caller';
import { loadEnv } from '../lib/env';
import { decodeKeyPair } from '../lib/internal-keys';
import { CallerSigner, INTERNAL_CALLER_HEADER } from '../lib/internal-token';
import { createLogger } from '../lib/logger';
import { newRequestId } from '../lib/request-id';
import { setupTracing, type Tracing } from '../lib/tracing-setup';
import type { SubgraphName } from '../lib/supergraph';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { graphql, postGraphQL, startTestSystem } from './helpers/system';

const creds = testCredentials();
const exporter = new InMemorySpanExporter();
const logLines: Array<Record<string, any>> = [];
const logger = createLogger('debug', {}, (line) => logLines.push(JSON.parse(line)));
const SUBGRAPHS: SubgraphName[] = ['decisions', 'tenants', 'packages', 'audit'];
const FEDERATED = `query TracedDecisions($n: Int!) {
  decisions(first: $n) { edges { node { id tenant { slug } packageVersion { version package { slug } } lineage { requestId } } } }
}`;

let tracing: Tracing;
let system: RunningSystem;
let signer: CallerSigner;

beforeAll(async () => {
  tracing = setupTracing(loadEnv({}), { service: 'gateway', logger, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  system = await startTestSystem(undefined, undefined, undefined, logger);
  signer = new CallerSigner(decodeKeyPair(creds.callerKeys).privateKey);
});

afterAll(async () => {
  await system?.close();
  await tracing?.shutdown();
});

const serviceOf = (span: ReadableSpan) => span.resource.attributes['service.name'];
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceIdOf = (span: ReadableSpan) => span.spanContext().traceId;
const isSql = (span: ReadableSpan) => span.attributes['db.system'] === 'postgresql';
const ms = (span: ReadableSpan) => span.duration[0] * 1e3 + span.duration[1] / 1e6;

/** The server span a service made for one request id, once it has ended. */
async function serverSpan(service: string, requestId: string, timeoutMs = 5_000): Promise<ReadableSpan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && serviceOf(s) === service && s.attributes['micro_ai.request_id'] === requestId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${service} server span for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every finished span of the trace the gateway began for `requestId`, once every fetch it sent has its subgraph's span. */
async function traceOf(requestId: string): Promise<{ root: ReadableSpan; spans: ReadableSpan[] }> {
  const root = await serverSpan('gateway', requestId);
  const deadline = Date.now() + 5_000;
  for (;;) {
    const spans = exporter.getFinishedSpans().filter((s) => traceIdOf(s) === traceIdOf(root));
    const sent = spans.filter((s) => s.kind === SpanKind.CLIENT && serviceOf(s) === 'gateway' && s.attributes['peer.service'] && !s.attributes['micro_ai.subgraph_fetch.shared']);
    if (sent.every((fetch) => spans.some((s) => parentOf(s) === idOf(fetch)))) return { root, spans };
    if (Date.now() > deadline) throw new Error(`the trace of ${requestId} did not complete`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The chain of spans from `span` up to the root of its trace (stops where a parent is missing). */
function ancestry(span: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.map((s) => [idOf(s), s]));
  const chain: ReadableSpan[] = [];
  for (let at: ReadableSpan | undefined = span; at; at = parentOf(at) ? byId.get(parentOf(at)!) : undefined) chain.push(at);
  return chain;
}

/** The trace as an indented tree: name, service, duration. */
function drawTree(root: ReadableSpan, spans: ReadableSpan[]): string {
  const children = (id: string) => spans.filter((s) => parentOf(s) === id).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  const lines: string[] = [];
  const walk = (span: ReadableSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${span.name} [${serviceOf(span)}] ${ms(span).toFixed(1)} ms`);
    for (const child of children(idOf(span))) walk(child, depth + 1);
  };
  walk(root, 0);
  return lines.join('\n');
}

function tokenFor(audience: SubgraphName, traceparent?: string, caller: Partial<Caller> = {}): { caller: Caller; header: Record<string, string> } {
  const full: Caller = { requestId: newRequestId(), actor: 'test', tenantId: null, scopes: new Set(['read']), surface: 'GRAPHQL', ...caller };
  return { caller: full, header: { [INTERNAL_CALLER_HEADER]: signer.sign(full, audience, Date.now(), traceparent) } };
}

const hex = (bytes: number) => Array.from({ length: bytes }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join('');

describe('one federated query', () => {
  let requestId: string;
  let root: ReadableSpan;
  let spans: ReadableSpan[];

  beforeAll(async () => {
    // Once cold (plans, pools, Prisma's first compile), then the query the assertions read.
    expect((await graphql(system.gateway.url, FEDERATED, { n: 3 }, { 'x-api-key': creds.keys.readA })).errors).toBeUndefined();
    const res = await graphql(system.gateway.url, FEDERATED, { n: 3 }, { 'x-api-key': creds.keys.readA });
    expect(res.errors).toBeUndefined();
    expect(res.data.decisions.edges).toHaveLength(3);
    for (const { node } of res.data.decisions.edges) {
      expect(node.tenant.slug).toBe(creds.tenantA.slug);
      expect(node.packageVersion.package.slug).toEqual(expect.any(String));
      expect(node.lineage.requestId).toMatch(/^req_/);
    }
    requestId = res.headers.get('x-request-id')!;
    ({ root, spans } = await traceOf(requestId));
    process.stdout.write(`\nthe trace of one federated query:\n${drawTree(root, spans)}\n`);
  });

  it("is one trace, rooted at the gateway's request span, every span of it below that root", () => {
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.name).toBe('POST /graphql');
    expect(root.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'http.response.status_code': 200,
      'micro_ai.surface': 'GRAPHQL',
      'micro_ai.tenant_id': creds.tenantA.id,
      'graphql.operation.name': 'TracedDecisions',
      'graphql.operation.type': 'query',
    });
    for (const span of spans) expect([span.name, ancestry(span, spans).at(-1)]).toEqual([span.name, root]);
    // And nothing this request did went to another trace.
    const elsewhere = exporter.getFinishedSpans().filter((s) => s.attributes['micro_ai.request_id'] === requestId && traceIdOf(s) !== traceIdOf(root));
    expect(elsewhere).toEqual([]);
  });

  it.each(SUBGRAPHS)("has the %s subgraph's server span, a child of the gateway's fetch span for it", (name) => {
    const served = spans.filter((s) => s.kind === SpanKind.SERVER && serviceOf(s) === name);
    expect(served.length).toBeGreaterThanOrEqual(1);
    for (const span of served) {
      expect(span.name).toBe('POST /graphql');
      expect(span.attributes).toMatchObject({ 'micro_ai.request_id': requestId, 'http.response.status_code': 200, 'micro_ai.tenant_id': creds.tenantA.id });
      // Its parent came from the signed token: the gateway's client span for this very subgraph.
      const parent = spans.find((s) => idOf(s) === parentOf(span))!;
      expect(parent).toBeDefined();
      expect(parent.kind).toBe(SpanKind.CLIENT);
      expect(serviceOf(parent)).toBe('gateway');
      expect(parent.name).toBe(`POST ${name}`);
      expect(parent.attributes).toMatchObject({ 'peer.service': name, 'http.response.status_code': 200 });
      expect(span.parentSpanContext!.isRemote).toBe(true);
    }
  });

  it.each(SUBGRAPHS)('has SQL spans of the %s subgraph, each directly under its server span, with the statement and not its values', (name) => {
    const sql = spans.filter((s) => isSql(s) && serviceOf(s) === name);
    expect(sql.length).toBeGreaterThanOrEqual(1);
    for (const span of sql) {
      const parent = spans.find((s) => idOf(s) === parentOf(span))!;
      expect([parent.kind, serviceOf(parent)]).toEqual([SpanKind.SERVER, name]);
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.attributes['db.statement']).toEqual(expect.stringMatching(/^\s*(SELECT|WITH|BEGIN|COMMIT|INSERT)/i));
      expect(span.attributes['db.name']).toEqual(expect.any(String));
    }
  });

  it("has the gateway's own SQL (the call's audit record) under its root", () => {
    const insert = spans.filter((s) => isSql(s) && serviceOf(s) === 'gateway' && /INSERT INTO audit_events/i.test(String(s.attributes['db.statement'])));
    expect(insert.length).toBeGreaterThanOrEqual(1);
    for (const span of insert) expect(ancestry(span, spans).at(-1)).toBe(root);
  });

  it('has log lines that carry its trace id and the span they were written in, and its request id', () => {
    const mine = logLines.filter((l) => l.requestId === requestId);
    const access = mine.find((l) => l.msg === 'request' && l.service === 'gateway');
    expect(access).toMatchObject({ trace_id: traceIdOf(root), span_id: idOf(root), status: 200 });
    for (const name of SUBGRAPHS) {
      const lines = mine.filter((l) => l.msg === 'request' && l.subgraph === name);
      expect(lines.length).toBeGreaterThanOrEqual(1);
      const served = new Set(spans.filter((s) => s.kind === SpanKind.SERVER && serviceOf(s) === name).map(idOf));
      for (const line of lines) {
        expect(line.trace_id).toBe(traceIdOf(root));
        expect(served.has(line.span_id)).toBe(true);
      }
    }
    // And the other way round: every line with this trace id is this request's.
    for (const line of logLines.filter((l) => l.trace_id === traceIdOf(root))) expect(line.requestId).toBe(requestId);
  });
});

describe('concurrent queries on small pools', () => {
  it('keep each statement in the trace of the request that sent it, even when the pool queued it behind another request', async () => {
    const before = Object.fromEntries(SUBGRAPHS.map((name) => [name, system.subgraphs[name].db.statementCount()]));
    // Distinct sizes, so no fetch is shared; twelve at once on pools of three queue at the pool.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => graphql(system.gateway.url, FEDERATED, { n: i + 1 }, { 'x-api-key': creds.keys.readA })));
    for (const res of answers) expect(res.errors).toBeUndefined();
    const traces = await Promise.all(answers.map((res) => traceOf(res.headers.get('x-request-id')!)));
    for (const name of SUBGRAPHS) {
      // Every statement each subgraph sent is one span of one of these traces (none lost to a wrong context, none twice)...
      const sent = system.subgraphs[name].db.statementCount() - before[name]!;
      const perTrace = traces.map(({ spans }) => spans.filter((s) => isSql(s) && serviceOf(s) === name).length);
      expect([name, perTrace.reduce((a, b) => a + b, 0)]).toEqual([name, sent]);
      // ...and in its own request's: the twelve have one shape, so each sent as many.
      expect([name, new Set(perTrace).size]).toEqual([name, 1]);
    }
    for (const { root, spans } of traces) {
      const requestId = root.attributes['micro_ai.request_id'];
      for (const span of spans.filter((s) => 'micro_ai.request_id' in s.attributes)) expect(span.attributes['micro_ai.request_id']).toBe(requestId);
      for (const line of logLines.filter((l) => l.trace_id === traceIdOf(root))) expect(line.requestId).toBe(requestId);
    }
  });

  it('share one fetch of identical reads in flight, which belongs to the first trace; the others are flagged and linked to it', async () => {
    const query = '{ decisions(first: 2) { edges { node { id outcome } } } }';
    const answers = await Promise.all(Array.from({ length: 20 }, () => graphql(system.gateway.url, query, undefined, { 'x-api-key': creds.keys.readA })));
    for (const res of answers) expect(res.errors).toBeUndefined();
    const traces = await Promise.all(answers.map((res) => traceOf(res.headers.get('x-request-id')!)));
    const fetches = traces.flatMap(({ spans }) => spans.filter((s) => s.kind === SpanKind.CLIENT && s.attributes['peer.service'] === 'decisions'));
    expect(fetches).toHaveLength(20);
    const shared = fetches.filter((s) => s.attributes['micro_ai.subgraph_fetch.shared'] === true);
    const sent = fetches.filter((s) => !s.attributes['micro_ai.subgraph_fetch.shared']);
    expect(shared.length).toBeGreaterThanOrEqual(1);
    const sentIds = new Set(sent.map(idOf));
    for (const span of shared) {
      expect(span.links).toHaveLength(1);
      expect(sentIds.has(span.links[0]!.context.spanId)).toBe(true);
      expect(span.links[0]!.context.traceId).not.toBe(traceIdOf(span));
      // No subgraph span answers it in its own trace: the request went once, in the sender's.
      const own = traces.find(({ root }) => traceIdOf(root) === traceIdOf(span))!;
      expect(own.spans.filter((s) => s.kind === SpanKind.SERVER && serviceOf(s) === 'decisions')).toEqual([]);
    }
    for (const span of sent) {
      const own = traces.find(({ root }) => traceIdOf(root) === traceIdOf(span))!;
      expect(own.spans.filter((s) => s.kind === SpanKind.SERVER && serviceOf(s) === 'decisions' && parentOf(s) === idOf(span))).toHaveLength(1);
    }
  });
});

describe('trace context from outside', () => {
  it("is taken by a subgraph from the signed token only: a forged traceparent header moves nothing", async () => {
    const gatewayTrace = hex(16);
    const gatewaySpan = hex(8);
    const forgedTrace = hex(16);
    const forged = { traceparent: `00-${forgedTrace}-${hex(8)}-01` };
    const withTp = tokenFor('tenants', `00-${gatewayTrace}-${gatewaySpan}-01`);
    const answer = await postGraphQL(system.subgraphs.tenants.url, '{ tenants { slug } }', undefined, { ...withTp.header, ...forged });
    expect(answer.status).toBe(200);
    const span = await serverSpan('tenants', withTp.caller.requestId);
    expect([traceIdOf(span), span.parentSpanContext?.spanId]).toEqual([gatewayTrace, gatewaySpan]);

    // Without a traceparent in the token the call is a root of its own, whatever the header says.
    const without = tokenFor('tenants');
    expect((await postGraphQL(system.subgraphs.tenants.url, '{ tenants { slug } }', undefined, { ...without.header, ...forged })).status).toBe(200);
    const alone = await serverSpan('tenants', without.caller.requestId);
    expect(alone.parentSpanContext).toBeUndefined();

    // A refused token's call is a root too, saying why it was refused.
    const refused = await postGraphQL(system.subgraphs.tenants.url, '{ tenants { slug } }', undefined, { ...tokenFor('audit').header, ...forged });
    expect(refused.status).toBe(401);
    const refusal = await serverSpan('tenants', refused.headers.get('x-request-id')!);
    expect(refusal.parentSpanContext).toBeUndefined();
    expect(refusal.attributes).toMatchObject({ 'micro_ai.caller_token.refusal': 'wrong_audience', 'http.response.status_code': 401 });

    expect(exporter.getFinishedSpans().filter((s) => traceIdOf(s) === forgedTrace)).toEqual([]);
  });

  it("is only linked at the gateway: a client's traceparent names neither our trace nor, unsampled, whether we record", async () => {
    const clientTrace = hex(16);
    const clientSpan = hex(8);
    const res = await graphql(system.gateway.url, FEDERATED, { n: 1 }, { 'x-api-key': creds.keys.readA, traceparent: `00-${clientTrace}-${clientSpan}-00` });
    expect(res.errors).toBeUndefined();
    const { root, spans } = await traceOf(res.headers.get('x-request-id')!);
    expect(traceIdOf(root)).not.toBe(clientTrace);
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[clientTrace, clientSpan]]);
    // Recorded, and sent on to the subgraphs as sampled, whatever the client's flag said.
    expect(spans.filter((s) => s.kind === SpanKind.SERVER && serviceOf(s) !== 'gateway').length).toBeGreaterThanOrEqual(4);
    expect(exporter.getFinishedSpans().filter((s) => traceIdOf(s) === clientTrace)).toEqual([]);
  });
});

describe('the REST facade', () => {
  it("names its spans by the endpoint's template, and its fetches are in the call's trace", async () => {
    const res = await fetch(system.gateway.url.replace('/graphql', '/v1/decisions?limit=2'), { headers: { 'x-api-key': creds.keys.readA } });
    expect(res.status).toBe(200);
    const { root, spans } = await traceOf(res.headers.get('x-request-id')!);
    expect(root.name).toBe('GET /v1/decisions');
    expect(root.attributes).toMatchObject({ 'http.route': '/v1/decisions', 'micro_ai.surface': 'REST', 'http.response.status_code': 200 });
    expect(spans.some((s) => s.kind === SpanKind.SERVER && serviceOf(s) === 'decisions')).toBe(true);
  });
});

describe('secrets', () => {
  it('reach no span: not an API key, not a caller token, not a variable value, not a value sent to SQL', async () => {
    const reference = `cus_secret_${hex(6)}`;
    const res = await graphql(
      system.gateway.url,
      'query($ref: String!) { decisions(first: 2, filter: { subjectReference: $ref }) { edges { node { id } } } }',
      { ref: reference },
      { authorization: `Bearer ${creds.keys.readA}` },
    );
    expect(res.errors).toBeUndefined();
    const { spans } = await traceOf(res.headers.get('x-request-id')!);
    // The variable went to SQL, as a parameter: the statement is recorded, its value is not.
    const filtered = spans.filter((s) => isSql(s) && serviceOf(s) === 'decisions' && /\$\d/.test(String(s.attributes['db.statement'])));
    expect(filtered.length).toBeGreaterThanOrEqual(1);

    const everything = JSON.stringify(
      exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, links: s.links, events: s.events, status: s.status, resource: s.resource.attributes })),
    );
    expect(everything).not.toContain(reference);
    for (const key of Object.values(creds.keys)) expect(everything).not.toContain(key);
    expect(everything).not.toContain(creds.cursorSecret);
    expect(everything).not.toMatch(/mai_(test|live)_/);
    expect(everything).not.toMatch(/v2\.[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{86}/);
    expect(everything).not.toMatch(/x-internal-caller|x-api-key|authorization/i);
  });
});
