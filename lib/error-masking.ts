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
