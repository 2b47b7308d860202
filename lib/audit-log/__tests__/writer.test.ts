/**
 * AuditWriter's group commit against a database of its own, reached through
 * a TCP relay the fault test cuts (a real network fault, no mock).
 */
import { Client, Pool, type QueryConfig } from 'pg';
import { createMigratedDatabase, type TestDatabase } from '../../../test/helpers/migrated-database';
import { TcpProxy } from '../../../test/helpers/tcp-proxy';
import { poolConfigFromUrl } from '../../database-url';
import { appendAuditEvents } from '../chain';
import { AuditWriter } from '../writer';
import { auditEvent as event, verifyLinks } from './events';

const TENANTS = ['1a000000-0000-4000-8000-00000000001a', '1b000000-0000-4000-8000-00000000001b'];

let database: TestDatabase;
let proxy: TcpProxy;
/** Through the relay: the writer's. */
let writerPool: Pool;
/** Direct: the test's own view of what is committed. */
let observer: Pool;

beforeAll(async () => {
  database = await createMigratedDatabase('audit_writer');
  const direct = poolConfigFromUrl(database.url);
  proxy = new TcpProxy(direct.host!, direct.port!);
  await proxy.start();
  writerPool = new Pool({ ...direct, host: '127.0.0.1', port: proxy.port, max: 2, connectionTimeoutMillis: 2_000 });
  // A connection the relay cut is reported here; the writer sees its own error through record().
  writerPool.on('error', () => undefined);
  observer = new Pool({ ...direct, max: 4 });
}, 60_000);

afterAll(async () => {
  await writerPool?.end();
  await observer?.end();
  await proxy?.cut();
  await database?.drop();
}, 60_000);

async function committed(requestIds: string[]): Promise<number> {
  const { rows } = await observer.query('SELECT count(*)::int AS n FROM audit_events WHERE request_id = ANY($1)', [requestIds]);
  return rows[0].n;
}

