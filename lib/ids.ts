const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs in the database. A malformed id cannot name any row, so
 * lookups treat it as "not found" instead of sending it to PostgreSQL, which
 * would fail the whole query on the cast.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
