import { createHash } from 'node:crypto';
import { GraphQLError, print, type ExecutionResult } from 'graphql';
import pLimit from 'p-limit';
import type { Pool } from 'pg';
import { ErrorCode } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { newRequestId } from '../../lib/request-id';
import { encodeStreamCursor, isAfter, type StreamPosition } from '../../lib/streams/stream-position';
import { EventQueue, MAX_QUEUED_EVENTS } from './event-queue';
import type { GraphExecutor } from './graph-answer';
import { mergedQuery, mergedVariables, QueryPart, splitAnswer, type EntityAnswer, type PartAsk } from './merged-query';
import { readStreamEvents, STREAM_PAGE, type StreamEvent } from './stream-reader';
import { matches, type StreamRequest } from './stream-request';

/**
 * Events of one group asked in one operation, when they wait together: a
 * power of two up to 16, so a group's operations take few shapes, and each
 * shape is planned once (a plan of 100 fields costs some 170 ms).
 */
export const MAX_BATCH = 16;
/** Entity fields in one merged operation, whatever the number of groups and events in it: the plan and the answer stay small. */
export const MAX_FIELDS_PER_QUERY = 100;
/** Operations running at once on a replica, whatever the number of groups: beyond it they wait their turn. */
export const RESOLUTION_CONCURRENCY = 8;
/** Events one group may have waiting for resolution; past it the gateway cannot keep up, and the group's subscriptions end. */
export const MAX_GROUP_BACKLOG = 5_000;
/** Merged operations kept printed, by the groups and event counts they ask for. */
const PRINTED_QUERIES = 256;

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
  /** The response key of its root field (its alias, or the field's name): the one thing a group's subscribers may differ in. */
  responseKey: string;
  hooks: SubscriptionHooks;
  /** Live results held while the subscriber replays, with their events. */
  held: Array<{ event: StreamEvent; result: ExecutionResult }> | null;
  /** The last position sent: nothing at or before it is sent again. */
  last: StreamPosition | null;
}

/** Subscribers whose events resolve identically: same tenant, scopes, filter, selection and variables (the root field's alias aside). */
interface Group {
  key: string;
  request: StreamRequest;
  part: QueryPart;
  lane: Lane;
  subscribers: Set<Subscriber>;
  /** Events matched but not yet resolved, in commit order. */
  pending: StreamEvent[];
}

/**
 * The groups of one caller (tenant and scopes): their events are resolved
 * together, one operation per round for all of them, by one pump at a time,
 * so each group's subscribers see commit order.
 */
interface Lane {
  key: string;
  groups: Set<Group>;
  running: boolean;
}

/** One event with its share of the answer. */
interface Resolved {
  event: StreamEvent;
  answer: EntityAnswer;
}

/**
 * Every subscription of one gateway replica. Each committed event is
 * resolved once per group it matches, with the group's own caller, and the
 * one result goes to every subscriber of the group. Groups of the same
 * caller share operations: the events waiting in all of them are asked in
 * one merged query (each group's selection renamed under its own prefix),
 * so ten dashboards of one tenant with ten different selections cost one
 * execution per event, not ten. A resolution never crosses callers: the
 * tenant is part of the lane's key. Operations run at most
 * RESOLUTION_CONCURRENCY at once, so a burst cannot start thousands.
 */
