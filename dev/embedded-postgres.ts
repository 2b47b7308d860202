/**
 * PostgreSQL without a server install: PGlite (Postgres compiled to wasm)
 * behind a wire-protocol socket, so pg, the Prisma adapter and the Prisma CLI
 * talk to it exactly as to a real server.
 *
 * PGlite runs in a worker thread. Even its CommonJS build loads Node builtins
 * with import(), which Jest's VM refuses without --experimental-vm-modules;
 * a worker is plain Node under tsx and Jest alike. It also keeps the wasm
 * engine's CPU time off the caller's event loop.
 */
import { mkdirSync } from 'node:fs';
import type net from 'node:net';
import { parentPort, Worker } from 'node:worker_threads';
import { listenOn } from '../lib/http';
import { createSerializingRelay } from './pg-wire-serializer';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgresOptions {
  /** Folder for the data files; omit for an in-memory database. */
  dataDir?: string;
  /** 0 (default) picks a free port below 32768. */
  port?: number;
  host?: string;
  /** Every pool in the process plus a migrate child: extra clients are reset. */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

type WorkerSettings = Required<Omit<EmbeddedPostgresOptions, 'dataDir'>> & Pick<EmbeddedPostgresOptions, 'dataDir'>;

interface WorkerError {
  message: string;
  code?: string;
}

type WorkerReply = { port: number } | { error: WorkerError } | { stopped: true; error?: WorkerError };

// Outgoing connections take their local ports from 32768-60999 and could
// hold a port picked in that range.
const PORT_MIN = 15000;
const PORT_MAX = 32000;
const PORT_ATTEMPTS = 50;

// The worker loads this very file through tsx, so it needs no build step.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
require(workerData.tsx).register();
require(workerData.entry).serveInWorker(workerData.settings);
`;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const { dataDir, port = 0, host = '127.0.0.1', maxConnections = 64 } = options;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const settings: WorkerSettings = { dataDir, port, host, maxConnections };
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    // The caller's own loader flags (tsx's --import, say) would load twice.
    execArgv: [],
    workerData: { tsx: require.resolve('tsx/cjs/api'), entry: __filename, settings },
  });

  const listening = await new Promise<number>((resolve, reject) => {
    const fail = (error: Error) => {
      worker.off('message', onReply).off('error', fail).off('exit', onExit);
      void worker.terminate();
      reject(error);
    };
    const onExit = (code: number) => fail(new Error(`embedded PostgreSQL exited with code ${code} before listening`));
    const onReply = (reply: WorkerReply) => {
      if (!('port' in reply)) return fail(toError(reply.error ?? { message: 'embedded PostgreSQL stopped at start-up' }));
      // From here a crash of the worker is an uncaught error in the caller:
      // every connection to it is already gone, nothing could recover.
      worker.off('message', onReply).off('error', fail).off('exit', onExit);
      resolve(reply.port);
    };
    worker.on('message', onReply).on('error', fail).on('exit', onExit);
  });

  let stopping: Promise<void> | undefined;
  return {
    // PGlite has one role and one database; it accepts any names at start-up
    // and serves postgres/postgres, so the URL names those.
    url: `postgresql://postgres@${host}:${listening}/postgres`,
    port: listening,
    stop() {
      stopping ??= new Promise<WorkerReply | undefined>((resolve) => {
        worker.once('message', resolve).once('exit', () => resolve(undefined));
        worker.postMessage('stop');
      }).then(async (reply) => {
        await worker.terminate();
        if (reply && 'error' in reply && reply.error) throw toError(reply.error);
      });
      return stopping;
    },
  };
}

/** Worker side: open the database, listen, report the port, close on request. */
export async function serveInWorker(settings: WorkerSettings): Promise<void> {
  const parent = parentPort;
  if (!parent) throw new Error('serveInWorker runs inside the embedded PostgreSQL worker only');
  const reply = (message: WorkerReply) => parent.postMessage(message);
  try {
    // Required here, not imported: only the worker may load PGlite.
    const { PGlite }: typeof import('@electric-sql/pglite') = require('@electric-sql/pglite');
    const db = await PGlite.create(settings.dataDir);
    // pglite-socket listens inside; clients reach it only through the relay
    // that gives them the backend one at a time (see pg-wire-serializer).
    const server = await listen(db, { ...settings, port: 0 }).catch(async (error: unknown) => {
      await db.close();
      throw error;
    });
    const relay = await listenRelay(createSerializingRelay({ host: settings.host, port: server.port }), settings).catch(async (error: unknown) => {
      await server.instance.stop();
      await db.close();
      throw error;
    });
    parent.once('message', () => {
      new Promise<void>((resolve) => relay.server.close(() => resolve()))
        .then(() => server.instance.stop())
        .then(() => db.close())
        .then(
          () => reply({ stopped: true }),
          (error: unknown) => reply({ stopped: true, error: fromError(error) }),
        );
    });
    reply({ port: relay.port });
  } catch (error) {
    reply({ error: fromError(error) });
  }
}

// Errors cross the thread boundary as plain data: message and errno code.
function fromError(error: unknown): WorkerError {
  const { message, code } = error as NodeJS.ErrnoException;
  return { message, code };
}

function toError({ message, code }: WorkerError): Error {
  return Object.assign(new Error(message), { code });
}

async function listen(db: PGlite, settings: WorkerSettings): Promise<{ instance: PGLiteSocketServer; port: number }> {
  if (settings.port !== 0) return { instance: await startServer(db, settings, settings.port), port: settings.port };
  for (let attempt = 1; ; attempt++) {
    const candidate = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
    try {
      return { instance: await startServer(db, settings, candidate), port: candidate };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function listenRelay(relay: net.Server, { host, port }: WorkerSettings): Promise<{ server: net.Server; port: number }> {
  const tryPort = (candidate: number) => listenOn(relay, candidate, host);
  if (port !== 0) return { server: relay, port: await tryPort(port) };
  for (let attempt = 1; ; attempt++) {
    try {
      return { server: relay, port: await tryPort(PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN))) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

// A server whose listen failed keeps its handle and refuses a second start(),
// so every attempt gets a fresh one.
async function startServer(db: PGlite, { host, maxConnections }: WorkerSettings, port: number) {
  const { PGLiteSocketServer }: typeof import('@electric-sql/pglite-socket') = require('@electric-sql/pglite-socket');
  const server = new PGLiteSocketServer({ db, host, port, maxConnections });
  await server.start();
  return server;
}
