/**
 * CPU profiles of our gateway and the four subgraph processes under one
 * query's load: each process runs with --cpu-prof, the load generator (a
 * forked autocannon) drives the gateway, the processes are stopped
 * cleanly so V8 writes its profiles, and the frames and packages that
 * spent the most CPU themselves are printed per process. With --root it
 * profiles another checkout (a worktree at an earlier commit) with the
 * same load, for a before/after.
 *
 *   NODE_ENV=production DATABASE_URL=… npx tsx bench/profile.ts [--query dashboard] [--connections 50] [--seconds 15] [--root ../before] [--out $TMPDIR/micro-ai-profiles]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { poolConfigFromUrl } from '../lib/database-url';
import { generateInternalKeyPair } from '../lib/internal-keys';
import { benchTenant } from './bench-tenant';
import { summariseProfile } from './cpu-profile';
import { benchDatabaseUrl, load, ourGatewayEnv, post, QUERIES, startGateway } from './gateway-process';
import { stopProcess } from './stop-process';
import { startSubgraphProcesses } from './subgraph-processes';

function options() {
  const { values } = parseArgs({
    options: {
      query: { type: 'string', default: 'dashboard' },
      connections: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '15' },
      root: { type: 'string' },
      out: { type: 'string', default: path.join(tmpdir(), 'micro-ai-profiles') },
      frames: { type: 'string', default: '12' },
    },
  });
  const query = QUERIES[values.query!];
  if (!query) throw new Error(`--query is one of ${Object.keys(QUERIES).join(', ')}`);
  return { name: values.query!, query, connections: Number(values.connections), seconds: Number(values.seconds), root: values.root && path.resolve(values.root), out: path.resolve(values.out!), frames: Number(values.frames) };
}

async function main() {
  const o = options();
  const databaseUrl = benchDatabaseUrl();
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  const { key } = await benchTenant(pool, 'bench-profile');
  await pool.end();
  const callerKeys = generateInternalKeyPair();
  rmSync(o.out, { recursive: true, force: true });
  mkdirSync(o.out, { recursive: true });
  const profileFlags = ['--cpu-prof', '--cpu-prof-dir', o.out];

  const subgraphs = await startSubgraphProcesses({ databaseUrl, publicKey: callerKeys.publicKey, cursorSecret: randomBytes(32).toString('hex'), root: o.root, execArgv: profileFlags });
  const gateway = await startGateway(
    'ours',
    'gateway/index.ts',
    ourGatewayEnv(databaseUrl, subgraphs.urls, callerKeys.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')),
    { 'x-api-key': key },
    { root: o.root, execArgv: profileFlags },
  );
  const started = Date.now();
  let result;
  try {
    const check = await post(gateway.url, gateway.headers, o.query);
    if (check.status !== 200 || check.body?.errors) throw new Error(`the gateway answered ${JSON.stringify(check.body).slice(0, 300)}`);
    result = await load({ url: gateway.url, headers: gateway.headers, body: JSON.stringify({ query: o.query }), connections: o.connections, seconds: o.seconds });
  } finally {
    // A long grace: V8 writes the profile on the way out.
    await stopProcess(gateway.child, 30_000);
    await subgraphs.close();
  }
  console.log(`${o.name} at ${o.connections} connections for ${o.seconds} s${o.root ? ` (checkout ${o.root})` : ''}: ${result.rps.toFixed(0)} req/s, p95 ${result.p95.toFixed(0)} ms, ${result.errors} errors\n`);

  // V8 names a profile CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; tsx's loader thread writes a small one of its own, so each process's largest is its main thread.
  const names = new Map<number, string>([[gateway.child.pid!, 'gateway'], ...Object.entries(subgraphs.pids).map(([name, pid]) => [pid, `${name} subgraph`] as [number, string])]);
  const largest = new Map<number, { file: string; size: number }>();
  for (const f of readdirSync(o.out).filter((f) => f.endsWith('.cpuprofile'))) {
    const pid = Number(f.split('.')[3]);
    const file = path.join(o.out, f);
    const size = statSync(file).size;
    if (names.has(pid) && size > (largest.get(pid)?.size ?? 0)) largest.set(pid, { file, size });
  }
  const profiles = [...names].filter(([pid]) => largest.has(pid)).map(([pid, name]) => ({ name, file: largest.get(pid)!.file }));
  const wall = (Date.now() - started) / 1000;
  for (const { name, file } of profiles) {
    const summary = summariseProfile(file, o.frames);
    console.log(`## ${name}: ${(summary.busyMs / 1000).toFixed(1)} s of CPU over ~${wall.toFixed(0)} s (${file})`);
    console.log('| self CPU | share | frame |\n|---:|---:|---|');
    for (const f of summary.frames) console.log(`| ${f.ms.toFixed(0)} ms | ${(f.share * 100).toFixed(1)}% | ${f.name.replace(/\|/g, '\\|')} |`);
    console.log('\n| self CPU | share | package |\n|---:|---:|---|');
    for (const f of summary.packages) console.log(`| ${f.ms.toFixed(0)} ms | ${(f.share * 100).toFixed(1)}% | ${f.name} |`);
    console.log('');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
