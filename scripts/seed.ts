/**
 * Fills the database with deterministic demo data.
 *
 *   tsx scripts/seed.ts [--decisions N] [--seed S] [--if-empty] [--reset]
 *
 * DATABASE_URL names the database (already migrated). Without --if-empty or
 * --reset it refuses to touch a database that already has tenants, because a
 * second seed would collide with the first on unique slugs. With
 * AUDIT_CHECKPOINT_PRIVATE_KEY set it checkpoints the chains it writes
 * (every AUDIT_CHECKPOINT_EVERY_EVENTS events); otherwise the gateway seals
 * them when it first runs. --reset needs the tables' owner
 * (DATABASE_MIGRATION_URL when it is set).
 */
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { redactDatabaseUrl } from '../lib/database-url';
import { auditCheckpointSigner, loadEnv } from '../lib/env';
import { isDatabaseEmpty, seedDatabase } from '../dev/seed/generate';
import { DOMAIN_TABLES, truncateDomainTables } from '../dev/seed/reset';

const USAGE = 'usage: tsx scripts/seed.ts [--decisions N] [--seed S] [--if-empty] [--reset]';

/** A refusal before anything was written. */
class UsageError extends Error {}

/** A failure part-way: batches commit one by one, so what was written stays. */
class PartialSeedError extends Error {}

async function main(): Promise<void> {
  const values = parseFlags();
  const decisions = nonNegativeInteger('--decisions', values.decisions);
  const seed = nonNegativeInteger('--seed', values.seed);

  const env = loadEnv();
  const databaseUrl = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
  if (!databaseUrl) {
    throw new UsageError(
      'DATABASE_URL is not set: point it at a migrated database, e.g. postgresql://root@127.0.0.1:5432/micro_ai',
    );
  }
  const target = redactDatabaseUrl(databaseUrl);

  if (values.reset) {
    await truncateDomainTables(databaseUrl).catch(explainMissingTables);
    console.log(`Emptied ${DOMAIN_TABLES.length} tables in ${target}`);
  } else if (!(await isDatabaseEmpty(databaseUrl).catch(explainMissingTables))) {
    if (values['if-empty']) {
      console.log(`${target} already has data; nothing to do (--if-empty).`);
      return;
    }
    throw new UsageError(`${target} already has tenants. Pass --reset to replace the data or --if-empty to leave it.`);
  }

  console.log(`Seeding ${decisions.toLocaleString('en')} decisions (seed ${seed}) into ${target}`);
  const progress = progressReporter(decisions);
  const summary = await seedDatabase(databaseUrl, {
    decisions,
    seed,
    onProgress: progress.update,
    checkpointSigner: auditCheckpointSigner(env),
    checkpointEvery: env.AUDIT_CHECKPOINT_EVERY_EVENTS,
  })
    .catch((error: Error) => {
      throw new PartialSeedError(error.message);
    })
    .finally(progress.stop);

  const seconds = summary.ms / 1000;
  const rate = seconds > 0 ? Math.round(summary.decisions / seconds) : summary.decisions;
  console.log(
    [
      `Seeded in ${seconds.toFixed(1)} s:`,
      `  tenants        ${summary.tenants}`,
      `  packages       ${summary.packages} (${summary.versions} versions, ${summary.features} features)`,
      `  installations  ${summary.installations}`,
      `  decisions      ${summary.decisions.toLocaleString('en')}`,
      `  audit events   ${summary.auditEvents.toLocaleString('en')}`,
      `  rate           ${rate.toLocaleString('en')} decisions/s`,
    ].join('\n'),
  );
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        decisions: { type: 'string', default: '20000' },
        seed: { type: 'string', default: '42' },
        'if-empty': { type: 'boolean', default: false },
        reset: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
}

function nonNegativeInteger(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!raw || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`${flag} must be a non-negative integer, got "${raw}"\n${USAGE}`);
  }
  return value;
}

function explainMissingTables(error: Error & { code?: string }): never {
  // undefined_table: the database exists but was never migrated.
  if (error.code === '42P01') throw new UsageError(`${error.message}: run \`npm run db:migrate\` first`);
  throw error;
}

/** A bar on a terminal; in logs (CI, docker) a plain line every 10% instead. */
function progressReporter(total: number): { update: (done: number) => void; stop: () => void } {
  // cli-progress draws on stderr.
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: '  {bar} {percentage}% | {value}/{total} decisions | {rate}/s | ETA {eta_formatted}', hideCursor: true },
      Presets.shades_classic,
    );
    const started = performance.now();
    bar.start(total, 0, { rate: 0 });
    return {
      update: (done) => bar.update(done, { rate: Math.round(done / ((performance.now() - started) / 1000)) }),
      stop: () => bar.stop(),
    };
  }
  const step = Math.max(1, Math.ceil(total / 10));
  let next = step;
  return {
    update: (done) => {
      if (done < next && done < total) return;
      const percent = Math.round((100 * done) / total);
      console.log(`  ${done.toLocaleString('en')}/${total.toLocaleString('en')} decisions (${percent}%)`);
      while (next <= done) next += step;
    },
    stop: () => undefined,
  };
}

main().catch((error: unknown) => {
  console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof PartialSeedError) {
    console.error('Rows written before the failure stay; run again with --reset to start over.');
  }
  process.exitCode = 1;
});
