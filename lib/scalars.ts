import { GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';
import { badUserInput } from './errors';

// Full ISO-8601 with an explicit zone: a bare date or local time would be
// read in the server's zone and silently shift report windows.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseInstant(value: unknown): Date {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) {
    throw badUserInput(`DateTime must be an ISO-8601 string with a time zone, e.g. 2026-11-24T09:30:00Z; got ${JSON.stringify(value)}`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badUserInput(`DateTime ${JSON.stringify(value)} is not a real instant`);
  return date;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new TypeError(`DateTime cannot serialise ${String(value)}`);
    return date.toISOString();
  },
  parseValue: parseInstant,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badUserInput('DateTime must be given as a string');
    return parseInstant(ast.value);
  },
});

/** Any JSON value; what may go inside is checked by whoever reads it (e.g. decision attributes). */
export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
