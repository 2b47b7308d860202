/**
 * The client side of bench/streams.ts, forked by it as child processes so
 * that client CPU (parsing every WebSocket frame, timing every receipt)
 * never runs on the gateway's event loop. Two roles, one process each:
 *
 *   subscribers  graphql-ws clients holding many subscriptions each; they
 *                time every event they receive and summarise the latencies
 *                here, so only a summary crosses the IPC channel;
 *   writer       createDecision over HTTP (paced, or as fast as a few
 *                concurrent writers go) and the sequential baseline query.
 *
 * The writer is not in the subscribers' process because both time the same
 * events: a commit acknowledged while that process parses a burst of frames
 * would be timed late, and every latency would look shorter than it is.
 * The two processes share one clock, CLOCK_MONOTONIC (process.hrtime),
 * which is the same for every process of the machine.
 *
 * Not run by hand: the parent sends { id, op, args } and gets { id, result }
 * or { id, error } back.
 */
import { createClient, type Client } from 'graphql-ws/client';
import WebSocket from 'ws';
import { decodeStreamCursor, isAfter, type StreamPosition } from '../lib/streams/stream-position';

/** Milliseconds on CLOCK_MONOTONIC: comparable between the bench's processes. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface LatencySummary {
  samples: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: Float64Array | number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { samples: sorted.length, min: sorted[0] ?? NaN, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

async function mapLimit<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function explain(error: unknown): string {
  if (Array.isArray(error)) return error.map(explain).join('; ');
  if (error instanceof Error) return error.message;
  const close = error as { code?: number; reason?: string; message?: string };
  if (typeof close?.code === 'number') return `socket closed ${close.code} ${close.reason ?? ''}`.trim();
  return close?.message ?? String(error);
}

// ---------------------------------------------------------------- subscribers

export interface SubscriptionSpec {
  query: string;
  variables?: Record<string, unknown>;
}

/** A decision as the writer saw it committed: the HTTP answer of its mutation. */
export interface Commit {
  id: string;
  sentAt: number;
  committedAt: number;
}

export interface Delivery {
  expected: number;
  received: number;
  /** Events at or before one their subscription already had: duplicates or out of commit order (the stream promises neither); not counted as received. */
  disordered: number;
  /** Receipt minus commit, over every (event, subscription) pair received. */
  latency: LatencySummary;
  firstReceipt: number;
  lastReceipt: number;
  /** Subscription errors and unexpected socket closes since the last collect, first few. */
  errors: string[];
}

const clients: Client[] = [];
/** Receipt times by decision id, every subscription's together. */
const receipts = new Map<string, number[]>();
let subscriptions = 0;
let disordered = 0;
let errors: string[] = [];
let disposing = false;

function noteError(error: unknown): void {
  if (!disposing && errors.length < 20) errors.push(explain(error));
}

/** One non-lazy client, resolved once connection_ack arrived. */
function connect(url: string, apiKey: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    let acked = false;
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { apiKey },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: noteError,
      on: {
        connected: () => {
          acked = true;
          resolve(client);
        },
        closed: (event) => {
          if (!acked) reject(new Error(`connection refused: ${explain(event)}`));
        },
      },
    });
    clients.push(client);
  });
}

function positionOf(cursor: string): StreamPosition | null {
  try {
    return decodeStreamCursor(cursor);
  } catch {
    return null;
  }
}

function listen(client: Client, spec: SubscriptionSpec): void {
  // Cursors follow commit order, so one at or before the last is a duplicate or out of order: no memory of every id needed.
  let last: StreamPosition | null = null;
  client.subscribe<Record<string, { id?: string } | null>, { cursor?: string }>(spec, {
    next: (result) => {
      const at = now();
      // One root field, whatever its alias: the decision is its value.
      const decision = result.data && Object.values(result.data)[0];
      const cursor = result.extensions?.cursor;
      if (result.errors?.length || !decision?.id || !cursor) return noteError(result.errors ?? 'an event without a decision or a cursor');
      const position = positionOf(cursor);
      if (!position) return noteError(`a malformed cursor: ${cursor}`);
      if (last && !isAfter(position, last)) return void disordered++;
      last = position;
      let times = receipts.get(decision.id);
      if (!times) receipts.set(decision.id, (times = []));
      times.push(at);
    },
    error: noteError,
    complete: () => noteError('the server completed a subscription'),
  });
  subscriptions++;
}

/** Opens sockets of `perSocket` subscriptions each, a few sockets at a time so the gateway's 3 s connection_init timeout is never the limit. */
async function open(args: { url: string; apiKey: string; subscriptions: SubscriptionSpec[]; perSocket: number }): Promise<{ sockets: number; subscriptions: number }> {
  const chunks: SubscriptionSpec[][] = [];
  for (let i = 0; i < args.subscriptions.length; i += args.perSocket) chunks.push(args.subscriptions.slice(i, i + args.perSocket));
  await mapLimit(chunks, 25, async (chunk) => {
    const client = await connect(args.url, args.apiKey);
    for (const spec of chunk) listen(client, spec);
  });
  return { sockets: chunks.length, subscriptions };
}

/**
 * Waits until every open subscription received every one of `commits` (or
 * the timeout), then summarises and forgets them. Every subscription the
 * bench opens matches every decision it writes, so each commit is expected
 * once per subscription.
 */
