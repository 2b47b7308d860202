/**
 * Grants the runtime role what the running system needs, and nothing that
 * could rewrite the audit log.
 *
 *   npm run db:grant -- --role <runtime role>     (or DATABASE_RUNTIME_ROLE)
 *
 * Run it as the owner of the tables (DATABASE_MIGRATION_URL, else
 * DATABASE_URL), after migrating; `npm run db:migrate` runs it itself when
 * DATABASE_RUNTIME_ROLE is set. On the audit tables the runtime role gets
 * SELECT and INSERT only: no UPDATE, DELETE or TRUNCATE, and since it owns
 * nothing it cannot ALTER a table or DISABLE its append-only trigger either.
 * On the other domain tables it gets what the servers do (read, write keys
 * and decisions). The role must already exist (CREATE ROLE ... LOGIN is the
 * DBA's, with its password).
 */
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { poolConfigFromUrl, redactDatabaseUrl } from '../lib/database-url';
import { loadEnv } from '../lib/env';

/** Append-only: read and append, never change. */
export const AUDIT_TABLES = ['audit_events', 'audit_checkpoints'] as const;
/** The live streams' outbox and its commit order: appended with each change (the order by a trigger at commit), read by the gateways; pruned by the owner only. */
export const OUTBOX_TABLES = ['stream_events', 'stream_commits'] as const;
/** The rest of the domain, as the servers use it. */
export const DOMAIN_TABLES = ['tenants', 'api_keys', 'packages', 'package_versions', 'features', 'installations', 'decisions'] as const;

const ROLE_NAME = /^[a-z_][a-z0-9_$]{0,62}$/;

/** The statements, in order; the role name is checked before it is spliced in (GRANT takes no parameters). */
export function grantStatements(role: string): string[] {
  if (!ROLE_NAME.test(role)) throw new Error(`not a lower-case PostgreSQL role name: ${JSON.stringify(role)}`);
  const all = [...AUDIT_TABLES, ...OUTBOX_TABLES, ...DOMAIN_TABLES].map((t) => `"${t}"`).join(', ');
  return [
    `GRANT USAGE ON SCHEMA public TO "${role}"`,
    // From a clean slate, so that a grant made by hand earlier does not survive.
    `REVOKE ALL ON ${all} FROM "${role}"`,
    `GRANT SELECT, INSERT ON ${[...AUDIT_TABLES, ...OUTBOX_TABLES].map((t) => `"${t}"`).join(', ')} TO "${role}"`,
    // The outbox's sequences: its rows within a transaction, and the transactions in commit order.
    `GRANT USAGE ON SEQUENCE "stream_events_seq_seq", "stream_commits_commit_seq_seq" TO "${role}"`,
    `GRANT SELECT, INSERT, UPDATE ON ${DOMAIN_TABLES.map((t) => `"${t}"`).join(', ')} TO "${role}"`,
  ];
}

/** Applies the grants in one transaction, as the tables' owner. */
export async function grantRuntimeRole(ownerUrl: string, role: string): Promise<void> {
  const statements = grantStatements(role);
  const client = new Client(poolConfigFromUrl(ownerUrl));
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (rows.length === 0) throw new Error(`role ${role} does not exist: create it first (CREATE ROLE ${role} LOGIN PASSWORD '...')`);
    const owner = await client.query<{ owns: boolean }>(
      `SELECT bool_or(pg_has_role($1, tableowner, 'USAGE')) AS owns FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($2)`,
      [role, [...AUDIT_TABLES]],
    );
    if (owner.rows[0]?.owns) {
      throw new Error(`role ${role} owns (or is a member of the owner of) the audit tables: the runtime role must be a different role, or it could disable their triggers`);
    }
    await client.query('BEGIN');
    for (const statement of statements) await client.query(statement);
    // Prisma's bookkeeping is the owner's alone (absent where migrations ran as plain SQL).
    const migrations = await client.query<{ found: string | null }>(`SELECT to_regclass('_prisma_migrations')::text AS found`);
    if (migrations.rows[0]?.found) await client.query(`REVOKE ALL ON "_prisma_migrations" FROM "${role}"`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string' } }, strict: true });
  const env = loadEnv();
  const role = values.role ?? env.DATABASE_RUNTIME_ROLE;
  if (!role) throw new Error('usage: npm run db:grant -- --role <runtime role> (or set DATABASE_RUNTIME_ROLE)');
  const url = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_MIGRATION_URL (or DATABASE_URL) must name the database, connecting as the tables\' owner');
  await grantRuntimeRole(url, role);
  console.log(`granted ${role} on ${redactDatabaseUrl(url)}: SELECT, INSERT on ${AUDIT_TABLES.join(', ')}; SELECT, INSERT, UPDATE on ${DOMAIN_TABLES.join(', ')}`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
