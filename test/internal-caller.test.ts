/**
 * The internal caller token, attacked over real HTTP: a header captured on
 * the wire between the gateway and a subgraph, replayed to that subgraph and
 * to the others; a caller forged by a subgraph that holds only the public
 * key; a replay guard pushed to its cap. Every refusal must be a 401 (or a
 * 503 for a full guard) with nothing resolved, never a 500.
 */
import { createHmac, sign } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { buildGateway } from '../gateway/server';
import { openDatabase } from '../lib/database';
import { decodeKeyPair, generateInternalKeyPair } from '../lib/internal-keys';
import { CallerSigner, CallerVerifier, INTERNAL_CALLER_HEADER } from '../lib/internal-token';
import { createLogger } from '../lib/logger';
import { listenOn } from '../lib/http';
import { ReplayGuard } from '../lib/subgraph/replay-guard';
import type { RunningServer } from '../lib/subgraph/server';
import { SUBGRAPHS, SUPERGRAPH_PATH, type SubgraphName } from '../lib/supergraph';
import { SUBGRAPH_BUILDERS } from '../subgraphs/registry';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { signedCallerHeader, testSubgraphDeps } from './helpers/subgraph';
import { graphql, postGraphQL, startTestSystem, testDatabaseUrl } from './helpers/system';

const creds = testCredentials();
const gatewayKeys = decodeKeyPair(creds.callerKeys);
const DECISIONS = '{ decisions(first: 2) { edges { node { id outcome } } } }';
const PROBES: Record<SubgraphName, string> = {
  decisions: DECISIONS,
  audit: '{ auditEvents(first: 1) { edges { node { id } } } }',
  packages: '{ packages { slug } }',
  tenants: '{ tenants { slug } }',
};

let system: RunningSystem;
let sniffer: Sniffer;
let sniffedGateway: RunningServer;

/** A wiretap between the gateway and one subgraph: records every caller header and passes the call on unchanged. */
interface Sniffer {
  url: string;
  captured: string[];
  close(): Promise<void>;
}

async function sniff(target: string): Promise<Sniffer> {
  const captured: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const header = req.headers[INTERNAL_CALLER_HEADER];
      if (typeof header === 'string') captured.push(header);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
      const answer = await fetch(target, { method: req.method, headers, body: Buffer.concat(chunks) });
      const body = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  const port = await listenOn(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}/graphql`, captured, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A gateway like the system's, but reaching `name` at another address. */
async function gatewayWith(overrides: Partial<Record<SubgraphName, string>>, callerSigner = new CallerSigner(gatewayKeys.privateKey)): Promise<RunningServer> {
  return buildGateway({
    supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
    subgraphUrls: { ...Object.fromEntries(SUBGRAPHS.map(({ name }) => [name, system.subgraphs[name].url])), ...overrides },
    databaseUrl: testDatabaseUrl(),
    callerSigner,
    jwt: null,
    logger: createLogger('silent'),
  }).listen(0);
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

function withPayload(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [version, , signature] = token.split('.');
  const payload = payloadOf(token);
  change(payload);
  return `${version}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}

const direct = (name: SubgraphName, token: string) => postGraphQL(system.subgraphs[name].url, PROBES[name], undefined, { [INTERNAL_CALLER_HEADER]: token });

