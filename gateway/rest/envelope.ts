import type { ServerResponse } from 'node:http';
import { sendJson } from '../../lib/http';

/** The one REST error shape: `{"error": {"code", "message", "request_id", "details"?}}`. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendRestError(res: ServerResponse, error: RestError, requestId: string, headers: Record<string, string>): void {
  const body = { error: { code: error.code, message: error.message, request_id: requestId, ...(error.details && { details: error.details }) } };
  sendJson(res, error.status, body, { ...headers, ...error.headers });
}

/** How a GraphQL error code reads over HTTP. */
const STATUS_BY_CODE: Record<string, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TENANT_SUSPENDED: 403,
  FEATURE_NOT_INSTALLED: 422,
  IDEMPOTENCY_KEY_REUSED: 409,
  DATABASE_UNAVAILABLE: 503,
  SUBGRAPH_UNAVAILABLE: 503,
  AUDIT_UNAVAILABLE: 503,
};

export function restErrorFromGraphQL(error: { message: string; extensions?: Record<string, unknown> }): RestError {
  const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  const status = STATUS_BY_CODE[code] ?? 500;
  const { code: _code, requestId: _rid, serviceName: _svc, ...details } = error.extensions ?? {};
  return new RestError(status, code, status === 500 ? 'Internal server error' : error.message, Object.keys(details).length ? details : undefined, status === 503 ? { 'retry-after': '1' } : {});
}
