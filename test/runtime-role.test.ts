/**
 * The runtime role that scripts/db-grant.ts sets up, proved by connecting as
 * it: it reads and appends audit records, and every way to change, remove
 * or unguard them is refused by PostgreSQL itself. Roles belong to the
 * server, so this needs the real PostgreSQL (DATABASE_URL); the embedded
 * PGlite has one role only, and the test says so and skips there.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createMigratedDatabase, type TestDatabase } from './helpers/migrated-database';
import { withClient } from './helpers/scratch-database';
import { poolConfigFromUrl } from '../lib/database-url';
import { inTransaction } from '../lib/sql';
import { appendAuditEvents } from '../lib/audit-log/chain';
import { CheckpointKeyring, CheckpointSigner, generateCheckpointKeyPair } from '../lib/audit-log/checkpoint';
import { AuditCheckpointer } from '../lib/audit-log/checkpointer';
import { AuditWriter } from '../lib/audit-log/writer';
import { auditEvent } from '../lib/audit-log/__tests__/events';
import { verifyAuditChain } from '../subgraphs/audit/verify-chain';
import { grantRuntimeRole, grantStatements } from '../scripts/db-grant';

const serverUrl = process.env.DATABASE_URL;
const describeOnServer = serverUrl ? describe : describe.skip;
if (!serverUrl) process.stdout.write('runtime-role.test.ts skipped: roles need the real PostgreSQL (set DATABASE_URL)\n');

const ROLE = `audit_runtime_${randomBytes(4).toString('hex')}`;
let database: TestDatabase;
/** Connected as the runtime role. */
let runtime: Pool;

describeOnServer('the runtime role', () => {
  beforeAll(async () => {
    database = await createMigratedDatabase('runtime_role');
    await withClient(serverUrl!, (admin) => admin.query(`CREATE ROLE "${ROLE}" LOGIN`));
    await grantRuntimeRole(database.url, ROLE);
    runtime = new Pool({ ...poolConfigFromUrl(database.url), user: ROLE, max: 3 });
  }, 60_000);

  afterAll(async () => {
    await runtime?.end();
    await database?.drop();
    await withClient(serverUrl!, (admin) => admin.query(`DROP ROLE IF EXISTS "${ROLE}"`));
  }, 60_000);

  it('appends and reads audit events and checkpoints: the whole write and verify path works as it', async () => {
    const keys = generateCheckpointKeyPair();
    const chain = randomUUID();
    const writer = new AuditWriter(runtime);
    await Promise.all([1, 2, 3].map(() => writer.record(auditEvent(chain))));
    await writer.close();
    await inTransaction(runtime, (client) => appendAuditEvents(client, [auditEvent(chain)]));
    expect(await new AuditCheckpointer(runtime, new CheckpointSigner(keys.privateKey), { everyEvents: 1 }).sealDue()).toBeGreaterThanOrEqual(1);
    expect(await verifyAuditChain(runtime, chain, new CheckpointKeyring([keys.publicKey]))).toMatchObject({ ok: true, checked: 4 });
  });

  it.each(['audit_events', 'audit_checkpoints'])('cannot update, delete, truncate, alter or unguard %s', async (table) => {
    const trigger = `${table}_append_only`;
    const attempts = [
      `UPDATE ${table} SET chain_key = chain_key`,
      `DELETE FROM ${table}`,
      `TRUNCATE ${table}`,
      `ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`,
      `ALTER TABLE ${table} DISABLE TRIGGER ALL`,
      `DROP TRIGGER ${trigger} ON ${table}`,
      `ALTER TABLE ${table} OWNER TO "${ROLE}"`,
      `DROP TABLE ${table}`,
    ];
    // Granting itself more is only a warning ("no privileges were granted"): it changes nothing.
    await runtime.query(`GRANT UPDATE, DELETE, TRUNCATE ON ${table} TO "${ROLE}"`);
    for (const statement of attempts) {
      const error = await runtime.query(statement).then(() => null, (e: Error & { code?: string }) => e);
      // 42501: insufficient_privilege, from PostgreSQL's privilege checks, not from the trigger.
      expect({ statement, code: error?.code, message: error?.message }).toMatchObject({ statement, code: '42501' });
      expect(error?.message).not.toMatch(/append-only/);
    }
    const { rows } = await withClient(database.url, (owner) => owner.query(`SELECT tgenabled FROM pg_trigger WHERE tgname = $1`, [trigger]));
    expect(rows).toEqual([{ tgenabled: 'O' }]);
  });

  it('cannot drop or replace the guard function', async () => {
    for (const statement of [
      'DROP FUNCTION audit_events_append_only()',
      `CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'`,
    ]) {
      await expect(runtime.query(statement)).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('is refused when it owns the audit tables, and a role name is never spliced in unchecked', async () => {
    const owner = new URL(database.url).username || 'root';
    await expect(grantRuntimeRole(database.url, owner)).rejects.toThrow(/owns .* the audit tables/);
    expect(() => grantStatements('x"; DROP TABLE audit_events; --')).toThrow(/not a lower-case PostgreSQL role name/);
    await expect(grantRuntimeRole(database.url, 'no_such_role_here')).rejects.toThrow(/does not exist/);
  });
});
