/**
 * AuditCheckpointer against a database of its own, with its clock in the
 * test's hands.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createMigratedDatabase, type TestDatabase } from '../../../test/helpers/migrated-database';
import { poolConfigFromUrl } from '../../database-url';
import { inTransaction } from '../../sql';
import { appendAuditEvents } from '../chain';
import { CheckpointKeyring, CheckpointSigner, generateCheckpointKeyPair } from '../checkpoint';
import { checkpointsOf } from '../checkpoint-store';
import { AuditCheckpointer } from '../checkpointer';
import { auditEvent } from './events';
import { verifyAuditChain } from '../../../subgraphs/audit/verify-chain';

const KEYS = generateCheckpointKeyPair();
const signer = new CheckpointSigner(KEYS.privateKey);

let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createMigratedDatabase('audit_checkpointer');
  pool = new Pool(poolConfigFromUrl(database.url, { max: 3 }));
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
}, 60_000);

async function append(chainKey: string, count: number, createdAt: Date): Promise<void> {
  await inTransaction(pool, (client) => appendAuditEvents(client, Array.from({ length: count }, () => auditEvent(chainKey, { createdAt }))));
}

const seqs = async (chainKey: string) => (await checkpointsOf(pool, chainKey)).map((c) => c.seq);

describe('AuditCheckpointer', () => {
  it('seals a chain once it has grown N events past its checkpoint, and not before', async () => {
    let now = new Date('2026-12-02T12:00:00.000Z');
    const checkpointer = new AuditCheckpointer(pool, signer, { everyEvents: 5, everySeconds: 60, now: () => now });
    const chain = randomUUID();
    await append(chain, 4, now);
    expect(await checkpointer.sealDue()).toBe(0);
    await append(chain, 1, now);
    expect(await checkpointer.sealDue()).toBe(1);
    expect(await seqs(chain)).toEqual([5]);
    // Nothing new: nothing to seal.
    expect(await checkpointer.sealDue()).toBe(0);
    await append(chain, 7, now);
    now = new Date(now.getTime() + 1000);
    expect(await checkpointer.sealDue()).toBe(1);
    expect(await seqs(chain)).toEqual([5, 12]);
    expect(await verifyAuditChain(pool, chain, new CheckpointKeyring([KEYS.publicKey]))).toMatchObject({ ok: true, checked: 12, eventsAfterCheckpoint: 0 });
  });

  it('seals a chain whose oldest unsealed event is older than T seconds, however few events it has', async () => {
    const start = new Date('2026-12-02T13:00:00.000Z');
    let now = start;
    const checkpointer = new AuditCheckpointer(pool, signer, { everyEvents: 1000, everySeconds: 10, now: () => now });
    const chain = randomUUID();
    await append(chain, 2, start);
    now = new Date(start.getTime() + 9_000);
    await checkpointer.sealDue();
    expect(await seqs(chain)).toEqual([]);
    now = new Date(start.getTime() + 10_001);
    await checkpointer.sealDue();
    expect(await seqs(chain)).toEqual([2]);
    const [checkpoint] = await checkpointsOf(pool, chain);
    expect(checkpoint).toMatchObject({ keyId: KEYS.keyId, signedAt: now });
  });

  it('polls by itself once started, and stops cleanly', async () => {
    const checkpointer = new AuditCheckpointer(pool, signer, { everyEvents: 1, everySeconds: 3600, pollMs: 20 });
    const chain = randomUUID();
    await append(chain, 3, new Date());
    checkpointer.start();
    const deadline = Date.now() + 5_000;
    while ((await seqs(chain)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await checkpointer.stop();
    expect(await seqs(chain)).toEqual([3]);
    await append(chain, 2, new Date());
    await new Promise((r) => setTimeout(r, 100));
    expect(await seqs(chain)).toEqual([3]);
  });

  it('lets two gateways seal the same head: the first checkpoint stands', async () => {
    const other = new CheckpointSigner(generateCheckpointKeyPair().privateKey);
    const chain = randomUUID();
    await append(chain, 3, new Date('2020-01-01T00:00:00.000Z'));
    const [a, b] = [new AuditCheckpointer(pool, signer), new AuditCheckpointer(pool, other)];
    await Promise.all([a.sealDue(), b.sealDue()]);
    const stored = await checkpointsOf(pool, chain);
    expect(stored).toHaveLength(1);
    expect([signer.keyId, other.keyId]).toContain(stored[0]!.keyId);
  });

  it('refuses nonsense intervals', () => {
    expect(() => new AuditCheckpointer(pool, signer, { everyEvents: 0 })).toThrow(/everyEvents/);
    expect(() => new AuditCheckpointer(pool, signer, { everySeconds: 1.5 })).toThrow(/everySeconds/);
  });
});
