/**
 * Our gateway's memory under sustained load, alone over the four subgraph
 * processes (one gateway process, NODE_ENV=production, API key, rate limit
 * and audit on): its live heap after a full collection before any load
 * (the baseline), then RSS and V8's heap in use after each round, then the
 * live heap after a full collection once the load has stopped. RSS alone
 * cannot show a leak or its absence: V8 keeps the old space it grew under
 * load and collects it lazily, so the figure that must come back to its
 * baseline is the live heap.
 *
 *   NODE_ENV=production DATABASE_URL=… npx tsx bench/gateway-memory.ts [--only federated,dashboard] [--connections 10,50] [--rounds 3] [--seconds 15]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { poolConfigFromUrl } from '../lib/database-url';
import { generateInternalKeyPair } from '../lib/internal-keys';
import { benchTenant } from './bench-tenant';
import { benchDatabaseUrl, load, ourGatewayEnv, QUERIES, rssMb, startGateway, type Gateway } from './gateway-process';
import { stopProcess } from './stop-process';
import { freePort, startSubgraphProcesses } from './subgraph-processes';

const MB = 1024 * 1024;

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: Object.keys(QUERIES).join(',') },
      connections: { type: 'string', default: '10,50' },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '15' },
    },
  });
  return { queries: values.only!.split(','), connections: values.connections!.split(',').map(Number), rounds: Number(values.rounds), seconds: Number(values.seconds) };
}

/**
 * V8's heap in use and total, and the memory held outside it for JS objects
 * (Buffers, ArrayBuffers, wasm memories), as the gateway's own metrics port
 * exposes them (prom-client's defaults).
 */
async function heapMb(metricsUrl: string): Promise<{ used: number; total: number; external: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1]) / MB;
  return { used: value('nodejs_heap_size_used_bytes'), total: value('nodejs_heap_size_total_bytes'), external: value('nodejs_external_memory_bytes') };
}

/**
 * The live heap: a heap snapshot (--heapsnapshot-signal) starts with a full
 * collection, and the sizes of the nodes it writes add up to what survived.
 */
async function liveHeapMb(gateway: Gateway, dir: string): Promise<number> {
  const before = new Set(readdirSync(dir));
  gateway.child.kill('SIGUSR2');
  const deadline = Date.now() + 120_000;
  for (;;) {
    const written = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (written) {
      const file = path.join(dir, written);
      // V8 writes the file as it walks the heap: it is complete once it parses.
      const snapshot = (() => {
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[] } }; nodes: number[] };
        } catch {
          return null;
        }
      })();
      if (snapshot) {
        rmSync(file);
        const fields = snapshot.snapshot.meta.node_fields;
        const size = fields.indexOf('self_size');
        let bytes = 0;
        for (let i = size; i < snapshot.nodes.length; i += fields.length) bytes += snapshot.nodes[i]!;
        return bytes / MB;
      }
    }
    if (Date.now() > deadline) throw new Error('the gateway wrote no heap snapshot within 120 s');
    await new Promise((r) => setTimeout(r, 500));
  }
}

const fmt = (n: number) => n.toFixed(0);

async function main() {
  const o = options();
  const databaseUrl = benchDatabaseUrl();
  const callerKeys = generateInternalKeyPair();
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  const { key } = await benchTenant(pool, 'bench-memory');
  const dir = mkdtempSync(path.join(tmpdir(), 'micro-ai-heap-'));
  const subgraphs = await startSubgraphProcesses({ databaseUrl, publicKey: callerKeys.publicKey, cursorSecret: randomBytes(32).toString('hex') });
  let gateway: Gateway | undefined;
  try {
    const metricsPort = await freePort();
    gateway = await startGateway(
      'ours',
      'gateway/index.ts',
      { ...ourGatewayEnv(databaseUrl, subgraphs.urls, callerKeys.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')), METRICS_PORT: String(metricsPort) },
      { 'x-api-key': key },
      { execArgv: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`] },
    );
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const pid = gateway.child.pid!;
    // One answer of each query first: what is built once (plans, parsed documents) belongs to the baseline.
    for (const name of o.queries) await load({ url: gateway.url, headers: gateway.headers, body: JSON.stringify({ query: QUERIES[name] }), connections: 1, seconds: 1 });
    // Read before the snapshot: writing one grows RSS by its own working memory, which the rows below carry.
    const rssAtRest = rssMb(pid);
    const baseline = await liveHeapMb(gateway, dir);
    console.log(`Node ${process.version}; our gateway alone, ${o.rounds} rounds of ${o.seconds} s per query and connection count\n`);
    console.log(`before the load: RSS ${fmt(rssAtRest)} MB, live heap after a full collection ${fmt(baseline)} MB (RSS ${fmt(rssMb(pid))} MB once the snapshot is written)\n`);
    const atRest = await heapMb(metricsUrl);
    console.log(`at rest: heap used ${fmt(atRest.used)} MB, heap total ${fmt(atRest.total)} MB, external ${fmt(atRest.external)} MB\n`);
    console.log('| round | query | connections | req/s | errors | RSS MB | heap used MB | heap total MB | external MB |');
    console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
    for (let round = 1; round <= o.rounds; round++) {
      for (const name of o.queries) {
        for (const connections of o.connections) {
          const result = await load({ url: gateway.url, headers: gateway.headers, body: JSON.stringify({ query: QUERIES[name] }), connections, seconds: o.seconds });
          const heap = await heapMb(metricsUrl);
          console.log(`| ${round} | ${name} | ${connections} | ${fmt(result.rps)} | ${result.errors} | ${fmt(rssMb(pid))} | ${fmt(heap.used)} | ${fmt(heap.total)} | ${fmt(heap.external)} |`);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 10_000));
    const rssAfter = rssMb(pid);
    const rested = await heapMb(metricsUrl);
    const after = await liveHeapMb(gateway, dir);
    console.log(`\n10 s after the load: RSS ${fmt(rssAfter)} MB (heap total ${fmt(rested.total)} MB, external ${fmt(rested.external)} MB), live heap after a full collection ${fmt(after)} MB (${after - baseline >= 0 ? '+' : ''}${(after - baseline).toFixed(1)} MB on the baseline)`);
  } finally {
    if (gateway) await stopProcess(gateway.child);
    await subgraphs.close();
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
