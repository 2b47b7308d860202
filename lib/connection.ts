import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { badUserInput } from './errors';
import { DATETIME_MAX, DATETIME_MIN } from './scalars';

/** The largest page any connection returns; part of the schema's documented contract. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** The slicing arguments of every connection, as the Cursor Connections spec names them. */
export interface SliceArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * Which end a page is read from: `first` counts from the start (or from
 * `after`), `last` from the end (or from `before`).
 */
export interface Slice {
  direction: 'forward' | 'backward';
  size: number;
}

export function slice(args: SliceArgs): Slice {
  // The Cursor Connections spec strongly discourages both at once (the page
  // it gives is confusing): refuse it rather than guess which one was meant.
  if (args.first != null && args.last != null) {
    throw badUserInput('give first or last, not both', { argument: 'last' });
  }
  if (args.last != null) return { direction: 'backward', size: checkedSize('last', args.last) };
  return { direction: 'forward', size: checkedSize('first', args.first ?? DEFAULT_PAGE_SIZE) };
}

function checkedSize(argument: 'first' | 'last', size: number): number {
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw badUserInput(`${argument} must be an integer from 0 to ${MAX_PAGE_SIZE}; got ${size}`, { argument, max: MAX_PAGE_SIZE });
  }
  return size;
}

/**
 * What a cursor's key holds, field by field: the sort column's value and the
 * id that breaks ties. Packed as bytes (8 for a number or an instant, 16 for
 * a UUID, length-prefixed UTF-8 for text) rather than JSON, which keeps a
 * timestamp-and-id cursor at 55 characters.
 */
export type CursorField = 'timestamp' | 'number' | 'text' | 'uuid';
export type CursorValue = Date | number | string;

/**
 * The connection a cursor belongs to. A cursor only means something inside
 * the list it was read from: the same field of the same parent, in the same
 * order, under the same filter, seen through the same tenant scope. Each of
 * these is bound into the cursor's MAC, so a cursor carried to another list
 * is refused instead of silently skipping or repeating rows, and a tenant
 * cannot replay another tenant's cursor to probe its data.
 */
export interface CursorBinding {
  /** `Type.field` of the connection, e.g. `Query.decisions`. */
  field: string;
  /** The parent object's key, for connections on an entity (`Tenant.decisions` of which tenant). */
  parent?: string | null;
  /** The order's enum value. */
  order: string;
  /** The filter, as given; null members are dropped, so an omitted field and an explicit null bind alike. */
  filter?: unknown;
  /** The caller's tenant scope (null: every tenant). */
  scope: string | null;
}

export function bindingKey(binding: CursorBinding): string {
  return canonicalJson([binding.field, binding.parent ?? null, binding.order, withoutNulls(binding.filter ?? null), binding.scope]);
}

function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v != null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

const VERSION = 1;
const MAC_BYTES = 16;
// Base64url of VERSION + MAC + the longest key we mint (a text sort value of
// a few hundred bytes and an id): anything longer was not minted here.
const MAX_CURSOR_CHARS = 1024;

/**
 * Mints and opens cursors: `base64url(version ‖ mac ‖ key)`, where the MAC
 * is HMAC-SHA256 over the version, the connection binding and the key,
 * truncated to 128 bits. The binding itself is not in the cursor (the
 * request that presents it supplies it again), which keeps cursors short
 * and says nothing about the filter. The key is derived from CURSOR_SECRET
 * and the subgraph's name, so a cursor stays valid across requests, replicas
 * and restarts, is refused by every other subgraph, and is refused
 * everywhere once the secret rotates.
 */
export class CursorCodec {
  private constructor(private readonly key: Buffer) {}

  /** The codec of one subgraph: its key is derived from the secret and its name, so no other subgraph's cursor opens here. */
  static forSubgraph(secret: string, subgraph: string): CursorCodec {
    return new CursorCodec(createHmac('sha256', secret).update(`cursor-v1\0${subgraph}`).digest());
  }

  encode(binding: string, shape: readonly CursorField[], values: readonly CursorValue[]): string {
    const payload = encodeKey(shape, values);
    return Buffer.concat([Buffer.of(VERSION), this.mac(binding, payload), payload]).toString('base64url');
  }

  /** The key a cursor holds, once its MAC verifies for this binding and every value is in range; BAD_USER_INPUT otherwise. */
  decode(cursor: string, binding: string, shape: readonly CursorField[], argument: 'after' | 'before'): CursorValue[] {
    if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor(argument);
    const bytes = Buffer.from(cursor, 'base64url');
    // Base64 leaves spare bits in the last character: without this, a flipped
    // character could decode to the same bytes and pass as the same cursor.
    if (bytes.toString('base64url') !== cursor) throw invalidCursor(argument);
    if (bytes.length < 1 + MAC_BYTES || bytes[0] !== VERSION) throw invalidCursor(argument);
    const mac = bytes.subarray(1, 1 + MAC_BYTES);
    const payload = bytes.subarray(1 + MAC_BYTES);
    if (!timingSafeEqual(mac, this.mac(binding, payload))) throw invalidCursor(argument);
    // Values are checked even under a valid MAC: a cursor minted from a row
    // the database holds but PostgreSQL could not be asked about (or by an
    // older build) must fail as bad input, not as a failed query.
    const values = decodeKey(shape, payload);
    if (!values) throw invalidCursor(argument);
    return values;
  }

