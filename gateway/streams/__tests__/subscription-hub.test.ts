/**
 * The hub's fan-out, with a recording executor in place of the graph: one
 * resolution per group and batch of events whatever the number of
 * subscribers, each with its own group's caller (never another tenant's),
 * a batch's answer split back per event, a bounded number of resolutions at
 * once, a subscriber that stops reading ended as a slow consumer while its
 * group goes on, and a group the gateway cannot keep up with ended rather
 * than its backlog grown.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execute as executeGraphQL, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { Pool } from 'pg';
import type { Caller } from '../../../lib/caller';
import { poolConfigFromUrl } from '../../../lib/database-url';
import { createLogger } from '../../../lib/logger';
import { SUPERGRAPH_PATH } from '../../../lib/supergraph';
import { apiSchemaOf } from '../../graphql/apollo';
import { MAX_QUEUED_EVENTS } from '../event-queue';
import type { StreamEvent } from '../stream-reader';
import type { GraphAnswer } from '../graph-answer';
import { streamRequest } from '../stream-request';
import { MAX_BATCH, MAX_FIELDS_PER_QUERY, MAX_GROUP_BACKLOG, RESOLUTION_CONCURRENCY, SubscriptionHub, type SubscriptionHooks } from '../subscription-hub';

const schema = apiSchemaOf(readFileSync(SUPERGRAPH_PATH, 'utf8'));
const logger = createLogger('silent');
let pool: Pool;
beforeAll(() => {
  pool = new Pool(poolConfigFromUrl(process.env.TEST_DATABASE_URL!, { max: 1 }));
});
afterAll(() => pool.end());

const caller = (tenantId: string | null): Caller => ({ requestId: 'req_test', actor: `key:${tenantId ?? 'operator'}`, tenantId, scopes: new Set(['read']), surface: 'WEBSOCKET' });

function request(who: Caller, query = 'subscription { decisionCreated { id } }') {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return streamRequest(schema, document, operation, {}, who);
}

let seq = 0n;
function event(tenantId: string): StreamEvent {
  seq += 1n;
  return { position: { commit: 1_000n, seq }, topic: 'decision.created', tenantId, entityId: randomUUID(), attributes: { feature: 'kyc.adaptive', outcome: 'APPROVE' } };
}

function hooks(): SubscriptionHooks & { slowCalls: number; endings: string[] } {
  const h = { slowCalls: 0, endings: [] as string[], delivered: () => undefined, slow: () => void h.slowCalls++, ended: (how: string) => void h.endings.push(how) };
  return h;
}

/** The aliases and entity ids a merged query asks for (`$g0id1` is the entity of field `g0_1`). */
function asked(variables: Record<string, unknown>): Array<[alias: string, id: unknown]> {
  return Object.entries(variables)
    .map(([name, id]) => [/^(g\d+)id(\d+)$/.exec(name), id] as const)
    .filter(([m]) => m)
    .map(([m, id]) => [`${m![1]}_${m![2]}`, id]);
}

/** An executor that answers every entity as found and records who asked for what. */
function recordingExecutor(delay = 0) {
  const calls: Array<{ tenantId: string | null; ids: unknown[] }> = [];
  let running = 0;
  const state = { calls, maxRunning: 0 };
  const execute = async (_query: string, variables: Record<string, unknown>, who: Caller): Promise<GraphAnswer> => {
    running++;
    state.maxRunning = Math.max(state.maxRunning, running);
    const fields = asked(variables);
    calls.push({ tenantId: who.tenantId, ids: fields.map(([, id]) => id) });
    if (delay) await new Promise((r) => setTimeout(r, delay));
    running--;
    return { data: Object.fromEntries(fields.map(([alias, id]) => [alias, { id }])) };
  };
  return { ...state, state, execute };
}

async function take(iterator: AsyncIterator<unknown>, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push((await iterator.next()).value);
  return out;
}

