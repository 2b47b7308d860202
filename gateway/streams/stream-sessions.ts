import { GraphQLError } from 'graphql';
import { operatorReadEvents, streamEvent, type StreamRecord } from '../../lib/audit-log/events';
import type { AuditWriter } from '../../lib/audit-log/writer';
import { isPlatformOperator, type Caller } from '../../lib/caller';
import { AUDIT_UNAVAILABLE_MESSAGE, ErrorCode } from '../../lib/errors';
import type { StreamLimits } from '../../lib/limits';
import type { Logger } from '../../lib/logger';
import { STREAM_SURFACES, type StreamSurface } from '../../lib/vocabulary';
import type { CredentialsRead } from '../auth/credentials-read';
import type { SubscriptionHooks } from './subscription-hub';

/**
 * The close codes the gateway itself gives a stream connection (graphql-ws
 * closes with these; an SSE stream ends with a last event whose error
 * carries the matching extensions.code and `closeCode`). The protocol's
 * own codes (4400, 4401 before ack, 4403 at init, 4406, 4408, 4409, 4429)
 * come from graphql-ws.
 */
export const StreamCloseCode = {
  /** The gateway is shutting down: reconnect (to another replica) and resume from the last cursor. */
  GOING_AWAY: 1001,
  /** Too many connections on this replica, or for this tenant: retry later. */
  TRY_AGAIN_LATER: 1013,
  /** The client read too slowly and its queue filled: resubscribe from the last cursor. */
  SLOW_CONSUMER: 4008,
  /** The credential expired (a key's expiry, a token's exp): authenticate again. */
  CREDENTIAL_EXPIRED: 4401,
  /** The key was revoked or deleted. */
  CREDENTIAL_REVOKED: 4403,
} as const;
export type StreamCloseCode = (typeof StreamCloseCode)[keyof typeof StreamCloseCode];

/** How often the keys and tokens of open streams are checked: a revoked one is closed within this (plus one query). */
export const CREDENTIAL_CHECK_MS = 1_000;

/** One open stream connection: a WebSocket, or one SSE request. */
export interface StreamConnection {
  readonly caller: Caller;
  readonly surface: StreamSurface;
  readonly correlationId: string | null;
  /** When the credential stops being valid; null when it does not expire. */
  readonly expiresAt: Date | null;
  /** How the gateway closed it, when it did: what its subscriptions' end events say. */
  closedFor: string | null;
  subscriptions: number;
}

interface OpenConnection extends StreamConnection {
  close(code: StreamCloseCode, reason: string): void;
  openedAt: number;
  tickets: Set<SubscriptionTicket>;
}

/** A started subscription, as its end is recorded. */
export interface SubscriptionTicket {
  connection: StreamConnection;
  record: StreamRecord;
  startedAt: number;
  /** Tenants whose events a platform operator's subscription delivered: each tenant's chain records that it looked. */
  tenantsSeen: Set<string>;
  ended: boolean;
}

interface Counts {
  connections: number;
  subscriptions: number;
}

function limitError(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, ...extensions } });
}

/**
 * Every open stream connection of one replica, whatever its transport: the
 * limits on connections and subscriptions, the audit events of each
 * subscription's start and end, and the credentials watch that closes a
 * connection within about a second of its key being revoked or its
 * credential expiring.
 */
