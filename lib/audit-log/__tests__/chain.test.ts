/**
 * Appending to the hash chains through pg and through a Prisma interactive
 * transaction, against a database of its own (a scratch database on
 * DATABASE_URL's server, or an embedded PGlite).
 */
import { Pool } from 'pg';
import { createMigratedDatabase, type TestDatabase } from '../../../test/helpers/migrated-database';
import { openDatabase, type Database } from '../../database';
import { poolConfigFromUrl } from '../../database-url';
import { canonicalJson } from '../../canonical-json';
import { sha256Hex } from '../../hash';
import {
  appendAuditEvents,
  AUDIT_CONTENT_COLUMNS,
  AUDIT_CONTENT_FIELDS,
  ChainLinker,
  eventHash,
  GENESIS_HASH,
  normalizeAuditEvent,
  PLATFORM_CHAIN_KEY,
} from '../chain';
import { inTransaction } from '../../sql';
import { auditEvent as event, verifyLinks } from './events';

const TENANT_A = '0a000000-0000-4000-8000-00000000000a';
const TENANT_B = '0b000000-0000-4000-8000-00000000000b';

let database: TestDatabase;
let pool: Pool;
let db: Database;

beforeAll(async () => {
  database = await createMigratedDatabase('audit_chain');
  pool = new Pool(poolConfigFromUrl(database.url, { max: 4 }));
  db = openDatabase(database.url, { poolSize: 2 });
}, 60_000);

afterAll(async () => {
  await db?.close();
  await pool?.end();
  await database?.drop();
}, 60_000);

async function chain(chainKey: string) {
  const { rows } = await pool.query<{ request_id: string; chain_seq: string; prev_hash: string; hash: string }>(
    'SELECT request_id, chain_seq, prev_hash, hash FROM audit_events WHERE chain_key = $1 ORDER BY chain_seq',
    [chainKey],
  );
  return rows;
}

/** The chain's head: its newest event. */
async function head(chainKey: string) {
  const { rows } = await pool.query(
    'SELECT chain_seq::text AS last_seq, hash AS last_hash FROM audit_events WHERE chain_key = $1 ORDER BY chain_seq DESC LIMIT 1',
    [chainKey],
  );
  return rows[0] as { last_seq: string; last_hash: string } | undefined;
}