describe('SubscriptionHub', () => {
  it('resolves each event once per group, however many subscribers the group has', async () => {
    const { calls, execute } = recordingExecutor();
    const hub = new SubscriptionHub(execute, pool, logger);
    const tenant = randomUUID();
    const subscribers = Array.from({ length: 100 }, () => hub.subscribe(request(caller(tenant)), hooks()));
    expect(hub.groupCount()).toBe(1);
    const events = [event(tenant), event(tenant)];
    hub.dispatch(events);
    const received = await Promise.all(subscribers.map((s) => take(s, 2)));
    // Two events that wait together are one query.
    expect(calls).toEqual([{ tenantId: tenant, ids: events.map((e) => e.entityId) }]);
    for (const r of received) expect(r.map((x: any) => x.data.decisionCreated.id)).toEqual(events.map((e) => e.entityId));
    for (const s of subscribers) await s.return!();
    expect(hub.groupCount()).toBe(0);
  });

  it("resolves with each group's own caller: two tenants with the same document never share a resolution", async () => {
    const { calls, execute } = recordingExecutor();
    const hub = new SubscriptionHub(execute, pool, logger);
    const [t1, t2] = [randomUUID(), randomUUID()];
    const s1 = hub.subscribe(request(caller(t1)), hooks());
    const s2 = hub.subscribe(request(caller(t2)), hooks());
    const operator = hub.subscribe(request(caller(null)), hooks());
    expect(hub.groupCount()).toBe(3);
    const e1 = event(t1);
    const e2 = event(t2);
    hub.dispatch([e1, e2]);
    const [[r1], [r2], fromOperator] = await Promise.all([take(s1, 1), take(s2, 1), take(operator, 2)]);
    expect((r1 as any).data.decisionCreated.id).toBe(e1.entityId);
    expect((r2 as any).data.decisionCreated.id).toBe(e2.entityId);
    expect(fromOperator).toHaveLength(2);
    // Tenant 1's event was resolved as tenant 1 and as the operator, never as tenant 2; and the other way round.
    expect(calls.filter((c) => c.ids.includes(e1.entityId)).map((c) => c.tenantId).sort()).toEqual([t1, null].sort());
    expect(calls.filter((c) => c.ids.includes(e2.entityId)).map((c) => c.tenantId).sort()).toEqual([t2, null].sort());
    for (const s of [s1, s2, operator]) await s.return!();
  });

  it('ends a subscriber that stops reading as a slow consumer, and its group goes on for the others', async () => {
    const { execute } = recordingExecutor();
    const hub = new SubscriptionHub(execute, pool, logger);
    const tenant = randomUUID();
    const stalled = hooks();
    hub.subscribe(request(caller(tenant)), stalled);
    const reading = hub.subscribe(request(caller(tenant)), hooks());
    const events = Array.from({ length: MAX_QUEUED_EVENTS + 5 }, () => event(tenant));
    hub.dispatch(events);
    const got = await take(reading, events.length);
    expect(got).toHaveLength(events.length);
    expect(stalled.slowCalls).toBe(1);
    expect(stalled.endings).toEqual([]);
    await reading.return!();
  });

  it("splits a batch's answer per event: its own entity and errors under the subscriber's key, the query's own errors to each", async () => {
    const hub = new SubscriptionHub(
      async () => ({
        data: { g0_0: { id: 'a', tenant: null }, g0_1: null, g0_2: { id: 'c', tenant: { plan: 'pro' } }, g0_3: null },
        errors: [
          { message: 'tenants subgraph down', path: ['g0_0', 'tenant'], extensions: { code: 'SUBGRAPH_UNAVAILABLE' } },
          { message: 'a warning for all', extensions: { code: 'X' } },
        ],
      }),
      pool,
      logger,
    );
    const tenant = randomUUID();
    const subscriber = hub.subscribe(request(caller(tenant), 'subscription { live: decisionCreated { id tenant { plan } } }'), hooks());
    const events = [event(tenant), event(tenant), event(tenant), event(tenant)];
    hub.dispatch(events);
    const [first, second, third] = (await take(subscriber, 3)) as any[];
    expect(first.data).toEqual({ live: { id: 'a', tenant: null } });
    expect(first.errors.map((e: any) => [e.message, e.path])).toEqual([
      ['tenants subgraph down', ['live', 'tenant']],
      ['a warning for all', undefined],
    ]);
    expect(first.extensions.cursor).toEqual(expect.any(String));
    // The second entity is null with an error of the whole query: the subscriber hears of the error.
    expect(second.data).toEqual({ live: null });
    expect(second.errors.map((e: any) => e.message)).toEqual(['a warning for all']);
    expect(third.data).toEqual({ live: { id: 'c', tenant: { plan: 'pro' } } });
    expect(new Set([first, second, third].map((r) => r.extensions.cursor)).size).toBe(3);
    // The fourth is null but it has the query's own error: it is told.
    const fourth = (await take(subscriber, 1))[0] as any;
    expect(fourth.data).toEqual({ live: null });
    await subscriber.return!();
  });

  it('gives subscribers that differ only in their root alias one group and one resolution, each under its own key', async () => {
    const calls: string[] = [];
    const hub = new SubscriptionHub(
      async (query, variables) => {
        calls.push(query);
        const fields = asked(variables);
        return { data: Object.fromEntries(fields.map(([alias, id]) => [alias, { id, tenant: null }])), errors: fields.map(([alias]) => ({ message: 'tenants down', path: [alias, 'tenant'] })) };
      },
      pool,
      logger,
    );
    const tenant = randomUUID();
    const plain = hub.subscribe(request(caller(tenant), 'subscription { decisionCreated { id tenant { slug } } }'), hooks());
    const aliased = hub.subscribe(request(caller(tenant), 'subscription {   feed: decisionCreated { id tenant { slug } } }'), hooks());
    expect(hub.groupCount()).toBe(1);
    const e = event(tenant);
    hub.dispatch([e]);
    const [[p], [a]] = (await Promise.all([take(plain, 1), take(aliased, 1)])) as any[][];
    expect(calls).toHaveLength(1);
    expect(p.data).toEqual({ decisionCreated: { id: e.entityId, tenant: null } });
    expect(p.errors.map((x: any) => x.path)).toEqual([['decisionCreated', 'tenant']]);
    expect(a.data).toEqual({ feed: { id: e.entityId, tenant: null } });
    expect(a.errors.map((x: any) => x.path)).toEqual([['feed', 'tenant']]);
    for (const s of [plain, aliased]) await s.return!();
  });

  it('batches a burst in queries of at most MAX_BATCH events (powers of two), in commit order, and runs at most RESOLUTION_CONCURRENCY at once across groups', async () => {
    const recorder = recordingExecutor(20);
    const hub = new SubscriptionHub(recorder.execute, pool, logger);
    const tenants = Array.from({ length: RESOLUTION_CONCURRENCY * 3 }, () => randomUUID());
    const subscribers = tenants.map((t) => hub.subscribe(request(caller(t)), hooks()));
    const burst = tenants.map((t) => Array.from({ length: MAX_BATCH * 2 + 3 }, () => event(t)));
    hub.dispatch(burst.flat());
    const received = await Promise.all(subscribers.map((s, i) => take(s, burst[i]!.length)));
    received.forEach((r, i) => expect(r.map((x: any) => x.data.decisionCreated.id)).toEqual(burst[i]!.map((e) => e.entityId)));
    // 35 events: batches of powers of two, so a group's operations take few shapes.
    for (const t of tenants) expect(recorder.calls.filter((c) => c.tenantId === t).map((c) => c.ids.length)).toEqual([MAX_BATCH, MAX_BATCH, 2, 1]);
    expect(recorder.state.maxRunning).toBe(RESOLUTION_CONCURRENCY);
    for (const s of subscribers) await s.return!();
  });

  it('ends the subscriptions of a group whose backlog passes MAX_GROUP_BACKLOG with STREAM_OVERLOADED, and other groups go on', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowTenant = randomUUID();
    const otherTenant = randomUUID();
    const hub = new SubscriptionHub(
      async (_q, variables, who) => {
        if (who.tenantId === slowTenant) await gate;
        return { data: Object.fromEntries(asked(variables).map(([alias, id]) => [alias, { id }])) };
      },
      pool,
      logger,
    );
    const ending = hooks();
    const behind = hub.subscribe(request(caller(slowTenant)), ending);
    const other = hub.subscribe(request(caller(otherTenant)), hooks());
    hub.dispatch([event(slowTenant)]);
    // The first batch is stuck in the graph; the rest pile up behind it.
    for (let i = 0; i < MAX_GROUP_BACKLOG / 500 + 1; i++) hub.dispatch(Array.from({ length: 500 }, () => event(slowTenant)));
    const otherEvent = event(otherTenant);
    hub.dispatch([otherEvent]);
    expect(((await take(other, 1))[0] as any).data.decisionCreated.id).toBe(otherEvent.entityId);
    await expect(behind.next()).rejects.toMatchObject({ extensions: { code: 'STREAM_OVERLOADED' } });
    expect(ending.endings).toEqual(['STREAM_OVERLOADED']);
    release();
    expect(hub.groupCount()).toBe(1);
    await other.return!();
  });

  it("asks the events of one caller's groups in one operation, each group with its own selection, variables and fragments, executed for real against the API schema", async () => {
    const queries: string[] = [];
    const hub = new SubscriptionHub(
      async (query, variables) => {
        queries.push(query);
        const document = parse(query);
        const problems = validate(schema, document);
        if (problems.length) return { errors: problems.map((e) => ({ message: e.message })) };
        const rootValue = { decision: ({ id }: { id: string }) => ({ id, outcome: 'APPROVE', feature: 'kyc.adaptive', tenant: { slug: `t-${id}` } }) };
        return (await executeGraphQL({ schema, document, variableValues: variables, rootValue })) as GraphAnswer;
      },
      pool,
      logger,
    );
    const tenant = randomUUID();
    const withVariables = (who: Caller, query: string, variables: Record<string, unknown>) => {
      const document = parse(query);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      return streamRequest(schema, document, operation, variables, who);
    };
    const a = hub.subscribe(withVariables(caller(tenant), 'subscription($x: Boolean!) { decisionCreated { id outcome @include(if: $x) ...F } } fragment F on Decision { tenant { slug } }', { x: true }), hooks());
    const b = hub.subscribe(withVariables(caller(tenant), 'subscription($x: Boolean!) { mine: decisionCreated { id outcome @include(if: $x) ...F } } fragment F on Decision { feature }', { x: false }), hooks());
    const c = hub.subscribe(request(caller(tenant)), hooks());
    expect(hub.groupCount()).toBe(3);
    const events = [event(tenant), event(tenant)];
    hub.dispatch(events);
    const [ra, rb, rc] = (await Promise.all([take(a, 2), take(b, 2), take(c, 2)])) as any[][];
    expect(queries).toHaveLength(1);
    events.forEach((e, i) => {
      expect(ra![i].data).toEqual({ decisionCreated: { id: e.entityId, outcome: 'APPROVE', tenant: { slug: `t-${e.entityId}` } } });
      expect(rb![i].data).toEqual({ mine: { id: e.entityId, feature: 'kyc.adaptive' } });
      expect(rc![i].data).toEqual({ decisionCreated: { id: e.entityId } });
      expect(ra![i].errors ?? rb![i].errors ?? rc![i].errors).toBeUndefined();
    });
    for (const s of [a, b, c]) await s.return!();
  });

  it(`splits one caller's round across operations of at most ${MAX_FIELDS_PER_QUERY} entity fields`, async () => {
    const recorder = recordingExecutor();
    const hub = new SubscriptionHub(recorder.execute, pool, logger);
    const tenant = randomUUID();
    // 30 groups (30 selections) of one tenant, 5 events: a round of 4 events each (120 fields: 100 + 20), then one of 1 each (30).
    const subscribers = Array.from({ length: 30 }, (_, k) => hub.subscribe(request(caller(tenant), `subscription { decisionCreated { id a${k}: outcome } }`), hooks()));
    expect(hub.groupCount()).toBe(30);
    const events = Array.from({ length: 5 }, () => event(tenant));
    hub.dispatch(events);
    const received = await Promise.all(subscribers.map((s) => take(s, 5)));
    for (const r of received) expect(r.map((x: any) => x.data.decisionCreated.id)).toEqual(events.map((e) => e.entityId));
    expect(recorder.calls.map((c) => c.ids.length)).toEqual([100, 20, 30]);
    for (const s of subscribers) await s.return!();
  });

  it('sends nothing for an entity the caller cannot see (the graph answers null)', async () => {
    const hub = new SubscriptionHub(async () => ({ data: { g0_0: null } }), pool, logger);
    const tenant = randomUUID();
    const subscriber = hub.subscribe(request(caller(tenant)), hooks());
    hub.dispatch([event(tenant)]);
    const next = await Promise.race([subscriber.next(), new Promise((r) => setTimeout(() => r('nothing'), 200))]);
    expect(next).toBe('nothing');
    await subscriber.return!();
  });
});
