import { randomBytes } from 'node:crypto';
import { context, createContextKey, type Context } from '@opentelemetry/api';

/** The server's id of a call: answered on every response, the key of the call's lineage. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** The client's own id for a call, kept beside the server's and echoed back. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

// Strict enough to be safe in logs and headers, loose enough for the UUIDs,
// ULIDs and trace ids that clients already generate.
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

/**
 * A fresh request id. The server always makes its own: a client's id is
 * neither unique nor bound to a tenant, so keying lineage by it would let
 * any later call join another's trail.
 */
export function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

/**
 * The client's id for its call, from X-Correlation-Id or (as clients have
 * long sent it) X-Request-Id; null when absent or malformed (it is dropped,
 * not refused: a label the client chose is no reason to fail its call).
 */
export function correlationIdFrom(headers: Record<string, string | string[] | undefined>): string | null {
  for (const name of [CORRELATION_ID_HEADER, REQUEST_ID_HEADER]) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) return WELL_FORMED.test(value) ? value : null;
  }
  return null;
}

/** A subgraph's id for a call: the gateway's, which it forwards; a fresh one for anything else. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && WELL_FORMED.test(value) ? value : newRequestId();
}

const REQUEST_ID = createContextKey('micro-ai-graph request id');

/**
 * `ctx` with the request id of the call it serves. It travels with the trace
 * context (AsyncLocalStorage, once tracing is set up), so a log line written
 * anywhere below the request's handler carries it without being handed it.
 */
export function withRequestId(ctx: Context, requestId: string): Context {
  return ctx.setValue(REQUEST_ID, requestId);
}

/** The request id of the call being served, if any. */
export function activeRequestId(): string | undefined {
  const value = context.active().getValue(REQUEST_ID);
  return typeof value === 'string' ? value : undefined;
}
