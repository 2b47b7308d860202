/**
 * `npm start`: the whole platform in one process. With no DATABASE_URL it
 * runs an embedded PostgreSQL (PGlite, data kept in PGLITE_DATA_DIR), applies
 * pending migrations, loads the demo data into an empty database, then starts
 * the four subgraphs and the gateway. Without AUDIT_CHECKPOINT_PRIVATE_KEY
 * it signs audit checkpoints with a key of its own, kept in
 * .data/audit-checkpoint.key (gitignored) so that a restart still verifies
 * the checkpoints of earlier runs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { createApiKey, createOperatorKey, revokeApiKey } from '../subgraphs/tenants/api-keys';
import { newRequestId } from '../lib/request-id';
import { poolConfigFromUrl } from '../lib/database-url';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../dev/embedded-postgres';
import { redactDatabaseUrl } from '../lib/database-url';
import { auditCheckpointInterval, auditCheckpointSigner, configuredKeyPair, gatewayLimits, jwtSettings, loadEnv, streamLimits, trustedDocumentsSettings, type Env } from '../lib/env';
import { generateInternalKeyPair } from '../lib/internal-keys';
import { CheckpointKeyring, CheckpointSigner, generateCheckpointKeyPair } from '../lib/audit-log/checkpoint';
import { createLogger } from '../lib/logger';
import { startTracing } from '../lib/tracing-setup';
import { isDatabaseEmpty, seedDatabase } from '../dev/seed/generate';
import { SUBGRAPHS } from '../lib/supergraph';
import { startSystem } from '../system/start-system';
import { startMetricsServer } from '../lib/metrics-server';
import { exitOnSignal } from '../lib/shutdown';
import { ensurePagesBuilt } from './build-pages';
import { migrateDatabase } from './migrate';
import { SAMPLE_DECISION } from './sample-requests';

const SAMPLE_QUERY = `{
  decisions(first: 3, filter: { outcome: [DECLINE, REVIEW] }) {
    totalCount
    edges { node { id feature outcome confidence reasons createdAt
      tenant { slug plan } packageVersion { version package { slug } }
      lineage { requestId events { action surface } } } }
  }
}`;

const DEMO_TENANT = 'northwind-bank';
const DEMO_KEY_NAME = 'demo key (npm start)';

interface DemoKeys {
  tenant: string;
  tenantAdmin: string;
  operator: string;
}

/**
 * Fresh demo keys on every embedded start: a secret is shown only once, so
 * the keys printed last time cannot be shown again; they are revoked instead.
 * The operator key is the CLI's own kind (`npm run keys -- create-operator`),
 * made here only because this is the demo.
 */
async function demoKeys(databaseUrl: string): Promise<DemoKeys> {
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  try {
    const by = { requestId: newRequestId(), actor: 'npm-start', surface: 'INTERNAL' as const };
    const { rows: stale } = await pool.query<{ id: string }>('SELECT id FROM api_keys WHERE name = $1 AND revoked_at IS NULL', [DEMO_KEY_NAME]);
    for (const { id } of stale) await revokeApiKey(pool, id, by);
    const create = (scopes: Array<'read' | 'write' | 'admin'>) =>
      createApiKey(pool, { tenant: { slug: DEMO_TENANT }, name: DEMO_KEY_NAME, scopes, environment: 'SANDBOX' }, by).then((k) => k.key);
    return {
      tenant: await create(['read', 'write']),
      tenantAdmin: await create(['read', 'admin']),
      operator: (await createOperatorKey(pool, { name: DEMO_KEY_NAME, scopes: ['read', 'admin'], environment: 'SANDBOX' }, by)).key,
    };
  } finally {
    await pool.end();
  }
}

const CHECKPOINT_KEY_FILE = path.resolve('.data', 'audit-checkpoint.key');

/**
 * The configured checkpoint key, or the one this machine's `npm start` made
 * before (made now on the first start), readable by its owner only. The
 * keyring verifies with the configured public keys and this signer's own.
 */
