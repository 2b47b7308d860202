/**
 * The live decision stream (decisionCreated over graphql-ws) under load:
 *
 *   a. one event's resolution alone: the subscribers' selection as a
 *      `decision(id:)` query over HTTP, sequentially, the floor under (b);
 *   b. publish-to-receive latency at S subscribers in 10 groups (one tenant,
 *      ten selections that differ by one aliased field, so every event is
 *      resolved for ten selections and reaches all S), then in S groups (S
 *      selections). Root-field aliases alone would not do: subscribers that
 *      differ only there share a group;
 *   c. decisions committed per second by a few concurrent writers while the
 *      S subscribers in 10 groups listen, receipts delivered per second, and
 *      whether delivery kept up (every event arrived, and within 1 s of the
 *      last commit);
 *   d. gateway memory per idle connection: C sockets with one subscription
 *      each that matches nothing once a first probe proved it live, and
 *      the heap still held once they all closed.
 *
 * Latency runs from the createDecision HTTP answer (the commit, as the
 * writer sees it) to each subscription's receipt of that decision, over
 * every (event, subscription) pair; it can be negative, when the event
 * overtakes the mutation's answer. The target is p99 < 50 ms at 1,000
 * subscribers in 10 groups, with nothing missing.
 *
 *   createdb bench_streams
 *   export DATABASE_URL=postgresql://root@127.0.0.1:5432/bench_streams
 *   npm run db:migrate && npm run db:seed
 *   NODE_OPTIONS=--expose-gc NODE_ENV=production npx tsx bench/streams.ts \
 *     [--subscribers 1000] [--events 200] [--rate 20] [--distinct-events 10] [--distinct-rate 1] \
 *     [--writers 4] [--seconds 5] [--idle 1000] [--per-socket 20] [--baseline-runs 200] [--timeout 30]
 *
 * The stream bus is Redis (REDIS_URL, default redis://127.0.0.1:6379):
 * the subgraphs run as four processes of their own (bench/subgraph-processes.ts),
 * as deployed, and wake the gateway through it. Each run adds a tenant of
 * its own (bench-streams-…, rate limit lifted) and its decisions. Without
 * --expose-gc the memory figures include garbage and are noisy.
 *
 * Design: this process is the gateway under test, and measures its own
 * memory. The clients are two forked processes (bench/streams-clients.ts):
 * one holds every subscriber, one writes the decisions and runs the
 * baseline query. On a 2-core machine clients in this process would parse
 * S frames per event on the gateway's event loop and delay the very fan-out
 * measured; separate processes still compete for the cores (with the
 * subgraphs and PostgreSQL), which the numbers include. Subscriptions are
 * spread 20 per socket (--per-socket; 1,000 on
 * 50 sockets), within the gateway's 50 per socket (lib/limits.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { CheckpointSigner, generateCheckpointKeyPair } from '../lib/audit-log/checkpoint';
import { poolConfigFromUrl } from '../lib/database-url';
import { DEFAULT_STREAM_LIMITS } from '../lib/limits';
import { generateInternalKeyPair } from '../lib/internal-keys';
import { createLogger, type Logger } from '../lib/logger';
import { createApiKey } from '../subgraphs/tenants/api-keys';
import { buildGateway } from '../gateway/server';
import { CallerSigner } from '../lib/internal-token';
import { SUPERGRAPH_PATH } from '../lib/supergraph';
import type { RunningServer } from '../lib/subgraph/server';
import { startSubgraphProcesses } from './subgraph-processes';
import type { Delivery, LatencySummary, Ops, Reply, SubscriptionSpec, Writes, subscriberOps, writerOps } from './streams-clients';

// A dashboard's live feed: two federated hops (tenants, packages) besides the decision itself.
const SELECTION = 'id outcome confidence createdAt tenant { slug plan } packageVersion { version package { slug } }';
const GROUPS = 10;
const TARGET_P99_MS = 50;
/** Delivery kept up when the last event arrived at most this long after the last commit. */
const KEPT_UP_LAG_MS = 1_000;

interface Options {
  subscribers: number;
  events: number;
  rate: number;
  distinctEvents: number;
  distinctRate: number;
  writers: number;
  seconds: number;
  idle: number;
  perSocket: number;
  baselineRuns: number;
  timeoutMs: number;
}