function expectRefused(res: Awaited<ReturnType<typeof postGraphQL>>, reason: string) {
  expect(res.status).toBe(401);
  expect(res.errors).toHaveLength(1);
  expect(res.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
  expect(res.data).toBeUndefined();
}

/** A token the gateway really sent to decisions for a tenant's read key, captured on the wire after it was used. */
async function capturedForDecisions(key = creds.keys.readA): Promise<string> {
  const before = sniffer.captured.length;
  const res = await graphql(sniffedGateway.url, DECISIONS, undefined, { 'x-api-key': key });
  expect(res.errors).toBeUndefined();
  expect(res.data.decisions.edges.length).toBe(2);
  expect(sniffer.captured.length).toBe(before + 1);
  return sniffer.captured.at(-1)!;
}

beforeAll(async () => {
  system = await startTestSystem();
  sniffer = await sniff(system.subgraphs.decisions.url);
  sniffedGateway = await gatewayWith({ decisions: sniffer.url });
});

afterAll(async () => {
  await sniffedGateway?.close();
  await sniffer?.close();
  await system?.close();
});

describe('a caller token captured between the gateway and decisions', () => {
  it('names decisions alone, and carries an id and a life of seconds', async () => {
    const payload = payloadOf(await capturedForDecisions());
    expect(payload).toMatchObject({ aud: 'decisions', tid: creds.tenantA.id, scp: ['read'] });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((payload.exp as number) - (payload.iat as number)).toBe(10);
  });

  it("carries trace context only inside the signature: a traceparent grafted onto it is refused", async () => {
    const token = await capturedForDecisions();
    // This test process sets no tracing up, so the gateway has no span to name (test/tracing.test.ts follows `tp` end to end).
    expect(payloadOf(token)).not.toHaveProperty('tp');
    expectRefused(await direct('decisions', withPayload(token, (p) => (p.tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'))), 'bad_signature');
  });

  it('is refused when replayed to decisions', async () => {
    const token = await capturedForDecisions();
    expectRefused(await direct('decisions', token), 'replayed');
    expectRefused(await direct('decisions', token), 'replayed');
  });

  it.each(['audit', 'packages', 'tenants'] as const)('is refused when replayed to %s', async (name) => {
    expectRefused(await direct(name, await capturedForDecisions(creds.keys.admin)), 'wrong_audience');
  });

  it('is refused with its audience edited to another subgraph, or its caller raised to admin', async () => {
    const token = await capturedForDecisions();
    expectRefused(await direct('audit', withPayload(token, (p) => (p.aud = 'audit'))), 'bad_signature');
    const admin = withPayload(token, (p) => {
      p.scp = ['read', 'write', 'admin'];
      p.tid = null;
      p.jti = 'A'.repeat(22);
    });
    expectRefused(await direct('decisions', admin), 'bad_signature');
  });

  it('does not stop the gateway: each fetch gets a token of its own, so concurrent calls never collide', async () => {
    const before = sniffer.captured.length;
    const distinct = 'query($n: Int!) { decisions(first: $n) { edges { node { id outcome } } } }';
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => graphql(sniffedGateway.url, distinct, { n: i + 1 }, { 'x-api-key': creds.keys.readA })));
    for (const res of answers) expect(res.errors).toBeUndefined();
    const ids = sniffer.captured.slice(before).map((t) => payloadOf(t).jti);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });

  it('sends identical reads in flight at once as one fetch, with one token: nothing is sent twice', async () => {
    const before = sniffer.captured.length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => graphql(sniffedGateway.url, DECISIONS, undefined, { 'x-api-key': creds.keys.readA })));
    for (const res of answers) expect({ data: res.data, errors: res.errors }).toEqual({ data: answers[0]!.data, errors: undefined });
    const ids = sniffer.captured.slice(before).map((t) => payloadOf(t).jti);
    expect(ids.length).toBeGreaterThanOrEqual(1);
    expect(ids.length).toBeLessThan(20);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('passes on the REST facade too, one token per fetch', async () => {
    const before = sniffer.captured.length;
    const res = await fetch(sniffedGateway.url.replace('/graphql', '/v1/decisions?limit=2'), { headers: { 'x-api-key': creds.keys.readA } });
    expect(res.status).toBe(200);
    const tokens = sniffer.captured.slice(before);
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    for (const token of tokens) expectRefused(await direct('decisions', token), 'replayed');
  });
});

describe('a subgraph that was compromised', () => {
  // It holds the gateway's public key and the cursor secret, nothing that signs.
  const admin = { requestId: 'req_forged_admin', actor: 'key:forged', tenantId: null, scopes: new Set(['read', 'write', 'admin'] as const), surface: 'GRAPHQL' as const };

  it('cannot mint an admin caller for another subgraph with a key of its own', async () => {
    const own = new CallerSigner(generateInternalKeyPair().privateKey);
    for (const name of ['decisions', 'audit', 'packages', 'tenants'] as const) expectRefused(await direct(name, own.sign(admin, name)), 'bad_signature');
  });

  it('cannot turn the public key into a signing key (an HMAC keyed with it), nor use the old shared-secret format', async () => {
    const payload = { aud: 'tenants', jti: 'B'.repeat(22), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 10, rid: 'req_forged', act: 'key:forged', tid: null, scp: ['read', 'write', 'admin'], srf: 'GRAPHQL' };
    const input = `v2.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const publicDer = gatewayKeys.publicKey.export({ format: 'der', type: 'spki' });
    const mac = createHmac('sha256', publicDer).update(input).digest();
    expectRefused(await direct('tenants', `${input}.${Buffer.concat([mac, mac]).toString('base64url')}`), 'bad_signature');
    const v1 = `v1.${Buffer.from(JSON.stringify({ ...payload, exp: payload.exp + 50 })).toString('base64url')}`;
    expectRefused(await direct('tenants', `${v1}.${createHmac('sha256', creds.cursorSecret).update(v1).digest('base64url')}`), 'malformed');
    // The same payload signed with the gateway's own key passes: the refusals above were for the signatures.
    const real = `${input}.${sign(null, Buffer.from(input), gatewayKeys.privateKey).toString('base64url')}`;
    expect((await direct('tenants', real)).status).toBe(200);
  });
});

describe('a subgraph whose replay guard is full', () => {
  let running: RunningServer;
  let db: ReturnType<typeof openDatabase>;
  let gateway: RunningServer;

  beforeAll(async () => {
    db = openDatabase(testDatabaseUrl(), { poolSize: 2 });
    const deps = { ...testSubgraphDeps('decisions', db), callerVerifier: new CallerVerifier({ publicKey: gatewayKeys.publicKey, audience: 'decisions', replayGuard: new ReplayGuard(2) }) };
    running = await SUBGRAPH_BUILDERS.decisions(deps).listen(0);
    gateway = await gatewayWith({ decisions: running.url });
  });

  afterAll(async () => {
    await gateway?.close();
    await running?.close();
    await db?.close();
  });

  it('answers 503 to new tokens rather than forgetting live ones, and the client sees the service unavailable, not a 500', async () => {
    for (let i = 0; i < 2; i++) expect((await postGraphQL(running.url, DECISIONS, undefined, signedCallerHeader('decisions'))).status).toBe(200);
    const full = await postGraphQL(running.url, DECISIONS, undefined, signedCallerHeader('decisions'));
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('1');
    expect(full.errors?.[0].extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE' });
    expect(full.data).toBeUndefined();
    const viaGateway = await graphql(gateway.url, `{ tenants { slug } ${DECISIONS.slice(1, -1)} }`);
    expect(viaGateway.status).toBe(200);
    expect(viaGateway.data.tenants.length).toBeGreaterThan(0);
    expect(viaGateway.errors?.map((e) => e.extensions?.code)).toEqual(['SUBGRAPH_UNAVAILABLE']);
  });
});

describe('a gateway whose key the subgraphs do not know', () => {
  it('gets nothing from them, and tells its client the services are unavailable, not that the client is unauthenticated', async () => {
    const stray = await gatewayWith({}, new CallerSigner(generateInternalKeyPair().privateKey));
    try {
      const res = await graphql(stray.url, `{ tenants { slug } ${DECISIONS.slice(1, -1)} }`);
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ tenants: null, decisions: null });
      expect(new Set(res.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['SUBGRAPH_UNAVAILABLE']));
      expect(res.errors?.map((e) => e.extensions?.serviceName).sort()).toEqual(['decisions', 'tenants']);
    } finally {
      await stray.close();
    }
  });
});

describe('a subgraph built with a verifier for another audience', () => {
  it('refuses to start rather than accept that subgraph\'s tokens', () => {
    const db = openDatabase(testDatabaseUrl(), { poolSize: 1 });
    try {
      expect(() => SUBGRAPH_BUILDERS.audit({ ...testSubgraphDeps('decisions', db) })).toThrow(/caller verifier for decisions/);
    } finally {
      void db.close();
    }
  });
});
