/**
 * Two gateway replicas on one Redis, with the real graphql-ws client: a
 * decision made through replica A reaches a subscriber of replica B within
 * a fraction of B's 500 ms polling period (the Redis bus woke B's reader);
 * with B's Redis connection cut (a real TCP fault), B's subscriber still
 * gets every decision, by polling; when Redis returns B's bus is heard
 * again and deliveries are prompt again. Across the three phases B's
 * subscriber receives every decision made on A exactly once, in commit
 * order.
 */
import { readFileSync } from 'node:fs';
import type { Client } from 'graphql-ws/client';
import { buildGateway } from '../gateway/server';
import { decodeKeyPair } from '../lib/internal-keys';
import { CallerSigner } from '../lib/internal-token';
import { createLogger } from '../lib/logger';
import { RedisBus } from '../lib/streams/bus';
import type { RunningServer } from '../lib/subgraph/server';
import { SUBGRAPHS, SUPERGRAPH_PATH } from '../lib/supergraph';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { connectWs, decide, until } from './helpers/stream-clients';
import { inCommitOrder, type Made } from './helpers/stream-order';
import { startTestSystem, testDatabaseUrl } from './helpers/system';
import { TcpProxy } from './helpers/tcp-proxy';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DECISIONS_PER_PHASE = 6;

let system: RunningSystem;
let proxy: TcpProxy;
let busB: RedisBus;
let replicaB: RunningServer;
let tenant: ScratchTenant;
let client: Client;
let wakesHeardByB = 0;
let subscriptionError: unknown = null;
/** Every decision made on A. */
const made: Made[] = [];
/** What B's subscriber received, with when it arrived. */
const received: Array<{ id: string; cursor: string; at: number }> = [];

beforeAll(async () => {
  // Replica A, and the subgraphs that publish on Redis when a decision commits.
  system = await startTestSystem(undefined, undefined, { redisUrl: REDIS_URL });
  const redis = new URL(REDIS_URL);
  proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
  await proxy.start();
  // Only B's bus goes through the proxy: cutting it silences B's wake-ups and nothing else.
  busB = new RedisBus(`redis://127.0.0.1:${proxy.port}`, createLogger('silent'));
  busB.onWake(() => void wakesHeardByB++);
  replicaB = await buildGateway({
    supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
    subgraphUrls: Object.fromEntries(SUBGRAPHS.map(({ name }) => [name, system.subgraphs[name].url])),
    databaseUrl: testDatabaseUrl(),
    callerSigner: new CallerSigner(decodeKeyPair(testCredentials().callerKeys).privateKey),
    jwt: null,
    redisUrl: REDIS_URL,
    streamBus: busB,
    logger: createLogger('silent'),
  }).listen(0);
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
  await until(() => busB.healthy());
});
afterAll(async () => {
  await client?.dispose();
  await replicaB?.close();
  await busB?.close();
  await proxy?.cut();
  await system?.close();
});

/** Makes decisions on A one at a time, each received on B before the next: how long each took from its request to B's subscriber. */
async function decideOnAOneByOne(label: string, deadlineMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < DECISIONS_PER_PHASE; i++) {
    const requested = performance.now();
    const decision = await decide(system.gateway.url, tenant, `${label}-${i}`);
    made.push(decision);
    await until(() => received.some((r) => r.id === decision.id), deadlineMs);
    latencies.push(received.find((r) => r.id === decision.id)!.at - requested);
    // Spread the requests over B's polling period, so polling alone could not look prompt by luck of phase.
    await new Promise((r) => setTimeout(r, 90 + 37 * i));
  }
  return latencies;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const report = (phase: string, ms: number[]) => process.stdout.write(`${phase}: A→B ms ${ms.map(Math.round).join(' ')} (median ${Math.round(median(ms))})\n`);

describe('two gateway replicas on one Redis', () => {
  it('deliver a decision made through A to a subscriber of B well within the polling period, the bus waking B', async () => {
    const start = await decide(system.gateway.url, tenant, 'before-subscribing');
    ({ client } = connectWs(replicaB.url, { apiKey: tenant.keys['read,write'] }));
    // From a cursor: whatever is made from here on reaches B's subscriber, however long the subscription takes to start.
    client.subscribe(
      { query: 'subscription($after: String) { decisionCreated(after: $after) { id tenant { slug } } }', variables: { after: start.streamCursor } },
      {
        next: (e: any) => void received.push({ id: e.data.decisionCreated.id, cursor: e.extensions.cursor, at: performance.now() }),
        error: (err) => void (subscriptionError = err),
        complete: () => undefined,
      },
    );
    // The first one may come by the replay; the measured ones come live.
    const warmUp = await decide(system.gateway.url, tenant, 'warm-up');
    made.push(warmUp);
    await until(() => received.length === 1);

    wakesHeardByB = 0;
    const latencies = await decideOnAOneByOne('bus', 2_000);
    report('bus up', latencies);
    expect(median(latencies)).toBeLessThan(250);
    expect(wakesHeardByB).toBeGreaterThanOrEqual(DECISIONS_PER_PHASE);
  });

  it("still deliver every decision to B's subscriber while B cannot reach Redis, by polling the outbox", async () => {
    await proxy.cut();
    await until(() => !busB.healthy());
    wakesHeardByB = 0;
    // Within one polling period, plus the resolution, plus slack for a loaded machine.
    const latencies = await decideOnAOneByOne('redis-cut', 1_500);
    report('redis cut', latencies);
    expect(Math.max(...latencies)).toBeLessThan(1_500);
    // A burst, committing in an order of its own: polling delivers it whole too.
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => decide(system.gateway.url, tenant, `redis-cut-burst-${i}`)));
    made.push(...burst);
    await until(() => burst.every((d) => received.some((r) => r.id === d.id)), 1_500);
    expect(wakesHeardByB).toBe(0);
  });

  it('wake B through Redis again once it is back, and B received every decision once, in commit order', async () => {
    await proxy.restore();
    // ioredis retries every 2 s at most; on reconnecting the bus wakes the reader once to catch up.
    await until(() => busB.healthy(), 5_000);
    wakesHeardByB = 0;
    const latencies = await decideOnAOneByOne('redis-back', 2_000);
    report('redis back', latencies);
    expect(median(latencies)).toBeLessThan(250);
    expect(wakesHeardByB).toBeGreaterThanOrEqual(DECISIONS_PER_PHASE);

    await new Promise((r) => setTimeout(r, 700));
    expect(subscriptionError).toBeNull();
    const ordered = inCommitOrder(made);
    expect(received.map((r) => r.id)).toEqual(ordered.map((d) => d.id));
    expect(received.map((r) => r.cursor)).toEqual(ordered.map((d) => d.streamCursor));
  });
});
