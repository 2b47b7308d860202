/**
 * Our gateway (API-key authentication, rate limiting and the audit trail
 * on) against plain @apollo/gateway and Hive Gateway (its defaults, and
 * with in-flight request deduplication off), side by side over the same
 * four subgraph processes, each gateway one Node process with
 * NODE_ENV=production. It first checks that all four answer identical
 * data, then loads each in turn (interleaved rounds, after a warm-up) from
 * a forked autocannon process, and prints req/s, p50/p95/p99, errors and
 * the ratio to ours, for each query at each connection count; then our
 * gateway's RSS before, right after, and 10 s after the runs. The last row
 * of each group is the floor: the subgraph calls of the query's plan
 * (recorded through a proxy while plain @apollo/gateway ran it once) made
 * directly, stage after stage, with no gateway (bench/direct-process.ts).
 *
 *   createdb bench && export DATABASE_URL=postgresql://root@127.0.0.1:5432/bench
 *   npm run db:migrate && npx tsx scripts/seed.ts --decisions 100000
 *   npm run bench:peers          # installs Hive Gateway in bench/peers (once)
 *   NODE_ENV=production npx tsx bench/gateways.ts [--seconds 15] [--warmup 5] [--rounds 2] [--connections 10,50] [--only dashboard,federated]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { Pool } from 'pg';
import { poolConfigFromUrl } from '../lib/database-url';
import { generateInternalKeyPair } from '../lib/internal-keys';
import { INTERNAL_CALLER_HEADER } from '../lib/internal-token';
import { SUPERGRAPH_PATH } from '../lib/supergraph';
import http from 'node:http';
import { benchTenant } from './bench-tenant';
import type { DirectRequest } from './direct-process';
import { benchDatabaseUrl, inProcess, load, ourGatewayEnv, post, QUERIES, rssMb, startGateway, type Gateway } from './gateway-process';
import type { LoadResult } from './load-process';
import { stopProcess } from './stop-process';
import { startSubgraphProcesses } from './subgraph-processes';

function options() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10,50' },
      only: { type: 'string', default: Object.keys(QUERIES).join(',') },
    },
  });
  return {
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    rounds: Number(values.rounds),
    connections: values.connections!.split(',').map(Number),
    queries: values.only!.split(','),
  };
}


type Call = { subgraph: string; url: string; body: string; start: number; end: number };

/** Relays to each subgraph and records every call (its subgraph, body and timing), for the direct floor. */
async function recordingProxies(urls: Record<string, string>): Promise<{ urls: Record<string, string>; calls: Call[]; close(): void }> {
  const calls: Call[] = [];
  const servers: http.Server[] = [];
  const proxied: Record<string, string> = {};
  for (const [subgraph, url] of Object.entries(urls)) {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', async () => {
        const start = performance.now();
        const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_CALLER_HEADER]: String(req.headers[INTERNAL_CALLER_HEADER]) }, body });
        const text = await answer.text();
        calls.push({ subgraph, url, body, start, end: performance.now() });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    proxied[subgraph] = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
  }
  return { urls: proxied, calls, close: () => servers.forEach((s) => s.close()) };
}

