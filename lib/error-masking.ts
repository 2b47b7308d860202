import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, isDatabaseUnavailable } from './errors';
import type { Logger } from './logger';

/**
 * Shapes every GraphQL error a client sees: a stable `extensions.code`, and
 * never a stack trace or an internal message. Unexpected errors are logged
 * whole and masked. (requestIdPlugin adds the request id.)
 */
export function makeErrorMasker(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    const { stacktrace: _dropped, ...extensions } = formatted.extensions ?? {};
    if (isDatabaseUnavailable(original)) {
      logger.warn('database unavailable', { err: original });
      return {
        message: 'The database is unavailable; retry shortly',
        path: formatted.path,
        extensions: { code: ErrorCode.DATABASE_UNAVAILABLE },
      };
    }
    if (isUnstorableText(original)) {
      // A NUL or broken escape the gateway did not catch reached PostgreSQL: the client's input, not our fault.
      return { message: 'a string holds a character that cannot be stored or matched (NUL)', path: formatted.path, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    }
    if (code === ErrorCode.INTERNAL_SERVER_ERROR || code === undefined) {
      logger.error('unexpected error', { err: original, path: formatted.path });
      return {
        message: 'Internal server error',
        path: formatted.path,
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
      };
    }
    return { ...formatted, extensions };
  };
}

const UNSTORABLE_TEXT = /invalid byte sequence for encoding|unsupported Unicode escape sequence|\\u0000 cannot be converted/i;

function isUnstorableText(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as { code?: unknown; message?: unknown; cause?: unknown; meta?: { code?: unknown } };
    if (err.code === '22021' || err.code === '22P05' || err.meta?.code === '22021' || err.meta?.code === '22P05') return true;
    if (typeof err.message === 'string' && UNSTORABLE_TEXT.test(err.message)) return true;
    e = err.cause;
  }
  return false;
}