function parseOptions(): Options {
  const flags = ['subscribers', 'events', 'rate', 'distinct-events', 'distinct-rate', 'writers', 'seconds', 'idle', 'per-socket', 'baseline-runs', 'timeout'] as const;
  const defaults = ['1000', '200', '20', '10', '1', '4', '5', '1000', '20', '200', '30'];
  const { values } = parseArgs({ options: Object.fromEntries(flags.map((f, i) => [f, { type: 'string', default: defaults[i] }])) as Record<(typeof flags)[number], { type: 'string'; default: string }> });
  const number = (flag: (typeof flags)[number]) => {
    const n = Number(values[flag]);
    if (!(n > 0)) throw new Error(`--${flag} must be a positive number, got ${values[flag]}`);
    return n;
  };
  return {
    subscribers: number('subscribers'),
    events: number('events'),
    rate: number('rate'),
    distinctEvents: number('distinct-events'),
    distinctRate: number('distinct-rate'),
    writers: number('writers'),
    seconds: number('seconds'),
    idle: number('idle'),
    perSocket: number('per-socket'),
    baselineRuns: number('baseline-runs'),
    timeoutMs: number('timeout') * 1000,
  };
}

/** The bench runs the system with errors logged only, but a failed event resolution is a warning and a missing event: count them. */
function countingLogger(counts: Map<string, number>, inner: Logger = createLogger('error')): Logger {
  return {
    ...inner,
    warn: (msg, fields) => {
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
      inner.warn(msg, fields);
    },
    child: (bindings) => countingLogger(counts, inner.child(bindings)),
  };
}

interface BenchTenant {
  slug: string;
  readKey: string;
  writeKey: string;
}

/**
 * A tenant of the run's own, so its stream carries only the bench's
 * decisions, with kyc.adaptive's latest version installed and budgets
 * that do not run out: this measures the stream, not the limiter.
 */
async function createBenchTenant(pool: Pool): Promise<BenchTenant> {
  const id = randomUUID();
  const slug = `bench-streams-${id.slice(0, 8)}`;
  await pool.query(
    `INSERT INTO tenants (id, slug, name, plan, status, monthly_decision_quota, rate_limit_per_minute)
     VALUES ($1, $2, $3, 'ENTERPRISE', 'ACTIVE', 1000000000, 1000000000)`,
    [id, slug, `Bench ${slug}`],
  );
  const installed = await pool.query(
    `INSERT INTO installations (id, tenant_id, package_id, package_version_id)
     SELECT $1, $2, pv.package_id, pv.id FROM features f JOIN package_versions pv ON pv.id = f.package_version_id
       JOIN packages p ON p.id = pv.package_id
      WHERE f.key = 'kyc.adaptive' AND p.status = 'PUBLISHED' ORDER BY pv.published_at DESC LIMIT 1`,
    [randomUUID(), id],
  );
  if (installed.rowCount !== 1) throw new Error('no published kyc.adaptive package to install: is the database seeded (npm run db:seed)?');
  const by = { requestId: 'req_bench_streams', actor: 'bench', surface: 'INTERNAL' as const };
  const key = async (scopes: Array<'read' | 'write'>) => (await createApiKey(pool, { tenant: { id }, name: `bench streams ${scopes}`, scopes, environment: 'SANDBOX' }, by)).key;
  return { slug, readKey: await key(['read']), writeKey: await key(['write']) };
}

const CLIENTS_FILE = path.join(__dirname, 'streams-clients.ts');

