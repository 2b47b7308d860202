import { GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';
import { badUserInput } from './errors';

// Full ISO-8601 with an explicit zone: a bare date or local time would be
// read in the server's zone and silently shift report windows.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instants a DateTime may name: years 0001 to 9999 in UTC. PostgreSQL
 * has no year 0 and JavaScript prints years past 9999 with a sign that
 * PostgreSQL refuses, so this is the range both read and write alike.
 */
export const DATETIME_MIN = Date.parse('0001-01-01T00:00:00.000Z');
export const DATETIME_MAX = Date.parse('9999-12-31T23:59:59.999Z');

function daysIn(year: number, month: number): number {
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/** The instant an ISO-8601 string names, or null when it names none (2026-02-30, 24:00, an offset past ±14:00, outside the range). */
export function parseInstantOrNull(value: string): Date | null {
  const m = ISO_INSTANT.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec = '00', , zone, , oh = '00', om = '00'] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return null;
  if (zone !== 'Z' && (Number(oh) > 14 || Number(om) > 59)) return null;
  const date = new Date(value);
  const time = date.getTime();
  if (Number.isNaN(time) || time < DATETIME_MIN || time > DATETIME_MAX) return null;
  return date;
}

function parseInstant(value: unknown): Date {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) {
    throw badUserInput(`DateTime must be an ISO-8601 string with a time zone, e.g. 2026-11-24T09:30:00Z; got ${JSON.stringify(value)?.slice(0, 64)}`);
  }
  const date = parseInstantOrNull(value);
  if (!date) throw badUserInput(`DateTime ${JSON.stringify(value)} is not a real instant from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z`);
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
