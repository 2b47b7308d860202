import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../lib/errors';

// graphql-js reports a bad argument value (unknown enum value, wrong scalar,
// unknown or missing input field) as a validation failure. To a client that
// is bad input, like the same mistake made through variables, so it gets
// BAD_USER_INPUT; other validation failures (unknown field, bad syntax) keep
// GRAPHQL_VALIDATION_FAILED.
const ARGUMENT_VALUE_ERRORS = [
  /^Value ".*" does not exist in ".*" enum/,
  /^Enum ".*" cannot represent/,
  /^Expected value of type/,
  /cannot represent (a )?non[- ]/,
  /^Field ".*" is not defined by type ".*"/,
  /^Field ".*" of required type ".*" was not provided/,
  /^DateTime /,
];

export function reclassifyValidationError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions?.code !== ErrorCode.GRAPHQL_VALIDATION_FAILED) return formatted;
  if (!ARGUMENT_VALUE_ERRORS.some((pattern) => pattern.test(formatted.message))) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT } };
}
