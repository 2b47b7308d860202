/**
 * The stream transports held to their protocols by clients that break them
 * on purpose, against the real gateway on loopback. graphql-ws
 * (`graphql-transport-ws` on /graphql) through a raw `ws` socket or a raw
 * HTTP upgrade, so the test can do what the real client never would:
 * every protocol violation ends in the exact close code and reason the
 * protocol names, and every refused operation is an `error` message with a
 * stable code on a socket that stays open and usable. graphql-sse
 * (/graphql/stream) through raw fetch: every refusal is a JSON answer with
 * the exact status and code, and a GET subscription streams. Then the real
 * graphql-sse client. The file runs with small connection limits, and ends
 * by filling them: no misbehaving client kept a slot, and HTTP still answers.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import WebSocket from 'ws';
import { CONNECTION_INIT_TIMEOUT_MS, MAX_MESSAGE_BYTES } from '../gateway/streams/graphql-ws-server';
import type { RunningSystem } from '../system/start-system';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { connectSse, decide as decideVia, subscribe, until } from './helpers/stream-clients';
import { graphql, sql, startTestSystem } from './helpers/system';

const PROTOCOL = 'graphql-transport-ws';
// Small enough that the last test can fill them, so a slot any earlier test leaked shows there.
const LIMITS = { maxSubscriptionsPerConnection: 50, maxSubscriptionsPerTenant: 2_000, maxConnectionsPerTenant: 3, maxConnections: 8 };

let system: RunningSystem;
let url: string;
let wsUrl: string;
let streamUrl: string;
let a: ScratchTenant;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  system = await startTestSystem(undefined, undefined, { streamLimits: LIMITS });
  url = system.gateway.url;
  wsUrl = url.replace(/^http/, 'ws');
  streamUrl = url.replace(/\/graphql$/, '/graphql/stream');
  a = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
});
// Each test starts with every slot free: the last test counts them.
afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    if (socket.ws.readyState !== WebSocket.CLOSED) socket.ws.terminate();
    await socket.closed;
  }
  await pause(150);
});
afterAll(() => system.close());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const decide = (reference: string) => decideVia(url, a, reference);

interface Frame {
  type: string;
  id?: string;
  payload?: any;
}

/** A graphql-transport-ws client that sends exactly what the test says, right or wrong. */
class RawSocket {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(protocols: string[] = [PROTOCOL]) {
    this.ws = new WebSocket(wsUrl, protocols);
    sockets.push(this);
    this.ws.on('message', (data) => this.frames.push(JSON.parse(String(data))));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.on('error', reject);
    });
    // A socket the server refuses errors; the tests that expect it look at `closed`.
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async receive(match: (frame: Frame) => boolean, ms = 5_000): Promise<Frame> {
    await until(() => this.frames.some(match), ms);
    return this.frames.find(match)!;
  }

  framesOf(id: string): Frame[] {
    return this.frames.filter((f) => f.id === id);
  }
}

/** An acknowledged socket of tenant a. */
async function session(apiKey = a.keys['read,write']!): Promise<RawSocket> {
  const socket = new RawSocket();
  await socket.opened;
  socket.send({ type: 'connection_init', payload: { apiKey } });
  await socket.receive((f) => f.type === 'connection_ack');
  return socket;
}

const WATCH = 'subscription Watch($ref: String, $after: String) { decisionCreated(filter: { subjectReference: $ref }, after: $after) { id subject { reference } } }';

/**
 * Subscribes to the decisions about `ref` from a cursor taken just before:
 * a decision made once this returns is delivered whether the subscription
 * had started when it committed (live) or not (replay), with no sleep.
 */
async function watch(socket: RawSocket, id: string, ref: string): Promise<void> {
  const mark = await decide(`${ref}-mark`);
  socket.send({ id, type: 'subscribe', payload: { query: WATCH, variables: { ref, after: mark.streamCursor } } });
}

