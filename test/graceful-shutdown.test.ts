import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { connectSse, connectWs, decide, subscribe, until } from './helpers/stream-clients';
import { sql, startTestSystem, testDatabaseUrl } from './helpers/system';

/**
 * The gateway as deployed (gateway/index.ts, its own process) told to stop
 * with SIGTERM while it holds a WebSocket stream, an SSE stream and an HTTP
 * request half received: it stops accepting at once, finishes the request,
 * closes the WebSocket with 1001 and ends the SSE stream with SHUTTING_DOWN,
 * writes the request's audit record, and exits 0 within 10 s; the stream
 * clients resume from their last cursor on another gateway and miss nothing.
 */
const WATCH = 'subscription($after: String) { decisionCreated(after: $after) { id streamCursor } }';

let system: RunningSystem;
let tenant: ScratchTenant;
let child: ChildProcess;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
let output = '';

/** Starts gateway/index.ts in front of the test system's subgraphs, on a free port; resolves with its /graphql URL. */
async function startGatewayProcess(): Promise<string> {
  const creds = testCredentials();
  child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', 'gateway', 'index.ts')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: testDatabaseUrl(),
      INTERNAL_AUTH_PRIVATE_KEY: creds.callerKeys.privateKey,
      AUDIT_CHECKPOINT_PRIVATE_KEY: creds.auditCheckpoint.privateKey,
      DECISIONS_URL: system.subgraphs.decisions.url,
      AUDIT_URL: system.subgraphs.audit.url,
      PACKAGES_URL: system.subgraphs.packages.url,
      TENANTS_URL: system.subgraphs.tenants.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  child.stdout!.on('data', (c: Buffer) => void (output += c));
  child.stderr!.on('data', (c: Buffer) => void (output += c));
  await until(() => /"msg":"gateway listening"/.test(output) || child.exitCode !== null, 60_000);
  const url = /"msg":"gateway listening".*?"url":"([^"]+)"/.exec(output)?.[1];
  if (!url) throw new Error(`the gateway did not start:\n${output}`);
  return url;
}

beforeAll(async () => {
  system = await startTestSystem();
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
}, 90_000);
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await system.close();
});

/** A POST whose headers and first half arrive now and whose second half arrives when `finish` is called. */
function halfSentRequest(url: string, key: string, query: string) {
  const body = JSON.stringify({ query });
  const { hostname, port, pathname } = new URL(url);
  let answered!: (r: { status: number; requestId: string; body: any }) => void;
  let failed!: (e: Error) => void;
  const answer = new Promise<{ status: number; requestId: string; body: any }>((resolve, reject) => ((answered = resolve), (failed = reject)));
  const req = http.request({ hostname, port, path: pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': key } }, (res) => {
    let text = '';
    res.on('data', (c) => (text += c));
    res.on('end', () => answered({ status: res.statusCode!, requestId: String(res.headers['x-request-id']), body: JSON.parse(text) }));
  });
  req.on('error', failed);
  req.write(body.slice(0, 10));
  return { answer, finish: () => req.end(body.slice(10)) };
}

function connects(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

it('drains, closes its streams so clients resume elsewhere, flushes the audit trail and exits 0 within 10 s of SIGTERM', async () => {
  const url = await startGatewayProcess();
  const key = tenant.keys['read,write']!;
  const start = await decide(url, tenant, 'shutdown-start');

  const ws = connectWs(url, { apiKey: key });
  const overWs = subscribe(ws.client, WATCH, { after: start.streamCursor });
  const sse = connectSse(url, { 'x-api-key': key });
  const overSse = subscribe(sse, WATCH, { after: start.streamCursor });
  const before = await decide(url, tenant, 'shutdown-before');
  await until(() => overWs.events.length === 1 && overSse.events.length === 1);
  expect(overWs.events[0]!.data.decisionCreated.id).toBe(before.id);

  const inFlight = halfSentRequest(url, key, '{ decisions(first: 2) { edges { node { id } } } }');
  await new Promise((r) => setTimeout(r, 200));
  const signalledAt = Date.now();
  child.kill('SIGTERM');

  // The WebSocket is told to go away, the SSE stream ends with a code that says why, both cleanly.
  expect((await ws.closed).code).toBe(1001);
  await overSse.completed;
  expect(overSse.events.at(-1)!.errors?.[0]?.extensions?.code).toBe('SHUTTING_DOWN');
  // Nobody new gets in, while the request already in flight is still answered.
  expect(await connects(url)).toBe(false);
  inFlight.finish();
  const answered = await inFlight.answer;
  expect(answered.status).toBe(200);
  expect(answered.body.data.decisions.edges).toHaveLength(2);

  const exit = await exited;
  expect({ code: exit.code, signal: exit.signal, log: exit.code === 0 ? null : output.split("\n").filter((l) => /"level":"(warn|error)"/.test(l)) }).toEqual({ code: 0, signal: null, log: null });
  expect(exit.at - signalledAt).toBeLessThan(10_000);
  expect(output).toMatch(/"msg":"stopped"/);
  // Its audit record was written before the process went.
  const records = await sql('SELECT operation_name FROM audit_events WHERE request_id = $1', [answered.requestId]);
  expect(records).toHaveLength(1);

  // Both clients resume from their last cursor on another gateway: the decision made meanwhile, nothing twice.
  const missed = await decide(system.gateway.url, tenant, 'shutdown-missed');
  for (const received of [overWs, overSse]) {
    const last = received.events.filter((e) => e.data).at(-1)!.data.decisionCreated.streamCursor;
    const again = connectWs(system.gateway.url, { apiKey: key });
    const resumed = subscribe(again.client, WATCH, { after: last });
    await until(() => resumed.events.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.events.map((e) => e.data.decisionCreated.id)).toEqual([missed.id]);
    await again.client.dispose();
  }
}, 60_000);
