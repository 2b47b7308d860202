/**
 * What the owner of the audit tables can do to a chain, and what
 * verifyAuditChain says about it: rewinds (the newest events deleted, and
 * others appended in their place), and checkpoints forged, edited or signed
 * with a key of the attacker's own. Each test builds its own chain in a
 * database of its own; the triggers are lifted inside the tampering
 * transaction only, as an owner would.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createMigratedDatabase, type TestDatabase } from '../../../test/helpers/migrated-database';
import { withClient } from '../../../test/helpers/scratch-database';
import { poolConfigFromUrl } from '../../../lib/database-url';
import { appendAuditEvents } from '../../../lib/audit-log/chain';
import { CheckpointKeyring, CheckpointSigner, generateCheckpointKeyPair } from '../../../lib/audit-log/checkpoint';
import { insertCheckpoints } from '../../../lib/audit-log/checkpoint-store';
import { inTransaction } from '../../../lib/sql';
import { auditEvent } from '../../../lib/audit-log/__tests__/events';
import { verifyAuditChain } from '../verify-chain';

const KEYS = generateCheckpointKeyPair();
const SIGNER = new CheckpointSigner(KEYS.privateKey);
const KEYRING = new CheckpointKeyring([KEYS.publicKey]);

let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createMigratedDatabase('audit_rewind');
  pool = new Pool(poolConfigFromUrl(database.url, { max: 2 }));
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
}, 60_000);

async function append(chainKey: string, count: number, status = '200'): Promise<void> {
  await inTransaction(pool, (client) => appendAuditEvents(client, Array.from({ length: count }, () => auditEvent(chainKey, { status }))));
}

async function hashAt(chainKey: string, seq: number): Promise<string> {
  const { rows } = await pool.query('SELECT hash FROM audit_events WHERE chain_key = $1 AND chain_seq = $2', [chainKey, seq]);
  return rows[0].hash;
}

async function seal(chainKey: string, seq: number, signer = SIGNER): Promise<void> {
  await insertCheckpoints(pool, [signer.sign({ chainKey, seq, headHash: await hashAt(chainKey, seq), signedAt: new Date() })]);
}

/** A chain of `events` events, sealed at each of `seals`. */
async function sealedChain(events: number, seals: number[]): Promise<string> {
  const chainKey = randomUUID();
  await append(chainKey, events);
  for (const seq of seals) await seal(chainKey, seq);
  return chainKey;
}

function asOwner(statements: [string, unknown[]][]): Promise<void> {
  return withClient(database.url, async (client) => {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await client.query('ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only');
    for (const [text, values] of statements) await client.query(text, values);
    await client.query('ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_append_only');
    await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    await client.query('COMMIT');
  });
}

describe('a rewound chain', () => {
  it('with its tail deleted fails as MISSING_EVENTS at the first missing seq, though every remaining link holds', async () => {
    const chainKey = await sealedChain(30, [10, 20, 30]);
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({ ok: true, checked: 30, eventsAfterCheckpoint: 0 });
    await asOwner([['DELETE FROM audit_events WHERE chain_key = $1 AND chain_seq > 22', [chainKey]]]);
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({
      ok: false,
      failure: 'missing_events',
      checked: 22,
      firstBrokenLink: { seq: 23, eventId: null, reason: 'gap' },
      failedCheckpoint: { seq: 30, signatureVerified: true },
    });
  });

  it('with its whole chain deleted still fails: the checkpoints outlive the events', async () => {
    const chainKey = await sealedChain(5, [5]);
    await asOwner([['DELETE FROM audit_events WHERE chain_key = $1', [chainKey]]]);
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({
      ok: false,
      failure: 'missing_events',
      checked: 0,
      firstBrokenLink: { seq: 1, eventId: null, reason: 'gap' },
    });
  });

  it('rewound and re-appended with well-linked forged events fails as REPLACED_EVENTS at the first checkpoint it passes', async () => {
    const chainKey = await sealedChain(30, [10, 20, 30]);
    await asOwner([['DELETE FROM audit_events WHERE chain_key = $1 AND chain_seq > 15', [chainKey]]]);
    // The forged events go through the real append path: every link is right.
    await append(chainKey, 20, '403');
    const result = await verifyAuditChain(pool, chainKey, KEYRING);
    expect(result).toMatchObject({
      ok: false,
      failure: 'replaced_events',
      checked: 19,
      firstBrokenLink: { seq: 20, reason: 'checkpoint_mismatch' },
      failedCheckpoint: { seq: 20, signatureVerified: true },
    });
    expect(result.firstBrokenLink!.eventId).not.toBeNull();
  });

  it('re-sealed by the attacker with a key of their own fails: the real checkpoint still holds, the new one is UNKNOWN_CHECKPOINT_KEY', async () => {
    const chainKey = await sealedChain(20, [10, 20]);
    await asOwner([['DELETE FROM audit_events WHERE chain_key = $1 AND chain_seq > 12', [chainKey]]]);
    const attacker = new CheckpointSigner(generateCheckpointKeyPair().privateKey);
    await append(chainKey, 20);
    await seal(chainKey, 32, attacker);
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({ ok: false, failure: 'replaced_events', firstBrokenLink: { seq: 20 } });
    // Deleting the real checkpoint too leaves the attacker's, which no configured key vouches for.
    await asOwner([['DELETE FROM audit_checkpoints WHERE chain_key = $1 AND key_id = $2', [chainKey, SIGNER.keyId]]]);
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({
      ok: false,
      failure: 'unknown_checkpoint_key',
      firstBrokenLink: null,
      failedCheckpoint: { seq: 32, keyId: attacker.keyId, signatureVerified: false },
      latestCheckpoint: { seq: 32, signatureVerified: false },
    });
  });
});

