import { createHash } from 'node:crypto';
import {
  GraphQLError,
  Kind,
  print,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import pLimit from 'p-limit';
import type { Pool } from 'pg';
import { requireTenantAccess, requireScope, tenantScope, type Caller } from '../../lib/caller';
import { badUserInput, ErrorCode } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { newRequestId } from '../../lib/request-id';
import { EventQueue, MAX_QUEUED_EVENTS } from './event-queue';
import { encodeStreamCursor, isAfter, decodeStreamCursor, type StreamPosition } from '../../lib/streams/stream-position';
import { readStreamEvents, STREAM_PAGE, type StreamEvent } from './stream-reader';
import { STREAM_FIELDS, type StreamField } from './stream-fields';
import type { StreamTopic } from '../../lib/streams/outbox-write';

/** What a query of the graph answers: errors already formatted, as HTTP would send them. */
export interface GraphAnswer {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Runs a query of the graph for a caller: the gateway's own pipeline, as for HTTP. */
export type GraphExecutor = (query: string, variables: Record<string, unknown>, caller: Caller) => Promise<GraphAnswer>;

/** What a subscription matches, from the outbox row alone: its topic, tenant (null: every tenant) and attribute values. */
interface EventMatch {
  topic: StreamTopic;
  tenantId: string | null;
  attributes: Record<string, string | readonly string[]>;
}

/** A checked subscription: what it matches, how each event is resolved, and where it resumes. */
export interface StreamRequest {
  caller: Caller;
  match: EventMatch;
  /** The subscriber's selection as a query of one entity by id (`decision(id:)`): what identifies the group. */
  query: string;
  variables: Record<string, unknown>;
  after: StreamPosition | null;
  /** The response key of the root field: each event's data is `{ [responseKey]: entity }`. */
  responseKey: string;
  /** The query resolving `n` events at once, one aliased entity field each (`_0`, `_1`, …), printed once per size. */
  batchQuery(n: number): string;
}

const ENTITY_VARIABLE = '__streamEntityId';
/** Events of one group resolved by one query, when they wait together: one plan, one fetch per subgraph, instead of one each. */
export const MAX_BATCH = 20;
/** Resolutions running at once on a replica, whatever the number of groups: beyond it they wait their turn. */
export const RESOLUTION_CONCURRENCY = 8;
/** Events one group may have waiting for resolution; past it the gateway cannot keep up, and the group's subscriptions end. */
export const MAX_GROUP_BACKLOG = 5_000;

function idVariable(name: string): VariableDefinitionNode {
  return { kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } }, type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } } };
}

function entitySelection(field: StreamField, root: FieldNode, alias: string, variable: string): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: field.entityField },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variable } } }],
    directives: root.directives,
    selectionSet: root.selectionSet,
  };
}

/**
 * Checks a validated subscription operation and turns it into a stream
 * request: one root field, its arguments coerced as graphql-js would, the
 * caller's right to the tenant it names, and the selection rewritten as a
 * query of the entity the event names, keeping the root field's response
 * key so each event reads exactly as the subscriber asked.
 */