describe('AuditWriter', () => {
  it('group-commits 200 concurrent records in a few INSERTs, each settling only once its row is committed', async () => {
    // A warm pool, as in a running server: a flush need not wait for a connection.
    await writerPool.query('SELECT 1');
    const flushes: number[] = [];
    const writer = new AuditWriter(writerPool, { onFlush: ({ events, error }) => !error && flushes.push(events) });
    const events = Array.from({ length: 200 }, (_, i) => event(TENANTS[i % 2]!));
    const settled: Promise<number>[] = [];
    for (const [i, e] of events.entries()) {
      // Requests arrive over some milliseconds, not all at once.
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      // Every record, the moment it settles, is looked for from another connection.
      settled.push(writer.record(e).then(() => committed([e.requestId])));
    }
    const seen = await Promise.all(settled);
    await writer.close();

    expect(seen).toEqual(events.map(() => 1));
    expect(flushes.reduce((a, b) => a + b, 0)).toBe(200);
    // What arrives while a transaction is in flight shares the next one. The
    // records come in 20 bursts of 10 made in one tick each; a burst that
    // finds the writer idle costs at most two transactions (the first record
    // goes at once, the other nine wait for the next), however slow the
    // machine, so 40 is the bound without timing luck. One per record would be 200.
    expect(flushes.length).toBeLessThanOrEqual(40);
    for (const tenant of TENANTS) {
      expect(await verifyLinks(observer, tenant)).toEqual({ ok: true, checked: 100, firstBrokenLink: null });
    }
    const { rows } = await observer.query(
      `SELECT request_id FROM audit_events WHERE chain_key = $1 ORDER BY chain_seq`,
      [TENANTS[0]],
    );
    // A chain keeps the order records were made in.
    expect(rows.map((r) => r.request_id)).toEqual(events.filter((e) => e.tenantId === TENANTS[0]).map((e) => e.requestId));
  });

  it('caps a transaction at maxBatch events', async () => {
    const flushes: number[] = [];
    const writer = new AuditWriter(writerPool, { maxBatch: 16, onFlush: ({ events }) => flushes.push(events) });
    await Promise.all(Array.from({ length: 100 }, () => writer.record(event(null))));
    await writer.close();
    expect(Math.max(...flushes)).toBeLessThanOrEqual(16);
    expect(flushes.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('rejects the records of a transaction the database fault broke, writes none of them, and recovers', async () => {
    const failures: unknown[] = [];
    const writer = new AuditWriter(writerPool, { onFlush: ({ error }) => error && failures.push(error) });
    await writer.record(event(TENANTS[0]!));

    await proxy.cut();
    const lost = Array.from({ length: 20 }, () => event(TENANTS[0]!));
    const outcomes = await Promise.allSettled(lost.map((e) => writer.record(e)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect((outcomes[0] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(failures.length).toBeGreaterThan(0);
    expect(await committed(lost.map((e) => e.requestId))).toBe(0);

    await proxy.restore();
    const after = Array.from({ length: 20 }, () => event(TENANTS[0]!));
    await Promise.all(after.map((e) => writer.record(e)));
    await writer.close();
    expect(await committed(after.map((e) => e.requestId))).toBe(20);
    expect(await verifyLinks(observer, TENANTS[0]!)).toMatchObject({ ok: true, checked: 121 });
  });

  it('rejects a malformed event alone, and anything after close()', async () => {
    const writer = new AuditWriter(writerPool);
    const good = event(TENANTS[1]!);
    const results = await Promise.allSettled([
      writer.record({ ...event(null), tenantId: 'not-a-uuid' }),
      writer.record(good),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    await writer.close();
    await expect(writer.record(event(null))).rejects.toThrow(/closed/);
    expect(await committed([good.requestId])).toBe(1);
  });

  it("writes every other tenant's records when one tenant's part of the batch fails, and rejects only that tenant's", async () => {
    const taken = event(TENANTS[0]!);
    const writer0 = new AuditWriter(writerPool);
    await writer0.record(taken);
    await writer0.close();
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m), child: () => logger };
    const flushes: number[] = [];
    const writer = new AuditWriter(writerPool, { logger, onFlush: ({ events }) => flushes.push(events) });
    // An id already stored makes that tenant's INSERT fail (primary key), as any fault of its own events would.
    const { rows } = await observer.query('SELECT id FROM audit_events WHERE request_id = $1', [taken.requestId]);
    const clash = event(TENANTS[0]!, { id: rows[0].id });
    const sameTenant = event(TENANTS[0]!);
    const others = [event(TENANTS[1]!), event(null), event(TENANTS[1]!)];
    const before = await verifyLinks(observer, TENANTS[1]!);
    const outcomes = await Promise.allSettled([others[0]!, clash, sameTenant, others[1]!, others[2]!].map((e) => writer.record(e)));
    await writer.close();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    // One batch: the failure did not split it into separate flushes.
    expect(flushes).toEqual([5]);
    expect(await committed(others.map((e) => e.requestId))).toBe(3);
    expect(await committed([sameTenant.requestId])).toBe(0);
    expect(logged).toEqual(expect.arrayContaining([expect.stringMatching(/one chain not written/), expect.stringMatching(/chain by chain/)]));
    expect(await verifyLinks(observer, TENANTS[1]!)).toMatchObject({ ok: true, checked: before.checked + 2 });
    expect(await verifyLinks(observer, TENANTS[0]!)).toMatchObject({ ok: true });
    // The failed tenant's chain goes on as if nothing happened.
    const next = new AuditWriter(writerPool);
    await next.record(event(TENANTS[0]!));
    await next.close();
  });

  describe('at the heads it knows', () => {
    const CHAIN = '1c000000-0000-4000-8000-00000000001c';
    /** Every statement the writer's connections were sent, first words only. */
    const sent: string[] = [];
    class CountingClient extends Client {
      override query(...args: unknown[]): never {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as QueryConfig).text;
        sent.push(text.trim().split(/\s+/).slice(0, 2).join(' '));
        return (super.query as (...a: unknown[]) => never)(...args);
      }
    }
    let counted: Pool;

    beforeAll(() => {
      counted = new Pool({ ...poolConfigFromUrl(database.url), max: 2, Client: CountingClient });
    });
    afterAll(() => counted.end());
    beforeEach(() => void (sent.length = 0));

    const one = (writer: AuditWriter, tenant = CHAIN) => writer.record(event(tenant));
    const statementsFor = async (work: () => Promise<unknown>) => {
      sent.length = 0;
      await work();
      return [...sent];
    };

    it('appends a batch in one statement, with no transaction, once it has seen its chain', async () => {
      const writer = new AuditWriter(counted);
      // A chain it has not seen: its head is read (no lock), then the append.
      expect(await statementsFor(() => one(writer))).toEqual(['SELECT k.chain_key::text', 'WITH locked']);
      for (let i = 0; i < 5; i++) expect(await statementsFor(() => one(writer))).toEqual(['WITH locked']);
      await writer.close();
      expect(await verifyLinks(observer, CHAIN)).toMatchObject({ ok: true, checked: 6 });
    });

    it('continues from the head another process moved, in the next statement, and forks nothing', async () => {
      const writer = new AuditWriter(counted);
      await one(writer);
      // Another gateway, or a subgraph's transaction, appends meanwhile.
      const elsewhere = event(CHAIN);
      const client = await observer.connect();
      try {
        await client.query('BEGIN');
        await appendAuditEvents(client, [elsewhere]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const mine = event(CHAIN);
      // The stale guess writes nothing and says where the chain is; the second try appends.
      expect(await statementsFor(() => writer.record(mine))).toEqual(['WITH locked', 'WITH locked']);
      await writer.close();
      const { rows } = await observer.query('SELECT request_id FROM audit_events WHERE chain_key = $1 ORDER BY chain_seq DESC LIMIT 2', [CHAIN]);
      expect(rows.map((r) => r.request_id)).toEqual([mine.requestId, elsewhere.requestId]);
      expect(await verifyLinks(observer, CHAIN)).toMatchObject({ ok: true });
    });

    it('continues from the real head when the tail it knew was removed, rather than leave a gap', async () => {
      const writer = new AuditWriter(counted);
      await one(writer);
      await observer.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      try {
        await observer.query('DELETE FROM audit_events WHERE chain_key = $1 AND chain_seq = (SELECT max(chain_seq) FROM audit_events WHERE chain_key = $1)', [CHAIN]);
      } finally {
        await observer.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
      }
      await one(writer);
      await writer.close();
      expect(await verifyLinks(observer, CHAIN)).toMatchObject({ ok: true });
    });

    it('lets two writers on one chain interleave 300 records: every record written once, in order per writer, the chain intact', async () => {
      const before = (await verifyLinks(observer, CHAIN)).checked;
      const other = new Pool({ ...poolConfigFromUrl(database.url), max: 2 });
      const writers = [new AuditWriter(counted), new AuditWriter(other)];
      const made: { id: string; chain: string }[][] = [[], []];
      const settled: Promise<void>[] = [];
      for (let i = 0; i < 300; i++) {
        const w = i % 2;
        const e = event(i % 3 === 0 ? TENANTS[1]! : CHAIN);
        made[w]!.push({ id: e.requestId, chain: e.tenantId! });
        settled.push(writers[w]!.record(e));
        if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const outcomes = await Promise.allSettled(settled);
      await Promise.all(writers.map((w) => w.close()));
      await other.end();
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      const ids = made.flat().map((m) => m.id);
      expect(await committed(ids)).toBe(300);
      expect(await verifyLinks(observer, CHAIN)).toMatchObject({ ok: true, checked: before + 200 });
      expect(await verifyLinks(observer, TENANTS[1]!)).toMatchObject({ ok: true });
      // Each writer's records stand in each chain in the order it was handed them.
      for (const chain of [CHAIN, TENANTS[1]!]) {
        const { rows } = await observer.query('SELECT request_id FROM audit_events WHERE chain_key = $1 AND request_id = ANY($2) ORDER BY chain_seq', [chain, ids]);
        const stored = rows.map((r) => r.request_id as string);
        for (const records of made) {
          const mine = records.filter((m) => m.chain === chain).map((m) => m.id);
          expect(stored.filter((id) => mine.includes(id))).toEqual(mine);
        }
      }
    });
  });
});
