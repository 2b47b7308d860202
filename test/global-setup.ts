import { startEmbeddedPostgres } from '../lib/embedded-postgres';
import { seedDatabase } from '../lib/seed/generate';
import { migrateDatabase } from '../scripts/migrate';
import { createScratchDatabase } from './helpers/scratch-database';
import { SEED } from './helpers/seed-constants';

/**
 * One migrated, seeded database for the whole run, shared read-only by the
 * test files: a scratch database on DATABASE_URL's server when it is set
 * (CI), otherwise an in-memory embedded PostgreSQL, so `npm test` needs
 * nothing installed.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  let url: string;
  let cleanup: () => Promise<void>;
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchDatabase(process.env.DATABASE_URL, 'jest');
    url = scratch.url;
    cleanup = scratch.drop;
  } else {
    // Two test files at a time, each with four subgraph pools and a gateway pool, plus fault-test extras.
    const embedded = await startEmbeddedPostgres({ maxConnections: 150 });
    url = embedded.url;
    cleanup = embedded.stop;
  }
  (globalThis as { __testDatabaseCleanup?: () => Promise<void> }).__testDatabaseCleanup = cleanup;
  await migrateDatabase(url);
  await seedDatabase(url, { decisions: SEED.decisions, seed: SEED.seed, now: SEED.now });
  process.env.TEST_DATABASE_URL = url;
  process.stdout.write(`\ntest database ready in ${Date.now() - started} ms (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'})\n`);
}
