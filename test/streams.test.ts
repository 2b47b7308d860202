/**
 * decisionCreated over graphql-ws, with the real client against the real
 * gateway: credentials at connection_init, federated fields resolved per
 * event, tenant isolation, and a resume from a cursor while other writers
 * commit concurrently (no gap, no duplicate, commit order).
 */
import type { Client } from 'graphql-ws/client';
import type { RunningSystem } from '../system/start-system';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { connectWs, decide as decideVia, subscribe, subscriptionRecords, until } from './helpers/stream-clients';
import { Client as PgClient } from 'pg';
import { poolConfigFromUrl } from '../lib/database-url';
import { startTestSystem, testDatabaseUrl } from './helpers/system';

let system: RunningSystem;
let a: ScratchTenant;
let b: ScratchTenant;
const clients: Client[] = [];

beforeAll(async () => {
  system = await startTestSystem();
  a = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
  b = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await system.close();
});

const decide = (tenant: ScratchTenant, reference: string) => decideVia(system.gateway.url, tenant, reference);

function connect(connectionParams: Record<string, unknown>) {
  const connection = connectWs(system.gateway.url, connectionParams);
  clients.push(connection.client);
  return connection;
}

const SELECTION = 'decisionCreated { id outcome subject { reference } tenant { id slug } }';

describe('decisionCreated over graphql-ws', () => {
  it("delivers a tenant's own decisions with federated fields and a cursor, and never another tenant's", async () => {
    const { client } = connect({ apiKey: a.keys['read,write'] });
    const started = await subscriptionRecords(a.id);
    const got = subscribe(client, `subscription { ${SELECTION} }`);
    await started.more(1);
    await decide(b, 'other-tenant');
    const mine = await decide(a, 'live-1');
    await until(() => got.events.length >= 1);
    await new Promise((r) => setTimeout(r, 700));
    expect(got.events).toHaveLength(1);
    expect(got.events[0]!.data.decisionCreated).toMatchObject({ id: mine.id, subject: { reference: 'live-1' }, tenant: { id: a.id, slug: a.slug } });
    expect(got.events[0]!.extensions.cursor).toBe(mine.streamCursor);
    got.stop();
  });

  it('refuses a bad key at connection_init with 4403, and a missing one', async () => {
    expect((await connect({ apiKey: 'mai_test_nope' }).closed).code).toBe(4403);
    expect((await connect({}).closed).code).toBe(4403);
  });

  it("refuses a filter naming another tenant (FORBIDDEN), a query over the socket, and a malformed cursor", async () => {
    const { client } = connect({ apiKey: a.keys['read,write'] });
    const forbidden = subscribe(client, 'subscription($t: ID) { decisionCreated(filter: { tenantId: $t }) { id } }', { t: b.id });
    expect(JSON.stringify(await forbidden.error)).toContain('FORBIDDEN');
    const query = subscribe(client, '{ __typename }');
    expect(JSON.stringify(await query.error)).toContain('only subscriptions');
    const cursor = subscribe(client, 'subscription { decisionCreated(after: "nope") { id } }');
    expect(JSON.stringify(await cursor.error)).toContain('BAD_USER_INPUT');
  });

  it('resumes after a cursor while writers commit concurrently: every decision once, in commit order', async () => {
    const start = await decide(a, 'resume-start');
    // Decisions made while nobody listens, then more while the subscriber replays.
    const before = await Promise.all(Array.from({ length: 20 }, (_, i) => decide(a, `resume-before-${i}`)));
    const { client } = connect({ apiKey: a.keys['read,write'] });
    const got = subscribe(client, 'subscription($after: String) { decisionCreated(after: $after) { id } }', { after: start.streamCursor });
    const during = await Promise.all(Array.from({ length: 40 }, (_, i) => decide(a, `resume-during-${i}`)));
    const made = [...before, ...during];
    await until(() => got.events.length >= made.length, 10_000);
    await new Promise((r) => setTimeout(r, 700));
    const ids = got.events.map((e) => e.data.decisionCreated.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(made.map((d) => d.id)));
    // Cursors follow commit order: each one after the previous.
    const cursors = got.events.map((e) => e.extensions.cursor.split('.').slice(1).map(BigInt) as [bigint, bigint]);
    for (let i = 1; i < cursors.length; i++) {
      const [tx, seq] = cursors[i]!;
      const [ptx, pseq] = cursors[i - 1]!;
      expect(tx > ptx || (tx === ptx && seq > pseq)).toBe(true);
    }
    got.stop();
  });

  it('replays a transaction that began before the cursor\'s decision but committed after it (commit order, not transaction order)', async () => {
    const earlier = await decide(a, 'late-commit-entity');
    // A writer that takes its transaction id first and commits last: ordered by transaction id, its row would sort before the cursor and be skipped.
    const slow = new PgClient(poolConfigFromUrl(testDatabaseUrl()));
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()');
      const cursorDecision = await decide(a, 'late-commit-cursor');
      const { client } = connect({ apiKey: a.keys['read,write'] });
      const resumed = subscribe(client, 'subscription($after: String) { decisionCreated(after: $after) { id } }', { after: cursorDecision.streamCursor });
      const live = subscribe(client, 'subscription { decisionCreated { id } }');
      await new Promise((r) => setTimeout(r, 300));
      await slow.query(`INSERT INTO stream_events (topic, tenant_id, entity_id, attributes) VALUES ('decision.created', $1, $2, '{"feature":"kyc.adaptive","outcome":"APPROVE"}')`, [a.id, earlier.id]);
      await slow.query('COMMIT');
      const after = await decide(a, 'late-commit-after');
      await until(() => resumed.events.length >= 2 && live.events.length >= 2, 5_000);
      expect(resumed.events.map((e) => e.data.decisionCreated.id)).toEqual([earlier.id, after.id]);
      expect(live.events.map((e) => e.data.decisionCreated.id)).toEqual([earlier.id, after.id]);
      resumed.stop();
      live.stop();
    } finally {
      await slow.end();
    }
  });
});