export class StreamSessions {
  private readonly open = new Set<OpenConnection>();
  private readonly counts = new Map<string, Counts>();
  private reserved = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly credentials: CredentialsRead,
    private readonly audit: AuditWriter,
    readonly limits: StreamLimits,
    private readonly logger: Logger,
  ) {}

  /** Counts a connection from its first byte (upgrade or request), before credentials; refused when the replica is full or stopping. */
  reserve(): 'ok' | 'full' | 'stopping' {
    if (this.stopping) return 'stopping';
    if (this.reserved >= this.limits.maxConnections) return 'full';
    this.reserved++;
    return 'ok';
  }

  release(): void {
    this.reserved = Math.max(0, this.reserved - 1);
  }

  /** Registers an authenticated connection; a refusal when its tenant holds too many. */
  attach(
    connection: Omit<StreamConnection, 'closedFor' | 'subscriptions'>,
    close: (code: StreamCloseCode, reason: string) => void,
  ): StreamConnection | GraphQLError {
    const counts = this.countsOf(connection.caller);
    if (counts.connections >= this.limits.maxConnectionsPerTenant) {
      return limitError(`at most ${this.limits.maxConnectionsPerTenant} stream connections per tenant are open at once on a gateway`, { limit: this.limits.maxConnectionsPerTenant });
    }
    counts.connections++;
    const open: OpenConnection = { ...connection, closedFor: null, subscriptions: 0, close, openedAt: Date.now(), tickets: new Set() };
    this.open.add(open);
    return open;
  }

  /** Forgets a closed connection; a subscription the transport never ended is ended here. */
  detach(connection: StreamConnection): void {
    const open = connection as OpenConnection;
    for (const ticket of open.tickets) this.end(ticket, 'closed');
    if (!this.open.delete(open)) return;
    this.countsOf(connection.caller).connections--;
    this.forget(connection.caller);
  }

  /**
   * Starts a subscription once its limits allow it and its start is in the
   * audit trail: a subscription whose start cannot be recorded does not run.
   */
  async start(connection: StreamConnection, record: StreamRecord): Promise<SubscriptionTicket | GraphQLError> {
    if (connection.subscriptions >= this.limits.maxSubscriptionsPerConnection) {
      return limitError(`at most ${this.limits.maxSubscriptionsPerConnection} subscriptions per connection`, { limit: this.limits.maxSubscriptionsPerConnection });
    }
    const counts = this.countsOf(connection.caller);
    if (counts.subscriptions >= this.limits.maxSubscriptionsPerTenant) {
      return limitError(`at most ${this.limits.maxSubscriptionsPerTenant} subscriptions per tenant run at once on a gateway`, { limit: this.limits.maxSubscriptionsPerTenant });
    }
    // Counted before the audit write, so concurrent subscribes cannot pass the limits together.
    connection.subscriptions++;
    counts.subscriptions++;
    const ticket: SubscriptionTicket = { connection, record, startedAt: performance.now(), tenantsSeen: new Set(), ended: false };
    (connection as OpenConnection).tickets.add(ticket);
    try {
      await this.audit.record(streamEvent(record, 'subscription.started', 'ok', null));
    } catch (err) {
      this.logger.error('audit record of a subscription start failed; refusing it', { err, requestId: record.requestId });
      this.release1(ticket);
      return new GraphQLError(AUDIT_UNAVAILABLE_MESSAGE, { extensions: { code: ErrorCode.AUDIT_UNAVAILABLE, requestId: record.requestId } });
    }
    return ticket;
  }

  /** Records a subscription's end: how (the connection's close reason, if the gateway closed it), and how long it ran. */
  end(ticket: SubscriptionTicket, how: string): void {
    if (ticket.ended) return;
    this.release1(ticket);
    const status = ticket.connection.closedFor ?? how;
    const elapsed = Math.round(performance.now() - ticket.startedAt);
    const ended = streamEvent(ticket.record, 'subscription.ended', status, elapsed);
    const reads = isPlatformOperator(ticket.record.caller) && ticket.tenantsSeen.size
      ? operatorReadEvents({ ...ticket.record, caller: ticket.record.caller, scope: 'read', status, latencyMs: elapsed }, ticket.tenantsSeen)
      : [];
    Promise.all([ended, ...reads].map((event) => this.audit.record(event))).catch((err) =>
      this.logger.error('audit record of a subscription end failed', { err, requestId: ticket.record.requestId }),
    );
  }

  /** Closes a connection for a reason of the gateway's own, recorded on the connection and in the audit trail. */
  close(connection: StreamConnection, code: StreamCloseCode, reason: string): void {
    const open = connection as OpenConnection;
    if (open.closedFor) return;
    open.closedFor = `${code} ${reason}`;
    const record: StreamRecord = {
      requestId: open.caller.requestId,
      correlationId: open.correlationId,
      caller: open.caller,
      surface: open.surface,
      operationName: null,
      bodySha256: null,
      variablesSha256: null,
    };
    this.audit.record(streamEvent(record, 'stream.closed', open.closedFor, Date.now() - open.openedAt)).catch((err) =>
      this.logger.error('audit record of a stream close failed', { err, requestId: record.requestId }),
    );
    open.close(code, reason);
  }

  connectionCount(): number {
    return this.open.size;
  }

  /** Open connections and running subscriptions by transport surface, for the metrics. */
  census(): { connections: Record<StreamSurface, number>; subscriptions: number } {
    const connections = Object.fromEntries(STREAM_SURFACES.map((s) => [s, 0])) as Record<StreamSurface, number>;
    let subscriptions = 0;
    for (const c of this.open) {
      connections[c.surface]++;
      subscriptions += c.subscriptions;
    }
    return { connections, subscriptions };
  }

  /** Starts the credentials watch. */
  watch(): void {
    this.timer = setInterval(() => {
      this.checking ??= this.checkCredentials().finally(() => (this.checking = null));
    }, CREDENTIAL_CHECK_MS);
    this.timer.unref();
  }

  /** Closes every connection with the given code (shutdown), and stops the watch. */
  async stop(code: StreamCloseCode, reason: string): Promise<void> {
    // Told to resume elsewhere, a client must not be let back in here.
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.checking;
    for (const connection of [...this.open]) this.close(connection, code, reason);
  }

  private async checkCredentials(): Promise<void> {
    const now = Date.now();
    for (const connection of this.open) {
      if (connection.expiresAt && connection.expiresAt.getTime() <= now) this.close(connection, StreamCloseCode.CREDENTIAL_EXPIRED, 'expired');
    }
    const byKey = new Map<string, OpenConnection[]>();
    for (const connection of this.open) {
      if (connection.closedFor || !connection.caller.actor.startsWith('key:')) continue;
      const id = connection.caller.actor.slice('key:'.length);
      byKey.set(id, [...(byKey.get(id) ?? []), connection]);
    }
    let invalid: Map<string, 'revoked' | 'expired'>;
    try {
      invalid = await this.credentials.invalidKeys([...byKey.keys()]);
    } catch (err) {
      // The streams read nothing while the database is down either; the next check closes what was revoked meanwhile.
      this.logger.warn('stream credentials check failed; retrying', { err: (err as Error).message });
      return;
    }
    for (const [id, why] of invalid) {
      const code = why === 'expired' ? StreamCloseCode.CREDENTIAL_EXPIRED : StreamCloseCode.CREDENTIAL_REVOKED;
      for (const connection of byKey.get(id) ?? []) this.close(connection, code, why);
    }
  }

  /** What the hub tells of a subscription, turned into its audit record and, for a client too slow, the connection's close. */
  hooks(ticket: SubscriptionTicket): SubscriptionHooks {
    const operator = isPlatformOperator(ticket.record.caller);
    return {
      delivered: (event) => {
        if (operator && event.tenantId) ticket.tenantsSeen.add(event.tenantId);
      },
      slow: () => this.close(ticket.connection, StreamCloseCode.SLOW_CONSUMER, 'slow consumer'),
      ended: (how) => this.end(ticket, how),
    };
  }

  private release1(ticket: SubscriptionTicket): void {
    ticket.ended = true;
    (ticket.connection as OpenConnection).tickets.delete(ticket);
    ticket.connection.subscriptions--;
    this.countsOf(ticket.connection.caller).subscriptions--;
    this.forget(ticket.connection.caller);
  }

  private countsOf(caller: Caller): Counts {
    const key = caller.tenantId ?? 'platform';
    let counts = this.counts.get(key);
    if (!counts) this.counts.set(key, (counts = { connections: 0, subscriptions: 0 }));
    return counts;
  }

  private forget(caller: Caller): void {
    const key = caller.tenantId ?? 'platform';
    const counts = this.counts.get(key);
    if (counts && counts.connections <= 0 && counts.subscriptions <= 0) this.counts.delete(key);
  }
}
