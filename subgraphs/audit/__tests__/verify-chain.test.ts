/**
 * verifyAuditChain against seeded chains that are then tampered with, in a
 * database of its own. The append-only trigger is lifted for each tamper
 * inside the tampering transaction only, as the migration describes.
 */
import { Pool } from 'pg';
import { createMigratedDatabase, type TestDatabase } from '../../../test/helpers/migrated-database';
import { withClient } from '../../../test/helpers/scratch-database';
import { openDatabase } from '../../../lib/database';
import { poolConfigFromUrl } from '../../../lib/database-url';
import { seedDatabase } from '../../../dev/seed/generate';
import { appendAuditEvents, eventHash, normalizeAuditEvent } from '../../../lib/audit-log/chain';
import { CheckpointKeyring, CheckpointSigner, generateCheckpointKeyPair } from '../../../lib/audit-log/checkpoint';
import { insertCheckpoints } from '../../../lib/audit-log/checkpoint-store';
import { verifyAuditChain as verifyWithKeys } from '../verify-chain';

const KEYS = generateCheckpointKeyPair();
const SIGNER = new CheckpointSigner(KEYS.privateKey);
const KEYRING = new CheckpointKeyring([KEYS.publicKey]);
/** Verification with the deployment's key, as the audit subgraph runs it. */
const verifyAuditChain = (db: Parameters<typeof verifyWithKeys>[0], chainKey: string, options?: { pageSize?: number }) =>
  verifyWithKeys(db, chainKey, KEYRING, options);

let database: TestDatabase;
let pool: Pool;
/** Seeded tenants with the most events first. */
let tenants: { id: string; events: number }[];

beforeAll(async () => {
  database = await createMigratedDatabase('audit_verify');
  await seedDatabase(database.url, { decisions: 600, now: new Date('2026-11-24T12:00:00.000Z'), checkpointSigner: SIGNER });
  pool = new Pool(poolConfigFromUrl(database.url, { max: 2 }));
  const { rows } = await pool.query<{ id: string; events: string }>(
    `SELECT tenant_id AS id, count(*) AS events FROM audit_events GROUP BY tenant_id ORDER BY count(*) DESC`,
  );
  tenants = rows.map((r) => ({ id: r.id, events: Number(r.events) }));
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
}, 60_000);

/**
 * Runs `statement` as the tables' owner would, with the append-only triggers
 * lifted for its transaction alone: what a rewind takes.
 */
function tamper(statement: string, values: unknown[]): Promise<void> {
  return withClient(database.url, async (client) => {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await client.query('ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only');
    await client.query(statement, values);
    await client.query('ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_append_only');
    await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    await client.query('COMMIT');
  });
}

const INTACT = { ok: true, firstBrokenLink: null, failure: null, failedCheckpoint: null };

async function eventAt(chainKey: string, seq: number): Promise<{ id: string }> {
  const { rows } = await pool.query('SELECT id FROM audit_events WHERE chain_key = $1 AND chain_seq = $2', [chainKey, seq]);
  return rows[0];
}

