import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { createApiKey, createOperatorKey, revokeApiKey } from '../subgraphs/tenants/api-keys';
import { CheckpointSigner, generateCheckpointKeyPair } from '../lib/audit-log/checkpoint';
import { poolConfigFromUrl } from '../lib/database-url';
import { startEmbeddedPostgres } from '../dev/embedded-postgres';
import { seedDatabase } from '../dev/seed/generate';
import { migrateDatabase } from '../scripts/migrate';
import { createScratchDatabase } from './helpers/scratch-database';
import type { TestCredentials } from './helpers/credentials';
import { encodeKeyPair, generateInternalKeyPair } from '../lib/internal-keys';
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
  const checkpointKeys = generateCheckpointKeyPair();
  await seedDatabase(url, { decisions: SEED.decisions, seed: SEED.seed, now: SEED.now, checkpointSigner: new CheckpointSigner(checkpointKeys.privateKey) });
  process.env.TEST_DATABASE_URL = url;
  process.env.TEST_CREDENTIALS = JSON.stringify(await createCredentials(url, { privateKey: checkpointKeys.privateKey, publicKey: checkpointKeys.publicKey }));
  process.stdout.write(`\ntest database ready in ${Date.now() - started} ms (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'})\n`);
}

async function createCredentials(url: string, auditCheckpoint: TestCredentials['auditCheckpoint']): Promise<TestCredentials> {
  const pool = new Pool(poolConfigFromUrl(url, { max: 1 }));
  try {
    const { rows } = await pool.query<{ id: string; slug: string }>(
      "SELECT id, slug FROM tenants WHERE slug IN ('northwind-bank', 'acme-lending') ORDER BY slug DESC",
    );
    const [tenantA, tenantB] = rows;
    const by = { requestId: 'req_test_setup', actor: 'test-setup', surface: 'INTERNAL' as const };
    const key = async (tenantSlug: string, name: string, scopes: Array<'read' | 'write' | 'admin'>) =>
      (await createApiKey(pool, { tenant: { slug: tenantSlug }, name, scopes, environment: 'SANDBOX' }, by)).key;
    const expired = await createApiKey(pool, { tenant: { slug: tenantA.slug }, name: 'expired', scopes: ['read'], environment: 'SANDBOX' }, by);
    await pool.query("UPDATE api_keys SET expires_at = now() - interval '1 hour' WHERE id = $1", [expired.record.id]);
    const revoked = await createApiKey(pool, { tenant: { slug: tenantA.slug }, name: 'revoked', scopes: ['read'], environment: 'SANDBOX' }, by);
    await revokeApiKey(pool, revoked.record.id, by);
    return {
      callerKeys: encodeKeyPair(generateInternalKeyPair()),
      cursorSecret: randomBytes(32).toString('hex'),
      auditCheckpoint,
      jwt: { secret: randomBytes(32).toString('hex'), issuer: 'https://issuer.test', audience: 'micro-ai-graph', tenantClaim: 'tenant_id' },
      tenantA,
      tenantB,
      keys: {
        operator: (await createOperatorKey(pool, { name: 'test operator', scopes: ['read', 'admin'], environment: 'SANDBOX' }, by)).key,
        admin: await key(tenantA.slug, 'admin', ['read', 'write', 'admin']),
        readA: await key(tenantA.slug, 'read', ['read']),
        readWriteA: await key(tenantA.slug, 'read-write', ['read', 'write']),
        writeOnlyA: await key(tenantA.slug, 'write-only', ['write']),
        readB: await key(tenantB.slug, 'read', ['read']),
        expiredA: expired.key,
        revokedA: revoked.key,
      },
    };
  } finally {
    await pool.end();
  }
}