export function streamRequest(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, caller: Caller): StreamRequest {
  const roots = operation.selectionSet.selections;
  const root = roots[0];
  const field = root?.kind === Kind.FIELD ? STREAM_FIELDS[root.name.value] : undefined;
  if (roots.length !== 1 || root?.kind !== Kind.FIELD || !field) {
    throw badUserInput(`a subscription selects exactly one stream field (${Object.keys(STREAM_FIELDS).join(', ')}), with no fragment around it`);
  }
  requireScope(caller, field.scope);
  const fieldDef = schema.getSubscriptionType()!.getFields()[root.name.value]!;
  const args = getArgumentValues(fieldDef, root, variables) as { filter?: Record<string, unknown> | null; after?: string | null };
  const filter = args.filter ?? {};
  if (filter.createdAfter != null || filter.createdBefore != null) {
    throw badUserInput('filter.createdAfter and filter.createdBefore do not apply to a stream, which has no end', { argument: 'filter' });
  }
  requireTenantAccess(caller, filter.tenantId as string | null | undefined);
  const attributes: EventMatch['attributes'] = {};
  for (const [name, value] of Object.entries(filter)) {
    if (name === 'tenantId' || value == null) continue;
    if (!field.attributes.includes(name)) throw badUserInput(`filter.${name} does not apply to a stream`, { argument: 'filter' });
    attributes[name] = value as string | readonly string[];
  }
  const match: EventMatch = { topic: field.topic, tenantId: tenantScope(caller) ?? (filter.tenantId as string | null | undefined) ?? null, attributes };
  const responseKey = root.alias?.value ?? root.name.value;
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  const used = new Set<string>();
  // The variables the rewritten selection still uses (the root field's own arguments are gone).
  for (const node of [...(root.selectionSet ? [root.selectionSet] : []), ...(root.directives ?? []), ...fragments]) visit(node, { Variable: (v) => void used.add(v.name.value) });
  const kept = (operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value));
  const printQuery = (selections: FieldNode[], ids: string[]) =>
    print({
      kind: Kind.DOCUMENT,
      definitions: [
        { ...operation, operation: 'query' as OperationDefinitionNode['operation'], variableDefinitions: [...kept, ...ids.map(idVariable)], selectionSet: { kind: Kind.SELECTION_SET, selections } },
        ...fragments,
      ],
    });
  const batches = new Map<number, string>();
  const batchQuery = (n: number) => {
    let printed = batches.get(n);
    if (!printed) {
      const ids = Array.from({ length: n }, (_, i) => `${ENTITY_VARIABLE}${i}`);
      printed = printQuery(ids.map((id, i) => entitySelection(field, root, `_${i}`, id)), ids);
      batches.set(n, printed);
    }
    return printed;
  };
  return {
    caller,
    match,
    query: batchQuery(1),
    variables: Object.fromEntries(Object.entries(variables).filter(([name]) => used.has(name))),
    after: args.after != null ? decodeStreamCursor(args.after) : null,
    responseKey,
    batchQuery,
  };
}

function matches(m: EventMatch, event: StreamEvent): boolean {
  if (event.topic !== m.topic || (m.tenantId !== null && event.tenantId !== m.tenantId)) return false;
  for (const [name, wanted] of Object.entries(m.attributes)) {
    const value = event.attributes[name] ?? null;
    if (typeof wanted === 'string' ? value !== wanted : value === null || !wanted.includes(value)) return false;
  }
  return true;
}

/** What the transport hears of one subscription. */
export interface SubscriptionHooks {
  /** An event went into the subscriber's queue. */
  delivered(event: StreamEvent): void;
  /** The queue filled: the transport closes the connection (a client that does not read gets no error message either). */
  slow(): void;
  /** The subscription ended: `complete`, or the code it failed with. */
  ended(how: string): void;
}

interface Subscriber {
  queue: EventQueue;
  hooks: SubscriptionHooks;
  /** Live results held while the subscriber replays, with their events. */
  held: Array<{ event: StreamEvent; result: ExecutionResult }> | null;
  /** The last position sent: nothing at or before it is sent again. */
  last: StreamPosition | null;
}

/** Subscribers whose events resolve identically: same tenant, scopes, filter, document and variables. */
interface Group {
  key: string;
  request: StreamRequest;
  subscribers: Set<Subscriber>;
  /** Events matched but not yet resolved, in commit order. */
  pending: StreamEvent[];
  /** Whether a pump is resolving the pending events: one at a time per group, so subscribers see commit order. */
  running: boolean;
}

/** One event with what its resolution answered; null when the subscriber has nothing to see. */
interface Resolved {
  event: StreamEvent;
  result: ExecutionResult | null;
}

