import { GraphQLError } from 'graphql';

/** Stable error codes clients can branch on (GraphQL `extensions.code`, REST `error.code`). */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  FEATURE_NOT_INSTALLED: 'FEATURE_NOT_INSTALLED',
  TENANT_SUSPENDED: 'TENANT_SUSPENDED',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
} as const;

/** An error with a stable code of its own (not one of the generic ones above). */
export function codedError(code: keyof typeof ErrorCode, message: string, details?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

export function badUserInput(message: string, details?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...details } });
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
