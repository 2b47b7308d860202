/**
 * decisionCreated through real faults, with the real graphql-ws client: a
 * subgraph that goes down while events flow (each event keeps the fields
 * the other subgraphs own, with a SUBGRAPH_UNAVAILABLE error at the path of
 * the fields it owns, and the stream goes on and heals); the gateway's own
 * database cut under a live stream (no crash, and the events committed
 * meanwhile arrive once it returns); and a gateway restarted under a client
 * that resumes from its last cursor (exactly the decisions it missed).
 * Every case compares the ids received with the ids made: no gap, no
 * duplicate, commit order.
 */
import type { Client } from 'graphql-ws/client';
import { openDatabase } from '../lib/database';
import type { RunningSystem } from '../system/start-system';
import { buildTenantsSubgraph } from '../subgraphs/tenants/server';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { connectWs, decide, subscribe, until, type Received } from './helpers/stream-clients';
import { inCommitOrder, type Made } from './helpers/stream-order';
import { signedCallerHeader, startSubgraph, testSubgraphDeps } from './helpers/subgraph';
import { postGraphQL, sql, startTestSystem, testDatabaseUrl } from './helpers/system';
import { TcpProxy } from './helpers/tcp-proxy';

const WATCH = 'subscription($after: String) { decisionCreated(after: $after) { id outcome tenant { slug plan } packageVersion { version } } }';
const CREATE = 'mutation($input: CreateDecisionInput!) { createDecision(input: $input) { id streamCursor } }';

let tenant: ScratchTenant;
const clients: Client[] = [];