async function delivered(socket: RawSocket, id: string, ref: string): Promise<void> {
  const made = await decide(ref);
  await socket.receive((f) => f.id === id && f.type === 'next' && f.payload.data?.decisionCreated.id === made.id);
}

/** An upgrade request written by hand, for what `ws` itself would refuse to send or to accept. */
function rawUpgrade(
  headers: Record<string, string>,
  { path = '/graphql', readFrame = true } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; firstFrame: Buffer | null }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname,
      port,
      path,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-version': '13', ...headers },
    });
    req.once('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode!, headers: res.headers, firstFrame: null });
    });
    req.once('upgrade', (res, socket, head) => {
      let data: Buffer = head;
      const done = () => {
        socket.destroy();
        resolve({ status: res.statusCode!, headers: res.headers, firstFrame: data });
      };
      if (data.length || !readFrame) return done();
      socket.once('data', (chunk: Buffer) => ((data = chunk), done()));
    });
    req.once('error', reject);
    req.end();
  });
}

/** The code and reason of an unmasked server close frame. */
function closeFrame(frame: Buffer): { opcode: number; code: number; reason: string } {
  const length = frame[1]! & 0x7f;
  return { opcode: frame[0]! & 0x0f, code: frame.readUInt16BE(2), reason: frame.subarray(4, 2 + length).toString('utf8') };
}

