/**
 * The committed migrations must build exactly the schema that schema.prisma
 * describes. Database A gets every migration through the real
 * `prisma migrate deploy`; database B gets Prisma's from-empty script for
 * schema.prisma; their catalogs must match. The catalogs are read with SQL
 * because pg_dump 15 refuses PGlite's PostgreSQL 18.
 *
 * With DATABASE_URL set, A and B are fresh databases on that server;
 * without it, two in-memory PGlite servers.
 */
import { startEmbeddedPostgres } from '../dev/embedded-postgres';
import { migrateDatabase, migrationNames, runPrisma } from '../scripts/migrate';
import { createScratchDatabase, withClient } from './helpers/scratch-database';

// migrate deploy alone lingers about 11 s; PGlite start-up adds a few more.
jest.setTimeout(120_000);

interface TestDatabase {
  url: string;
  dispose(): Promise<void>;
}


async function createDatabases(names: string[]): Promise<TestDatabase[]> {
  const serverUrl = process.env.DATABASE_URL;
  return Promise.all(
    names.map(async (name) => {
      if (serverUrl) {
        const scratch = await createScratchDatabase(serverUrl, name);
        return { url: scratch.url, dispose: scratch.drop };
      }
      const server = await startEmbeddedPostgres();
      return { url: server.url, dispose: () => server.stop() };
    }),
  );
}

async function applyFromEmptyScript(url: string): Promise<void> {
  const args = ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'];
  const run = await runPrisma(args, url);
  if (run.code !== 0) throw new Error(`prisma migrate diff failed (exit ${run.code}):\n${run.output}`);
  await withClient(url, (client) => client.query(run.stdout));
}

// Columns are compared by name, not position: a later migration can only
// append a column, while the from-empty script follows the model's field order.
const SNAPSHOT_QUERIES = {
  columns: `
    SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
           character_maximum_length, numeric_precision, datetime_precision
    FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
    ORDER BY table_name, column_name`,
  indexes: `
    SELECT tablename, indexname, indexdef
    FROM pg_indexes
    WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
    ORDER BY tablename, indexname`,
  constraints: `
    SELECT rel.relname AS table_name, con.conname, con.contype, pg_get_constraintdef(con.oid) AS definition
    FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_namespace ns ON ns.oid = rel.relnamespace
    -- Constraint triggers (contype t) are beyond what Prisma describes, as plain triggers are; the stream tests prove the commit-order one works.
    WHERE ns.nspname = 'public' AND rel.relname <> '_prisma_migrations' AND con.contype <> 't'
    ORDER BY rel.relname, con.conname`,
  enums: `
    SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
    FROM pg_type t
    JOIN pg_enum e ON e.enumtypid = t.oid
    JOIN pg_namespace ns ON ns.oid = t.typnamespace
    WHERE ns.nspname = 'public'
    GROUP BY t.typname
    ORDER BY t.typname`,
};

type Snapshot = Record<keyof typeof SNAPSHOT_QUERIES, unknown[]>;

function catalogSnapshot(url: string): Promise<Snapshot> {
  return withClient(url, async (client) => {
    const snapshot = {} as Snapshot;
    for (const [part, sql] of Object.entries(SNAPSHOT_QUERIES) as [keyof Snapshot, string][]) {
      snapshot[part] = (await client.query(sql)).rows;
    }
    return snapshot;
  });
}

describe('prisma migrations', () => {
  let databases: TestDatabase[] = [];
  let migrated: TestDatabase;
  let fromSchema: TestDatabase;
  let applied: string[];

  beforeAll(async () => {
    databases = await createDatabases(['mig_a', 'mig_b']);
    [migrated, fromSchema] = databases;
    // Deploy mostly waits on its linger timer, so B is built meanwhile.
    [{ applied }] = await Promise.all([migrateDatabase(migrated.url), applyFromEmptyScript(fromSchema.url)]);
  });

  afterAll(async () => {
    await Promise.all(databases.map((db) => db.dispose()));
  });

  it('applies every migration folder', () => {
    expect(applied).toEqual(migrationNames());
  });

  it('builds the same schema as schema.prisma', async () => {
    const [a, b] = await Promise.all([catalogSnapshot(migrated.url), catalogSnapshot(fromSchema.url)]);
    expect(a.columns.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
  });

  it('notices a difference (the comparison is not vacuous)', async () => {
    await withClient(fromSchema.url, (client) => client.query('CREATE INDEX mig_test_extra ON tenants (name)'));
    const [a, b] = await Promise.all([catalogSnapshot(migrated.url), catalogSnapshot(fromSchema.url)]);
    expect(b).not.toEqual(a);
    expect(b.indexes.length).toBe(a.indexes.length + 1);
  });

  it('returns without running deploy when nothing is pending', async () => {
    const started = Date.now();
    await expect(migrateDatabase(migrated.url)).resolves.toEqual({ applied: [] });
    // Running deploy would take about 11 s.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
