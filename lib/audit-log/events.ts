import type { Caller } from '../caller';
import { canonicalJson } from '../canonical-json';
import { sha256Hex } from '../hash';
import type { Scope, StreamSurface, Surface } from '../vocabulary';
import type { AuditEventInput } from './chain';

/**
 * The two kinds of audit event, and the only places their fields are
 * spelled out: every writer (the gateway's GraphQL plugin, the REST facade,
 * the refusals, the decisions and tenants domains) hands one of these to
 * the audit log (AuditWriter.record, or appendAuditEvents in a transaction).
 */

/** One call, answered or refused: who made it, how, and what came of it. */
export interface CallRecord {
  requestId: string;
  /** The client's own id for the call, when it sent a well-formed one. */
  correlationId?: string | null;
  /** The verified caller; null when the call was refused before a credential was verified. */
  caller: Caller | null;
  surface: Surface;
  /** The scope the operation needs, when the call got far enough to know it. */
  scope: Scope | null;
  /** GraphQL operation name, or `METHOD /route/template` for REST. */
  operationName: string | null;
  /** HTTP status, followed by the error code when there is one: `401 missing`, `503 AUDIT_UNAVAILABLE`. */
  status: string;
  /** SHA-256 of the GraphQL document or of the REST body. */
  bodySha256: string | null;
  /** SHA-256 of the GraphQL variables or of the REST query string. */
  variablesSha256: string | null;
  latencyMs: number | null;
  /** When the answer was ready; now by default. */
  at?: Date;
}

export function callEvent(call: CallRecord): AuditEventInput {
  return {
    tenantId: call.caller?.tenantId ?? null,
    requestId: call.requestId,
    correlationId: call.correlationId ?? null,
    actor: call.caller?.actor ?? 'anonymous',
    scope: call.scope,
    surface: call.surface,
    action: 'request',
    operationName: call.operationName,
    resourceType: null,
    resourceId: null,
    status: call.status,
    bodySha256: call.bodySha256,
    variablesSha256: call.variablesSha256,
    latencyMs: call.latencyMs,
    createdAt: call.at ?? new Date(),
  };
}

/** One live subscription (or the stream connection carrying it), as its audit events name it. */
export interface StreamRecord {
  /** The subscription's own id (a connection's, for `stream.closed`), unique like a call's. */
  requestId: string;
  correlationId: string | null;
  caller: Caller;
  surface: StreamSurface;
  operationName: string | null;
  bodySha256: string | null;
  variablesSha256: string | null;
}

/**
 * What happened to a stream: a subscription started (`ok`) or ended (how:
 * `complete`, or the close code and reason, `4403 revoked`), or the gateway
 * closed a connection itself. Each event a subscription delivers is not
 * recorded: its start holds the document, caller and filter that decide
 * every one, and its end how long it ran.
 */
export function streamEvent(stream: StreamRecord, action: 'subscription.started' | 'subscription.ended' | 'stream.closed', status: string, latencyMs: number | null): AuditEventInput {
  return {
    tenantId: stream.caller.tenantId,
    requestId: stream.requestId,
    correlationId: stream.correlationId,
    actor: stream.caller.actor,
    scope: 'read',
    surface: stream.surface,
    action,
    operationName: stream.operationName,
    resourceType: null,
    resourceId: null,
    status,
    bodySha256: stream.bodySha256,
    variablesSha256: stream.variablesSha256,
    latencyMs,
    createdAt: new Date(),
  };
}

/**
 * A platform operator's call, once more on the chain of each tenant whose
 * rows it was given, so a tenant can see who looked: the same request id,
 * actor, surface, operation and status as the call's own record (which
 * stays on the platform chain).
 */
export function operatorReadEvents(call: CallRecord, tenantIds: Iterable<string>): AuditEventInput[] {
  const base = callEvent(call);
  return [...tenantIds].map((tenantId) => ({ ...base, tenantId, action: 'operator.read', resourceType: 'tenant', resourceId: tenantId }));
}

/**
 * The hash of a call's variables. It never throws: variables too deep or too
 * odd to serialise are recorded as exactly that, so hashing cannot turn a
 * bad request into AUDIT_UNAVAILABLE.
 */
export function variablesHash(variables: unknown): string {
  try {
    return sha256Hex(canonicalJson(variables ?? {}));
  } catch {
    return sha256Hex('unserialisable variables');
  }
}

/** What a domain write records, in the transaction of the write. */
export type DomainAction = 'decision.created' | 'api_key.created' | 'api_key.revoked';

/** Who made a domain change: a gateway caller, or the platform's own tooling (surface INTERNAL). */
export interface ChangeActor {
  requestId: string;
  actor: string;
  surface: Surface;
}

export interface DomainChange {
  /** The tenant whose chain records the change; null for the platform chain (operator keys). */
  tenantId: string | null;
  action: DomainAction;
  /** The scope the change needs. */
  scope: Scope;
  resource: { type: 'decision' | 'api_key'; id: string };
  /** SHA-256 of the canonical JSON of what was written, when the record itself is not public. */
  contentSha256: string | null;
  at?: Date;
}

export function domainEvent(by: ChangeActor, change: DomainChange): AuditEventInput {
  return {
    tenantId: change.tenantId,
    requestId: by.requestId,
    actor: by.actor,
    scope: change.scope,
    surface: by.surface,
    action: change.action,
    operationName: null,
    resourceType: change.resource.type,
    resourceId: change.resource.id,
    status: 'ok',
    bodySha256: change.contentSha256,
    variablesSha256: null,
    latencyMs: null,
    createdAt: change.at ?? new Date(),
  };
}
