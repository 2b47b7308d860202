/**
 * The hub's fan-out, with a recording executor in place of the graph: one
 * resolution per group and event whatever the number of subscribers, each
 * with its own group's caller (never another tenant's), and a subscriber
 * that stops reading ended as a slow consumer while its group goes on.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { Pool } from 'pg';
import type { Caller } from '../../../lib/caller';
import { poolConfigFromUrl } from '../../../lib/database-url';
import { createLogger } from '../../../lib/logger';
import { SUPERGRAPH_PATH } from '../../../lib/supergraph';
import { apiSchemaOf } from '../../graphql/apollo';
import { MAX_QUEUED_EVENTS } from '../event-queue';
import type { StreamEvent } from '../stream-reader';
import { streamRequest, SubscriptionHub, type GraphAnswer, type SubscriptionHooks } from '../subscription-hub';

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
  return { position: { tx: 1_000n, seq }, topic: 'decision.created', tenantId, entityId: randomUUID(), attributes: { feature: 'kyc.adaptive', outcome: 'APPROVE' } };
}

function hooks(): SubscriptionHooks & { slowCalls: number; endings: string[] } {
  const h = { slowCalls: 0, endings: [] as string[], delivered: () => undefined, slow: () => void h.slowCalls++, ended: (how: string) => void h.endings.push(how) };
  return h;
}

/** An executor that answers every entity as found and records who asked. */
function recordingExecutor() {
  const calls: Array<{ tenantId: string | null; id: unknown }> = [];
  const execute = async (_query: string, variables: Record<string, unknown>, who: Caller): Promise<GraphAnswer> => {
    calls.push({ tenantId: who.tenantId, id: variables.__streamEntityId });
    return { data: { decisionCreated: { id: variables.__streamEntityId } } };
  };
  return { calls, execute };
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
    hub.dispatch([event(tenant), event(tenant)]);
    const received = await Promise.all(subscribers.map((s) => take(s, 2)));
    expect(calls).toHaveLength(2);
    expect(received.every((r) => r.length === 2)).toBe(true);
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
    expect(calls.filter((c) => c.id === e1.entityId).map((c) => c.tenantId).sort()).toEqual([t1, null].sort());
    expect(calls.filter((c) => c.id === e2.entityId).map((c) => c.tenantId).sort()).toEqual([t2, null].sort());
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

  it('sends nothing for an entity the caller cannot see (the graph answers null)', async () => {
    const hub = new SubscriptionHub(async () => ({ data: { decisionCreated: null } }), pool, logger);
    const tenant = randomUUID();
    const subscriber = hub.subscribe(request(caller(tenant)), hooks());
    hub.dispatch([event(tenant)]);
    const next = await Promise.race([subscriber.next(), new Promise((r) => setTimeout(() => r('nothing'), 200))]);
    expect(next).toBe('nothing');
    await subscriber.return!();
  });
});
