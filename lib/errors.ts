import { GraphQLError } from 'graphql';

/**
 * Every stable error code clients can branch on: GraphQL `extensions.code`
 * and the REST envelope's `error.code`. No other module spells one out.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  AUDIT_UNAVAILABLE: 'AUDIT_UNAVAILABLE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  // A live stream's client read too slowly and its queue filled (gateway/streams/event-queue.ts).
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  // The gateway itself fell behind a stream's events (gateway/streams/subscription-hub.ts).
  STREAM_OVERLOADED: 'STREAM_OVERLOADED',
  // The gateway is shutting down: a stream client reconnects (to another replica) and resumes.
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  FEATURE_NOT_INSTALLED: 'FEATURE_NOT_INSTALLED',
  TENANT_SUSPENDED: 'TENANT_SUSPENDED',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  // Feature input contracts: attributes that break the installed version's
  // input schema (GraphQL code BAD_USER_INPUT with this reason; REST code
  // and status of its own), and installed versions that cannot decide.
  INVALID_ATTRIBUTES: 'INVALID_ATTRIBUTES',
  INPUT_SCHEMA_MISSING: 'INPUT_SCHEMA_MISSING',
  FEATURE_CONTRACT_INVALID: 'FEATURE_CONTRACT_INVALID',
  // The operation limits (gateway/graphql/operation-limits.ts) and the answer bounds.
  DOCUMENT_TOO_LARGE: 'DOCUMENT_TOO_LARGE',
  TOKEN_LIMIT_EXCEEDED: 'TOKEN_LIMIT_EXCEEDED',
  DEPTH_LIMIT_EXCEEDED: 'DEPTH_LIMIT_EXCEEDED',
  ALIAS_LIMIT_EXCEEDED: 'ALIAS_LIMIT_EXCEEDED',
  ROOT_FIELD_LIMIT_EXCEEDED: 'ROOT_FIELD_LIMIT_EXCEEDED',
  DIRECTIVE_LIMIT_EXCEEDED: 'DIRECTIVE_LIMIT_EXCEEDED',
  COST_LIMIT_EXCEEDED: 'COST_LIMIT_EXCEEDED',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  OPERATION_TIMEOUT: 'OPERATION_TIMEOUT',
  RATE_LIMITED: 'RATE_LIMITED',
  // Trusted documents (gateway/graphql/trusted-documents.ts). NOT_FOUND is
  // what Apollo clients wait for to send the text with the hash, so it keeps
  // Apollo's name and its 200.
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  PERSISTED_QUERY_NOT_IN_SAFELIST: 'PERSISTED_QUERY_NOT_IN_SAFELIST',
  PAGE_NOT_BUILT: 'PAGE_NOT_BUILT',
  // REST only: what a body, a route or a query string got wrong.
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  NOT_ACCEPTABLE: 'NOT_ACCEPTABLE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  MALFORMED_JSON: 'MALFORMED_JSON',
  INVALID_BODY: 'INVALID_BODY',
  UNKNOWN_FIELD: 'UNKNOWN_FIELD',
  INVALID_FIELD: 'INVALID_FIELD',
  UNKNOWN_PARAMETER: 'UNKNOWN_PARAMETER',
  INVALID_PARAMETER: 'INVALID_PARAMETER',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** How a code reads over HTTP where it decides the status (REST, and refusals before GraphQL runs). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  GRAPHQL_PARSE_FAILED: 400,
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  INVALID_BODY: 400,
  UNKNOWN_FIELD: 400,
  INVALID_FIELD: 400,
  UNKNOWN_PARAMETER: 400,
  INVALID_PARAMETER: 400,
  DOCUMENT_TOO_LARGE: 400,
  TOKEN_LIMIT_EXCEEDED: 400,
  DEPTH_LIMIT_EXCEEDED: 400,
  ALIAS_LIMIT_EXCEEDED: 400,
  ROOT_FIELD_LIMIT_EXCEEDED: 400,
  DIRECTIVE_LIMIT_EXCEEDED: 400,
  COST_LIMIT_EXCEEDED: 400,
  RESPONSE_TOO_LARGE: 400,
  PERSISTED_QUERY_HASH_MISMATCH: 400,
  PERSISTED_QUERY_NOT_IN_SAFELIST: 400,
  // Not a failure to a client: Apollo clients read it in a 200 and retry with the document (as Apollo Server answers it).
  PERSISTED_QUERY_NOT_FOUND: 200,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TENANT_SUSPENDED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  IDEMPOTENCY_KEY_REUSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  SLOW_CONSUMER: 429,
  UNSUPPORTED_MEDIA_TYPE: 415,
  FEATURE_NOT_INSTALLED: 422,
  INVALID_ATTRIBUTES: 422,
  INPUT_SCHEMA_MISSING: 422,
  FEATURE_CONTRACT_INVALID: 422,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
  DATABASE_UNAVAILABLE: 503,
  SUBGRAPH_UNAVAILABLE: 503,
  AUDIT_UNAVAILABLE: 503,
  PAGE_NOT_BUILT: 503,
  STREAM_OVERLOADED: 503,
  SHUTTING_DOWN: 503,
  OPERATION_TIMEOUT: 504,
};

/** The status for a code another service sent; an unknown one is a server fault. */
export function httpStatusOf(code: unknown): number {
  return typeof code === 'string' && code in HTTP_STATUS ? HTTP_STATUS[code as ErrorCode] : 500;
}

/** The one answer to a call whose audit record could not be written (GraphQL and REST alike). */
export const AUDIT_UNAVAILABLE_MESSAGE = 'the audit trail is unavailable, so the request cannot be answered; retry shortly';

/** A committed write is answered even when its call record fails: its own domain event is already in the trail. */
export const CALL_RECORD_MISSING_MESSAGE = 'the change was made and its audit event recorded, but the record of this call could not be written';

/** An error with a stable code of its own (not one of the generic ones above). */
export function codedError(code: ErrorCode, message: string, details?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

export function badUserInput(message: string, details?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...details } });
}

/**
 * Attributes a feature's input schema refuses: BAD_USER_INPUT, as every
 * other bad argument, with `reason: INVALID_ATTRIBUTES` and `details`, one
 * `{field, problem}` per problem. REST answers it as 422 INVALID_ATTRIBUTES
 * with the same details.
 */
export function invalidAttributes(message: string, details: ReadonlyArray<{ field: string; problem: string }>, context?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, reason: ErrorCode.INVALID_ATTRIBUTES, ...context, details } });
}

export function forbidden(message: string, details?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, ...details } });
}

const CONNECTION_FAILURES = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|connection timeout|Can't reach database|Too many connections|server closed the connection/i;

/** True when an error means the database could not be reached, as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (err.code === 'P1001' || err.code === 'P1017' || err.code === 'P2024') return true;
    if (typeof err.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P01|57P03|08\w{3})$/.test(err.code)) return true;
    if (typeof err.message === 'string' && CONNECTION_FAILURES.test(err.message)) return true;
    e = err.cause;
  }
  return false;
}
