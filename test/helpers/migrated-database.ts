import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../dev/embedded-postgres';
import { createScratchDatabase, withClient } from './scratch-database';

const MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Migration folder names in apply order. */
export function migrationFolders(): string[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * A database of its own (a scratch database on DATABASE_URL's server, or an
 * in-memory PGlite), with the migrations applied as plain SQL: faster than
 * `prisma migrate deploy`, for tests that may change what the shared test
 * database must keep. `upTo` stops after the named migration.
 */
export async function createMigratedDatabase(prefix: string, options: { upTo?: string } = {}): Promise<TestDatabase> {
  let database: TestDatabase;
  if (process.env.DATABASE_URL) {
    database = await createScratchDatabase(process.env.DATABASE_URL, prefix);
  } else {
    const embedded = await startEmbeddedPostgres();
    database = { url: embedded.url, drop: embedded.stop };
  }
  const folders = migrationFolders();
  const last = options.upTo === undefined ? folders.length : folders.indexOf(options.upTo) + 1;
  if (last === 0) throw new Error(`no migration named ${options.upTo}`);
  await applyMigrations(database.url, folders.slice(0, last));
  return database;
}

/**
 * Runs each migration the way `prisma migrate deploy` does through the pg
 * driver adapter: split at every semicolon, statement by statement. A
 * migration that only works as one script (a semicolon in a comment, a
 * string or a function body) fails here as it would in deploy.
 */
export async function applyMigrations(url: string, folders: string[]): Promise<void> {
  await withClient(url, async (client) => {
    for (const folder of folders) {
      const script = readFileSync(path.join(MIGRATIONS_DIR, folder, 'migration.sql'), 'utf8');
      for (const statement of script.split(';').map((s) => s.trim())) {
        if (statement) await client.query(statement);
      }
    }
  });
}
