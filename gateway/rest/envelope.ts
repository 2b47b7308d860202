import type { ServerResponse } from 'node:http';
import { ErrorCode, HTTP_STATUS, httpStatusOf } from '../../lib/errors';
import { sendJson } from '../../lib/http';

/**
 * The one REST error shape: `{"error": {"code", "message", "request_id", "details"?}}`; the code decides the status.
 * `details` is an object of context, except for INVALID_ATTRIBUTES, where it is the list of `{field, problem}`.
 */
export class RestError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown> | ReadonlyArray<Record<string, unknown>>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = HTTP_STATUS[code];
  }
}

export function sendRestError(res: ServerResponse, error: RestError, requestId: string, headers: Record<string, string>): void {
  const body = { error: { code: error.code, message: error.message, request_id: requestId, ...(error.details && { details: error.details }) } };
  sendJson(res, error.status, body, { ...headers, ...error.headers });
}

/** A GraphQL error of the facade's own operation, as the REST error it means. */
export function restErrorFromGraphQL(error: { message: string; extensions?: Record<string, unknown> }): RestError {
  const status = httpStatusOf(error.extensions?.code);
  if (status === 500) return new RestError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
  // Attributes a feature's schema refuses are BAD_USER_INPUT in GraphQL; REST gives them their own code and 422.
  if (error.extensions?.reason === ErrorCode.INVALID_ATTRIBUTES && Array.isArray(error.extensions.details)) {
    return new RestError(ErrorCode.INVALID_ATTRIBUTES, error.message, error.extensions.details as Array<Record<string, unknown>>);
  }
  const { code, requestId: _rid, serviceName: _svc, ...details } = error.extensions ?? {};
  return new RestError(code as ErrorCode, error.message, Object.keys(details).length ? details : undefined, status === 503 ? { 'retry-after': '1' } : {});
}