describe('graphql-ws: the handshake', () => {
  it('accepts a socket that offers no subprotocol and closes it at once with 4406, every time', async () => {
    const attempts = [1, 2, 3].map(() => new RawSocket([]));
    for (const socket of attempts) await socket.opened;
    for (const socket of attempts) expect(await socket.closed).toEqual({ code: 4406, reason: 'Subprotocol not acceptable' });
  });

  it('selects no subprotocol for an offer without graphql-transport-ws (the legacy graphql-ws), then closes with 4406; picks it out of a list', async () => {
    for (let i = 0; i < 3; i++) {
      const legacy = await rawUpgrade({ 'sec-websocket-protocol': 'graphql-ws' });
      expect(legacy.status).toBe(101);
      expect(legacy.headers['sec-websocket-protocol']).toBeUndefined();
      expect(closeFrame(legacy.firstFrame!)).toEqual({ opcode: 0x8, code: 4406, reason: 'Subprotocol not acceptable' });
    }
    const listed = await rawUpgrade({ 'sec-websocket-protocol': 'graphql-ws, graphql-transport-ws' }, { readFrame: false });
    expect(listed.status).toBe(101);
    expect(listed.headers['sec-websocket-protocol']).toBe(PROTOCOL);
  });

  it('answers a malformed upgrade with 400, and it holds no connection slot', async () => {
    // More than the replica holds: if each kept its reservation, the last ones and the session after them would get 503.
    for (let i = 0; i <= LIMITS.maxConnections; i++) {
      const refused = await rawUpgrade({ 'sec-websocket-protocol': PROTOCOL, 'sec-websocket-version': '12' });
      expect(refused.status).toBe(400);
      expect(refused.headers['sec-websocket-version']).toBe('13, 8');
    }
    await session();
  });

  it('drops an upgrade on any other path without an answer', async () => {
    await expect(rawUpgrade({ 'sec-websocket-protocol': PROTOCOL }, { path: '/graphql/stream' })).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it(`closes a socket that sends no connection_init within ${CONNECTION_INIT_TIMEOUT_MS} ms with 4408, and only that one`, async () => {
    const silent = new RawSocket();
    await silent.opened;
    const openedAt = Date.now();
    const initialised = await session();
    expect(await silent.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(CONNECTION_INIT_TIMEOUT_MS - 50);
    expect(Date.now() - openedAt).toBeLessThan(CONNECTION_INIT_TIMEOUT_MS + 1_000);
    expect(initialised.ws.readyState).toBe(WebSocket.OPEN);
  }, 10_000);

  it('closes a subscribe before connection_ack with 4401: before connection_init, and sent right behind it', async () => {
    const early = new RawSocket();
    await early.opened;
    early.send({ id: '1', type: 'subscribe', payload: { query: WATCH } });
    expect(await early.closed).toEqual({ code: 4401, reason: 'Unauthorized' });

    // The credential is still being checked when the subscribe arrives.
    const pipelined = new RawSocket();
    await pipelined.opened;
    pipelined.send({ type: 'connection_init', payload: { apiKey: a.keys['read,write'] } });
    pipelined.send({ id: '1', type: 'subscribe', payload: { query: WATCH } });
    expect(await pipelined.closed).toEqual({ code: 4401, reason: 'Unauthorized' });
    expect(pipelined.frames).toEqual([]);
  });

  it('closes a second connection_init with 4429: while the first is being checked, and after its ack', async () => {
    const twice = new RawSocket();
    await twice.opened;
    twice.send({ type: 'connection_init', payload: { apiKey: a.keys['read,write'] } });
    twice.send({ type: 'connection_init', payload: { apiKey: a.keys['read,write'] } });
    expect(await twice.closed).toEqual({ code: 4429, reason: 'Too many initialisation requests' });

    const acknowledged = await session();
    acknowledged.send({ type: 'connection_init', payload: { apiKey: a.keys['read,write'] } });
    expect(await acknowledged.closed).toEqual({ code: 4429, reason: 'Too many initialisation requests' });
  });

  it('keeps no connection of a socket that went away while its credential was checked', async () => {
    const c = await createScratchTenant({ features: [], scopeSets: [['read']] });
    for (let i = 0; i < LIMITS.maxConnectionsPerTenant; i++) {
      const gone = new RawSocket();
      await gone.opened;
      gone.send({ type: 'connection_init', payload: { apiKey: c.keys.read } });
      gone.ws.terminate();
      await gone.closed;
    }
    await pause(500);
    // Each of those counted against the tenant would make these 1013.
    const full = await Promise.all(Array.from({ length: LIMITS.maxConnectionsPerTenant }, () => session(c.keys.read)));
    for (const socket of full) expect(socket.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('graphql-ws: messages', () => {
  it('answers ping with pong at any time, echoing a payload, and ignores a pong', async () => {
    const socket = new RawSocket();
    await socket.opened;
    socket.send({ type: 'ping' });
    expect(await socket.receive((f) => f.type === 'pong')).toEqual({ type: 'pong' });
    socket.send({ type: 'connection_init', payload: { apiKey: a.keys['read,write'] } });
    await socket.receive((f) => f.type === 'connection_ack');
    socket.send({ type: 'pong', payload: { unasked: true } });
    socket.send({ type: 'ping', payload: { seq: 7, note: 'échoed' } });
    expect(await socket.receive((f) => f.type === 'pong' && f.payload !== undefined)).toEqual({ type: 'pong', payload: { seq: 7, note: 'échoed' } });
    expect(socket.frames.map((f) => f.type)).toEqual(['pong', 'connection_ack', 'pong']);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
  });

  const garbage: Array<[string, string]> = [
    ['text that is not JSON', 'hello'],
    ['a JSON array', '[{"type":"ping"}]'],
    ['a JSON number', '42'],
    ['an object without a type', '{"id":"1","payload":{}}'],
    ['a type that is not a string', '{"type":1}'],
    ['an unknown type', '{"type":"start","id":"1","payload":{"query":"subscription { decisionCreated { id } }"}}'],
    ['a subscribe without an id', '{"type":"subscribe","payload":{"query":"subscription { decisionCreated { id } }"}}'],
    ['a subscribe without a query', '{"type":"subscribe","id":"1","payload":{}}'],
    ['a subscribe with variables that are not an object', '{"type":"subscribe","id":"1","payload":{"query":"subscription { decisionCreated { id } }","variables":[1]}}'],
    ['a ping with a payload that is not an object', '{"type":"ping","payload":"hi"}'],
    ['a complete without an id', '{"type":"complete"}'],
    // Messages only a server sends are the client's mistake too, not the server's (4500).
    ['a next from the client', '{"type":"next","id":"1","payload":{"data":null}}'],
    ['an error from the client', '{"type":"error","id":"1","payload":[{"message":"x"}]}'],
    ['a connection_ack from the client', '{"type":"connection_ack"}'],
  ];

  it.each(garbage)('closes %s with 4400, before connection_init and after connection_ack', async (_name, text) => {
    const fresh = new RawSocket();
    await fresh.opened;
    fresh.send(text);
    expect(await fresh.closed).toEqual({ code: 4400, reason: 'Invalid message received' });
    const acknowledged = await session();
    acknowledged.send(text);
    expect(await acknowledged.closed).toEqual({ code: 4400, reason: 'Invalid message received' });
  });

  it(`closes a message over ${MAX_MESSAGE_BYTES} bytes with 1009, and reads one of exactly that size`, async () => {
    const socket = await session();
    const message = (padding: number) =>
      JSON.stringify({ id: 'big', type: 'subscribe', payload: { query: `subscription { decisionCreated { id } } #${'x'.repeat(padding)}` } });
    const padding = MAX_MESSAGE_BYTES - Buffer.byteLength(message(0));
    expect(Buffer.byteLength(message(padding))).toBe(MAX_MESSAGE_BYTES);
    socket.send(message(padding));
    const refused = await socket.receive((f) => f.id === 'big');
    expect(refused.type).toBe('error');
    expect(refused.payload).toEqual([
      expect.objectContaining({ extensions: { code: 'DOCUMENT_TOO_LARGE', limit: { name: 'maxDocumentBytes', max: 32 * 1024, actual: expect.any(Number) } } }),
    ]);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    socket.send(message(padding + 1));
    expect(await socket.closed).toEqual({ code: 1009, reason: '' });
  });
});

describe('graphql-ws: a refused operation leaves the socket open and usable', () => {
  const nested = (levels: number) => `subscription { decisionCreated { ${'lineage { decision { '.repeat(levels)}id${' } }'.repeat(levels)} } }`;
  const refusals: Array<[string, { query: string; variables?: Record<string, unknown> }, Record<string, unknown>]> = [
    ['an unknown field', { query: 'subscription { decisionCreated { nope } }' }, { message: 'Cannot query field "nope" on type "Decision".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
    ['a document that does not parse', { query: 'subscription { decisionCreated { id }' }, { message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
    [
      'a query',
      { query: '{ __typename }' },
      { message: 'only subscriptions are served on the stream endpoints; send queries and mutations over HTTP POST /graphql', extensions: { code: 'BAD_USER_INPUT' } },
    ],
    [
      'a mutation',
      { query: 'mutation($id: ID!) { revokeApiKey(id: $id) { status } }', variables: { id: '00000000-0000-4000-8000-000000000000' } },
      { message: 'only subscriptions are served on the stream endpoints; send queries and mutations over HTTP POST /graphql', extensions: { code: 'BAD_USER_INPUT' } },
    ],
    [
      'two stream fields',
      { query: 'subscription { decisionCreated { id } again: decisionCreated { id } }' },
      { message: 'Anonymous Subscription must select only one top level field.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    ],
    [
      'a document nested past maxDepth',
      { query: nested(7) },
      { message: 'the operation is nested 16 levels deep; the limit is 12', extensions: { code: 'DEPTH_LIMIT_EXCEEDED', limit: { name: 'maxDepth', max: 12, actual: 16 } } },
    ],
    [
      'more aliases than maxAliases',
      { query: `subscription { decisionCreated { ${Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ')} } }` },
      { message: 'the operation uses aliases 31; the limit is 30', extensions: { code: 'ALIAS_LIMIT_EXCEEDED', limit: { name: 'maxAliases', max: 30, actual: 31 } } },
    ],
    [
      'more tokens than maxTokens',
      { query: `subscription { decisionCreated { ${'id '.repeat(3_000)}} }` },
      { message: 'the document has more than 3000 tokens', extensions: { code: 'TOKEN_LIMIT_EXCEEDED', limit: { name: 'maxTokens', max: 3_000, actual: 3_001 } } },
    ],
    [
      'a variable of the wrong type',
      { query: WATCH, variables: { ref: 42 } },
      { message: 'Variable "$ref" got invalid value 42; String cannot represent a non string value: 42', extensions: { code: 'BAD_USER_INPUT' } },
    ],
    [
      'an enum variable with no such value',
      { query: 'subscription($outcome: [DecisionOutcome!]) { decisionCreated(filter: { outcome: $outcome }) { id } }', variables: { outcome: ['MAYBE'] } },
      { message: expect.stringMatching(/^Variable "\$outcome" got invalid value "MAYBE" at "outcome\[0\]"; Value "MAYBE" does not exist in "DecisionOutcome" enum\./), extensions: { code: 'BAD_USER_INPUT' } },
    ],
    [
      'a required variable left out',
      { query: 'subscription($ref: String!) { decisionCreated(filter: { subjectReference: $ref }) { id } }' },
      { message: 'Variable "$ref" of required type "String!" was not provided.', extensions: { code: 'BAD_USER_INPUT' } },
    ],
  ];

  it('answers each with an error message of a stable code, forgets its id, and then serves a valid subscription', async () => {
    const socket = await session();
    for (const [i, [, payload]] of refusals.entries()) socket.send({ id: `r${i}`, type: 'subscribe', payload });
    for (const [i, [name, , error]] of refusals.entries()) {
      const frame = await socket.receive((f) => f.id === `r${i}`);
      expect([name, frame.type]).toEqual([name, 'error']);
      expect([name, frame.payload]).toEqual([name, [expect.objectContaining(error)]]);
    }
    await pause(300);
    // An error ends the operation: nothing else for those ids, no complete.
    for (const [i] of refusals.entries()) expect(socket.framesOf(`r${i}`)).toHaveLength(1);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    await watch(socket, 'r0', 'after-refusals');
    await delivered(socket, 'r0', 'after-refusals');
  });
});

describe('graphql-ws: subscription ids', () => {
  it('closes a second subscribe with the id of a running one with 4409', async () => {
    const running = await session();
    await watch(running, 'dup', 'dup-running');
    await delivered(running, 'dup', 'dup-running');
    running.send({ id: 'dup', type: 'subscribe', payload: { query: WATCH, variables: { ref: 'dup-running' } } });
    expect(await running.closed).toEqual({ code: 4409, reason: 'Subscriber for dup already exists' });

    // Also while the first is still starting (its start is being recorded).
    const starting = await session();
    starting.send({ id: 'dup', type: 'subscribe', payload: { query: WATCH } });
    starting.send({ id: 'dup', type: 'subscribe', payload: { query: WATCH } });
    expect(await starting.closed).toEqual({ code: 4409, reason: 'Subscriber for dup already exists' });
  });

  it('stops the events of a subscription the client completes, and lets its id be used again', async () => {
    const socket = await session();
    await watch(socket, 'w', 'completed');
    await delivered(socket, 'w', 'completed');
    socket.send({ id: 'w', type: 'complete' });
    // An id the server does not know is no error.
    socket.send({ id: 'never-used', type: 'complete' });
    const before = socket.framesOf('w').length;
    const unseen = await decide('completed');
    await watch(socket, 'w', 'completed');
    await delivered(socket, 'w', 'completed');
    await pause(500);
    const after = socket.framesOf('w').slice(before);
    // Exactly the one decision of the new subscription: not the one made between, not twice, and no complete for the first.
    expect(after.map((f) => f.type)).toEqual(['next']);
    expect(after[0]!.payload.data.decisionCreated.id).not.toBe(unseen.id);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('graphql-sse at /graphql/stream', () => {
  const SUBSCRIPTION = 'subscription { decisionCreated { id } }';
  const sse = (init: { method?: string; headers?: Record<string, string>; body?: string; search?: string }) =>
    fetch(`${streamUrl}${init.search ?? ''}`, {
      method: init.method ?? 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-api-key': a.keys['read,write']!, ...init.headers },
      body: init.body,
    });

  async function refusal(res: Response) {
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]!.extensions.requestId).toBe(res.headers.get('x-request-id'));
    return body.errors[0]!;
  }

  const padded = (bytes: number) => {
    const body = (pad: string) => JSON.stringify({ query: 'subscription { decisionCreated { nope } }', variables: { pad } });
    return body('x'.repeat(bytes - Buffer.byteLength(body(''))));
  };

  const refusals: Array<[string, Parameters<typeof sse>[0], number, string, Record<string, string>?]> = [
    ['PUT', { method: 'PUT', body: JSON.stringify({ query: SUBSCRIPTION }) }, 405, 'METHOD_NOT_ALLOWED', { allow: 'GET, POST' }],
    ['DELETE', { method: 'DELETE' }, 405, 'METHOD_NOT_ALLOWED', { allow: 'GET, POST' }],
    ['no Accept', { headers: { accept: '' }, body: JSON.stringify({ query: SUBSCRIPTION }) }, 406, 'NOT_ACCEPTABLE'],
    ['Accept: application/json', { headers: { accept: 'application/json' }, body: JSON.stringify({ query: SUBSCRIPTION }) }, 406, 'NOT_ACCEPTABLE'],
    ['a GET without credentials', { method: 'GET', headers: { 'x-api-key': '' }, search: `?query=${encodeURIComponent(SUBSCRIPTION)}` }, 401, 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer realm="micro-ai"' }],
    ['a body one byte over the limit', { body: padded(MAX_MESSAGE_BYTES + 1) }, 413, 'PAYLOAD_TOO_LARGE'],
    // At the limit the body is read: what it holds is refused instead.
    ['a body of exactly the limit', { body: padded(MAX_MESSAGE_BYTES) }, 400, 'GRAPHQL_VALIDATION_FAILED'],
    // BAD_REQUEST, as POST /graphql answers the same bodies.
    ['a body that is not JSON', { body: '{"query": ' }, 400, 'BAD_REQUEST'],
    ['a body that is not an object', { body: '[]' }, 400, 'BAD_REQUEST'],
    ['a body without a query', { body: '{}' }, 400, 'BAD_REQUEST'],
    ['a text/plain body', { headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: SUBSCRIPTION }) }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['GET variables that are not JSON', { method: 'GET', search: `?query=${encodeURIComponent(SUBSCRIPTION)}&variables=%7B` }, 400, 'BAD_REQUEST'],
    ['a document that does not parse', { body: JSON.stringify({ query: 'subscription {' }) }, 400, 'GRAPHQL_PARSE_FAILED'],
    ['a document nested past maxDepth', { body: JSON.stringify({ query: `subscription { decisionCreated { ${'lineage { decision { '.repeat(7)}id${' } }'.repeat(7)} } }` }) }, 400, 'DEPTH_LIMIT_EXCEEDED'],
    ['a variable of the wrong type', { body: JSON.stringify({ query: WATCH, variables: { ref: 42 } }) }, 400, 'BAD_USER_INPUT'],
  ];

  it.each(refusals)('refuses %s as JSON with its status and code', async (_name, init, status, code, headers = {}) => {
    const res = await sse(init);
    // A stream opened by mistake would hold a connection slot for the rest of the file.
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body!.cancel();
    expect(res.status).toBe(status);
    for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name)).toBe(value);
    expect((await refusal(res)).extensions.code).toBe(code);
  });

  /** The events of an SSE body as they arrive. */
  function eventsOf(res: Response): Array<{ event: string; data: any }> {
    const events: Array<{ event: string; data: any }> = [];
    let text = '';
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event) events.push({ event, data: data ? JSON.parse(data) : null });
        }
      }
    })().catch(() => undefined);
    return events;
  }

  async function streamAudit(operationName: string) {
    return sql<{ action: string; status: string }>(
      `SELECT action, status FROM audit_events WHERE tenant_id = $1 AND surface = 'SSE' AND operation_name = $2 ORDER BY action DESC`,
      [a.id, operationName],
    );
  }

  it('streams a GET subscription given in the search params, and ends it when the client goes away', async () => {
    const mark = await decide('sse-get-mark');
    const query = 'subscription SseGet($ref: String, $after: String) { decisionCreated(filter: { subjectReference: $ref }, after: $after) { id } }';
    const abort = new AbortController();
    const search = `?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ ref: 'sse-get', after: mark.streamCursor }))}`;
    const res = await fetch(`${streamUrl}${search}`, { headers: { accept: 'text/event-stream', 'x-api-key': a.keys['read,write']! }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = eventsOf(res);
    const made = await decide('sse-get');
    await until(() => events.length >= 1);
    expect(events).toEqual([{ event: 'next', data: { data: { decisionCreated: { id: made.id } }, extensions: { cursor: made.streamCursor } } }]);
    abort.abort();
    await until(() => false, 300).catch(() => undefined);
    let rows = await streamAudit('SseGet');
    await until(() => rows.length === 2, 3_000).catch(() => undefined);
    rows = await streamAudit('SseGet');
    expect(rows).toEqual([{ action: 'subscription.started', status: 'ok' }, { action: 'subscription.ended', status: 'complete' }]);
  });

  /** SQL statements the decisions service runs for one decision made now: its write, and its resolution for each subscriber still served. */
  async function statementsFor(reference: string): Promise<number> {
    const db = system.subgraphs.decisions.db;
    const before = db.statementCount();
    await decide(reference);
    await pause(500);
    return db.statementCount() - before;
  }

  it('delivers a decision to the graphql-sse client, and ends the subscription when the client disposes it', async () => {
    const client = connectSse(url, { 'x-api-key': a.keys['read,write']! });
    const mark = await decide('sse-client-mark');
    const unwatched = await statementsFor('sse-client-unwatched');
    const got = subscribe(client, 'subscription SseClient($ref: String, $after: String) { decisionCreated(filter: { subjectReference: $ref }, after: $after) { id } }', {
      ref: 'sse-client',
      after: mark.streamCursor,
    });
    const made = await decide('sse-client');
    await until(() => got.events.length >= 1);
    expect(got.events).toEqual([{ data: { decisionCreated: { id: made.id } }, extensions: { cursor: made.streamCursor } }]);
    client.dispose();
    let rows = await streamAudit('SseClient');
    await until(() => rows.length === 2, 3_000).catch(() => undefined);
    rows = await streamAudit('SseClient');
    expect(rows).toEqual([{ action: 'subscription.started', status: 'ok' }, { action: 'subscription.ended', status: 'complete' }]);
    // The gateway no longer resolves decisions for it: one made now costs only its write.
    expect(await statementsFor('sse-client')).toBe(unwatched);
    expect(got.events).toHaveLength(1);
  });
});

describe('after all of it', () => {
  it('answers an HTTP query, and every connection slot is free: the limits fill exactly', async () => {
    const answer = await graphql(url, '{ __typename }', undefined, { 'x-api-key': a.keys['read,write']! });
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ __typename: 'Query' });

    // Tenant a's own count first: every socket of a that a test closed, refused or dropped was given back.
    const others = await Promise.all(
      Array.from({ length: Math.ceil(LIMITS.maxConnections / LIMITS.maxConnectionsPerTenant) - 1 }, () => createScratchTenant({ features: [], scopeSets: [['read']] })),
    );
    const keys = [a.keys['read,write']!, ...others.map((t) => t.keys.read!)];
    const held = await Promise.all(
      Array.from({ length: LIMITS.maxConnections }, (_, i) => session(keys[Math.floor(i / LIMITS.maxConnectionsPerTenant)])),
    );
    for (const socket of held) expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    const over = await rawUpgrade({ 'sec-websocket-protocol': PROTOCOL }, { readFrame: false });
    expect(over.status).toBe(503);
    expect(over.headers['retry-after']).toBe('5');
  });
});