/** Calls in the stages the plan ran them in: a call that started before any call of the current stage answered belongs to it. */
function stagesOf(calls: Call[]): DirectRequest['stages'] {
  const stages: Call[][] = [];
  for (const call of [...calls].sort((a, b) => a.start - b.start)) {
    const current = stages[stages.length - 1];
    if (current && call.start < Math.min(...current.map((c) => c.end))) current.push(call);
    else stages.push([call]);
  }
  return stages.map((stage) => stage.map(({ subgraph, url, body }) => ({ subgraph, url, body })));
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

async function main() {
  const o = options();
  const databaseUrl = benchDatabaseUrl();
  const callerKeys = generateInternalKeyPair();
  const privateKey = callerKeys.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  const { tenant, key } = await benchTenant(pool, 'bench-gateways');

  const subgraphs = await startSubgraphProcesses({ databaseUrl, publicKey: callerKeys.publicKey, cursorSecret: randomBytes(32).toString('hex') });
  const gateways: Gateway[] = [];
  try {
    const peerEnv = { INTERNAL_AUTH_PRIVATE_KEY: privateKey, BENCH_TENANT_ID: tenant.id, SUBGRAPH_URLS: JSON.stringify(subgraphs.urls), SUPERGRAPH_SDL: readFileSync(SUPERGRAPH_PATH, 'utf8') };
    gateways.push(
      await startGateway('ours (API key + audit)', 'gateway/index.ts', ourGatewayEnv(databaseUrl, subgraphs.urls, privateKey), { 'x-api-key': key }),
      await startGateway('@apollo/gateway', 'bench/peers/apollo-peer.ts', peerEnv, {}),
      await startGateway('Hive Gateway', 'bench/peers/hive-peer.ts', peerEnv, {}),
      await startGateway('Hive, dedup off', 'bench/peers/hive-peer.ts', { ...peerEnv, HIVE_DEDUP: 'off' }, {}),
    );
    const ours = gateways[0]!;

    for (const name of o.queries) {
      const query = QUERIES[name]!;
      const answers = await Promise.all(gateways.map((g) => post(g.url, g.headers, query)));
      const reference = answers[0]!.body;
      if (answers[0]!.status !== 200 || reference?.errors || !reference?.data) throw new Error(`ours answered ${name} with ${JSON.stringify(reference).slice(0, 500)}`);
      answers.forEach((a, i) => {
        if (!isDeepStrictEqual(a.body?.data, reference.data) || a.body?.errors) throw new Error(`${gateways[i]!.name} answers ${name} differently: ${JSON.stringify(a.body).slice(0, 500)}`);
      });
      console.log(`${name}: all four gateways answer the same data (${JSON.stringify(reference.data).length} bytes)`);
    }

    // The floor: the plan's subgraph calls, recorded once through plain @apollo/gateway.
    const proxies = await recordingProxies(subgraphs.urls);
    const plans: Record<string, DirectRequest['stages']> = {};
    try {
      const recorder = await startGateway('recorder', 'bench/peers/apollo-peer.ts', { ...peerEnv, SUBGRAPH_URLS: JSON.stringify(proxies.urls) }, {});
      try {
        for (const name of o.queries) {
          await post(recorder.url, {}, QUERIES[name]!);
          proxies.calls.length = 0;
          await post(recorder.url, {}, QUERIES[name]!);
          // Replayed against the subgraphs themselves, not the proxies.
          plans[name] = stagesOf(proxies.calls.map((c) => ({ ...c, url: subgraphs.urls[c.subgraph as keyof typeof subgraphs.urls] })));
          console.log(`${name}: the plan makes ${proxies.calls.length} subgraph calls in ${plans[name]!.length} stages`);
        }
      } finally {
        await stopProcess(recorder.child);
      }
    } finally {
      proxies.close();
    }

    const rssBefore = rssMb(ours.child.pid!);
    console.log(`\n${o.rounds} interleaved rounds of ${o.seconds} s after a ${o.warmup} s warm-up per gateway; 2 cores shared by everything\n`);
    console.log('| query | connections | gateway | req/s | p50 ms | p95 ms | p99 ms | errors | ours ÷ it (req/s) |');
    console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const name of o.queries) {
      const body = JSON.stringify({ query: QUERIES[name] });
      for (const connections of o.connections) {
        for (const g of gateways) await load({ url: g.url, headers: g.headers, body, connections, seconds: o.warmup });
        const results = new Map<Gateway, LoadResult[]>(gateways.map((g) => [g, []]));
        for (let round = 0; round < o.rounds; round++) {
          for (const g of gateways) results.get(g)!.push(await load({ url: g.url, headers: g.headers, body, connections, seconds: o.seconds }));
        }
        const mean = (rs: LoadResult[], f: (r: LoadResult) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
        const oursRps = mean(results.get(ours)!, (r) => r.rps);
        const row = (label: string, rs: LoadResult[]) => {
          const rps = mean(rs, (r) => r.rps);
          console.log(`| ${name} | ${connections} | ${label} | ${fmt(rps)} | ${fmt(mean(rs, (r) => r.p50))} | ${fmt(mean(rs, (r) => r.p95))} | ${fmt(mean(rs, (r) => r.p99))} | ${rs.reduce((a, r) => a + r.errors, 0)} | ${fmt(oursRps / rps, 2)} |`);
        };
        for (const g of gateways) row(g.name, results.get(g)!);
        const direct = await inProcess('direct-process.ts', { stages: plans[name]!, privateKey, tenantId: tenant.id, connections, seconds: o.seconds });
        row('direct subgraph calls, no gateway', [direct]);
      }
    }
    const rssAfter = rssMb(ours.child.pid!);
    await new Promise((r) => setTimeout(r, 10_000));
    console.log(`\nour gateway's RSS: ${fmt(rssBefore)} MB before the runs, ${fmt(rssAfter)} MB right after, ${fmt(rssMb(ours.child.pid!))} MB 10 s later`);
  } finally {
    await Promise.all(gateways.map((g) => stopProcess(g.child)));
    await subgraphs.close();
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