describe('eventHash', () => {
  it('hashes the previous hash and the canonical JSON of every stored content field', () => {
    const content = normalizeAuditEvent(event(TENANT_A, { id: '01900000-0000-7000-8000-000000000001' }));
    expect(AUDIT_CONTENT_FIELDS.sort()).toEqual(Object.keys(content).sort());
    expect(Object.values(AUDIT_CONTENT_COLUMNS)).toContain('variables_sha256');
    // correlationId came later: unset, it is left out, so older links keep their hashes.
    expect(content.correlationId).toBeNull();
    const { correlationId: _unset, ...older } = content;
    const json = canonicalJson({ ...older, createdAt: content.createdAt.toISOString() });
    expect(eventHash(GENESIS_HASH, content)).toBe(sha256Hex(GENESIS_HASH + json));
    const correlated = { ...content, correlationId: 'client-42-abcdef' };
    expect(eventHash(GENESIS_HASH, correlated)).toBe(sha256Hex(GENESIS_HASH + canonicalJson({ ...correlated, createdAt: content.createdAt.toISOString() })));
    expect(eventHash(GENESIS_HASH, correlated)).not.toBe(eventHash(GENESIS_HASH, content));
    expect(eventHash('f'.repeat(64), content)).not.toBe(eventHash(GENESIS_HASH, content));
    expect(eventHash(GENESIS_HASH, { ...content, status: '500' })).not.toBe(eventHash(GENESIS_HASH, content));
    // Text that needs escaping, and numbers, hash as canonicalJson() writes them.
    const odd = normalizeAuditEvent(
      event(null, { actor: 'q" b\\ ñ 🧾 \u2028 \n \u0007', operationName: '', latencyMs: -3, scope: null }),
    );
    const { correlationId: _none, ...oddOlder } = odd;
    const oddJson = canonicalJson({ ...oddOlder, createdAt: odd.createdAt.toISOString() });
    expect(eventHash('e'.repeat(64), odd)).toBe(sha256Hex('e'.repeat(64) + oddJson));
  });

  it('normalises what PostgreSQL would store differently, and rejects what it would refuse', () => {
    const upper = 'ABCDEF00-0000-4000-8000-00000000000A';
    const normal = normalizeAuditEvent(event(upper, { id: upper, operationName: 'a\0b\uD800c' }));
    expect(normal.tenantId).toBe(upper.toLowerCase());
    expect(normal.id).toBe(upper.toLowerCase());
    expect(normal.operationName).toBe('a\uFFFDb\uFFFDc');
    // A missing id becomes a version 7 UUID.
    expect(normalizeAuditEvent(event(null)).id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(() => normalizeAuditEvent(event('tenant-1'))).toThrow(/tenantId is not a UUID/);
    expect(() => normalizeAuditEvent(event(null, { createdAt: new Date(NaN) }))).toThrow(/createdAt/);
    expect(() => normalizeAuditEvent(event(null, { latencyMs: 1.5 }))).toThrow(/latencyMs/);
    expect(() => normalizeAuditEvent(event(null, { surface: 'SMS' as never }))).toThrow(/surface/);
  });
});

describe('appendAuditEvents', () => {
  it('chains interleaved tenants and the platform chain apart, continuing from each head', async () => {
    const first = [event(TENANT_A), event(TENANT_B), event(null), event(TENANT_A)];
    await inTransaction(pool, (client) => appendAuditEvents(client, first));
    const second = [event(TENANT_A), event(null)];
    await inTransaction(pool, (client) => appendAuditEvents(client, second));

    const a = await chain(TENANT_A);
    expect(a.map((r) => [r.request_id, Number(r.chain_seq)])).toEqual([
      [first[0]!.requestId, 1],
      [first[3]!.requestId, 2],
      [second[0]!.requestId, 3],
    ]);
    expect(a[0]!.prev_hash).toBe(GENESIS_HASH);
    expect(a[1]!.prev_hash).toBe(a[0]!.hash);
    expect(a[2]!.prev_hash).toBe(a[1]!.hash);
    expect(await head(TENANT_A)).toEqual({ last_seq: '3', last_hash: a[2]!.hash });
    expect((await chain(PLATFORM_CHAIN_KEY)).map((r) => Number(r.chain_seq))).toEqual([1, 2]);
    expect((await chain(TENANT_B)).map((r) => Number(r.chain_seq))).toEqual([1]);
    for (const key of [TENANT_A, TENANT_B, PLATFORM_CHAIN_KEY]) {
      expect(await verifyLinks(pool, key)).toMatchObject({ ok: true });
    }
  });

  it('stores exactly what it hashed, whatever the text holds', async () => {
    const tenant = '0c000000-0000-4000-8000-00000000000c';
    const odd = event(tenant, {
      actor: 'quote " backslash \\ comma , brace { } NULL',
      operationName: 'émoji 🧾 tab\t newline\n nul\0 lone \uDC00 ctrl \u0001',
      resourceType: '',
      scope: null,
      latencyMs: null,
    });
    await inTransaction(pool, (client) => appendAuditEvents(client, [odd, event(tenant, { resourceId: 'NULL' })]));
    expect(await verifyLinks(pool, tenant)).toEqual({ ok: true, checked: 2, firstBrokenLink: null });
    const { rows } = await pool.query('SELECT actor, resource_type, resource_id FROM audit_events WHERE chain_key = $1 ORDER BY chain_seq', [tenant]);
    expect(rows).toEqual([
      { actor: odd.actor, resource_type: '', resource_id: null },
      { actor: 'mai_test_1234', resource_type: null, resource_id: 'NULL' },
    ]);
  });

  it('keeps every chain gapless when many transactions append to the same chains at once', async () => {
    const tenants = ['0d000000-0000-4000-8000-00000000000d', '0e000000-0000-4000-8000-00000000000e'];
    // Each transaction names the chains in a different order: locks are taken sorted, so none deadlocks.
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        inTransaction(pool, (client) =>
          appendAuditEvents(client, [event(tenants[i % 2]!), event(tenants[(i + 1) % 2]!), event(null)]),
        ),
      ),
    );
    for (const key of tenants) {
      expect(await verifyLinks(pool, key)).toEqual({ ok: true, checked: 12, firstBrokenLink: null });
    }
    expect(await verifyLinks(pool, PLATFORM_CHAIN_KEY)).toMatchObject({ ok: true });
  });

  it('writes inside a Prisma interactive transaction, and rolls back with it', async () => {
    const tenant = '0f000000-0000-4000-8000-00000000000f';
    const decisionId = '01900000-0000-7000-8000-0000000000d1';
    const decisionEvent = event(tenant, {
      action: 'decision.created',
      resourceType: 'decision',
      resourceId: decisionId,
      status: 'ok',
    });
    const decision = {
      id: decisionId,
      tenantId: tenant,
      featureKey: 'kyc.identity',
      packageVersionId: '01900000-0000-7000-8000-0000000000e1',
      subjectType: 'person',
      subjectReference: 'cus_1',
      outcome: 'APPROVE' as const,
      confidence: 0.9,
      reasons: ['ok'],
      latencyMs: 3,
      requestId: decisionEvent.requestId,
      inputHash: sha256Hex('input'),
      policyHash: sha256Hex('policy'),
    };

    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.decision.create({ data: decision });
        await appendAuditEvents(tx, [decisionEvent]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await db.prisma.decision.count({ where: { id: decisionId } })).toBe(0);
    expect(await chain(tenant)).toEqual([]);

    await db.prisma.$transaction(async (tx) => {
      await tx.decision.create({ data: decision });
      await appendAuditEvents(tx, [decisionEvent]);
    });
    expect(await db.prisma.decision.count({ where: { id: decisionId } })).toBe(1);
    // The rolled-back attempt left nothing behind: this one starts the chain at 1.
    expect(await head(tenant)).toEqual({ last_seq: '1', last_hash: (await chain(tenant))[0]!.hash });
    expect(await verifyLinks(db.prisma, tenant)).toEqual({ ok: true, checked: 1, firstBrokenLink: null });
  });

  it('refuses the root Prisma client, whose statements would not share a transaction', async () => {
    await expect(appendAuditEvents(db.prisma, [event(TENANT_A)])).rejects.toThrow(/interactive transaction/);
  });

  it('continues a chain the way ChainLinker does', () => {
    const events = [event(TENANT_A), event(TENANT_A)].map(normalizeAuditEvent);
    const linker = new ChainLinker([{ chainKey: TENANT_A, lastSeq: 7, lastHash: 'a'.repeat(64) }]);
    const [l1, l2] = events.map((e) => linker.link(e));
    expect(l1).toEqual({ chainKey: TENANT_A, seq: 8, prevHash: 'a'.repeat(64), hash: eventHash('a'.repeat(64), events[0]!) });
    expect(l2).toEqual({ chainKey: TENANT_A, seq: 9, prevHash: l1!.hash, hash: eventHash(l1!.hash, events[1]!) });
    expect(linker.heads()).toEqual([{ chainKey: TENANT_A, lastSeq: 9, lastHash: l2!.hash }]);
  });
});

describe('the audit_events table', () => {
  it('refuses UPDATE, DELETE and TRUNCATE, even of no row', async () => {
    for (const statement of [
      "UPDATE audit_events SET status = 'tampered'",
      'UPDATE audit_events SET status = status WHERE false',
      'DELETE FROM audit_events',
      'TRUNCATE audit_events',
    ]) {
      await expect(pool.query(statement)).rejects.toMatchObject({
        code: '42501',
        message: expect.stringMatching(/append-only/),
      });
    }
  });
});
