import { randomBytes } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs in the database. A malformed id cannot name any row, so
 * lookups treat it as "not found" instead of sending it to PostgreSQL, which
 * would fail the whole query on the cast.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A random, time-ordered (version 7) UUID. Rows keyed by it land at the end
 * of the primary-key B-tree instead of scattering across it.
 */
export function uuidV7(timeMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Math.floor(timeMs), 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