/** A forked client process (it inherits tsx's loader through execArgv), called by request and answer over IPC. */
class ClientProcess<O extends Ops> {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly role: string,
    private readonly child: ChildProcess,
    ready: (error?: Error) => void,
  ) {
    child.on('message', (reply: Reply) => {
      if ('ready' in reply) return ready();
      const call = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) call?.reject(new Error(`${role}: ${reply.error}`));
      else call?.resolve(reply.result);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const error = new Error(`the ${role} process exited (${code ?? signal})`);
        ready(error);
        for (const call of this.pending.values()) call.reject(error);
        this.pending.clear();
        resolve();
      }),
    );
  }

  static async start<O extends Ops>(role: 'subscribers' | 'writer'): Promise<ClientProcess<O>> {
    const child = fork(CLIENTS_FILE, [role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let client!: ClientProcess<O>;
    await withTimeout(
      new Promise<void>((resolve, reject) => (client = new ClientProcess<O>(role, child, (error) => (error ? reject(error) : resolve())))),
      30_000,
      `the ${role} process did not start`,
    ).catch(async (error: Error) => {
      await client.close();
      throw error;
    });
    return client;
  }

  call<K extends keyof O & string>(op: K, args: Parameters<O[K]>[0], timeoutMs: number): Promise<Awaited<ReturnType<O[K]>>> {
    const id = this.nextId++;
    const answer = new Promise<Awaited<ReturnType<O[K]>>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, op, args }, (error) => error && reject(error));
    });
    return withTimeout(answer, timeoutMs, `${this.role}.${op} did not answer within ${timeoutMs} ms`).finally(() => this.pending.delete(id));
  }

  /** Disconnecting tells the child to close its sockets and exit; one that does not within 10 s is killed (it is ours, by its handle). */
  async close(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    const kill = setTimeout(() => this.child.kill(), 10_000);
    await this.exited;
    clearTimeout(kill);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Bench {
  options: Options;
  httpUrl: string;
  wsUrl: string;
  tenant: BenchTenant;
  subscribers: ClientProcess<typeof subscriberOps>;
  writer: ClientProcess<typeof writerOps>;
}

const writeTarget = (b: Bench) => ({ url: b.httpUrl, apiKey: b.tenant.writeKey });

async function openSubscriptions(b: Bench, subscriptions: SubscriptionSpec[], perSocket: number): Promise<{ sockets: number; subscriptions: number }> {
  const sockets = Math.ceil(subscriptions.length / perSocket);
  return b.subscribers.call('open', { url: b.wsUrl, apiKey: b.tenant.readKey, subscriptions, perSocket }, 30_000 + 100 * sockets);
}

/**
 * Writes probes until one reaches every open subscription. graphql-ws
 * acknowledges no subscribe message, so only an event received proves the
 * hub holds the subscription; a probe that some miss was committed before
 * their subscribe was handled, and the next one will reach them.
 */
async function untilAllListen(b: Bench, reference: string): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const commit = await b.writer.call('decide', { ...writeTarget(b), reference }, 20_000);
    const delivery = await collect(b, [commit]);
    if (delivery.received === delivery.expected) return;
  }
  throw new Error(`three probes in a row did not reach every subscription (${reference})`);
}

/** The writes' commits; a run that committed nothing has nothing to measure. */
function committed(writes: Writes): Writes['commits'] {
  if (!writes.commits.length) throw new Error(`no decision was committed: ${writes.firstError}`);
  return writes.commits;
}

function collect(b: Bench, commits: Writes['commits']): Promise<Delivery> {
  return b.subscribers.call('collect', { commits, timeoutMs: b.options.timeoutMs }, b.options.timeoutMs + 30_000);
}

/** `count` subscriptions in `groups` groups: each group's selection has a field aliased its own way. */
function inGroups(count: number, groups: number): SubscriptionSpec[] {
  return Array.from({ length: count }, (_, i) => ({ query: `subscription { decisionCreated { ${SELECTION} g${i % groups}: outcome } }` }));
}

interface FanOut {
  setup: string;
  writes: Writes;
  delivery: Delivery;
}

/** Paced decisions to subscriptions already open; returns what was delivered. */
async function fanOut(b: Bench, name: string, events: number, rate: number, setup: string): Promise<FanOut> {
  await untilAllListen(b, `${name}-probe`);
  const writes = await b.writer.call('paced', { ...writeTarget(b), count: events, rate, reference: name }, (events / rate) * 1000 + 60_000);
  return { setup, writes, delivery: await collect(b, committed(writes)) };
}

async function measureBaseline(b: Bench): Promise<LatencySummary> {
  const { id } = await b.writer.call('decide', { ...writeTarget(b), reference: 'baseline' }, 20_000);
  const query = `query($id: ID!) { decision(id: $id) { ${SELECTION} } }`;
  return b.writer.call('baseline', { url: b.httpUrl, apiKey: b.tenant.readKey, query, variables: { id }, runs: b.options.baselineRuns }, 120_000 + 1_000 * b.options.baselineRuns);
}

interface Throughput {
  setup: string;
  writes: Writes;
  delivery: Delivery;
  committedPerSecond: number;
  deliveredPerSecond: number;
  lagAtEndMs: number;
}

/** As fast as `writers` sequential writers go, to the subscriptions already open. */
async function measureThroughput(b: Bench, setup: string): Promise<Throughput> {
  const { writers, seconds } = b.options;
  const writes = await b.writer.call('flood', { ...writeTarget(b), writers, seconds, reference: 'flood' }, seconds * 1000 + 60_000);
  const commits = committed(writes);
  const delivery = await collect(b, commits);
  const started = commits.reduce((t, c) => Math.min(t, c.sentAt), Infinity);
  const lastCommit = commits.reduce((t, c) => Math.max(t, c.committedAt), -Infinity);
  return {
    setup: `${setup}; ${writers} writer${writers === 1 ? '' : 's'} for ${seconds} s`,
    writes,
    delivery,
    committedPerSecond: writes.commits.length / ((lastCommit - started) / 1000),
    deliveredPerSecond: delivery.received / ((delivery.lastReceipt - started) / 1000),
    lagAtEndMs: delivery.lastReceipt - lastCommit,
  };
}

