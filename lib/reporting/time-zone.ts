import { Prisma } from '@prisma/client';
import { badUserInput } from '../errors';
import { runSql, type SqlClient } from '../sql';

/**
 * IANA zone names as PostgreSQL knows them, lower-cased to the spelling it
 * answers with. PostgreSQL's list decides, not Node's Intl: PostgreSQL is
 * what computes the local boundaries, its tz database can differ from ICU's,
 * and AT TIME ZONE also accepts POSIX strings such as `+05` whose sign is
 * the reverse of ISO's, which a report must never read as a zone.
 */
let known: Promise<Map<string, string>> | undefined;

function zoneNames(db: SqlClient): Promise<Map<string, string>> {
  // Loaded once per process: the list changes only with a server upgrade.
  known ??= runSql<{ name: string }>(db, Prisma.sql`SELECT name FROM pg_timezone_names`)
    .then((rows) => new Map(rows.filter((r) => !/^(posix|right)\//i.test(r.name)).map((r) => [r.name.toLowerCase(), r.name])))
    .catch((error: unknown) => {
      known = undefined;
      throw error;
    });
  return known;
}

/** The zone's name as PostgreSQL spells it, or BAD_USER_INPUT naming `timezone` for a name it does not know. */
export async function resolveTimeZone(db: SqlClient, name: string): Promise<string> {
  const zone = name.length <= 64 ? (await zoneNames(db)).get(name.toLowerCase()) : undefined;
  if (zone === undefined) {
    throw badUserInput(`timezone must be an IANA time zone name such as Europe/London or UTC; ${JSON.stringify(name.slice(0, 64))} is not one`, { argument: 'timezone' });
  }
  return zone;
}