describe('verifyAuditChain', () => {
  it('passes every seeded chain, page by page, through pg and through Prisma alike', async () => {
    expect(tenants.length).toBeGreaterThanOrEqual(4);
    for (const { id, events } of tenants) {
      expect(await verifyAuditChain(pool, id, { pageSize: 97 })).toMatchObject({ ...INTACT, checked: events, eventsAfterCheckpoint: 0 });
    }
    const db = openDatabase(database.url, { poolSize: 1 });
    try {
      const { id, events } = tenants[0]!;
      expect(await verifyAuditChain(db.prisma, id)).toMatchObject({ ...INTACT, checked: events });
    } finally {
      await db.close();
    }
    // A chain with no events at all is intact.
    expect(await verifyAuditChain(pool, '01234567-0000-4000-8000-000000000000')).toEqual({
      ...INTACT,
      checked: 0,
      latestCheckpoint: null,
      eventsAfterCheckpoint: 0,
    });
  });

  it('reports an altered event at its own seq', async () => {
    const { id: chainKey } = tenants[0]!;
    const target = await eventAt(chainKey, 57);
    await tamper(`UPDATE audit_events SET status = '500' WHERE id = $1`, [target.id]);
    expect(await verifyAuditChain(pool, chainKey, { pageSize: 20 })).toMatchObject({
      ok: false,
      failure: 'broken_link',
      checked: 56,
      firstBrokenLink: { seq: 57, eventId: target.id, reason: 'hash_mismatch' },
    });
  });

  it('reports an event rewritten with a fresh hash at the next seq, which no longer points at it', async () => {
    const { id: chainKey } = tenants[1]!;
    const { rows } = await pool.query(
      `SELECT id, tenant_id AS "tenantId", request_id AS "requestId", actor, scope, surface, action,
              operation_name AS "operationName", resource_type AS "resourceType", resource_id AS "resourceId",
              status, body_sha256 AS "bodySha256", variables_sha256 AS "variablesSha256", latency_ms AS "latencyMs",
              created_at AS "createdAt", prev_hash AS "prevHash"
       FROM audit_events WHERE chain_key = $1 AND chain_seq = 30`,
      [chainKey],
    );
    const { prevHash, ...stored } = rows[0];
    const forged = normalizeAuditEvent({ ...stored, status: '403' });
    await tamper(`UPDATE audit_events SET status = $2, hash = $3 WHERE id = $1`, [
      forged.id,
      forged.status,
      eventHash(prevHash, forged),
    ]);
    expect(await verifyAuditChain(pool, chainKey)).toMatchObject({
      ok: false,
      failure: 'broken_link',
      checked: 30,
      firstBrokenLink: { seq: 31, eventId: (await eventAt(chainKey, 31)).id, reason: 'prev_hash_mismatch' },
    });
  });

  it('reports a deleted event as a gap at its seq, naming the event found in its place', async () => {
    const { id: chainKey } = tenants[2]!;
    const target = await eventAt(chainKey, 40);
    const next = await eventAt(chainKey, 41);
    await tamper('DELETE FROM audit_events WHERE id = $1', [target.id]);
    expect(await verifyAuditChain(pool, chainKey, { pageSize: 40 })).toMatchObject({
      ok: false,
      failure: 'broken_link',
      checked: 39,
      firstBrokenLink: { seq: 40, eventId: next.id, reason: 'gap' },
    });
  });

  it('reports deleted newest events as MISSING_EVENTS, naming the first missing seq, against the signed checkpoint', async () => {
    const { id: chainKey, events } = tenants[3]!;
    await tamper('DELETE FROM audit_events WHERE chain_key = $1 AND chain_seq > $2', [chainKey, events - 2]);
    expect(await verifyAuditChain(pool, chainKey)).toMatchObject({
      ok: false,
      failure: 'missing_events',
      checked: events - 2,
      firstBrokenLink: { seq: events - 1, eventId: null, reason: 'gap' },
      failedCheckpoint: { seq: events, signatureVerified: true },
      latestCheckpoint: { seq: events, keyId: SIGNER.keyId, signatureVerified: true },
    });
  });

  it('reports the newest event rewritten with a fresh hash against its checkpoint', async () => {
    const chainKey = '0a000000-0000-4000-8000-0000000000aa';
    const events = [1, 2, 3].map((n) =>
      normalizeAuditEvent({
        tenantId: chainKey,
        requestId: `req_${n}`,
        actor: 'mai_test',
        scope: 'write',
        surface: 'REST',
        action: 'key.revoked',
        operationName: 'DELETE /v1/keys/:id',
        resourceType: 'api_key',
        resourceId: `key_${n}`,
        status: '204',
        bodySha256: null,
        variablesSha256: null,
        latencyMs: n,
        createdAt: new Date(Date.UTC(2026, 10, 24, 0, 0, n)),
      }),
    );
    await withClient(database.url, async (client) => {
      await client.query('BEGIN');
      await appendAuditEvents(client, events);
      await client.query('COMMIT');
    });
    const { rows: sealed } = await pool.query('SELECT hash FROM audit_events WHERE chain_key = $1 AND chain_seq = 3', [chainKey]);
    await insertCheckpoints(pool, [SIGNER.sign({ chainKey, seq: 3, headHash: sealed[0].hash, signedAt: new Date() })]);
    const newest = events[2]!;
    const { rows } = await pool.query('SELECT prev_hash FROM audit_events WHERE id = $1', [newest.id]);
    const forged = { ...newest, resourceId: 'key_other' };
    await tamper('UPDATE audit_events SET resource_id = $2, hash = $3 WHERE id = $1', [
      newest.id,
      forged.resourceId,
      eventHash(rows[0].prev_hash, forged),
    ]);
    expect(await verifyAuditChain(pool, chainKey)).toMatchObject({
      ok: false,
      failure: 'replaced_events',
      checked: 2,
      firstBrokenLink: { seq: 3, eventId: newest.id, reason: 'checkpoint_mismatch' },
      failedCheckpoint: { seq: 3, headHash: sealed[0].hash, signatureVerified: true },
    });
  });

  it('rejects a chain key that is not a UUID', async () => {
    await expect(verifyAuditChain(pool, 'acme')).rejects.toThrow(/not a UUID/);
  });
});