function checkpointKeys(env: Env, say: (line: string) => void): { signer: CheckpointSigner; keyring: CheckpointKeyring } {
  let signer = auditCheckpointSigner(env);
  if (!signer) {
    if (!existsSync(CHECKPOINT_KEY_FILE)) {
      mkdirSync(path.dirname(CHECKPOINT_KEY_FILE), { recursive: true });
      writeFileSync(CHECKPOINT_KEY_FILE, generateCheckpointKeyPair().privateKey + '\n', { mode: 0o600, flag: 'wx' });
      say(`audit checkpoint key made and kept in ${CHECKPOINT_KEY_FILE}`);
    }
    signer = new CheckpointSigner(readFileSync(CHECKPOINT_KEY_FILE, 'utf8'));
  }
  const configured = (env.AUDIT_CHECKPOINT_PUBLIC_KEY ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  return { signer, keyring: new CheckpointKeyring([...configured, signer.publicKeyText()]) };
}

async function main(): Promise<void> {
  const started = Date.now();
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  // One process, five parts: each keeps its own service.name, so OTEL_SERVICE_NAME is not applied here.
  const tracing = startTracing({ ...env, OTEL_SERVICE_NAME: undefined }, 'gateway', logger);
  const say = (line: string) => process.stdout.write(line + '\n');

  let embedded: EmbeddedPostgres | null = null;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const dataDir = path.resolve(env.PGLITE_DATA_DIR);
    say(`starting embedded PostgreSQL (PGlite) with data in ${dataDir}`);
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: env.PGLITE_PORT,
      // Every subgraph pool, the gateway's, and a migrate child, with room to spare.
      maxConnections: SUBGRAPHS.length * env.DB_POOL_SIZE + 16,
    });
    databaseUrl = embedded.url;
  }
  say(`database: ${redactDatabaseUrl(databaseUrl)}`);

  const checkpoint = checkpointKeys(env, say);
  const { applied } = await migrateDatabase(env.DATABASE_MIGRATION_URL ?? databaseUrl);
  say(applied.length ? `applied ${applied.length} migration(s)` : 'schema up to date');

  if (await isDatabaseEmpty(databaseUrl)) {
    say(`empty database: loading ${env.DEMO_DECISIONS.toLocaleString('en')} demo decisions`);
    let lastShown = 0;
    const summary = await seedDatabase(databaseUrl, {
      decisions: env.DEMO_DECISIONS,
      checkpointSigner: checkpoint.signer,
      checkpointEvery: env.AUDIT_CHECKPOINT_EVERY_EVENTS,
      onProgress: (done, total) => {
        if (done === total || Date.now() - lastShown > 1_000) {
          lastShown = Date.now();
          say(`  seeded ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`);
        }
      },
    });
    say(`demo data: ${summary.tenants} tenants, ${summary.packages} packages, ${summary.decisions} decisions, ${summary.auditEvents} audit events`);
  }

  await ensurePagesBuilt(say).catch((err: Error) => say(`browser pages not built, the API runs without them: ${err.message}`));
  const system = await startSystem({
    databaseUrl,
    logger,
    host: env.HOST,
    ports: { gateway: env.PORT ?? 4000 },
    poolSize: env.DB_POOL_SIZE,
    // One process: the gateway and the subgraphs share memory, so a fresh key pair and secret per run are enough.
    callerKeys: configuredKeyPair(env) ?? generateInternalKeyPair(),
    cursorSecret: env.CURSOR_SECRET ?? randomBytes(32).toString('hex'),
    jwt: jwtSettings(env),
    protection: { redisUrl: env.REDIS_URL, operatorRateLimitPerMinute: env.RATE_LIMIT_OPERATOR_PER_MINUTE, limits: gatewayLimits(env), streamLimits: streamLimits(env), restDeprecations: env.REST_DEPRECATIONS, trustedDocuments: trustedDocumentsSettings(env) },
    auditCheckpoint: { ...checkpoint, ...auditCheckpointInterval(env) },
  });
  const demo = embedded ? await demoKeys(databaseUrl) : null;
  const url = system.gateway.url;
  say('');
  say(`Micro AI graph ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`  GraphQL   ${url}`);
  say(`  GraphiQL  ${url.replace(/\/graphql$/, '/graphiql')}   (paste an API key; the docs explorer reads the schema)`);
  say(`  dashboard ${url.replace(/\/graphql$/, '/dashboard')}  (paste a tenant's read key: live decisions, hourly charts, usage, feature health)`);
  say(`  health    ${url.replace(/\/graphql$/, '/healthz')}   readiness ${url.replace(/\/graphql$/, '/readyz')}`);
  for (const name of Object.keys(system.subgraphs) as Array<keyof typeof system.subgraphs>) {
    say(`  ${name.padEnd(9)} ${system.subgraphs[name].url}`);
  }
  say('');
  say('Try:');
  say(`  curl -s ${url} -H 'content-type: application/json' -H 'X-API-Key: ${demo?.operator ?? '<operator key: npm run keys -- create-operator --name <your name>>'}' \\`);
  say(`    -d '${JSON.stringify({ query: SAMPLE_QUERY.replace(/\s+/g, ' ') })}'`);
  if (demo) {
    say('');
    say(`Demo keys for this run (sandbox; a restart makes new ones and revokes these):`);
    say(`  ${DEMO_TENANT} (read, write):        ${demo.tenant}`);
    say(`  ${DEMO_TENANT} admin (read, admin):  ${demo.tenantAdmin}   (manages this tenant's keys, reads its audit trail)`);
    say(`  PLATFORM OPERATOR (read, admin):         ${demo.operator}   (demo only: no tenant, reads across tenants, every read recorded on the tenant's chain)`);
    say(`  curl -s ${url} -H 'content-type: application/json' -H 'X-API-Key: ${demo.tenant}' \\`);
    say(`    -d '{"query":"{ tenants { slug plan } decisions(first: 2) { totalCount edges { node { feature outcome } } } }"}'`);
    const rest = url.replace(/\/graphql$/, '/v1');
    say(`  # a decision: the attributes must match the feature's input schema, which this serves`);
    say(`  curl -s ${rest}/features/${SAMPLE_DECISION.feature}/input-schema -H 'X-API-Key: ${demo.tenant}'`);
    say(`  curl -s -X POST ${rest}/decisions -H 'content-type: application/json' -H 'X-API-Key: ${demo.tenant}' \\`);
    say(`    -d '${JSON.stringify(SAMPLE_DECISION)}'`);
  }
  say('');
  say('or paste into any GraphQL client:');
  say(SAMPLE_QUERY);

  const metrics = env.METRICS_PORT === undefined ? null : await startMetricsServer(env.METRICS_PORT, env.METRICS_HOST, logger);
  exitOnSignal(async () => {
    say('stopping');
    await metrics?.close();
    await system.close();
    await embedded?.stop();
    await tracing.shutdown();
  }, logger);
}

main().catch((err) => {
  process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