beforeAll(async () => {
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

/** A decision written by the decisions subgraph itself, as the gateway would ask it: for when no gateway can take the call. */
async function decideThroughSubgraph(decisionsUrl: string, reference: string): Promise<Made> {
  const input = {
    feature: 'kyc.adaptive',
    subject: { type: 'person', reference },
    attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 },
  };
  const caller = { tenantId: tenant.id, actor: 'test:writer', scopes: new Set(['read', 'write'] as const) };
  const answer = await postGraphQL(decisionsUrl, CREATE, { input }, signedCallerHeader('decisions', caller));
  if (answer.errors) throw new Error(`createDecision failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.createDecision;
}

/** A subscriber of the tenant from `after`: it misses nothing made after that cursor, however long its subscription takes to start. */
function watch(gatewayUrl: string, after: string): Received & { closed: Promise<{ code: number; reason: string }> } {
  const { client, closed } = connectWs(gatewayUrl, { apiKey: tenant.keys['read,write'] });
  clients.push(client);
  return { ...subscribe(client, WATCH, { after }), closed };
}

const idsOf = (got: Received) => got.events.map((e) => e.data?.decisionCreated?.id);
const cursorsOf = (got: Received) => got.events.map((e) => e.extensions.cursor as string);

/** Whether a promise is still pending a moment from now. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([promise.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 50))]);
}

async function expected(id: string) {
  const [row] = await sql<{ outcome: string; version: string }>(
    'SELECT d.outcome::text AS outcome, pv.version FROM decisions d JOIN package_versions pv ON pv.id = d.package_version_id WHERE d.id = $1',
    [id],
  );
  return { id, outcome: row!.outcome, packageVersion: { version: row!.version } };
}

describe('a subgraph down while decisions stream', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.close());

  it("delivers the other subgraphs' fields with SUBGRAPH_UNAVAILABLE at the down one's path, goes on, and heals", async () => {
    const start = await decide(system.gateway.url, tenant, 'subgraph-start');
    const got = watch(system.gateway.url, start.streamCursor);
    const made: Made[] = [];
    const decideNow = async (reference: string) => void made.push(await decide(system.gateway.url, tenant, reference));

    await decideNow('tenants-up');
    await until(() => got.events.length === 1);

    // Decisions are written through the decisions subgraph, which stays up; the tenants subgraph owns Tenant.slug and plan.
    const tenants = system.subgraphs.tenants;
    await tenants.close();
    // At once, so that some are resolved together in one batch: each must carry its own error only.
    await Promise.all([0, 1, 2, 3].map((i) => decideNow(`tenants-down-${i}`)));
    await until(() => got.events.length === 5);

    // Back on the same address: the gateway restarts nothing.
    const db = openDatabase(testDatabaseUrl(), { poolSize: 2 });
    const revived = await buildTenantsSubgraph(testSubgraphDeps('tenants', db)).listen(tenants.port);
    try {
      for (let i = 0; i < 2; i++) await decideNow(`tenants-back-${i}`);
      await until(() => got.events.length === 7);
      await new Promise((r) => setTimeout(r, 700));

      const ordered = inCommitOrder(made);
      expect(idsOf(got)).toEqual(ordered.map((d) => d.id));
      expect(cursorsOf(got)).toEqual(ordered.map((d) => d.streamCursor));
      const down = new Set(made.slice(1, 5).map((d) => d.id));
      for (const event of got.events) {
        const { id } = event.data.decisionCreated;
        if (down.has(id)) {
          expect(event.data.decisionCreated).toEqual({ ...(await expected(id)), tenant: null });
          expect(event.errors!.map((e) => [e.extensions.code, e.extensions.serviceName, e.path])).toEqual([
            ['SUBGRAPH_UNAVAILABLE', 'tenants', ['decisionCreated', 'tenant']],
          ]);
        } else {
          expect(event.errors).toBeUndefined();
          expect(event.data.decisionCreated).toEqual({ ...(await expected(id)), tenant: { slug: tenant.slug, plan: 'PRO' } });
        }
      }
      expect(await pending(got.error)).toBe(true);
    } finally {
      await revived.close();
      await db.close();
    }
  });
});

describe("the gateway's database cut under a live stream", () => {
  let proxy: TcpProxy;
  let system: RunningSystem;
  beforeAll(async () => {
    const target = new URL(testDatabaseUrl());
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    target.port = String(proxy.port);
    // Only the gateway reads through the proxy: the subgraphs can still write while it cannot read the outbox.
    system = await startTestSystem(testDatabaseUrl(), target.toString());
  });
  afterAll(async () => {
    await proxy.restore();
    await system.close();
    await proxy.cut();
  });

  it('keeps the subscriber connected, then delivers the decisions committed meanwhile, once each, in commit order', async () => {
    const start = await decide(system.gateway.url, tenant, 'db-start');
    const got = watch(system.gateway.url, start.streamCursor);
    const made: Made[] = [await decide(system.gateway.url, tenant, 'db-up')];
    await until(() => got.events.length === 1);

    await proxy.cut();
    // The gateway cannot authenticate a call now: the decisions subgraph takes them straight, as from another gateway.
    made.push(...(await Promise.all([0, 1, 2, 3].map((i) => decideThroughSubgraph(system.subgraphs.decisions.url, `db-down-${i}`)))));
    // Three polling periods and a credentials check: the gateway tries, fails, and keeps the stream open.
    await new Promise((r) => setTimeout(r, 1_600));
    expect(got.events).toHaveLength(1);
    expect(await pending(got.closed)).toBe(true);

    await proxy.restore();
    await until(() => got.events.length === 5, 5_000);
    made.push(await decide(system.gateway.url, tenant, 'db-back'));
    await until(() => got.events.length === 6);
    await new Promise((r) => setTimeout(r, 700));

    const ordered = inCommitOrder(made);
    expect(idsOf(got)).toEqual(ordered.map((d) => d.id));
    expect(cursorsOf(got)).toEqual(ordered.map((d) => d.streamCursor));
    expect(got.events.every((e) => e.errors === undefined)).toBe(true);
    expect(await pending(got.closed)).toBe(true);
  });
});

describe('a gateway restarted under a client', () => {
  it('resumes the client from its last cursor with exactly the decisions it missed, in commit order, then live', async () => {
    const first = await startTestSystem();
    const start = await decide(first.gateway.url, tenant, 'restart-start');
    const before = watch(first.gateway.url, start.streamCursor);
    const seen: Made[] = [];
    for (let i = 0; i < 3; i++) seen.push(await decide(first.gateway.url, tenant, `restart-before-${i}`));
    await until(() => before.events.length === 3);
    await first.close();
    // Told to resume elsewhere from its last cursor.
    expect((await before.closed).code).toBe(1001);

    // Nobody streams now; the decisions subgraph alone still takes writes.
    const writer = await startSubgraph('decisions');
    let missed: Made[];
    try {
      missed = await Promise.all([0, 1, 2, 3].map((i) => decideThroughSubgraph(writer.url, `restart-missed-${i}`)));
    } finally {
      await writer.close();
    }

    const second = await startTestSystem();
    try {
      const after = watch(second.gateway.url, cursorsOf(before).at(-1)!);
      await until(() => after.events.length === missed.length);
      const live = await decide(second.gateway.url, tenant, 'restart-live');
      await until(() => after.events.length === missed.length + 1);
      await new Promise((r) => setTimeout(r, 700));

      expect(idsOf(before)).toEqual(seen.map((d) => d.id));
      const resumed = [...inCommitOrder(missed), live];
      expect(idsOf(after)).toEqual(resumed.map((d) => d.id));
      expect(cursorsOf(after)).toEqual(resumed.map((d) => d.streamCursor));
      // The missed decisions committed after the last one seen, and before the live one.
      expect(inCommitOrder([...seen, ...resumed])).toEqual([...seen, ...resumed]);
    } finally {
      await second.close();
    }
  });
});