  private mac(binding: string, payload: Buffer): Buffer {
    // The binding is canonical JSON, which never holds a raw NUL: the separator cannot be forged.
    return createHmac('sha256', this.key).update(Buffer.of(VERSION)).update(binding).update('\0').update(payload).digest().subarray(0, MAC_BYTES);
  }
}

export function invalidCursor(argument: 'after' | 'before') {
  return badUserInput(`${argument} is not a cursor of this connection (same field, filter, order and tenant)`, { argument });
}

function encodeKey(shape: readonly CursorField[], values: readonly CursorValue[]): Buffer {
  if (values.length !== shape.length) throw new TypeError('cursor key does not match its shape');
  return Buffer.concat(
    shape.map((kind, i) => {
      const value = values[i]!;
      switch (kind) {
        case 'timestamp': {
          const out = Buffer.alloc(8);
          out.writeDoubleBE((value as Date).getTime());
          return out;
        }
        case 'number': {
          const out = Buffer.alloc(8);
          out.writeDoubleBE(value as number);
          return out;
        }
        case 'uuid': {
          const bytes = Buffer.from((value as string).replace(/-/g, ''), 'hex');
          if (bytes.length !== 16) throw new TypeError(`cursor key: ${String(value)} is not a UUID`);
          return bytes;
        }
        case 'text': {
          const text = Buffer.from(value as string, 'utf8');
          const length = Buffer.alloc(2);
          length.writeUInt16BE(text.length);
          return Buffer.concat([length, text]);
        }
      }
    }),
  );
}

function decodeKey(shape: readonly CursorField[], payload: Buffer): CursorValue[] | null {
  const values: CursorValue[] = [];
  let at = 0;
  const take = (n: number): Buffer | null => (at + n <= payload.length ? payload.subarray(at, (at += n)) : null);
  for (const kind of shape) {
    if (kind === 'timestamp' || kind === 'number') {
      const bytes = take(8);
      if (!bytes) return null;
      const n = bytes.readDoubleBE();
      if (!Number.isFinite(n)) return null;
      if (kind === 'timestamp') {
        // DateTime's range, which is also what PostgreSQL and JavaScript both read alike.
        if (!Number.isInteger(n) || n < DATETIME_MIN || n > DATETIME_MAX) return null;
        values.push(new Date(n));
      } else values.push(n);
    } else if (kind === 'uuid') {
      const bytes = take(16);
      if (!bytes) return null;
      // Any 16 bytes spell a UUID that PostgreSQL's uuid type accepts: nothing more to check.
      const hex = bytes.toString('hex');
      values.push(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
    } else {
      const length = take(2);
      const text = length && take(length.readUInt16BE());
      if (!text) return null;
      const value = text.toString('utf8');
      // Invalid UTF-8 or a NUL would not survive the round trip to PostgreSQL text.
      if (!Buffer.from(value, 'utf8').equals(text) || value.includes('\0')) return null;
      values.push(value);
    }
  }
  return at === payload.length ? values : null;
}

/**
 * A boolean the client may never ask for: a function here is called by
 * GraphQL's default resolver only when the field is selected, so the probe
 * behind hasPreviousPage after `after` (or hasNextPage before `before`)
 * costs nothing unless a client pages both ways.
 */
export type LazyFlag = boolean | (() => Promise<boolean>);

export interface PageInfo {
  hasNextPage: LazyFlag;
  hasPreviousPage: LazyFlag;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
}

/**
 * Builds a page from rows read with LIMIT size + 1 in reading order (the
 * connection's order forwards, its reverse backwards): the extra row only
 * says whether more lie beyond the page in the reading direction. Edges come
 * out in the connection's order either way.
 */
export function toPage<T>(
  rows: T[],
  slice: Slice,
  cursorOf: (row: T) => string,
  /** Whether anything lies behind the page, against the reading direction: known only from the cursor the page started at. */
  behind: LazyFlag,
): Page<T> {
  const more = rows.length > slice.size;
  const read = rows.slice(0, slice.size);
  const nodes = slice.direction === 'forward' ? read : read.reverse();
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: slice.direction === 'forward' ? more : behind,
      hasPreviousPage: slice.direction === 'backward' ? more : behind,
      startCursor: edges.length ? edges[0]!.cursor : null,
      endCursor: edges.length ? edges[edges.length - 1]!.cursor : null,
    },
  };
}

/** A page plus a deferred count: COUNT(*) runs only when a client asks for totalCount. */
export interface Connection<T> extends Page<T> {
  totalCount(): Promise<number>;
}
