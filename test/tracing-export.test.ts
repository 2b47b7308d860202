/**
 * The OTLP exporter against a collector of our own on loopback (a plain
 * HTTP server): spans of a federated query arrive there as OTLP/protobuf
 * with the configured headers; and while the collector hangs, and then
 * after it is gone, queries answer as before and as fast, and the failure
 * is logged, once, without the collector's credentials.
 */
import http from 'node:http';
import { loadEnv } from '../lib/env';
import { listenOn } from '../lib/http';
import { createLogger } from '../lib/logger';
import { setupTracing, type Tracing } from '../lib/tracing-setup';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { graphql, startTestSystem } from './helpers/system';

const creds = testCredentials();
const COLLECTOR_SECRET = 'collector-secret-4f1d9e';
const EXPORT_TIMEOUT_MS = 5_000;
const FEDERATED = '{ decisions(first: 2) { edges { node { id tenant { slug } packageVersion { version package { slug } } lineage { requestId } } } } }';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const received: Received[] = [];
const hanging: http.ServerResponse[] = [];
let mode: 'answer' | 'hang' = 'answer';
const collector = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
    if (mode === 'hang') return void hanging.push(res);
    // An empty ExportTraceServiceResponse: everything accepted.
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    res.end();
  });
});

const logLines: Array<Record<string, any>> = [];
const logger = createLogger('info', {}, (line) => logLines.push(JSON.parse(line)));
let tracing: Tracing;
let system: RunningSystem;
let expected: unknown;

beforeAll(async () => {
  const port = await listenOn(collector, 0, '127.0.0.1');
  tracing = setupTracing(
    loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/`, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${COLLECTOR_SECRET}`, OTEL_EXPORTER_OTLP_TIMEOUT: String(EXPORT_TIMEOUT_MS) }),
    { service: 'gateway', logger },
  );
  expect(tracing.exportUrl).toBe(`http://127.0.0.1:${port}/v1/traces`);
  system = await startTestSystem(undefined, undefined, undefined, logger);
  expected = (await query()).data;
});

afterAll(async () => {
  await system?.close();
  for (const res of hanging) res.destroy();
  collector.closeAllConnections();
  if (collector.listening) await new Promise((resolve) => collector.close(resolve));
  await tracing?.shutdown();
});

async function query() {
  const started = performance.now();
  const res = await graphql(system.gateway.url, FEDERATED, undefined, { 'x-api-key': creds.keys.readA });
  return { ...res, ms: performance.now() - started };
}

/** The trace id the gateway logged for a request. */
function traceIdLogged(requestId: string): string {
  const line = logLines.find((l) => l.msg === 'request' && l.requestId === requestId);
  expect(line?.trace_id).toMatch(/^[0-9a-f]{32}$/);
  return line!.trace_id;
}

it("sends a federated query's spans, every part's, to the collector as OTLP/protobuf with the configured headers", async () => {
  const res = await query();
  expect(res.errors).toBeUndefined();
  const traceId = traceIdLogged(res.headers.get('x-request-id')!);
  await tracing.forceFlush();
  const posts = received.filter((r) => r.method === 'POST' && r.url === '/v1/traces');
  expect(posts.length).toBeGreaterThanOrEqual(1);
  for (const post of posts) {
    expect(post.headers['content-type']).toBe('application/x-protobuf');
    expect(post.headers.authorization).toBe(`Bearer ${COLLECTOR_SECRET}`);
  }
  const bodies = Buffer.concat(posts.map((p) => p.body));
  // Protobuf carries ids as raw bytes and strings as UTF-8: this trace, and the service of every part.
  expect(bodies.includes(Buffer.from(traceId, 'hex'))).toBe(true);
  for (const service of ['gateway', 'decisions', 'audit', 'packages', 'tenants', 'micro-ai-graph']) expect([service, bodies.includes(Buffer.from(service))]).toEqual([service, true]);
});

it('answers queries as before, and without waiting, while the collector takes requests and never answers', async () => {
  mode = 'hang';
  const before = received.length;
  await query();
  // An export in flight that will hang until its timeout.
  const flushing = tracing.forceFlush();
  await waitFor(() => received.length > before);
  for (let i = 0; i < 8; i++) {
    const res = await query();
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual(expected);
    // Far below the export timeout: nothing here waits for the collector.
    expect(res.ms).toBeLessThan(EXPORT_TIMEOUT_MS / 2);
  }
  await flushing;
  expect(logLines.filter((l) => l.msg.startsWith('trace export failed'))).toHaveLength(1);
}, 30_000);

it('answers queries as before once the collector is gone, and a flush still settles', async () => {
  mode = 'answer';
  for (const res of hanging.splice(0)) res.destroy();
  collector.closeAllConnections();
  await new Promise((resolve) => collector.close(resolve));
  for (let i = 0; i < 5; i++) {
    const res = await query();
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual(expected);
  }
  await tracing.forceFlush();
  // Still one line: failures within the minute are counted, not logged again.
  expect(logLines.filter((l) => l.msg.startsWith('trace export failed'))).toHaveLength(1);
  expect(JSON.stringify(logLines)).not.toContain(COLLECTOR_SECRET);
}, 30_000);

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
