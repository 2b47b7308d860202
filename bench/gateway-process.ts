/** What the gateway benches share: the queries, starting a gateway process, posting to it, and forking the load generator. */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateCheckpointKeyPair } from '../lib/audit-log/checkpoint';
import type { DirectRequest } from './direct-process';
import type { LoadRequest, LoadResult } from './load-process';
import { freePort } from './subgraph-processes';

export const QUERIES: Record<string, string> = {
  dashboard: `{ decisions(first: 20, filter: { outcome: [DECLINE, REVIEW] }) { edges { node { id outcome
      tenant { slug plan installations { installedAt packageVersion { version package { slug } } } }
      packageVersion { version conformanceScore package { slug riskTier } }
      lineage { requestId events { action surface } } } } } }`,
  federated: '{ decisions(first: 20) { edges { node { id outcome tenant { slug } packageVersion { version package { slug } } } } } }',
};

export interface Gateway {
  name: string;
  url: string;
  headers: Record<string, string>;
  child: ChildProcess;
}

export async function post(url: string, headers: Record<string, string>, query: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/**
 * The database the process benches (gateways, gateway-memory, profile) load
 * through their gateways, refusing to start where their figures would mean
 * nothing: a gateway not in production mode, or no seeded database.
 */
export function benchDatabaseUrl(): string {
  if (process.env.NODE_ENV !== 'production') throw new Error('run with NODE_ENV=production, as the gateways are deployed');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (a migrated PostgreSQL seeded with 100k decisions)');
  return databaseUrl;
}

/** What our gateway (gateway/index.ts) is started with over the bench's subgraph processes: a fresh checkpoint key, the caller key the subgraphs trust. */
export function ourGatewayEnv(databaseUrl: string, subgraphUrls: Record<string, string>, internalPrivateKey: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    INTERNAL_AUTH_PRIVATE_KEY: internalPrivateKey,
    AUDIT_CHECKPOINT_PRIVATE_KEY: generateCheckpointKeyPair().privateKey,
    ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
  };
}

/** A process's resident set in MB, as the kernel counts it. */
export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** Forks a gateway process and waits until it answers a query. */
export async function startGateway(name: string, file: string, env: Record<string, string>, headers: Record<string, string>, options: { root?: string; execArgv?: string[] } = {}): Promise<Gateway> {
  const port = await freePort();
  let output = '';
  const child = fork(path.resolve(options.root ?? path.resolve(__dirname, '..'), file), [], {
    execArgv: [...(options.execArgv ?? []), '--import', 'tsx'],
    env: { PATH: process.env.PATH!, NODE_ENV: 'production', LOG_LEVEL: 'error', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.on('data', (c: Buffer) => void (output = (output + c).slice(-4_000)));
  child.stderr!.on('data', (c: Buffer) => void (output = (output + c).slice(-4_000)));
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output}`);
    const answer = await post(url, headers, '{ __typename }').catch(() => null);
    if (answer?.status === 200 && answer.body?.data) return { name, url, headers, child };
    if (Date.now() > deadline) throw new Error(`${name} did not answer within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs a job in a forked bench process (the load generator or the direct floor), away from the gateway's core. */
export async function inProcess(file: string, job: LoadRequest | DirectRequest): Promise<LoadResult> {
  const child = fork(path.resolve(__dirname, file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      child.once('message', (m: { result?: LoadResult; error?: string }) => (m.result ? resolve(m.result) : reject(new Error(m.error))));
      child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
      child.send(job);
    });
  } finally {
    child.kill();
  }
}

export const load = (request: LoadRequest) => inProcess('load-process.ts', request);
