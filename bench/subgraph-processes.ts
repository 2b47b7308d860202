import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { SUBGRAPHS, type SubgraphName } from '../lib/supergraph';
import { stopProcess } from './stop-process';

/** The four subgraphs, each its own Node process as deployed, for a gateway (ours or a peer) in front of them. */
export interface SubgraphProcesses {
  urls: Record<SubgraphName, string>;
  pids: Record<SubgraphName, number>;
  close(): Promise<void>;
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function ready(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`a subgraph exited (${child.exitCode}) before it was ready:\n${output()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`a subgraph was not ready within 60 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts `subgraphs/<name>/index.ts` four times with tsx, NODE_ENV=production,
 * on free loopback ports, trusting the caller tokens of `publicKey`; with a
 * Redis URL they wake the gateways' stream readers through it, as deployed.
 */
export async function startSubgraphProcesses(options: {
  databaseUrl: string;
  publicKey: KeyObject;
  cursorSecret: string;
  redisUrl?: string;
  poolSize?: number;
  /** Another checkout to run the subgraphs of (bench/profile.ts compares one before a change). */
  root?: string;
  /** Extra Node flags, such as --cpu-prof. */
  execArgv?: string[];
}): Promise<SubgraphProcesses> {
  const publicKey = options.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const root = options.root ?? path.resolve(__dirname, '..');
  const started: Array<{ name: SubgraphName; child: ChildProcess; url: string }> = [];
  const stop = async () => {
    await Promise.all(started.map(({ child }) => stopProcess(child)));
  };
  try {
    for (const { name } of SUBGRAPHS) {
      const port = await freePort();
      const child = spawn(process.execPath, [...(options.execArgv ?? []), '--import', 'tsx', path.join(root, 'subgraphs', name, 'index.ts')], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          LOG_LEVEL: 'error',
          HOST: '127.0.0.1',
          PORT: String(port),
          DATABASE_URL: options.databaseUrl,
          DB_POOL_SIZE: String(options.poolSize ?? 10),
          INTERNAL_AUTH_PUBLIC_KEY: publicKey,
          CURSOR_SECRET: options.cursorSecret,
          ...(options.redisUrl && { REDIS_URL: options.redisUrl }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4_000));
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      started.push({ name, child, url: `http://127.0.0.1:${port}/graphql` });
      await ready(`http://127.0.0.1:${port}/readyz`, child, () => output);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    urls: Object.fromEntries(started.map(({ name, url }) => [name, url])) as Record<SubgraphName, string>,
    pids: Object.fromEntries(started.map(({ name, child }) => [name, child.pid!])) as Record<SubgraphName, number>,
    close: stop,
  };
}
