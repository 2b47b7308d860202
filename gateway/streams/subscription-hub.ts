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
import type { Pool } from 'pg';
import { requireTenantAccess, requireScope, tenantScope, type Caller } from '../../lib/caller';
import { badUserInput, ErrorCode } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { newRequestId } from '../../lib/request-id';
import { EventQueue, MAX_QUEUED_EVENTS } from './event-queue';
import { encodeStreamCursor, isAfter, decodeStreamCursor, type StreamPosition } from '../../lib/streams/stream-position';
import { readStreamEvents, STREAM_PAGE, type StreamEvent } from './stream-reader';
import { STREAM_FIELDS } from './stream-fields';
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
  /** The subscriber's selection as a query of the entity by id (`decision(id:)`), printed once. */
  query: string;
  variables: Record<string, unknown>;
  after: StreamPosition | null;
}

const ENTITY_VARIABLE = '__streamEntityId';

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
  const entityField: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
    name: { kind: Kind.NAME, value: field.entityField },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_VARIABLE } } }],
    directives: root.directives,
    selectionSet: root.selectionSet,
  };
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  const used = new Set<string>();
  // The variables the rewritten selection still uses (the root field's own arguments are gone).
  for (const node of [entityField, ...fragments]) visit(node, { Variable: (v) => void used.add(v.name.value) });
  const definitions: VariableDefinitionNode[] = [
    ...(operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value)),
    { kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_VARIABLE } }, type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } } },
  ];
  const query: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [{ ...operation, operation: 'query' as OperationDefinitionNode['operation'], variableDefinitions: definitions, selectionSet: { kind: Kind.SELECTION_SET, selections: [entityField] } }, ...fragments],
  };
  const kept = Object.fromEntries(Object.entries(variables).filter(([name]) => used.has(name)));
  return { caller, match, query: print(query), variables: kept, after: args.after != null ? decodeStreamCursor(args.after) : null };
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
  /** Deliveries run one after another, so events reach subscribers in commit order. */
  delivering: Promise<void>;
}

/**
 * Every subscription of one gateway replica. Each committed event is
 * resolved once per group it matches, with the group's own caller (so a
 * resolution never crosses tenants: the tenant is part of the group's key),
 * and the one result goes to every subscriber of the group.
 */
export class SubscriptionHub {
  private readonly groups = new Map<string, Group>();

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
      const wanted = events.filter((e) => matches(group.request.match, e));
      if (wanted.length) group.delivering = group.delivering.then(() => this.deliver(group, wanted));
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
      group = { key, request, subscribers: new Set(), delivering: Promise.resolve() };
      this.groups.set(key, group);
    }
    const joined = group;
    const subscriber: Subscriber = {
      queue: new EventQueue((how) => {
        joined.subscribers.delete(subscriber);
        if (!joined.subscribers.size) this.groups.delete(joined.key);
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

  private async deliver(group: Group, events: StreamEvent[]): Promise<void> {
    // Resolved one by one, in order, so each subscriber sees commit order.
    for (const event of events) {
      if (!group.subscribers.size) return;
      let result: ExecutionResult | null;
      try {
        result = await this.resolve(group.request, event);
      } catch (err) {
        this.logger.warn('stream event resolution failed', { err: (err as Error).message });
        continue;
      }
      if (!result) continue;
      for (const subscriber of group.subscribers) {
        if (subscriber.held) subscriber.held.push({ event, result });
        else this.send(subscriber, event, result);
      }
    }
  }

  private async replay(request: StreamRequest, after: StreamPosition, subscriber: Subscriber): Promise<void> {
    let position = after;
    try {
      for (;;) {
        const page = await readStreamEvents(this.pool, position, { tenantId: request.match.tenantId, topic: request.match.topic });
        for (const event of page) {
          if (subscriber.queue.closed) return;
          if (!matches(request.match, event)) continue;
          const result = await this.resolve(request, event);
          if (result && !this.send(subscriber, event, result)) return;
        }
        if (page.length) position = page[page.length - 1]!.position;
        if (page.length < STREAM_PAGE) break;
      }
      for (const held of subscriber.held ?? []) {
        if (!this.send(subscriber, held.event, held.result)) return;
      }
      subscriber.held = null;
    } catch (err) {
      this.logger.warn('stream replay failed', { err: (err as Error).message });
      subscriber.queue.fail(
        new GraphQLError('the stream could not be replayed from its cursor; resubscribe with the same cursor', { extensions: { code: ErrorCode.DATABASE_UNAVAILABLE } }),
      );
    }
  }

  private async resolve(request: StreamRequest, event: StreamEvent): Promise<ExecutionResult | null> {
    const caller = { ...request.caller, requestId: newRequestId() };
    const result = await this.execute(request.query, { ...request.variables, [ENTITY_VARIABLE]: event.entityId }, caller);
    const data = result.data as Record<string, unknown> | null | undefined;
    // Deleted or out of the caller's sight: nothing to tell.
    if (data && Object.values(data).every((v) => v === null) && !result.errors?.length) return null;
    // The transports serialise errors with GraphQLError's toJSON; these come formatted, as HTTP sends them.
    const errors = result.errors?.map((e) => new GraphQLError(e.message, { extensions: e.extensions, path: (e as { path?: Array<string | number> }).path }));
    return { data: result.data, ...(errors && { errors }), extensions: { cursor: encodeStreamCursor(event.position) } };
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