export class SubscriptionHub {
  private readonly groups = new Map<string, Group>();
  private readonly lanes = new Map<string, Lane>();
  private readonly limit = pLimit(RESOLUTION_CONCURRENCY);
  private readonly printed = new Map<string, string>();
  private nextPrefix = 0;
  private closed = false;

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
    if (this.closed) return;
    const woken = new Set<Lane>();
    for (const group of this.groups.values()) {
      for (const event of events) if (matches(group.request.match, event)) group.pending.push(event);
      if (group.pending.length > MAX_GROUP_BACKLOG) this.overloaded(group);
      else if (group.pending.length) woken.add(group.lane);
    }
    for (const lane of woken) if (!lane.running) void this.pump(lane);
  }

  /**
   * Starts a subscription: replays from its cursor when it has one, then
   * follows the live events, skipping those the replay already sent.
   */
  subscribe(request: StreamRequest, hooks: SubscriptionHooks): AsyncIterableIterator<ExecutionResult> {
    const group = this.groupFor(request);
    const subscriber: Subscriber = {
      queue: new EventQueue((how) => {
        group.subscribers.delete(subscriber);
        if (!group.subscribers.size) this.forget(group);
        hooks.ended(how);
      }),
      hooks,
      responseKey: request.responseKey,
      held: request.after ? [] : null,
      last: request.after,
    };
    group.subscribers.add(subscriber);
    if (request.after) void this.replay(group, request.after, subscriber);
    return subscriber.queue;
  }

  private groupFor(request: StreamRequest): Group {
    const key = groupKey(request);
    const existing = this.groups.get(key);
    if (existing) return existing;
    const laneKey = callerKey(request);
    let lane = this.lanes.get(laneKey);
    if (!lane) {
      lane = { key: laneKey, groups: new Set(), running: false };
      this.lanes.set(laneKey, lane);
    }
    const group: Group = { key, request, part: new QueryPart(`g${this.nextPrefix++}`, request), lane, subscribers: new Set(), pending: [] };
    this.groups.set(key, group);
    lane.groups.add(group);
    return group;
  }

  private forget(group: Group): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    group.pending.length = 0;
    group.lane.groups.delete(group);
    if (!group.lane.groups.size && this.lanes.get(group.lane.key) === group.lane) this.lanes.delete(group.lane.key);
  }

  /** Resolves a lane's pending events round by round: each round takes up to MAX_BATCH events of every group with some. */
  private async pump(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      for (;;) {
        const round = [...lane.groups].filter((g) => g.pending.length && g.subscribers.size).map((group) => ({ group, events: group.pending.splice(0, batchSize(group.pending.length)) }));
        if (!round.length) return;
        const chunks: Array<typeof round> = [[]];
        let fields = 0;
        for (const entry of round) {
          if (fields + entry.events.length > MAX_FIELDS_PER_QUERY && chunks[chunks.length - 1]!.length) {
            chunks.push([]);
            fields = 0;
          }
          chunks[chunks.length - 1]!.push(entry);
          fields += entry.events.length;
        }
        const answers = await Promise.all(chunks.map((chunk) => this.resolveSafely(chunk)));
        answers.flat().forEach((resolved, n) => this.deliver(round[n]!.group, resolved));
      }
    } finally {
      lane.running = false;
    }
  }

  private async resolveSafely(chunk: Array<{ group: Group; events: StreamEvent[] }>): Promise<Resolved[][]> {
    try {
      return await this.resolve(chunk);
    } catch (err) {
      // The executor formats the graph's own failures; what reaches here is a bug, and the events are lost to live subscribers only (a resume replays them).
      this.logger.warn('stream event resolution failed', { err: (err as Error).message });
      return chunk.map(() => []);
    }
  }

  private deliver(group: Group, resolved: Resolved[]): void {
    for (const { event, answer } of resolved) {
      if (nothingToTell(answer)) continue;
      // Most subscribers of a group share their root key: one result per key, not per subscriber.
      const byKey = new Map<string, ExecutionResult>();
      for (const subscriber of group.subscribers) {
        let result = byKey.get(subscriber.responseKey);
        if (!result) byKey.set(subscriber.responseKey, (result = shape(answer, event, subscriber.responseKey)));
        if (!subscriber.held) this.send(subscriber, event, result);
        else if (subscriber.held.length < MAX_QUEUED_EVENTS) subscriber.held.push({ event, result });
        else this.fallBehind(subscriber);
      }
    }
  }

  /** The gateway cannot resolve a group's events as fast as they commit: its subscribers resume later from their cursors rather than the backlog grow without bound. */
  private overloaded(group: Group): void {
    this.logger.warn('stream group fell behind; its subscriptions end', { backlog: group.pending.length, subscribers: group.subscribers.size });
    this.forget(group);
    for (const subscriber of group.subscribers) this.fallBehind(subscriber);
  }

  private fallBehind(subscriber: Subscriber): void {
    subscriber.held = null;
    subscriber.queue.fail(
      new GraphQLError('the gateway fell behind this stream; resubscribe from the last cursor received', { extensions: { code: ErrorCode.STREAM_OVERLOADED } }),
    );
  }

  private async replay(group: Group, after: StreamPosition, subscriber: Subscriber): Promise<void> {
    const { match } = group.request;
    let position = after;
    try {
      for (;;) {
        const page = await readStreamEvents(this.pool, position, { tenantId: match.tenantId, topic: match.topic });
        const wanted = page.filter((event) => matches(match, event));
        for (let i = 0; i < wanted.length; i += MAX_BATCH) {
          if (subscriber.queue.closed) return;
          const [resolved] = await this.resolve([{ group, events: wanted.slice(i, i + MAX_BATCH) }]);
          for (const { event, answer } of resolved!) {
            if (!nothingToTell(answer) && !this.send(subscriber, event, shape(answer, event, subscriber.responseKey))) return;
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

  /** Asks one operation for the events of groups of one caller, and splits the answer back per group and event. */
  private async resolve(chunk: ReadonlyArray<{ group: Group; events: readonly StreamEvent[] }>): Promise<Resolved[][]> {
    if (this.closed) return chunk.map(() => []);
    const asks: PartAsk[] = chunk.map(({ group, events }) => ({ part: group.part, entityIds: events.map((e) => e.entityId) }));
    const caller = { ...chunk[0]!.group.request.caller, requestId: newRequestId() };
    const answer = await this.limit(() => this.execute(this.printedQuery(asks), mergedVariables(asks), caller));
    const split = splitAnswer(answer, asks);
    return chunk.map(({ events }, k) => events.map((event, i) => ({ event, answer: split[k]![i]! })));
  }

  /** Stops resolving: what is in flight finishes, nothing new starts (the gateway is closing). */
  close(): void {
    this.closed = true;
  }

  private printedQuery(asks: readonly PartAsk[]): string {
    const key = asks.map((a) => `${a.part.prefix}:${a.entityIds.length}`).join(',');
    let query = this.printed.get(key);
    if (query === undefined) {
      query = mergedQuery(asks);
      // Oldest first out: the set of groups changes slowly, so recent shapes are the ones asked again.
      if (this.printed.size >= PRINTED_QUERIES) this.printed.delete(this.printed.keys().next().value!);
      this.printed.set(key, query);
    }
    return query;
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

/** Deleted or out of the caller's sight: nothing to tell. */
function nothingToTell(answer: EntityAnswer): boolean {
  return answer.entity === null && !answer.errors.length;
}

/** An event as one subscriber asked for it: under its root key, with the errors' paths under that key. */
function shape(answer: EntityAnswer, event: StreamEvent, responseKey: string): ExecutionResult {
  // The transports serialise errors with GraphQLError's toJSON; these come formatted, as HTTP sends them.
  const errors = answer.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions, path: e.rooted ? [responseKey, ...e.path!] : e.path }));
  return {
    data: answer.noData ? null : { [responseKey]: answer.entity },
    ...(errors.length && { errors }),
    extensions: { cursor: encodeStreamCursor(event.position) },
  };
}

/** The largest power of two up to MAX_BATCH that `pending` events fill. */
function batchSize(pending: number): number {
  let size = 1;
  while (size * 2 <= Math.min(pending, MAX_BATCH)) size *= 2;
  return size;
}

/** The caller as the graph sees it: what it may read depends on its tenant and scopes only. */
function callerKey({ caller }: StreamRequest): string {
  return JSON.stringify([caller.tenantId, [...caller.scopes].sort()]);
}

function groupKey(request: StreamRequest): string {
  const { match, selection, variables } = request;
  // The root field printed without its alias (each subscriber keeps its own), and everything printed, so documents that differ only in layout share a group.
  const root = { ...selection.root, alias: undefined };
  return createHash('sha256')
    .update(JSON.stringify([callerKey(request), match, [root, ...selection.variableDefinitions, ...selection.fragments].map(print), variables]))
    .digest('hex');
}