/**
 * Every subscription of one gateway replica. Each committed event is
 * resolved once per group it matches, with the group's own caller (so a
 * resolution never crosses tenants: the tenant is part of the group's key),
 * and the one result goes to every subscriber of the group. Events that wait
 * together are resolved by one query, and resolutions across groups share a
 * fixed concurrency, so a burst costs queries per batch, not per event, and
 * cannot start thousands of executions at once.
 */
export class SubscriptionHub {
  private readonly groups = new Map<string, Group>();
  private readonly limit = pLimit(RESOLUTION_CONCURRENCY);

  constructor(
    private readonly execute: GraphExecutor,
    private readonly pool: Pool,
    private readonly logger: Logger,
  ) {}

  groupCount(): number {
    return this.groups.size;
  }

  /** Called by the stream reader with each batch of committed events, in commit order. */
  dispatch(events: StreamEvent[]): void {
    for (const group of this.groups.values()) {
      for (const event of events) if (matches(group.request.match, event)) group.pending.push(event);
      if (group.pending.length > MAX_GROUP_BACKLOG) this.overloaded(group);
      else if (group.pending.length && !group.running) void this.pump(group);
    }
  }

  /**
   * Starts a subscription: replays from its cursor when it has one, then
   * follows the live events, skipping those the replay already sent.
   */
  subscribe(request: StreamRequest, hooks: SubscriptionHooks): AsyncIterableIterator<ExecutionResult> {
    const key = groupKey(request);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, request, subscribers: new Set(), pending: [], running: false };
      this.groups.set(key, group);
    }
    const joined = group;
    const subscriber: Subscriber = {
      queue: new EventQueue((how) => {
        joined.subscribers.delete(subscriber);
        if (!joined.subscribers.size && this.groups.get(joined.key) === joined) this.groups.delete(joined.key);
        hooks.ended(how);
      }),
      hooks,
      held: request.after ? [] : null,
      last: request.after,
    };
    joined.subscribers.add(subscriber);
    if (request.after) void this.replay(request, request.after, subscriber);
    return subscriber.queue;
  }

  private async pump(group: Group): Promise<void> {
    group.running = true;
    try {
      while (group.pending.length && group.subscribers.size) {
        const batch = group.pending.splice(0, MAX_BATCH);
        let resolved: Resolved[];
        try {
          resolved = await this.resolve(group.request, batch);
        } catch (err) {
          // The executor formats the graph's own failures; what reaches here is a bug, and the events are lost to live subscribers only (a resume replays them).
          this.logger.warn('stream event resolution failed', { err: (err as Error).message });
          continue;
        }
        for (const { event, result } of resolved) {
          if (!result) continue;
          for (const subscriber of group.subscribers) {
            if (!subscriber.held) this.send(subscriber, event, result);
            else if (subscriber.held.length < MAX_QUEUED_EVENTS) subscriber.held.push({ event, result });
            else this.fallBehind(subscriber);
          }
        }
      }
    } finally {
      group.running = false;
      if (!group.subscribers.size) group.pending.length = 0;
    }
  }

  /** The gateway cannot resolve a group's events as fast as they commit: its subscribers resume later from their cursors rather than the backlog grow without bound. */
  private overloaded(group: Group): void {
    this.logger.warn('stream group fell behind; its subscriptions end', { backlog: group.pending.length, subscribers: group.subscribers.size });
    group.pending.length = 0;
    this.groups.delete(group.key);
    for (const subscriber of group.subscribers) this.fallBehind(subscriber);
  }

  private fallBehind(subscriber: Subscriber): void {
    subscriber.held = null;
    subscriber.queue.fail(
      new GraphQLError('the gateway fell behind this stream; resubscribe from the last cursor received', { extensions: { code: ErrorCode.STREAM_OVERLOADED } }),
    );
  }

  private async replay(request: StreamRequest, after: StreamPosition, subscriber: Subscriber): Promise<void> {
    let position = after;
    try {
      for (;;) {
        const page = await readStreamEvents(this.pool, position, { tenantId: request.match.tenantId, topic: request.match.topic });
        const wanted = page.filter((event) => matches(request.match, event));
        for (let i = 0; i < wanted.length; i += MAX_BATCH) {
          if (subscriber.queue.closed) return;
          for (const { event, result } of await this.resolve(request, wanted.slice(i, i + MAX_BATCH))) {
            if (result && !this.send(subscriber, event, result)) return;
          }
        }
        if (page.length) position = page[page.length - 1]!.position;
        if (page.length < STREAM_PAGE) break;
      }
      const held = subscriber.held ?? [];
      subscriber.held = null;
      for (const { event, result } of held) {
        if (!this.send(subscriber, event, result)) return;
      }
    } catch (err) {
      this.logger.warn('stream replay failed', { err: (err as Error).message });
      subscriber.queue.fail(
        new GraphQLError('the stream could not be replayed from its cursor; resubscribe with the same cursor', { extensions: { code: ErrorCode.DATABASE_UNAVAILABLE } }),
      );
    }
  }

  /**
   * Resolves events with one query, each entity under its own alias, and
   * splits the answer back per event: each gets its own entity under the
   * subscriber's response key, the errors whose path starts at its alias,
   * and the errors of the whole query (no path).
   */
  private async resolve(request: StreamRequest, events: StreamEvent[]): Promise<Resolved[]> {
    const caller = { ...request.caller, requestId: newRequestId() };
    const variables: Record<string, unknown> = { ...request.variables };
    events.forEach((event, i) => (variables[`${ENTITY_VARIABLE}${i}`] = event.entityId));
    const answer = await this.limit(() => this.execute(request.batchQuery(events.length), variables, caller));
    const shared: GraphQLError[] = [];
    const own = events.map((): GraphQLError[] => []);
    for (const e of answer.errors ?? []) {
      const path = (e as { path?: Array<string | number> }).path;
      const index = typeof path?.[0] === 'string' && /^_\d+$/.test(path[0]) ? Number(path[0].slice(1)) : -1;
      // The transports serialise errors with GraphQLError's toJSON; these come formatted, as HTTP sends them.
      const error = new GraphQLError(e.message, { extensions: e.extensions, path: index >= 0 ? [request.responseKey, ...path!.slice(1)] : path });
      if (index >= 0 && index < events.length) own[index]!.push(error);
      else shared.push(error);
    }
    return events.map((event, i) => {
      const entity = answer.data?.[`_${i}`] ?? null;
      const errors = [...own[i]!, ...shared];
      // Deleted or out of the caller's sight: nothing to tell.
      if (entity === null && !errors.length) return { event, result: null };
      return {
        event,
        result: {
          data: answer.data === null || answer.data === undefined ? null : { [request.responseKey]: entity },
          ...(errors.length && { errors }),
          extensions: { cursor: encodeStreamCursor(event.position) },
        },
      };
    });
  }

  /** Sends what is after the subscriber's last position; false when its queue is full and the subscription ended. */
  private send(subscriber: Subscriber, event: StreamEvent, result: ExecutionResult): boolean {
    if (subscriber.last && !isAfter(event.position, subscriber.last)) return true;
    subscriber.last = event.position;
    if (subscriber.queue.push(result)) {
      subscriber.hooks.delivered(event);
      return true;
    }
    subscriber.hooks.slow();
    subscriber.queue.fail(
      new GraphQLError(`the client fell more than ${MAX_QUEUED_EVENTS} events behind; resubscribe from the last cursor it received`, { extensions: { code: ErrorCode.SLOW_CONSUMER } }),
    );
    return false;
  }
}

function groupKey(request: StreamRequest): string {
  const { caller, match, query, variables } = request;
  return createHash('sha256')
    .update(JSON.stringify([caller.tenantId, [...caller.scopes].sort(), match, query, variables]))
    .digest('hex');
}
