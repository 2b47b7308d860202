/**
 * Brings a database up to prisma/migrations. `prisma migrate deploy` through
 * the driver adapter lingers about 11 s even when there is nothing to do, so
 * the pending set is read from `_prisma_migrations` first and the CLI only
 * runs when something is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { poolConfigFromUrl, redactDatabaseUrl } from '../lib/database-url';
import { loadEnv } from '../lib/env';
import { grantRuntimeRole } from './db-grant';

const ROOT = path.resolve(__dirname, '..');
const MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'migrations');
// The CLI's own entry point rather than npx: no resolution or install step,
// and the same Node binary as the caller.
const PRISMA_CLI = path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');

type Log = (line: string) => void;

export interface PrismaRun {
  code: number;
  stdout: string;
  /** stdout and stderr interleaved as they arrived, for error reports. */
  output: string;
}

/** Runs the Prisma CLI with DATABASE_URL set, passing each output line to `log`. */
export function runPrisma(args: string[], databaseUrl: string, log: Log = () => {}): Promise<PrismaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PRISMA_CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let output = '';
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        if (stream === 'stdout') stdout += chunk;
        output += chunk;
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach((line) => log(line));
      });
      child[stream].on('end', () => partial && log(partial));
    }
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, output }));
  });
}

/** Migration folder names in apply order (Prisma sorts them the same way). */
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(MIGRATIONS_DIR, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

async function appliedMigrationNames(databaseUrl: string): Promise<Set<string>> {
  const client = new Client(poolConfigFromUrl(databaseUrl));
  // Prisma keeps its table in the schema named by ?schema=, public otherwise.
  const schema = new URL(databaseUrl).searchParams.get('schema') ?? 'public';
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to ${redactDatabaseUrl(databaseUrl)}: ${(error as Error).message}`);
  }
  try {
    const table = `"${schema.replace(/"/g, '""')}"._prisma_migrations`;
    const exists = await client.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]);
    if (!exists.rows[0].found) return new Set();
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM ${table} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    return new Set(rows.map((row) => row.migration_name));
  } finally {
    await client.end();
  }
}

export async function migrateDatabase(databaseUrl: string, opts: { log?: Log } = {}): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => {});
  const before = await appliedMigrationNames(databaseUrl);
  const pending = migrationNames().filter((name) => !before.has(name));
  if (pending.length === 0) return { applied: [] };

  log(`applying ${pending.length} migration(s) to ${redactDatabaseUrl(databaseUrl)}: ${pending.join(', ')}`);
  const run = await runPrisma(['migrate', 'deploy'], databaseUrl, log);
  if (run.code !== 0) {
    const output = run.output.trim().split(databaseUrl).join(redactDatabaseUrl(databaseUrl));
    throw new Error(
      `prisma migrate deploy failed (exit ${run.code}) on ${redactDatabaseUrl(databaseUrl)}:\n${output}`,
    );
  }
  const after = await appliedMigrationNames(databaseUrl);
  return { applied: pending.filter((name) => after.has(name)) };
}

async function main(): Promise<void> {
  // Migrations run as the tables' owner; DATABASE_URL may be the runtime role, which cannot.
  const env = loadEnv();
  const url = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: export it (e.g. postgresql://root@127.0.0.1:5432/test) and rerun');
  }
  const { applied } = await migrateDatabase(url, { log: (line) => console.log(line) });
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  // A migration may add a table: grant the runtime role again, every time.
  if (env.DATABASE_RUNTIME_ROLE) {
    await grantRuntimeRole(url, env.DATABASE_RUNTIME_ROLE);
    console.log(`granted ${env.DATABASE_RUNTIME_ROLE} its runtime privileges`);
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