interface IdleMemory {
  setup: string;
  heapPerConnection: number;
  rssPerConnection: number;
  heapLeftAfterClose: number;
}

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await sleep(200);
  }
  return process.memoryUsage();
}

/** Opens `count` sockets of one subscription each, all in one group, and proves them live with the group's probe. */
async function openIdle(b: Bench, count: number): Promise<number> {
  const reference = `idle-${randomUUID()}`;
  const spec = { query: `subscription($ref: String) { decisionCreated(filter: { subjectReference: $ref }) { ${SELECTION} } }`, variables: { ref: reference } };
  const opened = await openSubscriptions(b, Array.from({ length: count }, () => spec), 1);
  await untilAllListen(b, reference);
  return opened.sockets;
}

/**
 * C sockets, one subscription each, that receive nothing after their probe.
 * A smaller round first: the first sockets ever also load graphql-ws's code
 * paths (bytecode lives on the heap) and the probe's query plan, which no
 * later connection costs again.
 */
async function measureIdleMemory(b: Bench): Promise<IdleMemory> {
  const count = b.options.idle;
  await openIdle(b, Math.min(count, 50));
  await b.subscribers.call('closeAll', undefined, 60_000);
  await sleep(2_000);
  const before = await settledMemory();
  const sockets = await openIdle(b, count);
  const during = await settledMemory();
  await b.subscribers.call('closeAll', undefined, 60_000);
  await sleep(2_000);
  const after = await settledMemory();
  return {
    setup: `${sockets.toLocaleString('en')} sockets × 1 subscription, one group${global.gc ? '' : ' (no --expose-gc: noisy)'}`,
    heapPerConnection: (during.heapUsed - before.heapUsed) / count,
    rssPerConnection: (during.rss - before.rss) / count,
    heapLeftAfterClose: after.heapUsed - before.heapUsed,
  };
}

// --------------------------------------------------------------------- report

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const int = (n: number) => Math.round(n).toLocaleString('en');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function latencyRow(measure: string, setup: string, s: LatencySummary, received: string): string {
  return `| ${measure} | ${setup} | ${ms(s.min)} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} | ${received} |`;
}

function receivedCell(d: Delivery, w: Writes): string {
  const notes = [`${int(d.expected - d.received)} missing`];
  if (d.disordered) notes.push(`${int(d.disordered)} duplicate or out of order`);
  if (w.failures) notes.push(`${int(w.failures)} writes failed`);
  return `${int(d.received)} / ${int(d.expected)} (${notes.join(', ')})`;
}

function report(o: Options, baseline: LatencySummary, grouped: FanOut, distinct: FanOut, flood: Throughput, idle: IdleMemory, warnings: Map<string, number>): void {
  const keptUp = flood.delivery.received === flood.delivery.expected && flood.lagAtEndMs <= KEPT_UP_LAG_MS;
  console.log('\n| measure | setup | min ms | p50 ms | p95 ms | p99 ms | max ms | received / expected |');
  console.log('|---|---|---:|---:|---:|---:|---:|---|');
  console.log(latencyRow('one event resolved alone: `decision(id:)` over HTTP', `${int(o.baselineRuns)} sequential queries`, baseline, '–'));
  for (const [name, run] of [[`publish → receive, ${GROUPS} groups`, grouped], [`publish → receive, ${int(o.subscribers)} groups`, distinct]] as const) {
    console.log(latencyRow(name, run.setup, run.delivery.latency, receivedCell(run.delivery, run.writes)));
  }
  console.log(latencyRow('publish → receive under sustained load', flood.setup, flood.delivery.latency, receivedCell(flood.delivery, flood.writes)));
  console.log('\n| measure | setup | result |');
  console.log('|---|---|---|');
  console.log(
    `| sustained events/s | ${flood.setup} | ${int(flood.committedPerSecond)} decisions/s committed, ${int(flood.deliveredPerSecond)} receipts/s delivered, ` +
      `lag at end ${ms(flood.lagAtEndMs)} ms, kept up: ${keptUp ? 'yes' : 'no'} |`,
  );
  console.log(`| gateway memory per idle connection | ${idle.setup} | heap ${kb(idle.heapPerConnection)}, RSS ${kb(idle.rssPerConnection)}; heap left after closing them all: ${kb(idle.heapLeftAfterClose)} |`);

  const p99 = grouped.delivery.latency.p99;
  const pass = p99 < TARGET_P99_MS && grouped.delivery.received === grouped.delivery.expected && grouped.writes.failures === 0;
  const scale = o.subscribers === 1000 ? '' : ` (measured at ${int(o.subscribers)} subscribers)`;
  console.log(`\ntarget: p99 < ${TARGET_P99_MS} ms at 1,000 subscribers in ${GROUPS} groups: ${pass ? 'PASS' : 'FAIL'} (p99 ${ms(p99)} ms, ${int(grouped.delivery.expected - grouped.delivery.received)} missing)${scale}`);

  const problems = [grouped, distinct, flood].flatMap((run) => [...run.delivery.errors, ...(run.writes.firstError ? [`write failed: ${run.writes.firstError}`] : [])]);
  for (const problem of new Set(problems)) console.log(`client saw: ${problem}`);
  for (const [msg, n] of warnings) console.log(`gateway warned ${n}×: ${msg}`);
}