async function collect(args: { commits: Commit[]; timeoutMs: number }): Promise<Delivery> {
  const expected = args.commits.length * subscriptions;
  const count = () => args.commits.reduce((n, c) => n + (receipts.get(c.id)?.length ?? 0), 0);
  const deadline = now() + args.timeoutMs;
  while (count() < expected && now() < deadline) await sleep(25);
  const latencies: number[] = [];
  let firstReceipt = Infinity;
  let lastReceipt = -Infinity;
  for (const commit of args.commits) {
    for (const at of receipts.get(commit.id) ?? []) {
      latencies.push(at - commit.committedAt);
      firstReceipt = Math.min(firstReceipt, at);
      lastReceipt = Math.max(lastReceipt, at);
    }
    receipts.delete(commit.id);
  }
  const delivery = { expected, received: latencies.length, disordered, latency: summarize(latencies), firstReceipt, lastReceipt, errors };
  disordered = 0;
  errors = [];
  return delivery;
}

async function closeAll(): Promise<{ closed: number }> {
  disposing = true;
  const closed = clients.length;
  await Promise.allSettled(clients.splice(0).map((c) => c.dispose()));
  receipts.clear();
  subscriptions = 0;
  disordered = 0;
  errors = [];
  disposing = false;
  return { closed };
}

export const subscriberOps = { open, collect, closeAll };

// --------------------------------------------------------------------- writer

const CREATE = 'mutation($input: CreateDecisionInput!) { createDecision(input: $input) { id } }';

interface Target {
  url: string;
  apiKey: string;
}

async function post(target: Target, query: string, variables: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': target.apiKey },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (res.status !== 200 || body.errors || !body.data) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  return body.data;
}

async function decide(target: Target, reference: string): Promise<Commit> {
  const sentAt = now();
  const data = await post(target, CREATE, {
    input: {
      feature: 'kyc.adaptive',
      subject: { type: 'person', reference },
      attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 },
    },
  });
  return { id: data.createDecision.id, sentAt, committedAt: now() };
}

export interface Writes {
  commits: Commit[];
  failures: number;
  firstError: string | null;
}

/** Collects what a run of writes committed, and counts what failed. */
class WriteLog {
  private readonly writes: Writes = { commits: [], failures: 0, firstError: null };

  async attempt(write: () => Promise<Commit>): Promise<void> {
    try {
      this.writes.commits.push(await write());
    } catch (error) {
      this.writes.failures++;
      this.writes.firstError ??= explain(error);
    }
  }

  result(): Writes {
    return this.writes;
  }
}

/** `count` decisions at a fixed rate, each sent on schedule whether or not the previous one answered (an open loop). */
async function paced(args: Target & { count: number; rate: number; reference: string }): Promise<Writes> {
  const writes = new WriteLog();
  const started = now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < args.count; i++) {
    await sleep(started + (i * 1000) / args.rate - now());
    inFlight.push(writes.attempt(() => decide(args, `${args.reference}-${i}`)));
  }
  await Promise.all(inFlight);
  return writes.result();
}

/** `writers` loops, each making one decision after another, for `seconds`. */
async function flood(args: Target & { writers: number; seconds: number; reference: string }): Promise<Writes> {
  const writes = new WriteLog();
  const deadline = now() + args.seconds * 1000;
  let n = 0;
  const writer = async () => {
    while (now() < deadline) await writes.attempt(() => decide(args, `${args.reference}-${n++}`));
  };
  await Promise.all(Array.from({ length: args.writers }, writer));
  return writes.result();
}

/** `runs` sequential queries, after untimed ones that warm the JIT and the connections; milliseconds each. */
async function baseline(args: Target & { query: string; variables: Record<string, unknown>; runs: number }): Promise<LatencySummary> {
  for (let i = 0; i < 30; i++) await post(args, args.query, args.variables);
  const times: number[] = [];
  for (let i = 0; i < args.runs; i++) {
    const started = now();
    await post(args, args.query, args.variables);
    times.push(now() - started);
  }
  return summarize(times);
}

export const writerOps = { paced, flood, baseline, decide: (args: Target & { reference: string }) => decide(args, args.reference) };

// ---------------------------------------------------------------------- serve

export type Ops = Record<string, (args: any) => Promise<unknown>>;
export interface Request {
  id: number;
  op: string;
  args: unknown;
}
export type Reply = { id: number; result: unknown } | { id: number; error: string } | { ready: true };

function serve(ops: Ops): void {
  const reply = (message: Reply) => process.send!(message);
  process.on('message', (request: Request) => {
    const op = ops[request.op];
    if (!op) return reply({ id: request.id, error: `unknown op ${request.op}` });
    op(request.args).then(
      (result) => reply({ id: request.id, result }),
      (error: unknown) => reply({ id: request.id, error: explain(error) }),
    );
  });
  // The parent went away (done, or died): close what is open and leave.
  process.on('disconnect', () => {
    void closeAll().finally(() => process.exit(0));
  });
  reply({ ready: true });
}

if (require.main === module) {
  if (!process.send) throw new Error('bench/streams-clients.ts is forked by bench/streams.ts, not run by hand');
  serve(process.argv[2] === 'writer' ? writerOps : subscriberOps);
}