describe('a tampered checkpoint', () => {
  it('edited to match replaced events fails as FORGED_CHECKPOINT', async () => {
    const chainKey = await sealedChain(20, [10, 20]);
    await asOwner([['DELETE FROM audit_events WHERE chain_key = $1 AND chain_seq > 15', [chainKey]]]);
    await append(chainKey, 5, '500');
    await asOwner([['UPDATE audit_checkpoints SET head_hash = $2 WHERE chain_key = $1 AND seq = 20', [chainKey, await hashAt(chainKey, 20)]]]);
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({
      ok: false,
      failure: 'forged_checkpoint',
      failedCheckpoint: { seq: 20, keyId: SIGNER.keyId, signatureVerified: false },
    });
  });

  it('inserted with the real key id and a made-up or truncated signature fails as FORGED_CHECKPOINT', async () => {
    for (const signature of ['A'.repeat(86), 'AAAA', '']) {
      const chainKey = await sealedChain(3, []);
      await insertCheckpoints(pool, [{ chainKey, seq: 3, headHash: await hashAt(chainKey, 3), signedAt: new Date(), keyId: SIGNER.keyId, signature }]);
      expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({ ok: false, failure: 'forged_checkpoint' });
    }
  });

  it('moved to another chain or another seq no longer verifies', async () => {
    const chainKey = await sealedChain(4, []);
    const genuine = SIGNER.sign({ chainKey, seq: 4, headHash: await hashAt(chainKey, 4), signedAt: new Date() });
    const other = await sealedChain(4, []);
    await insertCheckpoints(pool, [{ ...genuine, chainKey: other }, { ...genuine, seq: 3 }]);
    expect(await verifyAuditChain(pool, other, KEYRING)).toMatchObject({ ok: false, failure: 'forged_checkpoint' });
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({ ok: false, failure: 'forged_checkpoint', failedCheckpoint: { seq: 3 } });
  });

  it('cannot be changed or removed without lifting the trigger', async () => {
    const chainKey = await sealedChain(2, [2]);
    await expect(pool.query('UPDATE audit_checkpoints SET seq = 1 WHERE chain_key = $1', [chainKey])).rejects.toThrow(/audit_checkpoints is append-only: UPDATE/);
    await expect(pool.query('DELETE FROM audit_checkpoints WHERE chain_key = $1', [chainKey])).rejects.toThrow(/append-only: DELETE/);
    await expect(pool.query('TRUNCATE audit_checkpoints')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({ ok: true, checked: 2 });
  });
});

describe('verification without keys', () => {
  it('fails closed: intact links with no key configured are UNVERIFIABLE, not ok', async () => {
    const chainKey = await sealedChain(6, [6]);
    expect(await verifyAuditChain(pool, chainKey, new CheckpointKeyring([]))).toMatchObject({
      ok: false,
      failure: 'unverifiable',
      checked: 6,
      latestCheckpoint: { seq: 6, signatureVerified: false },
    });
    // A broken link is still a broken link without keys.
    await asOwner([['UPDATE audit_events SET status = $2 WHERE chain_key = $1 AND chain_seq = 3', [chainKey, '500']]]);
    expect(await verifyAuditChain(pool, chainKey, new CheckpointKeyring([]))).toMatchObject({ ok: false, failure: 'broken_link', firstBrokenLink: { seq: 3 } });
    const unsealed = await sealedChain(6, []);
    expect(await verifyAuditChain(pool, unsealed, new CheckpointKeyring([]))).toMatchObject({
      ok: false,
      failure: 'unverifiable',
      checked: 6,
      firstBrokenLink: null,
      latestCheckpoint: null,
    });
  });

  it('reports events newer than the newest checkpoint, which only their links protect', async () => {
    const chainKey = await sealedChain(9, [5]);
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({ ok: true, checked: 9, eventsAfterCheckpoint: 4, latestCheckpoint: { seq: 5 } });
  });

  it('accepts the checkpoints of a rotated-out key while its public key stays listed', async () => {
    const old = new CheckpointSigner(generateCheckpointKeyPair().privateKey);
    const chainKey = await sealedChain(4, []);
    await seal(chainKey, 2, old);
    await seal(chainKey, 4);
    expect(await verifyAuditChain(pool, chainKey, new CheckpointKeyring([KEYS.publicKey, old.publicKeyText()]))).toMatchObject({ ok: true });
    expect(await verifyAuditChain(pool, chainKey, KEYRING)).toMatchObject({ ok: false, failure: 'unknown_checkpoint_key', failedCheckpoint: { seq: 2 } });
  });
});