async function main() {
  const options = parseOptions();
  if (process.env.NODE_ENV !== 'production') throw new Error('run the bench with NODE_ENV=production, as the gateway is deployed');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (a migrated, seeded PostgreSQL: see the header of bench/streams.ts)');
  // The subgraphs run in processes of their own and publish commits on Redis, as deployed.
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const warnings = new Map<string, number>();
  const callerKeys = generateInternalKeyPair();
  const subgraphs = await startSubgraphProcesses({ databaseUrl, publicKey: callerKeys.publicKey, cursorSecret: randomBytes(32).toString('hex'), redisUrl });
  let gateway: RunningServer;
  try {
    gateway = await buildGateway({
      supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
      subgraphUrls: subgraphs.urls,
      databaseUrl,
      callerSigner: new CallerSigner(callerKeys.privateKey),
      jwt: null,
      redisUrl,
      // One tenant holds every subscriber and idle socket here: its per-tenant stream limits are lifted, the per-socket one kept.
      streamLimits: { ...DEFAULT_STREAM_LIMITS, maxSubscriptionsPerTenant: 1_000_000, maxConnectionsPerTenant: 1_000_000 },
      auditCheckpoint: { signer: new CheckpointSigner(generateCheckpointKeyPair().privateKey) },
      logger: countingLogger(warnings),
    }).listen(0, '127.0.0.1');
  } catch (err) {
    await subgraphs.close();
    throw err;
  }
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  const clients: Array<{ close(): Promise<void> }> = [];
  try {
    const tenant = await createBenchTenant(pool);
    const subscribers = await ClientProcess.start<typeof subscriberOps>('subscribers');
    clients.push(subscribers);
    const writer = await ClientProcess.start<typeof writerOps>('writer');
    clients.push(writer);
    const b: Bench = { options, httpUrl: gateway.url, wsUrl: gateway.url.replace(/^http/, 'ws'), tenant, subscribers, writer };
    const o = options;
    console.log(`streams: tenant ${tenant.slug}, gateway in this process, subgraphs in four (pids ${Object.values(subgraphs.pids).join(', ')}), bus Redis ${redisUrl}, PostgreSQL ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);

    const baseline = await measureBaseline(b);
    // Before the load runs: what they leave behind (pool and keep-alive connections, caches) is freed over the next seconds and would blur a delta this small.
    const idle = await measureIdleMemory(b);

    let opened = await openSubscriptions(b, inGroups(o.subscribers, GROUPS), o.perSocket);
    let setup = `${int(opened.subscriptions)} subs on ${opened.sockets} sockets`;
    const grouped = await fanOut(b, 'grouped', o.events, o.rate, `${setup}; ${o.events} events at ${o.rate}/s`);
    const flood = await measureThroughput(b, `${setup}, ${GROUPS} groups`);
    await subscribers.call('closeAll', undefined, 60_000);

    opened = await openSubscriptions(b, inGroups(o.subscribers, o.subscribers), o.perSocket);
    setup = `${int(opened.subscriptions)} subs on ${opened.sockets} sockets`;
    const distinct = await fanOut(b, 'distinct', o.distinctEvents, o.distinctRate, `${setup}; ${o.distinctEvents} events at ${o.distinctRate}/s`);
    await subscribers.call('closeAll', undefined, 60_000);
    report(o, baseline, grouped, distinct, flood, idle, warnings);
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await pool.end();
    await gateway.close();
    await subgraphs.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
